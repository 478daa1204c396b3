/**
 * `tenantguard/testing`: the two-org isolation conformance kit. Point it at
 * a running app with two orgs' tokens and the tenant-scoped endpoints; it
 * proves org B cannot read, list, change, delete or reference org A's data,
 * and that A's data is unchanged afterwards.
 *
 * @packageDocumentation
 */
export { runConformance, assertConformance } from './run.js';
export { formatReport } from './report.js';
export { runConformanceCli, main } from './cli.js';
export type { CliOutput } from './cli.js';
export type {
  CheckKind,
  ConformanceCheck,
  ConformanceOptions,
  ConformanceReference,
  ConformanceReport,
  ConformanceResource,
  ConformanceCoverage,
  ConformanceSummary,
  CoverageRoute,
  CreateTemplate,
  ListeningAddress,
  UpdateTemplate,
  ListeningServer,
  OrgTokens,
  TemplateValue,
} from './types.js';
