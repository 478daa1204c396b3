/**
 * Tenancy: a tenant-scoped `brands` table isolated by the database, two
 * orgs, proof that org B sees none of org A's rows, and the isolation proof.
 */
import { isolationProof, withTenant } from '../../src/index.js';
import type { ExampleStep } from '../context.js';

export const tenancyStep: ExampleStep = async (ctx) => {
  const { adminPool, appPool, orgA, orgB } = ctx;

  ctx.section('1. A tenant-scoped table, isolated by PostgreSQL');
  // The application's own migration (examples/migrations/0001_content_tables.sql,
  // applied by migrate({ directories })) created brands and eight more tables:
  // the tenant column leads the primary key, and every table ends with
  // SELECT tenantguard.enable_tenant_isolation('<table>').
  const rls = await adminPool.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'brands' AND relkind = 'r'",
  );
  ctx.say(`brands: RLS enabled ${String(rls.rows[0]?.relrowsecurity)}, forced ${String(rls.rows[0]?.relforcerowsecurity)}`);

  ctx.section('2. Two orgs write through withTenant');
  await withTenant(appPool, orgA, async (db) => {
    // No org_id is trusted from the request: it comes from the tenant context.
    for (const name of ['Acme Coffee', 'Acme Tea']) {
      await db.query('INSERT INTO brands (org_id, name) VALUES ($1, $2)', [db.orgId, name]);
    }
  });
  await withTenant(appPool, orgB, (db) => db.query("INSERT INTO brands (org_id, name) VALUES ($1, 'Bolt Bikes')", [db.orgId]));
  ctx.say(`org A ${orgA}: 2 brands; org B ${orgB}: 1 brand`);

  ctx.section('3. Org B sees none of org A\'s rows, even without a WHERE');
  const seenByB = await withTenant(appPool, orgB, async (db) => (await db.query<{ name: string; org_id: string }>('SELECT name, org_id FROM brands ORDER BY name')).rows);
  ctx.say(`SELECT * FROM brands as org B -> ${JSON.stringify(seenByB.map((r) => r.name))}`);
  if (seenByB.some((r) => r.org_id !== orgB)) throw new Error('isolation failed: org B saw another org');
  const targeted = await withTenant(appPool, orgB, async (db) => (await db.query('SELECT 1 FROM brands WHERE org_id = $1', [orgA])).rowCount);
  ctx.say(`org B asking for org A's rows by id -> ${String(targeted)} rows`);
  const updated = await withTenant(appPool, orgB, async (db) => (await db.query("UPDATE brands SET name = 'pwned' WHERE org_id = $1", [orgA])).rowCount);
  ctx.say(`org B updating org A's rows -> ${String(updated)} rows changed`);
  try {
    await withTenant(appPool, orgB, (db) => db.query("INSERT INTO brands (org_id, name) VALUES ($1, 'smuggled')", [orgA]));
    throw new Error('isolation failed: org B inserted a row for org A');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '42501') throw err;
    ctx.say(`org B inserting a row carrying org A's id -> refused (${code}: ${(err as Error).message})`);
  }
  const noTenant = (await appPool.query('SELECT * FROM brands')).rowCount;
  ctx.say(`no tenant set -> ${String(noTenant)} rows (fail closed)`);
  if (targeted !== 0 || updated !== 0 || noTenant !== 0) throw new Error('isolation failed');

  ctx.section('4. The isolation proof (app role: what the app really runs as)');
  const proof = await isolationProof(appPool, { orgId: orgA });
  const brands = proof.tables.find((t) => t.name === 'brands');
  ctx.say(
    JSON.stringify(
      {
        orgId: proof.orgId,
        isolated: proof.isolated,
        applicationLayer: proof.applicationLayer.status,
        databaseLayer: proof.databaseLayer.status,
        brands,
        audit: proof.audit.status,
        systemTotals: proof.systemTotals,
        findings: proof.findings.map((f) => `${f.severity} ${f.code} ${f.object}: ${f.fix}`),
      },
      null,
      2,
    ),
  );
  if (brands?.enforced !== true || proof.databaseLayer.status !== 'active') throw new Error('the proof does not show brands enforced');

  ctx.section('5. The mistake the proof makes visible: connecting as a superuser');
  const inert = await isolationProof(adminPool, { orgId: orgA });
  ctx.say(`databaseLayer: ${inert.databaseLayer.status} (${inert.databaseLayer.reason})`);
  for (const f of inert.findings.filter((x) => x.code === 'DB_LAYER_INERT' || x.object === 'public.brands')) {
    ctx.say(`  ${f.severity} ${f.code}: ${f.message}\n    fix: ${f.fix}`);
  }
  const dropped = await isolationProof(adminPool, { orgId: orgA, role: 'tenantguard_app' });
  ctx.say(`same superuser pool with { role: 'tenantguard_app' }: databaseLayer ${dropped.databaseLayer.status}`);
};
