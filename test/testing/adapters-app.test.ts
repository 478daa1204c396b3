/**
 * The conformance kit against the example app built with the real adapters
 * (Express and Fastify, sessions, permission store, audit, vault), on real
 * PostgreSQL over loopback HTTP: the app passes on both frameworks; a route
 * planted to query with the superuser pool, and a table whose RLS is turned
 * off, each make the kit fail and name the endpoint.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/migrate/index.js';
import { runConformance, type ConformanceOptions, type CoverageRoute } from '../../src/testing/index.js';
import { EXAMPLE_RESOURCES, EXAMPLE_SCANS } from '../../examples/app/conformance-resources.js';
import { buildExpressApp } from '../../examples/app/express-app.js';
import { buildFastifyApp } from '../../examples/app/fastify-app.js';
import { provisionOrg } from '../../examples/app/orgs.js';
import { ROUTES, type AppRoute } from '../../examples/app/routes.js';
import { createAppServices, type AppServices } from '../../examples/app/services.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();
let services: AppServices;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  await migrate({ pool: db.pool, directories: [fileURLToPath(new URL('../../examples/migrations', import.meta.url))] });
  services = createAppServices(db.appPool, db.pool);
});
afterAll(async () => {
  for (const c of closers) await c();
});

let lastRoutes: readonly CoverageRoute[] = [];

async function serveExpress(routes: readonly AppRoute[] = ROUTES): Promise<string> {
  const app = buildExpressApp(services, routes);
  lastRoutes = app.locals.routeCoverage as CoverageRoute[];
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

async function serveFastify(routes: readonly AppRoute[] = ROUTES): Promise<string> {
  const app: FastifyInstance = await buildFastifyApp(services, routes);
  await app.listen({ port: 0, host: '127.0.0.1' });
  lastRoutes = app.tenantGuard.routes;
  closers.push(() => app.close());
  return `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
}

const options = (baseUrl: string): ConformanceOptions => ({
  baseUrl,
  tokens: async () => ({ orgA: (await provisionOrg(services)).accessToken, orgB: (await provisionOrg(services)).accessToken }),
  resources: EXAMPLE_RESOURCES,
});

/** The route table with one route's handler replaced. */
function plant(method: string, path: string, handle: AppRoute['handle']): AppRoute[] {
  let found = false;
  const routes = ROUTES.map((r) => {
    if (r.method !== method || r.path !== path) return r;
    found = true;
    return { ...r, handle };
  });
  if (!found) throw new Error(`no route ${method} ${path}`);
  return routes;
}

describe('the example app with the real adapters', () => {
  for (const [name, serve] of [['Express', serveExpress], ['Fastify', serveFastify]] as const) {
    it(`${name}: passes the conformance kit on all nine tables`, async () => {
      const baseUrl = await serve();
      const report = await runConformance({ ...options(baseUrl), routes: lastRoutes, failOnUnprobed: true, scans: EXAMPLE_SCANS });
      expect(report.failures).toEqual([]);
      expect(report.passed).toBe(true);
      expect(report.summary.resources).toBe(9);
      // Every table was probed by id as org B and read back unchanged as org A.
      for (const r of EXAMPLE_RESOURCES) {
        expect(report.checks.some((c) => c.resource === r.name && c.kind === 'read' && c.status === 404 && c.controlStatus === 404)).toBe(true);
        expect(report.checks.some((c) => c.resource === r.name && c.kind === 'integrity' && c.passed)).toBe(true);
      }
      // Reference probes went to every table that points at another.
      const referenced = new Set(report.checks.filter((c) => c.kind === 'reference').map((c) => c.resource));
      expect([...referenced].sort()).toEqual(EXAMPLE_RESOURCES.map((r) => r.name).sort());
      // Every route of the app was reached by a probe, and the org-wide reads showed nothing of A's.
      expect(report.coverage?.unprobed).toEqual([]);
      expect(report.coverage?.routes).toBeGreaterThanOrEqual(47);
      expect(report.checks.filter((c) => c.kind === 'scan' && c.passed)).toHaveLength(EXAMPLE_SCANS.length);
    });
  }

  it('Express: a route planted to read with the superuser pool fails the kit at that endpoint', async () => {
    const leaky = plant('GET', '/brands/:brandId/email_subscribers/:id', async (ctx) => {
      // The mistake: no withTenant, a pool that bypasses RLS, no org filter.
      const row = (await db.pool.query('SELECT id, brand_id, email, name, status FROM email_subscribers WHERE id = $1', [ctx.params.id])).rows[0] as unknown;
      return row === undefined ? { status: 404, body: { status: 404, code: 'RESOURCE_NOT_FOUND' } } : { status: 200, body: row };
    });
    const report = await runConformance(options(await serveExpress(leaky)));
    expect(report.passed).toBe(false);
    expect(report.failures[0]?.endpoint).toBe('GET /brands/:brands/email_subscribers/:id');
    expect(report.failures[0]?.kind).toBe('read');
    expect(report.failures[0]?.reason).toMatch(/org A's data|succeeded/);
  });

  it('Fastify: a table without tenant isolation fails the kit at its endpoint (RLS turned off on mentions)', async () => {
    await db.pool.query('ALTER TABLE mentions NO FORCE ROW LEVEL SECURITY');
    await db.pool.query('ALTER TABLE mentions DISABLE ROW LEVEL SECURITY');
    try {
      const report = await runConformance({ ...options(await serveFastify()), stopOnFirstLeak: false });
      expect(report.passed).toBe(false);
      const endpoints = new Set(report.failures.map((f) => f.endpoint));
      expect(endpoints.has('GET /brands/:brands/mentions/:id')).toBe(true);
      expect(report.failures.every((f) => f.resource === 'mentions')).toBe(true);
    } finally {
      await db.pool.query("SELECT tenantguard.enable_tenant_isolation('mentions')");
    }
  });
});
