/**
 * The two-org isolation conformance run: seed org A (and org B) through the
 * API, then as org B read, list, update and delete every A resource and
 * create rows that point at A's ids; each attempt must be refused exactly
 * as an attempt on an id that exists nowhere, and A's data must read back
 * unchanged. This is the pre-deploy gate, against the running app.
 *
 * @module testing/run
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { defaultIdFrom, listItems, nonexistentIdLike, normalizedBody, revealsOtherOrg } from './compare.js';
import { send, type KitResponse } from './http.js';
import { formatReport } from './report.js';
import { endpointName, fillBody, fillPath, placeholders, type Bindings } from './template.js';
import type {
  CheckKind,
  ConformanceCheck,
  ConformanceOptions,
  ConformanceReport,
  ConformanceResource,
  OrgTokens,
  TemplateValue,
} from './types.js';

const DEFAULT_IGNORE = ['instance', 'requestId', 'request_id', 'traceId', 'timestamp'];
const RESERVED = new Set(['id', 'marker', 'target']);

const resourceSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  create: z.object({ method: z.enum(['POST', 'PUT']).optional(), path: z.string().startsWith('/'), body: z.unknown().optional() }),
  read: z.string().startsWith('/'),
  list: z.string().startsWith('/').optional(),
  update: z
    .object({ method: z.enum(['PATCH', 'PUT', 'POST']).optional(), path: z.string().startsWith('/'), body: z.unknown().optional() })
    .optional(),
  delete: z.string().startsWith('/').optional(),
  references: z
    .array(z.object({ target: z.string(), method: z.enum(['POST', 'PUT', 'PATCH']).optional(), path: z.string().startsWith('/'), body: z.unknown().optional() }))
    .optional(),
  idFrom: z.function().optional(),
});

const optionsSchema = z.object({
  resources: z.array(resourceSchema).min(1),
  stopOnFirstLeak: z.boolean().optional(),
  notFoundStatuses: z.array(z.number().int().min(400).max(599)).min(1).optional(),
  ignoreFields: z.array(z.string()).optional(),
  scans: z.array(z.string().startsWith('/')).optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  routes: z.array(z.object({ method: z.string(), path: z.string(), public: z.boolean().optional() })).optional(),
  ignoreRoutes: z.array(z.string()).optional(),
  failOnUnprobed: z.boolean().optional(),
});

function baseUrlOf(options: ConformanceOptions): string {
  if (options.baseUrl !== undefined) return String(options.baseUrl).replace(/\/+$/, '');
  const address = options.server?.address();
  if (address === undefined || address === null || typeof address === 'string') {
    throw new TenantGuardError('CONFIG_INVALID', 'conformance: give baseUrl, or a server listening on a TCP port');
  }
  const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${String(address.port)}`;
}

function validate(options: ConformanceOptions): void {
  const r = optionsSchema.safeParse(options);
  if (!r.success) {
    throw new TenantGuardError('CONFIG_INVALID', `conformance: invalid options (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  }
  const names = new Set<string>();
  for (const res of options.resources) {
    if (RESERVED.has(res.name)) throw new TenantGuardError('CONFIG_INVALID', `conformance: resource name "${res.name}" is reserved`);
    if (names.has(res.name)) throw new TenantGuardError('CONFIG_INVALID', `conformance: resource "${res.name}" is listed twice`);
    // A template may only name resources created before it (parents first).
    const known = new Set([...names, 'marker']);
    for (const p of [...placeholders(res.create.path), ...placeholders(res.create.body)]) {
      if (!known.has(p)) throw new TenantGuardError('CONFIG_INVALID', `conformance: ${res.name}.create uses {${p}}, which is not a resource listed before it`);
    }
    known.add('id');
    for (const t of [res.read, res.list ?? '', res.delete ?? '', res.update?.path ?? '']) {
      for (const p of placeholders(t)) if (!known.has(p)) throw new TenantGuardError('CONFIG_INVALID', `conformance: ${res.name} uses {${p}}, unknown`);
    }
    names.add(res.name);
    for (const ref of res.references ?? []) {
      if (!names.has(ref.target)) throw new TenantGuardError('CONFIG_INVALID', `conformance: ${res.name} references unknown resource ${ref.target}`);
    }
  }
}

class Stop extends Error {}

/**
 * Runs the conformance kit and returns the report; it does not throw on a
 * leak (see {@link assertConformance} for that). Invalid options throw
 * `CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * const report = await runConformance({
 *   baseUrl: 'http://127.0.0.1:3000',
 *   tokens: async () => ({ orgA: await tokenForNewOrg(), orgB: await tokenForNewOrg() }),
 *   resources: [
 *     { name: 'brands', create: { path: '/brands', body: { name: 'Brand {marker}' } },
 *       read: '/brands/{id}', list: '/brands',
 *       update: { method: 'PATCH', path: '/brands/{id}', body: { name: 'renamed' } }, delete: '/brands/{id}' },
 *   ],
 * });
 * console.log(formatReport(report));
 * ```
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  validate(options);
  const baseUrl = baseUrlOf(options);
  const started = Date.now();
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = options.headers ?? {};
  const timeoutMs = options.timeoutMs ?? 10_000;
  const stopEarly = options.stopOnFirstLeak !== false;
  const notFound = new Set(options.notFoundStatuses ?? [404]);
  const ignore = new Set(options.ignoreFields ?? DEFAULT_IGNORE);
  const log = options.log ?? (() => undefined);
  const checks: ConformanceCheck[] = [];
  let stopped = false;

  const tokens: OrgTokens = typeof options.tokens === 'function' ? await options.tokens() : options.tokens;
  if (typeof tokens?.orgA !== 'string' || typeof tokens.orgB !== 'string' || tokens.orgA === tokens.orgB) {
    throw new TenantGuardError('CONFIG_INVALID', 'conformance: tokens must be two different strings, orgA and orgB');
  }
  const markerA = `tgA${randomBytes(8).toString('hex')}`;
  const markerB = `tgB${randomBytes(8).toString('hex')}`;
  const idsA: Record<string, string> = {};
  const idsB: Record<string, string> = {};
  const allA = (): string[] => Object.values(idsA);

  const call = (as: 'A' | 'B', method: string, path: string, body?: unknown): Promise<KitResponse> =>
    send(doFetch, { method, url: baseUrl + path, token: as === 'A' ? tokens.orgA : tokens.orgB, body }, headers, timeoutMs);

  const record = (c: Omit<ConformanceCheck, 'passed'> & { reason?: string | undefined; evidence?: string | undefined }, fatal = false): void => {
    const passed = c.reason === undefined;
    const check: ConformanceCheck = passed
      ? { resource: c.resource, kind: c.kind, endpoint: c.endpoint, path: c.path, as: c.as, variant: c.variant, status: c.status, ...(c.controlStatus !== undefined ? { controlStatus: c.controlStatus } : {}), expected: c.expected, passed }
      : { ...c, passed, evidence: (c.evidence ?? '').slice(0, 300) } as ConformanceCheck;
    checks.push(check);
    log(`${passed ? 'ok  ' : 'FAIL'} ${check.kind.padEnd(9)} ${check.endpoint} as ${check.as} (${check.variant}) -> ${String(check.status)}${passed ? '' : `: ${check.reason ?? ''}`}`);
    if (!passed && (fatal || stopEarly)) {
      stopped = true;
      throw new Stop();
    }
  };

  // Replaces every id of org A in `b` by an id that exists nowhere (same map for one probe).
  const controlOf = (b: Bindings): { bindings: Bindings; fakes: string[] } => {
    const a = new Set(allA());
    const out: Record<string, string> = {};
    const fakes: string[] = [];
    const map = new Map<string, string>();
    for (const [k, v] of Object.entries(b)) {
      if (a.has(v)) {
        let f = map.get(v);
        if (f === undefined) {
          f = nonexistentIdLike(v);
          map.set(v, f);
          fakes.push(f);
        }
        out[k] = f;
      } else out[k] = v;
    }
    return { bindings: out, fakes };
  };

  /**
   * One probe by org B: the request with A's ids, then the control with ids
   * that exist nowhere. `allowOk` admits a 2xx (lists) when it reveals nothing.
   */
  const probe = async (
    resource: string,
    kind: CheckKind,
    method: string,
    pathTemplate: string,
    bodyTemplate: TemplateValue | undefined,
    bindings: Bindings,
    variant: string,
    allowOk: boolean,
  ): Promise<void> => {
    const path = fillPath(pathTemplate, bindings);
    const body = fillBody(bodyTemplate, bindings);
    const requestText = path + (body === undefined ? '' : JSON.stringify(body));
    const res = await call('B', method, path, body);
    const endpoint = endpointName(method, pathTemplate);
    const expected = allowOk
      ? `${[...notFound].join('/')} or a 2xx without org A's data, same as for an id that exists nowhere`
      : kind === 'reference'
        ? 'a 4xx refusal identical to the one for an id that exists nowhere'
        : `${[...notFound].join('/')}, identical to the answer for an id that exists nowhere`;
    const base = { resource, kind, endpoint, path, as: 'B' as const, variant, status: res.status, expected };
    const revealed = revealsOtherOrg(res, markerA, allA(), requestText);
    if (revealed !== undefined) return record({ ...base, reason: revealed, evidence: res.text });
    const ok = res.status >= 200 && res.status < 300;
    if (ok && !allowOk) {
      const what = kind === 'reference' ? `org B created a row pointing at org A's ${variant}` : `org B's ${method} on org A's ${resource} succeeded`;
      return record({ ...base, reason: `${what} (${String(res.status)})`, evidence: res.text });
    }
    if (ok && allowOk) {
      const items = listItems(res.json);
      if (items === undefined) return record({ ...base, reason: 'a 2xx list answer that is not a JSON array (or items/data/results/rows)', evidence: res.text });
    }
    if (kind === 'reference' && !(res.status >= 400 && res.status < 500)) {
      return record({ ...base, reason: `expected a 4xx refusal, got ${String(res.status)}`, evidence: res.text });
    }
    if (kind !== 'reference' && !ok && !notFound.has(res.status)) {
      const wanted = allowOk ? `a 2xx list or ${[...notFound].join('/')}` : `${[...notFound].join('/')} for another org's id`;
      return record({
        ...base,
        reason: `expected ${wanted}, got ${String(res.status)}${res.status === 403 ? ' (403 tells B the row exists)' : ''}`,
        evidence: res.text,
      });
    }
    // The control: the same request with A's ids replaced by ids that exist nowhere.
    const control = controlOf(bindings);
    // No A id in the request (B's own list): there is nothing to compare against.
    if (control.fakes.length === 0) return record(base);
    const cPath = fillPath(pathTemplate, control.bindings);
    const cRes = await call('B', method, cPath, fillBody(bodyTemplate, control.bindings));
    const ids = [...allA(), ...control.fakes];
    if (cRes.status !== res.status) {
      return record({
        ...base,
        controlStatus: cRes.status,
        reason: `answers ${String(res.status)} for org A's id but ${String(cRes.status)} for an id that exists nowhere: existence leaks`,
        evidence: res.text,
      });
    }
    if (normalizedBody(res, ids, ignore) !== normalizedBody(cRes, ids, ignore)) {
      return record({
        ...base,
        controlStatus: cRes.status,
        reason: "the body for org A's id differs from the body for an id that exists nowhere: existence leaks",
        evidence: `A's id: ${res.text.slice(0, 140)} | nowhere: ${cRes.text.slice(0, 140)}`,
      });
    }
    return record({ ...base, controlStatus: cRes.status });
  };

  const bindingsFor = (as: 'A' | 'B', id?: string): Bindings => ({
    ...(as === 'A' ? idsA : idsB),
    marker: as === 'A' ? markerA : markerB,
    ...(id !== undefined ? { id } : {}),
  });

  const snapshot = new Map<string, string>();

  try {
    // 1. Seed both orgs through the API (A is the victim, B has its own rows
    //    so "B's parent, A's child" paths can be probed).
    for (const res of options.resources) {
      for (const as of ['A', 'B'] as const) {
        const method = res.create.method ?? 'POST';
        const b = bindingsFor(as);
        const path = fillPath(res.create.path, b);
        const r = await call(as, method, path, fillBody(res.create.body as TemplateValue | undefined, b));
        const id = r.status >= 200 && r.status < 300 ? (res.idFrom ?? defaultIdFrom)(r.json) : undefined;
        const base = { resource: res.name, kind: 'seed' as const, endpoint: endpointName(method, res.create.path), path, as, variant: 'create', status: r.status, expected: '2xx with the new id' };
        if (id === undefined) record({ ...base, reason: `could not seed ${res.name} as org ${as} (${String(r.status)}); nothing can be proven`, evidence: r.text }, true);
        else record(base);
        (as === 'A' ? idsA : idsB)[res.name] = id as string;
      }
    }
    // 2. What A sees before the attack.
    for (const res of options.resources) {
      const path = fillPath(res.read, bindingsFor('A', idsA[res.name]));
      const r = await call('A', 'GET', path);
      const base = { resource: res.name, kind: 'baseline' as const, endpoint: endpointName('GET', res.read), path, as: 'A' as const, variant: 'own row', status: r.status, expected: '2xx' };
      if (r.status < 200 || r.status >= 300) record({ ...base, reason: `org A cannot read its own ${res.name}`, evidence: r.text }, true);
      else record(base);
      snapshot.set(res.name, normalizedBody(r, [], ignore));
    }
    // 3. Org B's attempts. Reads and lists first, then writes, deletes last.
    const probesFor = (res: ConformanceResource, template: string): Array<[string, Bindings]> => {
      const idA = idsA[res.name] as string;
      const variants: Array<[string, Bindings]> = [["org A's ids", { ...idsA, marker: markerB, id: idA }]];
      const parents = [...placeholders(template)].filter((p) => !RESERVED.has(p));
      if (parents.length > 0) variants.push([`org B's own ${parents.join(', ')} with org A's ${res.name} id`, { ...idsB, marker: markerB, id: idA }]);
      return variants;
    };
    for (const res of options.resources) {
      for (const [variant, b] of probesFor(res, res.read)) await probe(res.name, 'read', 'GET', res.read, undefined, b, variant, false);
      if (res.list !== undefined) {
        await probe(res.name, 'list', 'GET', res.list, undefined, { ...idsB, marker: markerB }, "org B's own list", true);
        if ([...placeholders(res.list)].some((p) => !RESERVED.has(p))) {
          await probe(res.name, 'list', 'GET', res.list, undefined, { ...idsA, marker: markerB }, "org A's parent ids", true);
        }
      }
    }
    for (const res of options.resources) {
      // References: every parent the create template names, pointed at A's row.
      const method = res.create.method ?? 'POST';
      const names = [...placeholders(res.create.path), ...placeholders(res.create.body as TemplateValue | undefined)].filter((p) => !RESERVED.has(p));
      for (const parent of new Set(names)) {
        await probe(res.name, 'reference', method, res.create.path, res.create.body as TemplateValue | undefined, { ...idsB, marker: markerB, [parent]: idsA[parent] as string }, `${parent} ${idsA[parent] as string}`, false);
      }
      for (const ref of res.references ?? []) {
        const b = { ...idsB, marker: markerB, target: idsA[ref.target] as string };
        await probe(res.name, 'reference', ref.method ?? 'POST', ref.path, ref.body as TemplateValue | undefined, b, `${ref.target} ${idsA[ref.target] as string}`, false);
      }
      if (res.update !== undefined) {
        const m = res.update.method ?? 'PATCH';
        for (const [variant, b] of probesFor(res, res.update.path)) await probe(res.name, 'update', m, res.update.path, res.update.body as TemplateValue | undefined, b, variant, false);
      }
    }
    for (const res of [...options.resources].reverse()) {
      if (res.delete === undefined) continue;
      for (const [variant, b] of probesFor(res, res.delete)) await probe(res.name, 'delete', 'DELETE', res.delete, undefined, b, variant, false);
    }
    // Org-wide reads by B must not carry anything of A's.
    for (const path of options.scans ?? []) {
      const r = await call('B', 'GET', path);
      const base = { resource: '(scan)', kind: 'scan' as const, endpoint: `GET ${path}`, path, as: 'B' as const, variant: 'org-wide read', status: r.status, expected: "no trace of org A's data" };
      const revealed = revealsOtherOrg(r, markerA, allA(), path);
      if (revealed !== undefined) record({ ...base, reason: revealed, evidence: r.text });
      else if (r.status === 0 || r.status >= 500) record({ ...base, reason: `the read failed (${String(r.status)})`, evidence: r.text });
      else record(base);
    }
    // 4. A's data must be as it was.
    for (const res of options.resources) {
      const path = fillPath(res.read, bindingsFor('A', idsA[res.name]));
      const r = await call('A', 'GET', path);
      const base = { resource: res.name, kind: 'integrity' as const, endpoint: endpointName('GET', res.read), path, as: 'A' as const, variant: 'read back', status: r.status, expected: "org A's row exactly as before" };
      if (r.status < 200 || r.status >= 300) record({ ...base, reason: `org A's ${res.name} is gone after org B's attempts`, evidence: r.text });
      else if (normalizedBody(r, [], ignore) !== snapshot.get(res.name)) {
        record({ ...base, reason: `org A's ${res.name} changed during org B's attempts`, evidence: `before: ${(snapshot.get(res.name) ?? '').slice(0, 140)} | after: ${r.text.slice(0, 140)}` });
      } else record(base);
      if (res.list !== undefined) {
        const lp = fillPath(res.list, bindingsFor('A'));
        const l = await call('A', 'GET', lp);
        const lb = { resource: res.name, kind: 'integrity' as const, endpoint: endpointName('GET', res.list), path: lp, as: 'A' as const, variant: 'own list', status: l.status, expected: "org A's list still holds its row" };
        if (l.status < 200 || l.status >= 300 || !l.text.includes(idsA[res.name] as string)) record({ ...lb, reason: `org A's list of ${res.name} no longer shows its row`, evidence: l.text });
        else record(lb);
      }
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }

  // After an early stop most probes never ran: a coverage figure would only be noise.
  const coverage = options.routes === undefined || stopped ? undefined : routeCoverage(options.routes, options.ignoreRoutes ?? [], checks);
  if (coverage !== undefined && options.failOnUnprobed === true) {
    for (const endpoint of coverage.unprobed) {
      checks.push({ resource: '(routes)', kind: 'coverage', endpoint, path: endpoint.split(' ')[1] ?? '', as: 'B', variant: 'route list', status: 0, expected: 'probed by at least one check', passed: false, reason: 'no resource of the kit reaches this route' });
    }
  }
  const failures = checks.filter((c) => !c.passed);
  return {
    format: 'tenantguard-conformance/1',
    baseUrl,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    passed: failures.length === 0,
    stoppedEarly: stopped,
    summary: { resources: options.resources.length, checks: checks.length, passed: checks.length - failures.length, failed: failures.length },
    checks,
    failures,
    ...(coverage !== undefined ? { coverage } : {}),
  };
}

/** `/brands/:brandId/x/:id` and `/brands/:brands/x/:id` both become `/brands/:/x/:`. */
function routeShape(method: string, path: string): string {
  return `${method.toUpperCase()} ${(path.split('?')[0] ?? '').replace(/:[A-Za-z0-9_]+/g, ':').replace(/\/+$/, '')}`;
}

function routeCoverage(
  routes: readonly { method: string; path: string; public?: boolean }[],
  ignore: readonly string[],
  checks: readonly ConformanceCheck[],
): { routes: number; probed: number; unprobed: string[]; ignored: string[] } {
  const reached = new Set(checks.map((c) => routeShape(c.endpoint.split(' ')[0] ?? '', c.endpoint.slice(c.endpoint.indexOf(' ') + 1))));
  const ignored = (name: string): boolean => ignore.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
  const seen = new Set<string>();
  const out = { routes: 0, probed: 0, unprobed: [] as string[], ignored: [] as string[] };
  for (const r of routes) {
    const method = r.method.toUpperCase();
    if (r.public === true || !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
    const name = `${method} ${r.path}`;
    if (seen.has(name)) continue;
    seen.add(name);
    out.routes += 1;
    if (reached.has(routeShape(method, r.path))) out.probed += 1;
    else if (ignored(name)) out.ignored.push(name);
    else out.unprobed.push(name);
  }
  return out;
}

/**
 * Runs the kit and throws when anything leaked: for a test (`await
 * assertConformance(...)` inside `it`) or a CI step. The error carries the
 * readable report as its message and the failures in `details`.
 *
 * @throws TenantGuardError `CONFORMANCE_FAILED` on a leak or when the seed failed.
 *
 * @example
 * ```ts
 * it('org B cannot reach org A', async () => {
 *   const report = await assertConformance({ server, tokens, resources });
 *   expect(report.summary.failed).toBe(0);
 * });
 * ```
 */
export async function assertConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const report = await runConformance(options);
  if (!report.passed) {
    throw new TenantGuardError('CONFORMANCE_FAILED', formatReport(report), {
      details: {
        failures: report.failures.map((f) => ({ endpoint: f.endpoint, kind: f.kind, variant: f.variant, status: f.status, reason: f.reason })),
      },
    });
  }
  return report;
}
