/**
 * The conformance kit against a real HTTP app on real PostgreSQL: it passes
 * the correct app, and it fails, naming the endpoint, for each leak planted
 * on purpose (superuser query, table without RLS, single-column FK, 403
 * existence oracle, blind write, unchecked parent).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { assertConformance, formatReport, runConformance } from '../../src/testing/index.js';
import { useTestDatabase } from '../support/db.js';
import { plainResources, startPlainApp, type PlainApp, type PlantedLeak } from './support/plain-app.js';

const db = useTestDatabase();
const apps: PlainApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

let schemaSeq = 0;
async function app(leak: PlantedLeak): Promise<PlainApp> {
  schemaSeq += 1;
  const a = await startPlainApp(db.pool, db.appPool, `kit_${leak.replace(/-/g, '_')}_${String(schemaSeq)}`, leak);
  apps.push(a);
  return a;
}

function tokensOf(a: PlainApp): () => Promise<{ orgA: string; orgB: string }> {
  return () => Promise.resolve({ orgA: a.newOrg().token, orgB: a.newOrg().token });
}

describe('conformance kit on a correct app', () => {
  it('passes, with every kind of probe made and answered 404 like a nonexistent id', async () => {
    const a = await app('none');
    const report = await assertConformance({ server: a.server, tokens: tokensOf(a), resources: plainResources });
    expect(report.passed).toBe(true);
    expect(report.failures).toEqual([]);
    const kinds = new Set(report.checks.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['baseline', 'delete', 'integrity', 'list', 'read', 'reference', 'seed', 'update']);
    // Every probe by B on an id had a control request and got 404 for both.
    for (const c of report.checks.filter((x) => ['read', 'update', 'delete', 'reference'].includes(x.kind))) {
      expect(c.as).toBe('B');
      expect(c.status).toBe(404);
      expect(c.controlStatus).toBe(404);
    }
    // The automatic reference probes: channels under A's brand, a post on A's channel.
    const refs = report.checks.filter((c) => c.kind === 'reference').map((c) => c.endpoint);
    expect(refs).toEqual(['POST /brands/:brands/channels', 'POST /posts']);
    // "B's parent, A's child" variants exist for nested routes.
    expect(report.checks.some((c) => c.kind === 'read' && c.variant.startsWith("org B's own brands"))).toBe(true);
    expect(formatReport(report)).toMatch(/^tenantguard conformance: PASSED/);
    expect(report.summary.checks).toBe(report.checks.length);
    expect(report.baseUrl).toBe(a.baseUrl);
  });
});

describe('conformance kit finds planted leaks and names the endpoint', () => {
  const cases: Array<[PlantedLeak, string, string, RegExp]> = [
    ['superuser-read', 'GET /brands/:id', 'read', /org B's GET on org A's brands succeeded|org A's data/],
    ['unisolated-table', 'GET /posts/:id', 'read', /org A's data|succeeded/],
    ['single-column-fk', 'POST /posts', 'reference', /org B created a row pointing at org A's channels/],
    ['forbidden-oracle', 'GET /brands/:brands/channels/:id', 'read', /got 403 \(403 tells B the row exists\)/],
    ['blind-update', 'GET /brands/:id', 'integrity', /org A's brands changed during org B's attempts/],
    ['unchecked-parent', 'POST /brands/:brands/channels', 'reference', /org B created a row pointing at org A's brands/],
  ];
  for (const [leak, endpoint, kind, reason] of cases) {
    it(`${leak}: fails at ${endpoint} (${kind})`, async () => {
      const a = await app(leak);
      const report = await runConformance({ baseUrl: a.baseUrl, tokens: tokensOf(a), resources: plainResources });
      expect(report.passed).toBe(false);
      expect(report.stoppedEarly).toBe(true);
      expect(report.failures).toHaveLength(1);
      const f = report.failures[0];
      expect(f?.endpoint).toBe(endpoint);
      expect(f?.kind).toBe(kind);
      expect(f?.reason).toMatch(reason);
      const text = formatReport(report);
      expect(text).toMatch(/^tenantguard conformance: FAILED/);
      expect(text).toContain(`LEAK ${endpoint}`);
    });
  }

  it('collects every leak with stopOnFirstLeak: false (list and read of an unisolated table)', async () => {
    const a = await app('unisolated-table');
    const report = await runConformance({ baseUrl: a.baseUrl, tokens: tokensOf(a), resources: plainResources, stopOnFirstLeak: false });
    expect(report.stoppedEarly).toBe(false);
    const endpoints = new Set(report.failures.map((f) => `${f.kind} ${f.endpoint}`));
    expect(endpoints).toEqual(new Set(['read GET /posts/:id', 'list GET /posts', 'delete DELETE /posts/:id', 'integrity GET /posts/:id', 'integrity GET /posts']));
    // The run went on after the first leak: later checks were made.
    expect(report.checks.filter((c) => c.kind === 'integrity').length).toBeGreaterThan(3);
  });

  it('a search endpoint that reads with the superuser pool fails its scan', async () => {
    const a = await app('search-superuser');
    const report = await runConformance({ baseUrl: a.baseUrl, tokens: tokensOf(a), resources: plainResources, scans: ['/search?q=Brand'] });
    expect(report.passed).toBe(false);
    expect(report.failures[0]).toMatchObject({ kind: 'scan', endpoint: 'GET /search?q=Brand' });
    expect(report.failures[0]?.reason).toMatch(/org A's data|org A's id/);
  });

  it('reports routes no probe reached, and fails on them with failOnUnprobed', async () => {
    const a = await app('none');
    const routes = [
      { method: 'GET', path: '/brands/:brandId' },
      { method: 'POST', path: '/brands/:brandId/channels' },
      { method: 'GET', path: '/search' },
      { method: 'GET', path: '/export/everything' },
      { method: 'GET', path: '/health', public: true },
      { method: 'HEAD', path: '/brands' },
    ];
    const opts = { baseUrl: a.baseUrl, tokens: tokensOf(a), resources: plainResources, scans: ['/search?q=x'], routes, ignoreRoutes: ['GET /exp*'] };
    const seen = await runConformance(opts);
    expect(seen.passed).toBe(true);
    expect(seen.coverage).toEqual({ routes: 4, probed: 3, unprobed: [], ignored: ['GET /export/everything'] });
    const strict = await runConformance({ ...opts, ignoreRoutes: [], failOnUnprobed: true });
    expect(strict.passed).toBe(false);
    expect(strict.failures).toEqual([expect.objectContaining({ kind: 'coverage', endpoint: 'GET /export/everything' })]);
    expect(formatReport(strict)).toContain('NOT PROBED: GET /export/everything');
  });

  it('assertConformance throws CONFORMANCE_FAILED with the readable report', async () => {
    const a = await app('superuser-read');
    const err = await assertConformance({ baseUrl: a.baseUrl, tokens: tokensOf(a), resources: plainResources }).catch((e: unknown) => e);
    expect(isTenantGuardError(err, 'CONFORMANCE_FAILED')).toBe(true);
    expect((err as Error).message).toContain('LEAK GET /brands/:id');
    expect((err as { details: { failures: Array<{ endpoint: string }> } }).details.failures[0]?.endpoint).toBe('GET /brands/:id');
  });
});
