/**
 * Dedicated placement (isolation layer 3) on TWO real PostgreSQL servers at
 * once: the run's server (DATABASE_URL, e.g. the local 15, or embedded) holds
 * the shared tables and a schema placement; a second, embedded PostgreSQL 18
 * started here holds a dedicated-database placement. The router, provisioning
 * (migrations run there), the signed context on the dedicated database, and
 * moving orgs between placements (dry run, copy, verify, switch, purge).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { isTenantGuardError } from '../../src/errors.js';
import { migrate } from '../../src/migrate/index.js';
import { isolationProof, type OrgId, type TenantDb } from '../../src/tenancy/index.js';
import { moveOrg, purgeMovedOrg } from '../../src/tenancy/move-org.js';
import { parsePlacement, type Placement } from '../../src/tenancy/placement.js';
import { createPlacementDirectory } from '../../src/tenancy/placement-directory.js';
import { provisionPlacement } from '../../src/tenancy/placement-provision.js';
import { createSignedContext } from '../../src/tenancy/signed-context.js';
import { installContextKey, readSignedContextStatus } from '../../src/tenancy/signed-context-admin.js';
import { generateContextKeySecret } from '../../src/tenancy/signed-context-proof.js';
import { createTenantRouter, type TenantRouter } from '../../src/tenancy/tenant-router.js';
import { useTestDatabase } from '../support/db.js';
import { startEmbeddedPostgres, type RunningServer } from '../support/server.js';
import { APP_LOGIN_PASSWORD, APP_LOGIN_ROLE, withDatabase, withUser } from '../support/urls.js';
import { newOrg } from './helpers.js';

const db = useTestDatabase();
const A = newOrg(); // shared
const G = newOrg(); // schema org_gamma
const D = newOrg(); // dedicated database on the second server
const SCHEMA: Placement = { kind: 'schema', schema: 'org_gamma' };
const DEDICATED: Placement = { kind: 'database', target: 'dedicated' };
const key = { id: 'placement-1', secret: generateContextKeySecret() };

let second: RunningServer;
let dedicatedAdminUrl: string;
let dedicatedAdmin: pg.Pool;
let dedicatedApp: pg.Pool;
let appDir: string;
let router: TenantRouter;
const versions: string[] = [];

const APP_MIGRATION = `
CREATE TABLE items (
  org_id uuid NOT NULL,
  id integer NOT NULL,
  label text NOT NULL,
  payload jsonb,
  price numeric(12, 2),
  created timestamptz NOT NULL DEFAULT now(),
  blob bytea,
  PRIMARY KEY (org_id, id)
);
SELECT tenantguard.enable_tenant_isolation('items');
CREATE TABLE notes (
  org_id uuid NOT NULL,
  id integer NOT NULL,
  item_id integer NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, item_id) REFERENCES items (org_id, id)
);
SELECT tenantguard.enable_tenant_isolation('notes');
`;

async function insertItems(run: TenantRouter['withTenant'], org: OrgId, n: number, prefix: string): Promise<void> {
  await run(db.appPool, org, async (t) => {
    for (let i = 1; i <= n; i++) {
      await t.query(
        "INSERT INTO items (org_id, id, label, payload, price, created, blob) VALUES ($1, $2, $3, $4, $5, '2026-01-02T03:04:05.678Z', $6)",
        [org, i, `${prefix}-${i}`, JSON.stringify({ i, tags: ['x', 'ü'] }), (i * 1.25).toFixed(2), Buffer.from([i, 0, 255])],
      );
      if (i % 2 === 0) await t.query('INSERT INTO notes (org_id, id, item_id, body) VALUES ($1, $2, $3, $4)', [org, i, i, `note ${i}`]);
    }
  });
}

async function labels(t: TenantDb): Promise<string[]> {
  return (await t.query<{ label: string }>('SELECT label FROM items ORDER BY id')).rows.map((r) => r.label);
}

async function countWhere(pool: pg.Pool, table: string, org: OrgId): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE org_id = $1`, [org]);
  return Number(rows[0]?.n);
}

beforeAll(async () => {
  appDir = mkdtempSync(join(tmpdir(), 'tg-placement-'));
  writeFileSync(join(appDir, '0001_items.sql'), APP_MIGRATION);
  // the shared database: the app's tables in public
  await migrate({ pool: db.pool, directories: [appDir], bundled: false }); // the template has the bundled ones
  second = await startEmbeddedPostgres();
  const c = new pg.Client({ connectionString: second.url });
  await c.connect();
  await c.query('CREATE DATABASE dedicated');
  await c.end();
  dedicatedAdminUrl = withDatabase(second.url, 'dedicated');
  dedicatedAdmin = new pg.Pool({ connectionString: dedicatedAdminUrl, max: 3 });
  dedicatedAdmin.on('error', () => undefined);
  await installContextKey(db.pool, key);
}, 120_000);

afterAll(async () => {
  await dedicatedApp?.end().catch(() => undefined);
  await dedicatedAdmin?.end().catch(() => undefined);
  await second?.stop();
  if (appDir !== undefined) rmSync(appDir, { recursive: true, force: true });
});

describe('provisioning runs the migrations in the placement', () => {
  it('a dedicated database on the second server: bundled + app migrations, keys, signed context on', async () => {
    const lines: string[] = [];
    const r = await provisionPlacement({
      placement: DEDICATED,
      admin: { databaseUrl: dedicatedAdminUrl },
      directories: [appDir],
      contextKeys: [key],
      enableSignedContext: true,
      log: (l) => lines.push(l),
    });
    expect(r.applied.map((m) => `${m.namespace}/${m.name}`)).toEqual(
      expect.arrayContaining(['tenantguard/0001_foundation.sql', 'tenantguard/0040_signed_context.sql', 'app/0001_items.sql']),
    );
    expect(lines.some((l) => l.includes('signed context enabled'))).toBe(true);
    const again = await provisionPlacement({ placement: DEDICATED, admin: { databaseUrl: dedicatedAdminUrl }, directories: [appDir] });
    expect(again.applied).toEqual([]);
    // the app login on the second server, as an application would have it
    await dedicatedAdmin.query(`
      DO $$ BEGIN
        CREATE ROLE ${APP_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${APP_LOGIN_PASSWORD}';
      EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      GRANT tenantguard_app TO ${APP_LOGIN_ROLE};`);
    dedicatedApp = new pg.Pool({ connectionString: withUser(dedicatedAdminUrl, APP_LOGIN_ROLE, APP_LOGIN_PASSWORD), max: 4 });
    dedicatedApp.on('error', () => undefined);
    expect(await readSignedContextStatus(dedicatedApp)).toMatchObject({ enabled: true, enforced: true, activeKeys: 1 });
  });

  it('a schema placement: the app migrations inside the schema, recorded under their own namespace', async () => {
    const r = await provisionPlacement({ placement: SCHEMA, admin: { pool: db.pool }, directories: [appDir] });
    expect(r.applied.map((m) => `${m.namespace}/${m.name}`)).toEqual(['app-org_gamma/0001_items.sql']);
    const { rows } = await db.pool.query<{ items: string | null; notes: string | null; forced: boolean }>(
      "SELECT to_regclass('org_gamma.items')::text AS items, to_regclass('org_gamma.notes')::text AS notes, (SELECT relforcerowsecurity FROM pg_class WHERE oid = 'org_gamma.items'::regclass) AS forced",
    );
    expect(rows[0]).toEqual({ items: 'org_gamma.items', notes: 'org_gamma.notes', forced: true });
    const path = await db.pool.query<{ p: string }>("SELECT current_setting('search_path') AS p");
    expect(path.rows[0]?.p).not.toContain('org_gamma'); // the pool's connections were given back clean
    expect((await provisionPlacement({ placement: SCHEMA, admin: { pool: db.pool }, directories: [appDir] })).applied).toEqual([]);
  });

  it('refuses bad placements with PLACEMENT_INVALID', async () => {
    for (const bad of [{ kind: 'schema', schema: 'public' }, { kind: 'schema', schema: 'Bad"Name' }, { kind: 'moon' }, { kind: 'database' }]) {
      expect(() => parsePlacement(bad)).toThrow(/invalid tenant placement/);
    }
    await expect(provisionPlacement({ placement: { kind: 'shared' }, admin: { pool: db.pool } })).rejects.toMatchObject({ code: 'PLACEMENT_INVALID' });
  });
});

describe('the router', () => {
  beforeAll(() => {
    const signed = createSignedContext({ key });
    router = createTenantRouter({
      defaultPool: db.appPool,
      targets: { dedicated: dedicatedApp },
      placements: { [G]: SCHEMA, [D]: DEDICATED },
      enter: signed.enter,
    });
  });

  it('routes each org to its placement; each sees only its own rows; rows land where placed', async () => {
    await insertItems(router.withTenant, A, 3, 'a');
    await insertItems(router.withTenant, G, 2, 'g');
    await insertItems(router.withTenant, D, 4, 'd');
    expect(await router.withTenant(db.appPool, A, labels)).toEqual(['a-1', 'a-2', 'a-3']);
    expect(await router.withTenant(db.appPool, G, labels)).toEqual(['g-1', 'g-2']);
    expect(await router.run(D, labels)).toEqual(['d-1', 'd-2', 'd-3', 'd-4']);
    // physically: A in public on server 1, G in org_gamma on server 1, D on server 2 only
    expect(await countWhere(db.pool, 'public.items', A)).toBe(3);
    expect(await countWhere(db.pool, 'public.items', G)).toBe(0);
    expect(await countWhere(db.pool, 'org_gamma.items', G)).toBe(2);
    expect(await countWhere(db.pool, 'public.items', D)).toBe(0);
    expect(await countWhere(dedicatedAdmin, 'items', D)).toBe(4);
    expect(await countWhere(dedicatedAdmin, 'items', A)).toBe(0);
    for (const p of [db.pool, dedicatedAdmin]) versions.push((await p.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?');
    console.info(`placement servers: shared/schema on PostgreSQL ${versions[0]}, dedicated on PostgreSQL ${versions[1]}`);
    expect(Number.parseInt(versions[1] ?? '0', 10)).toBe(18);
  });

  it('the schema placement keeps RLS: switching search_path back to public from inside shows none of A', async () => {
    const seen = await router.withTenant(db.appPool, G, async (t) => {
      const here = await labels(t);
      await t.query('SET LOCAL search_path = public');
      const pub = await t.query('SELECT * FROM items');
      const qualified = await t.query('SELECT * FROM public.items');
      return { here, pub: pub.rowCount, qualified: qualified.rowCount };
    });
    expect(seen).toEqual({ here: ['g-1', 'g-2'], pub: 0, qualified: 0 });
  });

  it('the dedicated database enforces the signed context: a plain entry there sees nothing', async () => {
    const plain = createTenantRouter({ defaultPool: db.appPool, targets: { dedicated: dedicatedApp }, placements: { [D]: DEDICATED } });
    expect(await plain.run(D, labels)).toEqual([]);
    // ...while the shared database (signed context off) still serves plain entries
    expect(await plain.run(A, labels)).toEqual(['a-1', 'a-2', 'a-3']);
  });

  it('code written against withTenant routes without knowing (nested calls, other orgs, unknown targets)', async () => {
    // what audit or the vault do: take (withTenant, pool, org) and run SQL
    const countItems = (wt: TenantRouter['withTenant'], org: OrgId) => wt(db.appPool, org, async (t) => (await t.query('SELECT 1 FROM items')).rowCount);
    expect(await countItems(router.withTenant, D)).toBe(4);
    const nested = await router.withTenant(db.appPool, A, async (t) => {
      const inner = await router.withTenant(db.appPool, D, labels); // another pool: its own transaction
      return { outer: await labels(t), inner: inner.length };
    });
    expect(nested).toEqual({ outer: ['a-1', 'a-2', 'a-3'], inner: 4 });
    expect(() => router.place(A, { kind: 'database', target: 'nowhere' })).toThrow(/unknown target/);
    expect(router.placementOf(A)).toEqual({ kind: 'shared' });
  });
});

describe('modules above withTenant route by org without knowing', () => {
  it('the audit log (given the router seams as its tenant options) writes and reads each org in its placement', async () => {
    const audit = createAuditLog({ pool: db.appPool, tenant: { route: router.route, enter: router.enter } });
    for (const org of [A, G, D]) {
      await router.withTenant(db.appPool, org, (t) => audit.record(t, { action: 'item.create', resourceType: 'item', resourceId: '1' }));
      await audit.recordStandalone({ action: 'login.failed', resourceType: 'session' }, { orgId: org });
    }
    for (const org of [A, G, D]) {
      const page = await audit.query(org);
      expect(page.items.map((i) => i.action).sort()).toEqual(['item.create', 'login.failed']);
    }
    // D's audit rows are on the second server only; A's and G's on the first
    const onSecond = await dedicatedAdmin.query<{ org: string; n: string }>('SELECT org_id::text AS org, count(*) AS n FROM tenantguard.security_audit_log GROUP BY 1');
    expect(onSecond.rows).toEqual([{ org: D, n: '2' }]);
    const onFirst = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM tenantguard.security_audit_log WHERE org_id = $1', [D]);
    expect(Number(onFirst.rows[0]?.n)).toBe(0);
  });
});

describe('the isolation proof through the router', () => {
  it("reports each org's placement and its database's signed context", async () => {
    const g = await isolationProof(db.appPool, { orgId: G, router });
    expect(g.placement).toEqual({ org: 'schema:org_gamma', dedicatedOrgs: { schema: 1, database: 1 } });
    expect(g.signedContext).toMatchObject({ enabled: false, enforced: false });
    expect(g.applicationLayer.currentOrgId).toBe(G);
    expect(g.tables.some((t) => t.schema === 'org_gamma' && t.name === 'items' && t.orgRowCount === 2)).toBe(true);
    const d = await isolationProof(db.appPool, { orgId: D, router });
    expect(d.placement?.org).toBe('database:dedicated');
    expect(d.signedContext).toMatchObject({ enabled: true, enforced: true });
    expect(d.serverVersion).toMatch(/^18/);
    expect(d.applicationLayer).toMatchObject({ status: 'active', currentOrgId: D });
    const a = await isolationProof(db.appPool, { orgId: A, router });
    expect(a.placement?.org).toBe('shared');
  });
});

describe('moving an org between placements', () => {
  const M = newOrg();

  it('dry run: reports counts and checksums, changes nothing', async () => {
    await insertItems(router.withTenant, M, 12, 'm');
    const lines: string[] = [];
    const r = await moveOrg({ router, orgId: M, to: DEDICATED, tables: ['items', 'notes'], dryRun: true, log: (l) => void lines.push(l) });
    expect(r).toMatchObject({ dryRun: true, switched: false, from: 'shared', to: 'database:dedicated', rowsCopied: 0 });
    expect(r.tables.map((t) => [t.table, t.sourceRows])).toEqual([['items', 12], ['notes', 6]]);
    expect(r.tables[0]?.sourceChecksum).toMatch(/^[0-9a-f]{32}$/);
    expect(lines.some((l) => l.startsWith('would copy items: 12 rows'))).toBe(true);
    expect(router.placementOf(M)).toEqual({ kind: 'shared' });
    expect(await countWhere(dedicatedAdmin, 'items', M)).toBe(0);
  });

  it('copies to the other server, verifies, switches, keeps the source until purged', async () => {
    const lines: string[] = [];
    const before = await router.run(M, labels);
    const r = await moveOrg({ router, orgId: M, to: DEDICATED, tables: ['items', 'notes'], batchSize: 5, log: (l) => void lines.push(l) });
    expect(r).toMatchObject({ switched: true, rowsCopied: 18, from: 'shared', to: 'database:dedicated' });
    for (const t of r.tables) {
      expect(t.targetRows).toBe(t.sourceRows);
      expect(t.targetChecksum).toBe(t.sourceChecksum);
    }
    expect(lines).toEqual(expect.arrayContaining(['copy items: 5/12 rows', 'copy items: 12/12 rows', 'copy notes: 6/6 rows']));
    expect(router.placementOf(M)).toEqual(DEDICATED);
    expect(await router.run(M, labels)).toEqual(before);
    // values survive exactly (jsonb, numeric, timestamptz, bytea)
    const row = (await dedicatedAdmin.query<{ payload: unknown; price: string; created: Date; blob: Buffer }>(
      'SELECT payload, price, created, blob FROM items WHERE org_id = $1 AND id = 3', [M])).rows[0];
    expect(row).toMatchObject({ payload: { i: 3, tags: ['x', 'ü'] }, price: '3.75' });
    expect(row?.created.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(row?.blob.equals(Buffer.from([3, 0, 255]))).toBe(true);
    // the source is kept until confirmed
    expect(await countWhere(db.pool, 'public.items', M)).toBe(12);
    await expect(purgeMovedOrg({ router, orgId: M, from: DEDICATED, tables: ['items', 'notes'] })).rejects.toMatchObject({ code: 'ORG_MOVE_FAILED' });
    expect(await purgeMovedOrg({ router, orgId: M, from: { kind: 'shared' }, tables: ['items', 'notes'] })).toBe(18);
    expect(await countWhere(db.pool, 'public.items', M)).toBe(0);
    expect(await countWhere(dedicatedAdmin, 'items', M)).toBe(12);
    // A's rows untouched by the purge (RLS scoped every DELETE)
    expect(await countWhere(db.pool, 'public.items', A)).toBe(3);
  });

  it('moves back to the shared database and into a schema', async () => {
    const r1 = await moveOrg({ router, orgId: M, to: { kind: 'shared' }, tables: ['items', 'notes'] });
    expect(r1).toMatchObject({ switched: true, rowsCopied: 18, from: 'database:dedicated', to: 'shared' });
    const r2 = await moveOrg({ router, orgId: M, to: SCHEMA, tables: ['items', 'notes'] });
    expect(r2).toMatchObject({ switched: true, rowsCopied: 18, from: 'shared', to: 'schema:org_gamma' });
    expect(await countWhere(db.pool, 'org_gamma.items', M)).toBe(12);
    expect((await router.run(M, labels)).length).toBe(12);
  });

  it('refuses a target that already holds rows of the org; nothing switched', async () => {
    const X = newOrg();
    await insertItems(router.withTenant, X, 2, 'x');
    await dedicatedAdmin.query("INSERT INTO items (org_id, id, label) VALUES ($1, 99, 'stray')", [X]);
    const err = await moveOrg({ router, orgId: X, to: DEDICATED, tables: ['items', 'notes'] }).catch((e: unknown) => e);
    expect(isTenantGuardError(err, 'ORG_MOVE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/already holds rows/);
    expect(router.placementOf(X)).toEqual({ kind: 'shared' });
  });

  it('a copy that does not match (a trigger alters rows at the target) is rolled back, not switched', async () => {
    const Y = newOrg();
    await insertItems(router.withTenant, Y, 3, 'y');
    await dedicatedAdmin.query(`
      CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.label := upper(NEW.label); RETURN NEW; END $$;
      CREATE TRIGGER shout BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION shout();`);
    try {
      const err = await moveOrg({ router, orgId: Y, to: DEDICATED, tables: ['items', 'notes'] }).catch((e: unknown) => e);
      expect(isTenantGuardError(err, 'ORG_MOVE_VERIFY_FAILED')).toBe(true);
      expect(router.placementOf(Y)).toEqual({ kind: 'shared' });
      expect(await countWhere(dedicatedAdmin, 'items', Y)).toBe(0);
      expect(await countWhere(db.pool, 'public.items', Y)).toBe(3);
    } finally {
      await dedicatedAdmin.query('DROP TRIGGER shout ON items; DROP FUNCTION shout()');
    }
  });

  it('a write to the source during the move is detected: copy removed, not switched', async () => {
    const Z = newOrg();
    await insertItems(router.withTenant, Z, 6, 'z');
    let injected = false;
    const err = await moveOrg({
      router,
      orgId: Z,
      to: DEDICATED,
      tables: ['items', 'notes'],
      batchSize: 2,
      log: async (line) => {
        if (!injected && line.startsWith('copy items')) {
          injected = true;
          await db.pool.query("INSERT INTO items (org_id, id, label) VALUES ($1, 100, 'late write')", [Z]);
        }
      },
    }).catch((e: unknown) => e);
    expect(isTenantGuardError(err, 'ORG_MOVE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/source changed during the move/);
    expect(router.placementOf(Z)).toEqual({ kind: 'shared' });
    expect(await countWhere(dedicatedAdmin, 'items', Z)).toBe(0);
    expect(await countWhere(db.pool, 'public.items', Z)).toBe(7);
  });

  it('a switch written to the placement directory is followed by another instance; the app role cannot write it', async () => {
    const W = newOrg();
    await insertItems(router.withTenant, W, 4, 'w');
    const signed = createSignedContext({ key });
    const targets = { dedicated: dedicatedApp };
    // two application instances reading the directory (one caches for a minute)
    const instance1 = createTenantRouter({ defaultPool: db.appPool, targets, enter: signed.enter, directory: createPlacementDirectory({ pool: db.appPool, ttlMs: 60_000 }) });
    const instance2 = createTenantRouter({ defaultPool: db.appPool, targets, enter: signed.enter, directory: createPlacementDirectory({ pool: db.appPool, ttlMs: 0 }) });
    expect(await instance2.run(W, labels)).toEqual(['w-1', 'w-2', 'w-3', 'w-4']);
    expect(await instance1.run(W, labels)).toHaveLength(4); // instance1 caches "shared"
    await expect(moveOrg({ router: instance1, orgId: W, to: DEDICATED, tables: ['items', 'notes'] })).rejects.toMatchObject({ code: 'ORG_MOVE_FAILED' });
    const r = await moveOrg({ router: instance1, orgId: W, to: DEDICATED, tables: ['items', 'notes'], persist: db.pool });
    expect(r.switched).toBe(true);
    await purgeMovedOrg({ router: instance2, orgId: W, from: { kind: 'shared' }, tables: ['items', 'notes'] });
    // both instances now serve W from the second server (instance1 dropped its cached answer at the switch)
    expect(await instance2.run(W, labels)).toEqual(['w-1', 'w-2', 'w-3', 'w-4']);
    expect(await instance1.run(W, labels)).toEqual(['w-1', 'w-2', 'w-3', 'w-4']);
    expect(instance2.placementOf(W)).toEqual(DEDICATED);
    expect(await countWhere(db.pool, 'public.items', W)).toBe(0);
    expect(await countWhere(dedicatedAdmin, 'items', W)).toBe(4);
    const write = await db.appPool.query("INSERT INTO tenantguard.org_placements (placed_org, kind, target) VALUES ($1, 'database', 'dedicated')", [A]).catch((e: { code?: string }) => e);
    expect((write as { code?: string }).code).toBe('42501');
    const read = await db.appPool.query('SELECT * FROM tenantguard.org_placements').catch((e: { code?: string }) => e);
    expect((read as { code?: string }).code).toBe('42501');
  });

  it('refuses to move to where the org already is, and to an unknown target', async () => {
    await expect(moveOrg({ router, orgId: A, to: { kind: 'shared' }, tables: ['items'] })).rejects.toMatchObject({ code: 'ORG_MOVE_FAILED' });
    await expect(moveOrg({ router, orgId: A, to: { kind: 'database', target: 'nope' }, tables: ['items'] })).rejects.toMatchObject({ code: 'PLACEMENT_INVALID' });
    await expect(moveOrg({ router, orgId: A, to: DEDICATED, tables: ['items; DROP TABLE items'] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});


