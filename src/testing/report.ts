/**
 * The readable form of a conformance report: a headline, the failures with
 * their endpoints first (what a reviewer needs), then a per-resource tally.
 *
 * @module testing/report
 */
import type { ConformanceReport } from './types.js';

/**
 * Formats a report as plain text for a terminal or a CI log.
 *
 * @example
 * ```ts
 * const report = await runConformance(options);
 * console.log(formatReport(report));
 * ```
 */
export function formatReport(report: ConformanceReport): string {
  const lines: string[] = [];
  const s = report.summary;
  lines.push(
    report.passed
      ? `tenantguard conformance: PASSED - org B could not read, list, change, delete or reference org A's data (${String(s.checks)} checks, ${String(s.resources)} resources, ${String(report.durationMs)} ms, ${report.baseUrl})`
      : `tenantguard conformance: FAILED - ${String(s.failed)} of ${String(s.checks)} checks failed${report.stoppedEarly ? ' (stopped at the first failure)' : ''} (${report.baseUrl})`,
  );
  for (const f of report.failures) {
    lines.push(`  LEAK ${f.endpoint} [${f.kind}, as org ${f.as}, ${f.variant}]`);
    lines.push(`       ${f.path} -> ${String(f.status)}${f.controlStatus !== undefined ? ` (nonexistent id -> ${String(f.controlStatus)})` : ''}`);
    lines.push(`       ${f.reason ?? ''}`);
    lines.push(`       expected: ${f.expected}`);
    if (f.evidence !== undefined && f.evidence.length > 0) lines.push(`       body: ${f.evidence.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  const byResource = new Map<string, { ok: number; bad: number; kinds: Set<string> }>();
  for (const c of report.checks) {
    const e = byResource.get(c.resource) ?? { ok: 0, bad: 0, kinds: new Set<string>() };
    if (c.passed) e.ok += 1;
    else e.bad += 1;
    e.kinds.add(c.kind);
    byResource.set(c.resource, e);
  }
  for (const [name, e] of byResource) {
    lines.push(`  ${e.bad === 0 ? 'ok  ' : 'FAIL'} ${name.padEnd(20)} ${String(e.ok)} passed${e.bad > 0 ? `, ${String(e.bad)} failed` : ''} (${[...e.kinds].join(', ')})`);
  }
  const cov = report.coverage;
  if (cov !== undefined) {
    lines.push(`  routes: ${String(cov.probed)} of ${String(cov.routes)} probed${cov.ignored.length > 0 ? `, ${String(cov.ignored.length)} ignored` : ''}${cov.unprobed.length > 0 ? `; NOT PROBED: ${cov.unprobed.join(', ')}` : ''}`);
  }
  return lines.join('\n');
}
