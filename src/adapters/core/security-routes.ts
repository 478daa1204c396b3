/**
 * The seeds' security endpoints, framework-neutral: each takes the principal
 * and parsed query and returns a JSON body (or streams, for export).
 */
import type { AuditFilter, AuditLog, AuditQuery } from '../../audit/index.js';
import { TenantGuardError } from '../../errors.js';
import type { Permission } from '../../rbac/index.js';
import { isolationProof, type IsolationProof, type PoolLike, type Principal, type WithTenantOptions } from '../../tenancy/index.js';

/** The audit log methods the security routes use; `createAuditLog(...)` satisfies it. */
export type AuditReader = Pick<AuditLog, 'query' | 'summary' | 'export'>;

/** Options for the security routes. */
export interface SecurityRoutesOptions {
  /** The audit log (for /audit/log*); without it those routes answer 404. */
  readonly audit?: AuditReader;
  /** Passed to isolationProof, e.g. `{ role: 'tenantguard_app' }` when the pool logs in as an owner. */
  readonly proofRole?: string;
  /** Extra facts for /security/posture (MFA policy, key counts...), computed per request. */
  readonly posture?: (principal: Principal) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Tenant options (unused by the proof; kept for symmetry with the guard). */
  readonly tenantOptions?: WithTenantOptions;
}

/** The routes, their permission (null: any authenticated user) and method. */
export const SECURITY_ROUTES: ReadonlyArray<{ path: string; permission: Permission | null; summary: string }> = [
  { path: '/security/isolation-proof', permission: null, summary: 'the live isolation proof for your org' },
  { path: '/security/posture', permission: 'security.read', summary: 'findings and settings (owner, admin)' },
  { path: '/audit/log', permission: 'audit.read', summary: 'search the audit log (owner, admin)' },
  { path: '/audit/log/summary', permission: 'audit.read', summary: 'counts for a compliance card (owner, admin)' },
  { path: '/audit/log/export', permission: 'audit.export', summary: 'stream the log as csv/json/ndjson (owner)' },
];

/** GET /security/isolation-proof */
export async function isolationProofBody(pool: PoolLike, principal: Principal, options: SecurityRoutesOptions): Promise<IsolationProof> {
  return isolationProof(pool, { orgId: principal.orgId, ...(options.proofRole !== undefined ? { role: options.proofRole } : {}) });
}

/** GET /security/posture */
export async function postureBody(pool: PoolLike, principal: Principal, options: SecurityRoutesOptions): Promise<Record<string, unknown>> {
  const proof = await isolationProofBody(pool, principal, options);
  const bySeverity: Record<string, number> = {};
  for (const f of proof.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return {
    orgId: principal.orgId,
    generatedAt: new Date().toISOString(),
    databaseLayer: proof.databaseLayer,
    isolated: proof.isolated,
    findings: proof.findings,
    findingsBySeverity: bySeverity,
    audit: proof.audit,
    ...(options.posture !== undefined ? await options.posture(principal) : {}),
  };
}

function dateParam(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = typeof value === 'string' ? new Date(value) : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) throw new TenantGuardError('REQUEST_INVALID', `${name} must be an ISO date`);
  return d;
}

function stringParam(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 500) throw new TenantGuardError('REQUEST_INVALID', `${name} must be one short string`);
  return value;
}

/** The audit filter from a query string (action, resourceType, resourceId, userId, from, to). */
export function auditFilterFromQuery(q: Readonly<Record<string, unknown>>): AuditFilter {
  const out: AuditFilter = {};
  for (const key of ['action', 'resourceType', 'resourceId', 'userId'] as const) {
    const v = stringParam(q[key], key);
    if (v !== undefined) out[key] = v;
  }
  const from = dateParam(q.from, 'from');
  const to = dateParam(q.to, 'to');
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  return out;
}

/** GET /audit/log */
export async function auditLogBody(audit: AuditReader, principal: Principal, q: Readonly<Record<string, unknown>>): Promise<unknown> {
  const filter = auditFilterFromQuery(q);
  const cursor = stringParam(q.cursor, 'cursor');
  const order = stringParam(q.order, 'order');
  if (order !== undefined && order !== 'asc' && order !== 'desc') throw new TenantGuardError('REQUEST_INVALID', 'order must be asc or desc');
  const limitRaw = stringParam(q.limit, 'limit');
  const limit = limitRaw === undefined ? undefined : Number(limitRaw);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) {
    throw new TenantGuardError('REQUEST_INVALID', 'limit must be a whole number from 1 to 1000');
  }
  const query: AuditQuery = { ...filter, cursor, limit, order };
  return audit.query(principal.orgId, query);
}

/** GET /audit/log/summary */
export async function auditSummaryBody(audit: AuditReader, principal: Principal, q: Readonly<Record<string, unknown>>): Promise<unknown> {
  const from = dateParam(q.from, 'from');
  const to = dateParam(q.to, 'to');
  return audit.summary(principal.orgId, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
}

/** The export format from `?format=`; csv by default. */
export function exportFormat(value: unknown): 'csv' | 'json' | 'ndjson' {
  if (value === undefined) return 'csv';
  if (value === 'csv' || value === 'json' || value === 'ndjson') return value;
  throw new TenantGuardError('REQUEST_INVALID', 'format must be csv, json or ndjson');
}

/** Content type for an export format. */
export function exportContentType(format: 'csv' | 'json' | 'ndjson'): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : format === 'json' ? 'application/json' : 'application/x-ndjson';
}
