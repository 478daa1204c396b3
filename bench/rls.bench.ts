/**
 * RLS benchmark: what tenant isolation costs on 1,000,000 rows over 1,000 orgs.
 *
 * 1. A tenant's aggregate through withTenant + RLS (the tenantguard policy)
 *    versus the same aggregate with a hand-written `WHERE org_id = $1` on the
 *    same table (run by a BYPASSRLS role, so no policy applies), measured per
 *    query inside an open transaction. Goal: ratio <= 1.05x.
 * 2. The seeds' policy form (`org_id::text = current_setting(...)`) on a copy
 *    of the table, for reference.
 * 3. withTenant's cost per transaction (BEGIN + set_config in one round trip,
 *    then COMMIT) versus a plain BEGIN / query / COMMIT, same query, same
 *    role, same pooled connection.
 *
 * Queries run as NOSUPERUSER roles, so RLS really applies. Env:
 * TG_BENCH_ROWS (1000000), TG_BENCH_ORGS (1000),
 * TG_BENCH_QUERIES (1500 timed queries per side), TG_BENCH_SEEDS_QUERIES (10),
 * TG_BENCH_TX (4000 alternating per-transaction calls).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/migrate/index.js';
import { parseOrgId, withTenant, type OrgId } from '../src/tenancy/index.js';
import { startPostgres } from '../test/support/server.js';

const ROWS = Number(process.env.TG_BENCH_ROWS ?? 1_000_000);
const ORGS = Number(process.env.TG_BENCH_ORGS ?? 1_000);
const QUERIES = Number(process.env.TG_BENCH_QUERIES ?? 1500);
const SEEDS_QUERIES = Number(process.env.TG_BENCH_SEEDS_QUERIES ?? 10);
const TX_CALLS = Number(process.env.TG_BENCH_TX ?? 4000);

const AGG = 'SELECT count(*) AS n, sum(amount) AS total, max(created_at) AS last FROM events';
const AGG_WHERE = `${AGG} WHERE org_id = $1`;
const AGG_SEEDS = 'SELECT count(*) AS n, sum(amount) AS total, max(created_at) AS last FROM events_seeds';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;

function withDatabase(url: string, database: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user !== undefined) {
    u.username = user;
    u.password = password ?? '';
  }
  return u.toString();
}

async function main(): Promise<void> {
  const server = await startPostgres({ allowContainer: false });
  const suffix = randomBytes(4).toString('hex');
  const database = `tg_bench_rls_${suffix}`;
  const appRole = `tg_bench_app_${suffix}`;
  const bypassRole = `tg_bench_bypass_${suffix}`;
  const password = randomBytes(12).toString('hex');
  const root = new pg.Client({ connectionString: server.url });
  await root.connect();
  await root.query(`CREATE DATABASE ${database}`);
  const adminUrl = withDatabase(server.url, database);
  const pools: pg.Pool[] = [];
  let closing = false;
  try {
    await migrate({ databaseUrl: adminUrl });
    await root.query(`CREATE ROLE ${appRole} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${password}' IN ROLE tenantguard_app`);
    await root.query(`CREATE ROLE ${bypassRole} LOGIN NOSUPERUSER BYPASSRLS PASSWORD '${password}'`);
    const admin = new pg.Pool({ connectionString: adminUrl, max: 1 });
    const app = new pg.Pool({ connectionString: withDatabase(server.url, database, appRole, password), max: 1 });
    const bypass = new pg.Pool({ connectionString: withDatabase(server.url, database, bypassRole, password), max: 1 });
    pools.push(admin, app, bypass);
    // an idle connection closed by DROP DATABASE ... WITH (FORCE) at the end
    // must not crash the run; anything earlier is worth a line
    for (const p of pools) p.on('error', (err) => { if (!closing) console.error(`pool error (idle client): ${err.message}`); });

    const t0 = now();
    await admin.query(`
      CREATE TABLE events (
        org_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL, created_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, id));
      INSERT INTO events
        SELECT md5('org' || (g % ${ORGS}))::uuid, g, ((g::bigint * 7919) % 1000)::int, timestamptz '2026-01-01' + g * interval '1 second'
          FROM generate_series(1, ${ROWS}) g;
      SELECT tenantguard.enable_tenant_isolation('events');
      GRANT SELECT ON events TO ${bypassRole};
      CREATE TABLE events_seeds (LIKE events INCLUDING ALL);
      INSERT INTO events_seeds SELECT * FROM events;
      ALTER TABLE events_seeds ENABLE ROW LEVEL SECURITY;
      ALTER TABLE events_seeds FORCE ROW LEVEL SECURITY;
      CREATE POLICY seeds_isolation ON events_seeds USING (org_id::text = current_setting('app.current_org_id', true));
      GRANT SELECT ON events_seeds TO tenantguard_app;`);
    await admin.query('VACUUM ANALYZE events');
    await admin.query('VACUUM ANALYZE events_seeds');
    console.log(`loaded ${ROWS.toLocaleString('en-US')} rows over ${ORGS} orgs (x2 tables) in ${((now() - t0) / 1000).toFixed(1)} s`);
    const orgs: OrgId[] = (await admin.query<{ o: string }>(`SELECT md5('org' || g)::uuid::text AS o FROM generate_series(0, ${ORGS - 1}) g`)).rows.map((r) => parseOrgId(r.o));

    // Correctness first: both paths return the same numbers for the same org.
    for (const org of orgs.slice(0, 5)) {
      const viaRls = await withTenant(app, org, async (db) => (await db.query(AGG)).rows[0]);
      const viaWhere = (await bypass.query(AGG_WHERE, [org])).rows[0];
      if (JSON.stringify(viaRls) !== JSON.stringify(viaWhere)) throw new Error(`mismatch for ${org}`);
    }
    const explain = 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)';
    const plan = await withTenant(app, orgs[0]!, async (db) => (await db.query<{ 'QUERY PLAN': string }>(`${explain} ${AGG}`)).rows.map((r) => r['QUERY PLAN']));
    console.log(`plan through RLS:\n| ${plan.join('\n| ')}`);
    const planWhere = (await bypass.query<{ 'QUERY PLAN': string }>(`${explain} ${AGG_WHERE}`, [orgs[0]])).rows.map((r) => r['QUERY PLAN']);
    console.log(`plan of the hand-written filter:\n| ${planWhere.join('\n| ')}`);

    // --- 1 and 2: per query, inside an open transaction -------------------
    // One backend for all sides (two backends on a loaded machine differed by
    // up to 30% on their own): the superuser session switches, untimed, to
    // the NOSUPERUSER app role (RLS applies) or to the BYPASSRLS role (the
    // hand-written filter) before each timed query. For each org its pages
    // are warmed once, then the sides run in a rotating order; medians of
    // single-query times.
    const perQuery = { rls: [] as number[], where: [] as number[], literal: [] as number[], seeds: [] as number[] };
    const c = await admin.connect();
    try {
      await c.query('BEGIN');
      const asApp = `SET LOCAL ROLE ${appRole}`;
      const asBypass = `SET LOCAL ROLE ${bypassRole}`;
      const sides: Array<[number[], string, (org: OrgId) => Promise<unknown>]> = [
        [perQuery.rls, asApp, () => c.query(AGG)],
        [perQuery.where, asBypass, (org) => c.query(AGG_WHERE, [org])],
        [perQuery.literal, asBypass, (org) => c.query(`${AGG} WHERE org_id = '${org}'`)],
      ];
      for (let i = 0; i < QUERIES + 50; i += 1) {
        const org = orgs[(i * 7) % orgs.length]!;
        // the tenant is set once per transaction, as withTenant does
        await c.query(`SELECT set_config('app.current_org_id', $1, true)`, [org]);
        await c.query(asBypass);
        await c.query(AGG_WHERE, [org]); // warm this org's pages
        for (let r = 0; r < sides.length; r += 1) {
          const [into, role, run] = sides[(i + r) % sides.length]!;
          await c.query(role);
          const start = now();
          await run(org);
          if (i >= 50) into.push(now() - start); // the first 50 are warm-up
        }
      }
      await c.query(asApp);
      await c.query(`SELECT set_config('app.current_org_id', $1, true)`, [orgs[1]!]);
      for (let i = 0; i < SEEDS_QUERIES; i += 1) {
        const start = now();
        await c.query(AGG_SEEDS);
        perQuery.seeds.push(now() - start);
      }
      await c.query('COMMIT');
    } finally {
      c.release();
    }

    // --- 3: per transaction -------------------------------------------------
    const perTx = { withTenant: [] as number[], plain: [] as number[] };
    let j = 0;
    const org = (): OrgId => orgs[(j++ * 13) % orgs.length]!;
    const plainTx = async (pool: pg.Pool, sql: string, values?: unknown[]): Promise<void> => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(sql, values);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    };
    for (let i = 0; i < 100; i += 1) {
      await withTenant(app, org(), (db) => db.query('SELECT 1'));
      await plainTx(app, 'SELECT 1');
    }
    // Per-transaction figures alternate the two sides call by call and take
    // the median of single-call times: on a shared, noisy machine this is
    // far steadier than timing batches.
    const timed = async (into: number[], op: () => Promise<unknown>): Promise<void> => {
      const start = now();
      await op();
      into.push(now() - start);
    };
    for (let i = 0; i < TX_CALLS; i += 1) {
      await timed(perTx.withTenant, () => withTenant(app, org(), (db) => db.query('SELECT 1')));
      await timed(perTx.plain, () => plainTx(app, 'SELECT 1'));
    }

    const rls = median(perQuery.rls);
    const where = median(perQuery.where);
    const seeds = median(perQuery.seeds);
    const rows: Array<[string, string, string]> = [
      ['tenant aggregate, hand-written WHERE org_id = $1 (BYPASSRLS role)', us(where), '1.00x'],
      ["tenant aggregate, hand-written WHERE org_id = '<literal>'", us(median(perQuery.literal)), `${(median(perQuery.literal) / where).toFixed(3)}x`],
      ['tenant aggregate, withTenant + tenantguard RLS policy', us(rls), `${(rls / where).toFixed(3)}x`],
      ["tenant aggregate, seeds' policy org_id::text = current_setting()", us(seeds), `${(seeds / where).toFixed(1)}x`],
      ['transaction: plain BEGIN; SELECT 1; COMMIT (same app role)', us(median(perTx.plain)), '1.00x'],
      ['transaction: withTenant(SELECT 1)', us(median(perTx.withTenant)), `${(median(perTx.withTenant) / median(perTx.plain)).toFixed(3)}x`],
      ['  withTenant overhead per transaction (absolute)', us(median(perTx.withTenant) - median(perTx.plain)), ''],
    ];
    console.log(`\nPostgreSQL ${server.kind === 'env' ? '(DATABASE_URL)' : server.kind}; queries: medians of ${QUERIES} rotating calls per side (seeds form: ${SEEDS_QUERIES}); transactions: medians of ${TX_CALLS} alternating calls on one pooled connection`);
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [name, t, ratio] of rows) console.log(`${name.padEnd(w)}  ${t.padStart(12)}  ${ratio.padStart(8)}`);
    const goal = rls / where <= 1.05;
    console.log(`\ngoal: RLS aggregate within 1.05x of the hand-written filter -> ${goal ? 'met' : 'NOT met'} (${(rls / where).toFixed(3)}x)`);
  } finally {
    closing = true;
    await Promise.allSettled(pools.map((p) => p.end()));
    await root.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await root.query(`DROP ROLE IF EXISTS ${appRole}`);
    await root.query(`DROP ROLE IF EXISTS ${bypassRole}`);
    await root.end();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
