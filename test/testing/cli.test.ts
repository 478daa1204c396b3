/**
 * The kit as a CI step: exit codes (0 clean, 1 leak, 2 bad usage), the JSON
 * report file, `--collect-all`, and `main --config <module>`. Also the
 * configuration checks that stop a typo from silently probing nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { main, runConformance, runConformanceCli, type ConformanceReport } from '../../src/testing/index.js';
import { useTestDatabase } from '../support/db.js';
import { plainResources, startPlainApp, type PlainApp } from './support/plain-app.js';

const db = useTestDatabase();
let good: PlainApp;
let leaky: PlainApp;
let dir: string;

beforeAll(async () => {
  good = await startPlainApp(db.pool, db.appPool, 'cli_good', 'none');
  leaky = await startPlainApp(db.pool, db.appPool, 'cli_leaky', 'forbidden-oracle');
  dir = await mkdtemp(join(tmpdir(), 'tg-kit-'));
});
afterAll(async () => {
  await good.close();
  await leaky.close();
  await rm(dir, { recursive: true, force: true });
});

function capture(): { out: string[]; err: string[]; output: { out: (t: string) => void; err: (t: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

const tokens = (a: PlainApp) => () => Promise.resolve({ orgA: a.newOrg().token, orgB: a.newOrg().token });

describe('runConformanceCli', () => {
  it('exits 0 on a clean app and writes the JSON report', async () => {
    const c = capture();
    const file = join(dir, 'clean.json');
    const code = await runConformanceCli({ baseUrl: good.baseUrl, tokens: tokens(good), resources: plainResources }, ['--json', file, '--quiet'], c.output);
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(file, 'utf8')) as ConformanceReport;
    expect(report.format).toBe('tenantguard-conformance/1');
    expect(report.passed).toBe(true);
    expect(c.out.join('\n')).toContain('PASSED');
    // --quiet: only the report, no per-check lines.
    expect(c.out.some((l) => l.startsWith('ok  '))).toBe(false);
  });

  it('exits 1 on a leak, names the endpoint, and --collect-all keeps going', async () => {
    const c = capture();
    const file = join(dir, 'leak.json');
    const code = await runConformanceCli({ baseUrl: 'http://127.0.0.1:1', tokens: tokens(leaky), resources: plainResources }, ['--base-url', leaky.baseUrl, '--collect-all', '--json', file], c.output);
    expect(code).toBe(1);
    const text = c.out.join('\n');
    expect(text).toContain('LEAK GET /brands/:brands/channels/:id');
    expect(text).toMatch(/^FAIL read /m);
    const report = JSON.parse(await readFile(file, 'utf8')) as ConformanceReport;
    expect(report.stoppedEarly).toBe(false);
    expect(report.failures.length).toBeGreaterThanOrEqual(1);
    expect(report.failures.every((f) => f.endpoint === 'GET /brands/:brands/channels/:id')).toBe(true);
    // The report never carries the tokens.
    expect(JSON.stringify(report)).not.toMatch(/"t-[0-9a-f-]{36}"/);
  });

  it('exits 2 on an unknown flag or a bad configuration', async () => {
    const c = capture();
    expect(await runConformanceCli({ baseUrl: good.baseUrl, tokens: tokens(good), resources: plainResources }, ['--frobnicate'], c.output)).toBe(2);
    expect(c.err.join('\n')).toContain('unknown argument --frobnicate');
    const d = capture();
    const bad = [{ name: 'x', create: { path: '/x', body: { parent: '{nope}' } }, read: '/x/{id}' }];
    expect(await runConformanceCli({ baseUrl: good.baseUrl, tokens: tokens(good), resources: bad }, [], d.output)).toBe(2);
    expect(d.err.join('\n')).toContain('CONFIG_INVALID');
  });
});

describe('main --config', () => {
  it('loads the options from a module and runs them', async () => {
    const a = good.newOrg().token;
    const b = good.newOrg().token;
    const config = join(dir, 'kit.config.mjs');
    await writeFile(
      config,
      `export default async () => ({ baseUrl: ${JSON.stringify(good.baseUrl)}, tokens: { orgA: ${JSON.stringify(a)}, orgB: ${JSON.stringify(b)} }, resources: ${JSON.stringify(plainResources)} });\n`,
    );
    const c = capture();
    expect(await main(['--config', config, '--quiet'], c.output)).toBe(0);
    expect(c.out.join('\n')).toContain('PASSED');
    const d = capture();
    expect(await main([], d.output)).toBe(2);
    expect(await main(['--config', join(dir, 'missing.mjs')], d.output)).toBe(2);
    expect(d.err.join('\n')).toContain('cannot load');
  });
});

describe('configuration checks', () => {
  const base = { baseUrl: 'http://127.0.0.1:1', tokens: { orgA: 'a', orgB: 'b' } };
  const cases: Array<[string, unknown]> = [
    ['an unknown placeholder', [{ name: 'x', create: { path: '/x/{y}' }, read: '/x/{id}' }]],
    ['a parent listed after its child', [{ name: 'c', create: { path: '/p/{p}/c' }, read: '/c/{id}' }, { name: 'p', create: { path: '/p' }, read: '/p/{id}' }]],
    ['a duplicate name', [{ name: 'x', create: { path: '/x' }, read: '/x/{id}' }, { name: 'x', create: { path: '/x' }, read: '/x/{id}' }]],
    ['a reserved name', [{ name: 'id', create: { path: '/x' }, read: '/x/{id}' }]],
    ['a relative path', [{ name: 'x', create: { path: 'x' }, read: '/x/{id}' }]],
    ['no resources', []],
  ];
  for (const [what, resources] of cases) {
    it(`refuses ${what} with CONFIG_INVALID`, async () => {
      const err = await runConformance({ ...base, resources: resources as never }).catch((e: unknown) => e);
      expect(isTenantGuardError(err, 'CONFIG_INVALID')).toBe(true);
    });
  }
  it('refuses the same token for both orgs, and a missing base URL', async () => {
    const resources = [{ name: 'x', create: { path: '/x' }, read: '/x/{id}' }];
    await expect(runConformance({ baseUrl: 'http://127.0.0.1:1', tokens: { orgA: 'same', orgB: 'same' }, resources })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(runConformance({ tokens: { orgA: 'a', orgB: 'b' }, resources })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
  it('reports an unreachable app as a failed seed (status 0), never a pass', async () => {
    const report = await runConformance({ baseUrl: 'http://127.0.0.1:1', tokens: { orgA: 'a', orgB: 'b' }, resources: [{ name: 'x', create: { path: '/x' }, read: '/x/{id}' }], timeoutMs: 2000 });
    expect(report.passed).toBe(false);
    expect(report.failures[0]).toMatchObject({ kind: 'seed', status: 0 });
  });
});
