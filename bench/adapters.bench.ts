/**
 * Adapters benchmark: requests per second of a protected route against the
 * same route with no protection, on Express 5 and on Fastify 5, measured with
 * autocannon over loopback, side by side in the same run.
 *
 * Protected (tenantguard): bearer token verified (HS256, jose), permission
 * checked by the engine (createPermissionStore({ cache: true })), the handler
 * runs in req.tenant.run (withTenant: BEGIN + tenant + SET LOCAL ROLE
 * tenantguard_app in one round trip, the query under RLS, COMMIT); the write
 * route also leaves an audit row (http.patch, chained, trigger-protected).
 * Unprotected: a plain handler running the same indexed statement on the same
 * pool with the org id in the WHERE clause (no token, no permission, no
 * transaction, no RLS, no audit row).
 *
 *   read:  GET   /brands/:brandId   SELECT id, name FROM brands WHERE id = $1
 *   write: PATCH /brands/:brandId   UPDATE brands SET name = $2 WHERE id = $1 RETURNING id, name
 *
 * Both use the (org_id, id) index of a 100,000-row table over 100 orgs; each
 * request picks a random org (one owner token per org) and a random brand of it.
 * The pool logs in as a superuser so the unprotected handler sees rows; the
 * protected side drops to tenantguard_app (tenantOptions.role), so RLS applies.
 *
 * autocannon runs in a child process; both servers run in this process, one
 * at a time under load. Besides requests per second the bench reports CPU
 * time per request: this process's (process.cpuUsage) and, when PostgreSQL
 * runs on this host, its backends' for this database (/proc/<pid>/stat).
 * CPU per request is far steadier than rps on a shared, loaded host. Order per round:
 * every (framework, route) pair runs protected and unprotected back to back,
 * alternating which goes first between rounds. Audit writes are asynchronous
 * (after the response); after each write run the bench waits for them
 * (flush) and reports rps over run + drain time as well, so a backlog is not
 * counted as throughput.
 *
 * On a shared, loaded host throughput swings a lot between seconds, so the
 * default is many short paired runs (protected and unprotected back to back)
 * and the figure that matters is the median of the per-round ratios, with
 * their min-max range.
 *
 * Env: ADAPTERS_BENCH_SECONDS (per run, default 3), ADAPTERS_BENCH_ROUNDS
 * (default 4), ADAPTERS_BENCH_ONLY (e.g. "fastify read,express write"), ADAPTERS_BENCH_CONNECTIONS (default 20), ADAPTERS_BENCH_ROWS
 * (default 100000), ADAPTERS_BENCH_ORGS (default 100), ADAPTERS_BENCH_POOL (default 20).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { tenantGuardExpress, notFound } from '../src/adapters/express/index.js';
import { tenantGuardFastify } from '../src/adapters/fastify/index.js';
import { createAuditLog } from '../src/audit/index.js';
import { createSessions } from '../src/crypto/sessions.js';
import { migrate } from '../src/migrate/index.js';
import { createPermissionStore } from '../src/rbac/index.js';
import { parseOrgId, withTenant, type OrgId, type WithTenantOptions } from '../src/tenancy/index.js';
import { startPostgres } from '../test/support/server.js';

const SECONDS = Number(process.env.ADAPTERS_BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.ADAPTERS_BENCH_ROUNDS ?? 4);
const CONNECTIONS = Number(process.env.ADAPTERS_BENCH_CONNECTIONS ?? 20);
const ROWS = Number(process.env.ADAPTERS_BENCH_ROWS ?? 100_000);
const ORGS = Number(process.env.ADAPTERS_BENCH_ORGS ?? 100);
const POOL_MAX = Number(process.env.ADAPTERS_BENCH_POOL ?? 20);
const WARMUP_SECONDS = 2;
/** Only these "framework route" pairs, e.g. "express read,fastify write" (default: all four). */
const ONLY = (process.env.ADAPTERS_BENCH_ONLY ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
const wanted = (key: string): boolean => ONLY.length === 0 || ONLY.includes(key);

const SECRET = 'adapters-bench-secret-0123456789abcdef-0123456789';
const ISSUER = 'https://bench.tenantguard.local';
const AUDIENCE = 'tenantguard-bench';
const TENANT: WithTenantOptions = { role: 'tenantguard_app' };

const READ_SQL = 'SELECT id, name FROM public.brands WHERE id = $1';
const WRITE_SQL = 'UPDATE public.brands SET name = $2 WHERE id = $1 RETURNING id, name';
const PLAIN_READ_SQL = 'SELECT id, name FROM public.brands WHERE org_id = $1 AND id = $2';
const PLAIN_WRITE_SQL = 'UPDATE public.brands SET name = $3 WHERE org_id = $1 AND id = $2 RETURNING id, name';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

function urlFor(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

function brandIdOf(raw: string | undefined): string {
  if (raw === undefined || !UUID.test(raw)) throw notFound('brand');
  return raw;
}

/** One request autocannon may send: picked at random per request. */
interface RequestSpec {
  method: 'GET' | 'PATCH';
  path: string;
  token?: string;
  body?: string;
}

interface RunResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  latencyP50: number;
  latencyP99: number;
}

// autocannon in a child process: the load generator must not share the
// servers' event loop, and this process's CPU time must be the servers' alone.
// setupRequest picks a random (org, brand) per request. Input on stdin, result
// as one JSON line on stdout.
const CHILD_SOURCE = `
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const job = JSON.parse(input);
  const autocannon = require(job.autocannonPath);
  const specs = job.specs;
  const started = Date.now();
  autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    pipelining: 1,
    requests: [{
      setupRequest(req) {
        const s = specs[Math.floor(Math.random() * specs.length)];
        const headers = { 'content-type': 'application/json' };
        if (s.token !== undefined) headers.authorization = 'Bearer ' + s.token;
        return { ...req, method: s.method, path: s.path, headers, body: s.body };
      },
    }],
  }, (err, r) => {
    if (err) { process.stdout.write(JSON.stringify({ error: String(err) }) + '\\n'); return; }
    process.stdout.write(JSON.stringify({
      requests: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      seconds: (Date.now() - started) / 1000,
      latencyP50: r.latency.p50,
      latencyP99: r.latency.p99,
    }) + '\\n');
  });
});
`;

const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

function fire(url: string, specs: RequestSpec[], seconds: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        const m = JSON.parse(out.trim().split('\n').at(-1) ?? '') as RunResult | { error: string };
        if ('error' in m) reject(new Error(m.error));
        else resolve(m);
      } catch {
        reject(new Error(`autocannon child exited ${String(code)} without a result: ${out.slice(0, 200)}`));
      }
    });
    child.stdin.end(JSON.stringify({ url, specs, seconds, connections: CONNECTIONS, autocannonPath }));
  });
}

/**
 * CPU seconds used so far by this process (both servers, the pg client, audit
 * writes) and, when PostgreSQL runs on this host and /proc is readable, by the
 * backends serving this database. On a shared host CPU per request is steadier
 * than requests per second, which moves with everyone else's load.
 */
async function cpuNow(admin: pg.Client, dbName: string): Promise<{ node: number; pg: number | null }> {
  const u = process.cpuUsage();
  const node = (u.user + u.system) / 1e6;
  const pids = (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName])).rows;
  let total = 0;
  for (const { pid } of pids) {
    try {
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ")" of the comm.
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return { node, pg: null };
    }
  }
  return { node, pg: pids.length === 0 ? null : total };
}
const CLOCK_TICKS = 100;

interface App {
  framework: 'express' | 'fastify';
  url: string;
  flush(): Promise<void>;
  close(): Promise<void>;
}

type Pools = { pool: pg.Pool };
type Guarded = Pools & {
  sessions: ReturnType<typeof createSessions>;
  permissions: ReturnType<typeof createPermissionStore>;
  audit: ReturnType<typeof createAuditLog>;
};

async function startExpress(g: Guarded): Promise<App> {
  const tg = tenantGuardExpress({
    pool: g.pool,
    sessions: g.sessions,
    permissions: g.permissions,
    audit: g.audit,
    tenantOptions: TENANT,
    onAuditError: (err) => console.error('audit write failed', err),
  });
  const app = express();
  app.use(express.json());
  app.use(tg.authenticate());
  const brand = { brand: (req: express.Request) => req.params.brandId as string };
  app.get('/brands/:brandId', tg.requirePermission('brands.read', brand), async (req, res) => {
    const r = await req.tenant.run((db) => db.query(READ_SQL, [brandIdOf(req.params.brandId as string)]));
    if (r.rows.length === 0) throw notFound('brand');
    res.json(r.rows[0]);
  });
  app.patch('/brands/:brandId', tg.requirePermission('brands.update', brand), async (req, res) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    const r = await req.tenant.run((db) => db.query(WRITE_SQL, [brandIdOf(req.params.brandId as string), String(name)]));
    if (r.rows.length === 0) throw notFound('brand');
    res.json(r.rows[0]);
  });
  app.use(tg.errorHandler());
  tg.assertRouteCoverage(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    framework: 'express',
    url: `http://127.0.0.1:${port}`,
    flush: () => tg.flush(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startFastify(g: Guarded): Promise<App> {
  const app: FastifyInstance = Fastify();
  await app.register(tenantGuardFastify, {
    pool: g.pool,
    sessions: g.sessions,
    permissions: g.permissions,
    audit: g.audit,
    tenantOptions: TENANT,
    onAuditError: (err) => console.error('audit write failed', err),
  });
  const brand = (req: { params: unknown }): string => (req.params as { brandId: string }).brandId;
  app.get<{ Params: { brandId: string } }>('/brands/:brandId', { config: { permission: 'brands.read', brand } }, async (req) => {
    const r = await req.tenant.run((db) => db.query(READ_SQL, [brandIdOf(req.params.brandId)]));
    if (r.rows.length === 0) throw notFound('brand');
    return r.rows[0];
  });
  app.patch<{ Params: { brandId: string }; Body: { name?: unknown } }>(
    '/brands/:brandId',
    { config: { permission: 'brands.update', brand } },
    async (req) => {
      const r = await req.tenant.run((db) => db.query(WRITE_SQL, [brandIdOf(req.params.brandId), String(req.body?.name)]));
      if (r.rows.length === 0) throw notFound('brand');
      return r.rows[0];
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    framework: 'fastify',
    url: `http://127.0.0.1:${port}`,
    flush: () => app.tenantGuard.flush(),
    close: () => app.close(),
  };
}

/** The unprotected peers: the same framework and pool, no tenantguard at all. */
async function startPlainExpress(pool: pg.Pool): Promise<App> {
  const app = express();
  app.use(express.json());
  app.get('/plain/:orgId/brands/:brandId', async (req, res) => {
    const r = await pool.query(PLAIN_READ_SQL, [req.params.orgId, brandIdOf(req.params.brandId)]);
    if (r.rows.length === 0) res.status(404).end();
    else res.json(r.rows[0]);
  });
  app.patch('/plain/:orgId/brands/:brandId', async (req, res) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    const r = await pool.query(PLAIN_WRITE_SQL, [req.params.orgId, brandIdOf(req.params.brandId), String(name)]);
    if (r.rows.length === 0) res.status(404).end();
    else res.json(r.rows[0]);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    framework: 'express',
    url: `http://127.0.0.1:${port}`,
    flush: async () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startPlainFastify(pool: pg.Pool): Promise<App> {
  const app: FastifyInstance = Fastify();
  app.get<{ Params: { orgId: string; brandId: string } }>('/plain/:orgId/brands/:brandId', async (req, reply) => {
    const r = await pool.query(PLAIN_READ_SQL, [req.params.orgId, brandIdOf(req.params.brandId)]);
    if (r.rows.length === 0) return reply.code(404).send();
    return r.rows[0];
  });
  app.patch<{ Params: { orgId: string; brandId: string }; Body: { name?: unknown } }>('/plain/:orgId/brands/:brandId', async (req, reply) => {
    const r = await pool.query(PLAIN_WRITE_SQL, [req.params.orgId, brandIdOf(req.params.brandId), String(req.body?.name)]);
    if (r.rows.length === 0) return reply.code(404).send();
    return r.rows[0];
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { framework: 'fastify', url: `http://127.0.0.1:${port}`, flush: async () => undefined, close: () => app.close() };
}

interface Sample {
  requests: number;
  rps: number;
  rpsWithDrain: number;
  drainMs: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
  /** Microseconds of CPU per request: this process (servers, pg client, audit writes). */
  nodeUs: number;
  /** Microseconds of CPU per request in the PostgreSQL backends of this database, or null when not measurable. */
  pgUs: number | null;
}

type CpuProbe = () => Promise<{ node: number; pg: number | null }>;

async function measure(app: App, specs: RequestSpec[], seconds: number, cpu: CpuProbe): Promise<Sample> {
  const before = await cpu();
  const r = await fire(app.url, specs, seconds);
  const t0 = performance.now();
  await app.flush();
  const drainMs = performance.now() - t0;
  const after = await cpu();
  const per = (a: number, b: number): number => ((b - a) * 1e6) / Math.max(1, r.requests);
  return {
    requests: r.requests,
    rps: r.requests / r.seconds,
    rpsWithDrain: r.requests / (r.seconds + drainMs / 1000),
    drainMs,
    non2xx: r.non2xx,
    errors: r.errors,
    p50: r.latencyP50,
    p99: r.latencyP99,
    nodeUs: per(before.node, after.node),
    pgUs: before.pg === null || after.pg === null ? null : per(before.pg, after.pg),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`adapters bench: ${ROWS.toLocaleString('en')} rows over ${ORGS} orgs, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds, pool ${POOL_MAX}`);
  console.log(`load average at start: ${load()}`);
  const server = await startPostgres({ log: (l) => console.error(l) });
  const dbName = `tg_bench_adapters_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = urlFor(server.url, dbName);
  // idleTimeoutMillis 0: keep the backends, so their CPU counters are comparable between samples.
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX, idleTimeoutMillis: 0 });
  // DROP DATABASE ... WITH (FORCE) at the end ends idle clients: not an error here.
  pool.on('error', () => undefined);
  const apps: App[] = [];
  try {
    await migrate({ databaseUrl: url });
    await pool.query(`
      CREATE TABLE public.brands (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        name text NOT NULL
      );
      SELECT tenantguard.enable_tenant_isolation('public.brands');
    `);
    const orgs: OrgId[] = Array.from({ length: ORGS }, () => parseOrgId(randomUUID()));
    const perOrg = Math.floor(ROWS / ORGS);
    const t0 = performance.now();
    await pool.query(
      `INSERT INTO public.brands (org_id, name)
       SELECT o.org, 'brand ' || g FROM unnest($1::uuid[]) AS o(org), generate_series(1, $2) AS g`,
      [orgs, perOrg],
    );
    await pool.query('CREATE INDEX brands_org_id_id ON public.brands (org_id, id)');
    await pool.query('VACUUM ANALYZE public.brands');
    const brandsByOrg = new Map<string, string[]>();
    for (const row of (await pool.query<{ org_id: string; id: string }>('SELECT org_id, id FROM public.brands')).rows) {
      const list = brandsByOrg.get(row.org_id) ?? [];
      list.push(row.id);
      brandsByOrg.set(row.org_id, list);
    }
    const sessions = createSessions({ pool, keys: [{ kid: 'k1', secret: SECRET }], issuer: ISSUER, audience: AUDIENCE });
    const permissions = createPermissionStore({ cache: true });
    const audit = createAuditLog({ pool, adminPool: pool, tenant: { role: 'tenantguard_app' } });
    const tokens = new Map<string, string>();
    for (const org of orgs) {
      const userId = randomUUID();
      await withTenant(pool, org, (t) => permissions.setMemberRole(t, userId, 'owner'), TENANT);
      tokens.set(org, (await sessions.issue({ userId, orgId: org, role: 'owner' })).accessToken);
    }
    console.log(`seeded ${fmt(perOrg * ORGS)} rows, index (org_id, id), ${ORGS} owners in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // 20 brands per org per spec list: enough spread, small worker payload.
    const pick = (org: string): string[] => (brandsByOrg.get(org) ?? []).slice(0, 20);
    const specs = {
      read: {
        protected: orgs.flatMap((o) => pick(o).map((b): RequestSpec => ({ method: 'GET', path: `/brands/${b}`, token: tokens.get(o) as string }))),
        plain: orgs.flatMap((o) => pick(o).map((b): RequestSpec => ({ method: 'GET', path: `/plain/${o}/brands/${b}` }))),
      },
      write: {
        protected: orgs.flatMap((o) =>
          pick(o).map((b): RequestSpec => ({ method: 'PATCH', path: `/brands/${b}`, token: tokens.get(o) as string, body: '{"name":"renamed"}' })),
        ),
        plain: orgs.flatMap((o) => pick(o).map((b): RequestSpec => ({ method: 'PATCH', path: `/plain/${o}/brands/${b}`, body: '{"name":"renamed"}' }))),
      },
    } as const;

    const g: Guarded = { pool, sessions, permissions, audit };
    const cpu: CpuProbe = () => cpuNow(admin, dbName);
    const pairs = [
      { framework: 'express' as const, guarded: await startExpress(g), plain: await startPlainExpress(pool) },
      { framework: 'fastify' as const, guarded: await startFastify(g), plain: await startPlainFastify(pool) },
    ];
    for (const pair of pairs) apps.push(pair.guarded, pair.plain);
    const appFor = (pair: (typeof pairs)[number], variant: 'protected' | 'plain'): App => (variant === 'protected' ? pair.guarded : pair.plain);

    // Sanity: each route answers 200 once, and the protected write leaves its audit row.
    const auditBefore = Number((await pool.query('SELECT count(*) AS n FROM tenantguard.security_audit_log')).rows[0].n);
    for (const pair of pairs) {
      for (const [variant, s] of [
        ['protected', specs.read.protected[0]],
        ['plain', specs.read.plain[0]],
        ['protected', specs.write.protected[0]],
        ['plain', specs.write.plain[0]],
      ] as Array<['protected' | 'plain', RequestSpec]>) {
        const app = appFor(pair, variant);
        const res = await fetch(app.url + s.path, {
          method: s.method,
          headers: { 'content-type': 'application/json', ...(s.token !== undefined ? { authorization: `Bearer ${s.token}` } : {}) },
          ...(s.body !== undefined ? { body: s.body } : {}),
        });
        if (res.status !== 200) throw new Error(`${app.framework} ${s.method} ${s.path}: ${res.status} ${await res.text()}`);
      }
      await pair.guarded.flush();
    }
    const auditAfter = Number((await pool.query('SELECT count(*) AS n FROM tenantguard.security_audit_log')).rows[0].n);
    if (auditAfter - auditBefore !== pairs.length) throw new Error(`expected ${pairs.length} audit rows from the sanity writes, got ${auditAfter - auditBefore}`);

    type Key = `${'express' | 'fastify'} ${'read' | 'write'}`;
    const samples = new Map<string, Sample[]>();
    const add = (k: string, s: Sample): void => {
      samples.set(k, [...(samples.get(k) ?? []), s]);
    };

    console.log(`warm-up: ${WARMUP_SECONDS} s per (framework, route, variant)`);
    for (const pair of pairs) {
      for (const route of ['read', 'write'] as const) {
        if (!wanted(`${pair.framework} ${route}`)) continue;
        await measure(pair.guarded, specs[route].protected, WARMUP_SECONDS, cpu);
        await measure(pair.plain, specs[route].plain, WARMUP_SECONDS, cpu);
      }
    }
    const auditRowsStart = Number((await pool.query('SELECT count(*) AS n FROM tenantguard.security_audit_log')).rows[0].n);
    let protectedWrites = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const pair of pairs) {
        for (const route of ['read', 'write'] as const) {
          const key: Key = `${pair.framework} ${route}`;
          if (!wanted(key)) continue;
          const order = round % 2 === 0 ? (['protected', 'plain'] as const) : (['plain', 'protected'] as const);
          for (const variant of order) {
            const s = await measure(appFor(pair, variant), specs[route][variant], SECONDS, cpu);
            add(`${key} ${variant}`, s);
            if (route === 'write' && variant === 'protected') protectedWrites += s.requests;
          }
          const p = samples.get(`${key} protected`)?.at(-1) as Sample;
          const u = samples.get(`${key} plain`)?.at(-1) as Sample;
          console.log(
            `round ${round + 1} ${key.padEnd(13)} protected ${fmt(p.rps).padStart(6)} rps, unprotected ${fmt(u.rps).padStart(6)} rps, ratio ${(p.rps / u.rps).toFixed(2)}  (load ${load()})`,
          );
        }
      }
    }
    const auditRowsEnd = Number((await pool.query('SELECT count(*) AS n FROM tenantguard.security_audit_log')).rows[0].n);

    console.log('\nmedians over rounds (rps = requests / run seconds; +drain = requests / (run + audit drain) seconds)');
    console.log('| framework | route | protected rps | +drain | unprotected rps | ratio (min-max) | ratio +drain | p50 ms prot/unprot | p99 ms prot/unprot | non-2xx | errors |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { framework } of pairs) {
      for (const route of ['read', 'write'] as const) {
        if (!wanted(`${framework} ${route}`)) continue;
        const p = samples.get(`${framework} ${route} protected`) ?? [];
        const u = samples.get(`${framework} ${route} plain`) ?? [];
        const ratios = p.map((s, i) => s.rps / (u[i] as Sample).rps);
        const ratiosDrain = p.map((s, i) => s.rpsWithDrain / (u[i] as Sample).rps);
        const non2xx = [...p, ...u].reduce((n, s) => n + s.non2xx, 0);
        const errors = [...p, ...u].reduce((n, s) => n + s.errors, 0);
        console.log(
          `| ${framework} | ${route === 'read' ? 'GET /brands/:id' : 'PATCH /brands/:id'} | ${fmt(median(p.map((s) => s.rps)))} | ${fmt(median(p.map((s) => s.rpsWithDrain)))} | ${fmt(median(u.map((s) => s.rps)))} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) | ${median(ratiosDrain).toFixed(2)} | ${median(p.map((s) => s.p50))}/${median(u.map((s) => s.p50))} | ${median(p.map((s) => s.p99))}/${median(u.map((s) => s.p99))} | ${non2xx} | ${errors} |`,
        );
      }
    }
    console.log('\nCPU per request, medians over rounds (node = this process: framework, tenantguard, pg client, audit writes; pg = the database backends).');
    console.log('Capacity ratio = unprotected CPU / protected CPU per request: the throughput ratio a CPU-bound host would see.');
    console.log('| framework | route | protected node µs | unprotected node µs | protected pg µs | unprotected pg µs | capacity ratio node+pg (min-max) | node-only ratio |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { framework } of pairs) {
      for (const route of ['read', 'write'] as const) {
        if (!wanted(`${framework} ${route}`)) continue;
        const p = samples.get(`${framework} ${route} protected`) ?? [];
        const u = samples.get(`${framework} ${route} plain`) ?? [];
        const total = (x: Sample): number => x.nodeUs + (x.pgUs ?? 0);
        const cap = p.map((x, i) => total(u[i] as Sample) / total(x));
        const nodeOnly = p.map((x, i) => (u[i] as Sample).nodeUs / x.nodeUs);
        const pgMed = (xs: Sample[]): string => (xs.every((x) => x.pgUs !== null) ? fmt(median(xs.map((x) => x.pgUs as number))) : 'n/a');
        console.log(
          `| ${framework} | ${route === 'read' ? 'GET /brands/:id' : 'PATCH /brands/:id'} | ${fmt(median(p.map((x) => x.nodeUs)))} | ${fmt(median(u.map((x) => x.nodeUs)))} | ${pgMed(p)} | ${pgMed(u)} | ${median(cap).toFixed(2)} (${Math.min(...cap).toFixed(2)}-${Math.max(...cap).toFixed(2)}) | ${median(nodeOnly).toFixed(2)} |`,
        );
      }
    }
    const ex = samples.get('express read plain') ?? [];
    const fa = samples.get('fastify read plain') ?? [];
    const exP = samples.get('express read protected') ?? [];
    const faP = samples.get('fastify read protected') ?? [];
    if (ex.length > 0 && fa.length > 0) console.log(
      `\nfastify/express, unprotected read: ${(median(fa.map((s) => s.rps)) / median(ex.map((s) => s.rps))).toFixed(2)}; protected read: ${(median(faP.map((s) => s.rps)) / median(exP.map((s) => s.rps))).toFixed(2)}`,
    );
    console.log(`audit rows written during the measured write runs: ${fmt(auditRowsEnd - auditRowsStart)} (protected PATCH requests answered in them: ${fmt(protectedWrites)}; a few more finish after autocannon stops)`);
    console.log(`server: ${server.kind}; load average at end: ${load()}; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await Promise.allSettled(apps.map((a) => a.close()));
    await Promise.allSettled(apps.map((a) => a.flush()));
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
