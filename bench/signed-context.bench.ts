/**
 * What the signed tenant context costs per transaction, against the plain
 * withTenant in the same run, on the same pool and data:
 *
 *   plain   withTenant: BEGIN + set_config (one round trip), one tenant query, COMMIT
 *   signed  the signed entry (BEGIN + enter_signed_tenant with an HMAC proof,
 *           one round trip), the same query, COMMIT; current_org_id() is the
 *           signed check (ledger lookup) for every policy evaluation
 *   signed (2 round trips)  the same entry without the one-round-trip batch, for reference
 *   entry only     BEGIN + entry + COMMIT without the query, plain and signed (where the cost sits)
 *
 * Env: TG_BENCH_TXNS (transactions per sample, default 1000), TG_BENCH_SAMPLES (default 5).
 * Run: npx tsx bench/signed-context.bench.ts
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/migrate/index.js';
import { parseOrgId, withTenant, createWithTenant, type EnterTenant, type OrgId, type PoolLike, type TenantDb } from '../src/tenancy/index.js';
import { createSignedContext, signedEntryStatements } from '../src/tenancy/signed-context.js';
import { enableSignedContext, installContextKey, readSignedContextStatus } from '../src/tenancy/signed-context-admin.js';
import { computeContextProof, generateContextKeySecret, nextIssuedAt, parseContextKey } from '../src/tenancy/signed-context-proof.js';
import { startPostgres } from '../test/support/server.js';

const TXNS = Number(process.env.TG_BENCH_TXNS ?? 1000);
const SAMPLES = Number(process.env.TG_BENCH_SAMPLES ?? 5);
const ORGS = 200;
const ROWS_PER_ORG = 50;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function createDb(serverUrl: string, name: string, orgs: readonly OrgId[]): Promise<{ url: string; pool: pg.Pool }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDb(serverUrl, name);
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query(`
    CREATE TABLE items (org_id uuid NOT NULL, id bigint NOT NULL, v int NOT NULL, PRIMARY KEY (org_id, id));
    SELECT tenantguard.enable_tenant_isolation('items');`);
  await pool.query(`INSERT INTO items SELECT o, g, g % 13 FROM unnest($1::uuid[]) o, generate_series(1, ${ROWS_PER_ORG}) g`, [orgs]);
  await pool.query('ANALYZE items');
  return { url, pool };
}

async function main(): Promise<void> {
  const server = await startPostgres({ allowContainer: false });
  const stamp = Date.now().toString(36);
  const names = [`tg_bench_plain_${stamp}`, `tg_bench_signed_${stamp}`];
  const orgs: OrgId[] = Array.from({ length: ORGS }, () => parseOrgId(randomUUID()));
  const pools: pg.Pool[] = [];
  try {
    // Two databases with the same data: one in the plain mode, one with the
    // signed context enabled. Runs alternate between them in small chunks so
    // the shared machine's noise falls on both alike.
    const plainDb = await createDb(server.url, names[0] as string, orgs);
    pools.push(plainDb.pool);
    const signedDb = await createDb(server.url, names[1] as string, orgs);
    pools.push(signedDb.pool);
    const key = { id: 'bench-1', secret: generateContextKeySecret() };
    await installContextKey(signedDb.pool, key);
    await enableSignedContext(signedDb.pool);
    if ((await readSignedContextStatus(signedDb.pool))?.enforced !== true) throw new Error('signed context not enforced');
    const signed = createSignedContext({ key });
    const secret = parseContextKey(key).secret;
    // The same signed entry, one statement per round trip (BEGIN, then the call).
    const twoTrips: EnterTenant = async (client, ctx) => {
      const pid = (client as unknown as { processID: number }).processID;
      const issuedAt = nextIssuedAt();
      const proof = computeContextProof(secret, { keyId: key.id, orgId: ctx.orgId, pid, issuedAt });
      for (const st of signedEntryStatements(ctx, { keyId: key.id, pid, issuedAt, proof })) await client.query(st.text, st.values);
    };
    const signedTwoTrips = createWithTenant({ enter: twoTrips });
    const opts = { role: 'tenantguard_app' } as const;
    const work = async (db: TenantDb): Promise<number> => {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE v < 100');
      return Number(rows[0]?.n);
    };
    const noWork = (): number => ROWS_PER_ORG;
    type Runner = () => Promise<number>;
    let i = 0;
    const org = (): OrgId => orgs[i++ % ORGS] as OrgId;
    const runners: Array<[string, Runner]> = [
      ['plain withTenant (plain mode)', () => withTenant(plainDb.pool as PoolLike, org(), work, opts)],
      ['signed withTenant (signed mode)', () => signed.withTenant(signedDb.pool as PoolLike, org(), work, opts)],
      ['signed, 2 round trips (signed mode)', () => signedTwoTrips(signedDb.pool as PoolLike, org(), work, opts)],
      // entry + COMMIT only, no tenant query: the entry's own cost
      ['plain entry only (no query)', () => withTenant(plainDb.pool as PoolLike, org(), noWork, opts)],
      ['signed entry only (no query)', () => signed.withTenant(signedDb.pool as PoolLike, org(), noWork, opts)],
    ];
    for (const [name, run] of runners) {
      const n = await run();
      if (n !== ROWS_PER_ORG) throw new Error(`${name} saw ${n} rows, expected ${ROWS_PER_ORG}`);
    }
    // a plain entry into the signed database sees nothing (the point of it)
    const leaked = await withTenant(signedDb.pool as PoolLike, orgs[0] as OrgId, work, opts);
    if (leaked !== 0) throw new Error('plain entry saw rows under the signed context');

    const CHUNK = 100;
    for (const [, run] of runners) for (let k = 0; k < 300; k++) await run(); // warm-up
    const times = new Map<string, number[]>(runners.map(([name]) => [name, []]));
    for (let s = 0; s < SAMPLES; s++) {
      const acc = new Map<string, number>(runners.map(([name]) => [name, 0]));
      for (let c = 0; c < TXNS / CHUNK; c++) {
        for (const [name, run] of runners) {
          const t0 = process.hrtime.bigint();
          for (let k = 0; k < CHUNK; k++) await run();
          acc.set(name, (acc.get(name) ?? 0) + Number(process.hrtime.bigint() - t0));
        }
      }
      for (const [name] of runners) times.get(name)?.push((acc.get(name) ?? 0) / 1000 / TXNS);
    }
    const base = median(times.get(runners[0]?.[0] as string) ?? []);
    console.log(`signed tenant context: ${TXNS} transactions x ${SAMPLES} samples per runner, interleaved in chunks of ${CHUNK}`);
    console.log(`1 connection per database, ${ORGS} orgs x ${ROWS_PER_ORG} rows, one tenant query per transaction; server: ${server.kind}`);
    console.log('| runner | median us/txn | ratio vs plain |');
    console.log('| --- | ---: | ---: |');
    for (const [name] of runners) {
      const m = median(times.get(name) ?? []);
      console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(3)}x |`);
    }
    console.log(`per-transaction cost of the signed context: +${(median(times.get(runners[1]?.[0] as string) ?? []) - base).toFixed(1)} us`);
  } finally {
    await Promise.allSettled(pools.map((p) => p.end()));
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
    await c.end();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
