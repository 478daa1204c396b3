/**
 * Audit log benchmark: chained, trigger-protected audit writes versus plain
 * INSERTs into an identical table (same columns, partitions, index and RLS
 * policy, no chain and no triggers; the same 14 monthly partitions as the
 * migrated audit log), side by side in the same run:
 *
 *  1. 8 concurrent writers, each write its own tenant transaction
 *     (withTenant: BEGIN+tenant in one round trip, INSERT, COMMIT), 100 orgs
 *     and 1 org. Goal: >= 0.7x and >= 0.4x of plain.
 *  2. One 50,000-row INSERT ... SELECT statement (linear, not quadratic).
 *  3. Chain verification rows/s (goal >= 400,000).
 *  4. Export rows/s (CSV, NDJSON) and peak memory, against streaming the same
 *     rows without encoding.
 *
 * Env: AUDIT_BENCH_SECONDS (per write sample, default 3), AUDIT_BENCH_SAMPLES
 * (default 3), AUDIT_BENCH_VERIFY_ROWS (default 300000).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { createAuditLog } from '../src/audit/index.js';
import { migrate } from '../src/migrate/index.js';
import { type OrgId, parseOrgId, withTenant } from '../src/tenancy/index.js';
import { startPostgres } from '../test/support/server.js';

const SECONDS = Number(process.env.AUDIT_BENCH_SECONDS ?? 3);
const SAMPLES = Number(process.env.AUDIT_BENCH_SAMPLES ?? 3);
const VERIFY_ROWS = Number(process.env.AUDIT_BENCH_VERIFY_ROWS ?? 300_000);
const WRITERS = 8;
const APP_ROLE = 'tenantguard_bench_app';
const APP_PASSWORD = 'tenantguard-bench';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en');

function urlFor(base: string, db: string, user?: string, password?: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  if (user !== undefined) {
    u.username = user;
    u.password = password ?? '';
  }
  return u.toString();
}

const PLAIN_SQL = `
CREATE SEQUENCE public.plain_audit_log_id_seq AS bigint;
CREATE TABLE public.plain_audit_log (LIKE tenantguard.security_audit_log INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
ALTER TABLE public.plain_audit_log ALTER COLUMN id SET DEFAULT nextval('public.plain_audit_log_id_seq'),
  ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL;
CREATE INDEX ON public.plain_audit_log (org_id, seq);
DO $$
DECLARE m date;
BEGIN
  FOR m IN SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month',
                                  date_trunc('month', now() AT TIME ZONE 'UTC') + interval '12 month', interval '1 month')::date LOOP
    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.plain_audit_log FOR VALUES FROM (%L) TO (%L)',
      'plain_audit_log_p' || to_char(m, 'YYYYMM'), m::text || ' 00:00:00+00', (m + interval '1 month')::date::text || ' 00:00:00+00');
  END LOOP;
END $$;
SELECT tenantguard.enable_tenant_isolation('public.plain_audit_log'::regclass);
GRANT USAGE, SELECT ON SEQUENCE public.plain_audit_log_id_seq TO tenantguard_app;

-- The naive design the issue measured (a per-org head row locked FOR UPDATE
-- and updated for every row), on another identical table, for reference.
CREATE TABLE public.naive_audit_log (LIKE public.plain_audit_log INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
CREATE INDEX ON public.naive_audit_log (org_id, seq);
DO $$
DECLARE m date;
BEGIN
  FOR m IN SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month',
                                  date_trunc('month', now() AT TIME ZONE 'UTC') + interval '12 month', interval '1 month')::date LOOP
    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.naive_audit_log FOR VALUES FROM (%L) TO (%L)',
      'naive_audit_log_p' || to_char(m, 'YYYYMM'), m::text || ' 00:00:00+00', (m + interval '1 month')::date::text || ' 00:00:00+00');
  END LOOP;
END $$;
SELECT tenantguard.enable_tenant_isolation('public.naive_audit_log'::regclass);
CREATE TABLE public.naive_head (org_id uuid PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);
CREATE FUNCTION public.naive_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE h record;
BEGIN
  INSERT INTO public.naive_head VALUES (NEW.org_id, 0, '\\x00') ON CONFLICT DO NOTHING;
  SELECT * INTO h FROM public.naive_head WHERE org_id = NEW.org_id FOR UPDATE;
  NEW.seq := h.seq + 1;
  NEW.prev_hash := h.hash;
  NEW.hash := tenantguard.audit_row_hash(h.hash, NEW.id, NEW.org_id, NEW.seq, NEW.created_at, NEW.user_id, NEW.user_email,
    NEW.user_role, NEW.ip_address, NEW.user_agent, NEW.action, NEW.resource_type, NEW.resource_id, NEW.details, NEW.request_id, NEW.session_id);
  UPDATE public.naive_head SET seq = NEW.seq, hash = NEW.hash WHERE org_id = NEW.org_id;
  RETURN NEW;
END $f$;
CREATE TRIGGER naive_chain BEFORE INSERT ON public.naive_audit_log FOR EACH ROW EXECUTE FUNCTION public.naive_chain();
`;

const NAIVE_INSERT = `INSERT INTO public.naive_audit_log
  (org_id, user_id, user_email, user_role, ip_address, user_agent, action, resource_type, resource_id, details, request_id, session_id)
  VALUES (tenantguard.current_org_id(), $1::uuid, $2, $3, $4::inet, $5, $6, $7, $8, $9::jsonb, $10, $11)`;

// The audit table through raw SQL (no zod, no RETURNING): isolates the database design from the API path.
const AUDIT_SQL_INSERT = `INSERT INTO tenantguard.security_audit_log
  (org_id, user_id, user_email, user_role, ip_address, user_agent, action, resource_type, resource_id, details, request_id, session_id)
  VALUES (tenantguard.current_org_id(), $1::uuid, $2, $3, $4::inet, $5, $6, $7, $8, $9::jsonb, $10, $11)`;

const PLAIN_INSERT = `INSERT INTO public.plain_audit_log
  (org_id, user_id, user_email, user_role, ip_address, user_agent, action, resource_type, resource_id, details, request_id, session_id)
  VALUES (tenantguard.current_org_id(), $1::uuid, $2, $3, $4::inet, $5, $6, $7, $8, $9::jsonb, $10, $11)`;

const EVENT = {
  action: 'brand.update',
  resourceType: 'brand',
  resourceId: 'brand-1234',
  userId: '6f1c1f9e-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
  userEmail: 'owner@example.com',
  userRole: 'owner',
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (bench)',
  details: { field: 'name', from: 'Old', to: 'New' },
  requestId: 'req-bench',
  sessionId: 'sess-bench',
};
const EVENT_PARAMS = [
  EVENT.userId, EVENT.userEmail, EVENT.userRole, EVENT.ipAddress, EVENT.userAgent, EVENT.action,
  EVENT.resourceType, EVENT.resourceId, JSON.stringify(EVENT.details), EVENT.requestId, EVENT.sessionId,
];

async function main(): Promise<void> {
  const server = await startPostgres({ log: (l) => console.error(l) });
  const dbName = `tg_bench_audit_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const adminUrl = urlFor(server.url, dbName);
  const adminPool = new pg.Pool({ connectionString: adminUrl, max: 4 });
  let appPool: pg.Pool | undefined;
  try {
    await migrate({ databaseUrl: adminUrl });
    await adminPool.query(`DO $$ BEGIN
      CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${APP_PASSWORD}';
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await adminPool.query(`GRANT tenantguard_app TO ${APP_ROLE}`);
    await adminPool.query(PLAIN_SQL);
    appPool = new pg.Pool({ connectionString: urlFor(server.url, dbName, APP_ROLE, APP_PASSWORD), max: WRITERS });
    const pool = appPool;
    pool.on('error', () => undefined);
    const audit = createAuditLog({ pool, adminPool });
    console.log(`server: ${server.kind}; ${WRITERS} writers; ${SAMPLES} samples x ${SECONDS}s per kind; medians`);

    // ---- 1. concurrent writers -------------------------------------------
    type Kind = 'plain' | 'audit' | 'naive' | 'sql';
    const writeRun = async (kind: Kind, orgs: OrgId[]): Promise<number> => {
      let n = 0;
      const stopAt = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          let i = w;
          while (performance.now() < stopAt) {
            const org = orgs[i % orgs.length] as OrgId;
            i += WRITERS;
            await withTenant(pool, org, async (db) => {
              if (kind === 'audit') await audit.record(db, EVENT);
              else await db.query(kind === 'plain' ? PLAIN_INSERT : kind === 'naive' ? NAIVE_INSERT : AUDIT_SQL_INSERT, EVENT_PARAMS);
            });
            n += 1;
          }
        }),
      );
      return n / SECONDS;
    };
    const results: Array<{ name: string; plain: number; audit: number; goal: number }> = [];
    for (const [name, count, goal] of [['100 orgs', 100, 0.7], ['1 org', 1, 0.4]] as const) {
      const orgs = Array.from({ length: count }, () => parseOrgId(randomUUID()));
      await writeRun('plain', orgs); // warm-up (connections, plans, heads)
      await writeRun('audit', orgs);
      await writeRun('naive', orgs);
      const p: number[] = [];
      const a: number[] = [];
      const nv: number[] = [];
      const sq: number[] = [];
      const into: Record<Kind, number[]> = { plain: p, audit: a, naive: nv, sql: sq };
      for (let s = 0; s < SAMPLES; s += 1) {
        // Rotate the order so drift on a shared machine hits every kind.
        const kinds: Kind[] = ['plain', 'audit', 'naive', 'sql'];
        for (let i = 0; i < kinds.length; i += 1) {
          const kind = kinds[(i + s) % kinds.length] as Kind;
          into[kind].push(await writeRun(kind, orgs));
        }
      }
      const ratios = p.map((x, i) => (a[i] as number) / x);
      const naive = p.map((x, i) => (nv[i] as number) / x);
      const viaSql = p.map((x, i) => (sq[i] as number) / x);
      results.push({ name, plain: median(p), audit: median(a), goal });
      console.log(
        `writes ${name.padEnd(8)} plain ${fmt(median(p)).padStart(7)}/s  audit ${fmt(median(a)).padStart(7)}/s  ratio ${median(ratios).toFixed(2)}x (samples ${ratios.map((r) => r.toFixed(2)).join(', ')}; goal >= ${goal}x)  | same table by raw SQL ${median(viaSql).toFixed(2)}x | naive head-row chain ${median(naive).toFixed(2)}x`,
      );
    }

    // ---- 2. bulk statement -----------------------------------------------
    const bulk = async (table: string, rows: number): Promise<number> => {
      const org = parseOrgId(randomUUID());
      const t0 = performance.now();
      await withTenant(pool, org, (db) =>
        db.query(
          `INSERT INTO ${table} (org_id, action, resource_type, details)
           SELECT tenantguard.current_org_id(), 'bulk.import', 'row', jsonb_build_object('i', g) FROM generate_series(1, ${rows}) g`,
        ),
      );
      return (performance.now() - t0) / 1000;
    };
    const bp: number[] = [];
    const ba: number[] = [];
    const b10: number[] = [];
    for (let s = 0; s < 2; s += 1) {
      bp.push(await bulk('public.plain_audit_log', 50_000));
      ba.push(await bulk('tenantguard.security_audit_log', 50_000));
      b10.push(await bulk('tenantguard.security_audit_log', 10_000));
    }
    console.log(
      `bulk 50,000 rows in one statement: plain ${median(bp).toFixed(2)} s, audit ${median(ba).toFixed(2)} s (${(median(ba) / median(bp)).toFixed(1)}x plain; naive chain was 20.8 s); audit 10,000 rows ${median(b10).toFixed(2)} s -> 5x rows took ${(median(ba) / median(b10)).toFixed(1)}x time (linear = 5)`,
    );

    // ---- 3. verification ---------------------------------------------------
    const vorg = parseOrgId(randomUUID());
    await withTenant(pool, vorg, (db) =>
      db.query(
        `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, resource_id, user_email, ip_address, details)
         SELECT tenantguard.current_org_id(), 'doc.view', 'doc', 'doc-' || g, 'u' || (g % 50) || '@example.com', '198.51.100.1',
                jsonb_build_object('i', g, 'path', '/docs/' || g) FROM generate_series(1, ${VERIFY_ROWS}) g`,
      ),
    );
    await adminPool.query('ANALYZE tenantguard.security_audit_log');
    const vr: number[] = [];
    for (let s = 0; s < 3; s += 1) {
      const t0 = performance.now();
      const v = await audit.verifyChain(vorg);
      const sec = (performance.now() - t0) / 1000;
      if (!v.ok || v.checked !== VERIFY_ROWS) throw new Error(`verification failed: ${JSON.stringify(v)}`);
      vr.push(VERIFY_ROWS / sec);
    }
    console.log(`verify ${fmt(VERIFY_ROWS)} rows: ${fmt(median(vr))} rows/s (samples ${vr.map(fmt).join(', ')}; goal >= 400,000)`);

    // ---- 4. export -----------------------------------------------------------
    const measure = async (fn: (sink: Writable) => Promise<number>): Promise<{ rps: number; heap: number; rss: number }> => {
      const sink = new Writable({ write: (_c, _e, cb) => cb() , objectMode: false });
      const base = process.memoryUsage();
      let heap = base.heapUsed;
      let rss = base.rss;
      const timer = setInterval(() => {
        const m = process.memoryUsage();
        heap = Math.max(heap, m.heapUsed);
        rss = Math.max(rss, m.rss);
      }, 20);
      const t0 = performance.now();
      const rows = await fn(sink);
      const sec = (performance.now() - t0) / 1000;
      clearInterval(timer);
      return { rps: rows / sec, heap: (heap - base.heapUsed) / 2 ** 20, rss: (rss - base.rss) / 2 ** 20 };
    };
    const raw = await measure(async () => {
      let n = 0;
      const objectSink = new Writable({ objectMode: true, write: (_c, _e, cb) => { n += 1; cb(); } });
      await withTenant(pool, vorg, async (db) => {
        const s = db.query(new QueryStream('SELECT * FROM tenantguard.security_audit_log WHERE org_id = $1 ORDER BY seq', [vorg], { batchSize: 1000 }));
        await pipeline(s, objectSink);
      }, { readOnly: true });
      return n;
    });
    console.log(`export peer (pg-query-stream SELECT *, no encoding): ${fmt(raw.rps)} rows/s, peak heap +${raw.heap.toFixed(0)} MiB, rss +${raw.rss.toFixed(0)} MiB`);
    for (const format of ['csv', 'ndjson'] as const) {
      const r = await measure(async (sink) => (await audit.export(vorg, {}, { format, to: sink })).rows);
      console.log(`export ${format.padEnd(6)} ${fmt(VERIFY_ROWS)} rows: ${fmt(r.rps)} rows/s (${(r.rps / raw.rps).toFixed(2)}x peer), peak heap +${r.heap.toFixed(0)} MiB, rss +${r.rss.toFixed(0)} MiB`);
    }

    const load = (await import('node:os')).loadavg()[0] ?? 0;
    console.log(`machine load average (1 min) at the end: ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs`);
    const ok = results.every((r) => r.audit / r.plain >= r.goal) && median(vr) >= 400_000;
    console.log(ok ? 'all throughput goals met' : 'NOT all goals met (see ratios above)');
  } finally {
    await appPool?.end();
    await adminPool.end();
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.end();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
