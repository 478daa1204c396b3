/**
 * The shape of an audit row as tenantguard returns it, and the SQL that
 * selects it.
 *
 * @module audit
 */
import type { CanonicalAuditRow } from './canonical.js';

/** One row of the audit log, as returned by query() and written by export(). */
export interface AuditRecord {
  /** Row id (a bigint, as a decimal string). */
  id: string;
  /** The org, or null for a system event. */
  orgId: string | null;
  /** Position in the org's chain, from 1 (or from the retention anchor). */
  seq: number;
  /** UTC, microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  createdAt: string;
  /** The acting user (uuid). */
  userId: string | null;
  /** The acting user's email at the time. */
  userEmail: string | null;
  /** The acting user's role at the time. */
  userRole: string | null;
  /** Client IP address. */
  ipAddress: string | null;
  /** Client user agent. */
  userAgent: string | null;
  /** What happened, e.g. `brand.update`. */
  action: string;
  /** The kind of thing acted on. */
  resourceType: string;
  /** Which one. */
  resourceId: string | null;
  /** Structured, non-secret context. */
  details: Record<string, unknown>;
  /** Correlation id of the request. */
  requestId: string | null;
  /** Session id (never the token). */
  sessionId: string | null;
  /** This row's hash (hex). */
  hash: string;
  /** The previous row's hash (hex). */
  prevHash: string;
}

/** What the database returns for a row; details is kept as jsonb text. */
export interface RawAuditRow {
  /** Row id (bigint as a decimal string). */
  id: string;
  org_id: string | null;
  /** Position in the org's chain. */
  seq: string;
  created_at: string;
  user_id: string | null;
  user_email: string | null;
  user_role: string | null;
  ip_address: string | null;
  user_agent: string | null;
  /** What happened, e.g. `brand.update`. */
  action: string;
  resource_type: string;
  resource_id: string | null;
  /** Structured, non-secret context. */
  details: string;
  request_id: string | null;
  session_id: string | null;
  /** This row's hash (hex). */
  hash: string;
  prev_hash: string;
  [column: string]: unknown;
}

/** Column list (alias `l`) giving every value in its PostgreSQL text form. */
export const RAW_COLUMNS = `l.id::text AS id, l.org_id::text AS org_id, l.seq::text AS seq,
  tenantguard.audit_ts(l.created_at) AS created_at, l.user_id::text AS user_id, l.user_email, l.user_role,
  CASE WHEN l.ip_address IS NULL THEN NULL ELSE format('%s', l.ip_address) END AS ip_address, l.user_agent, l.action, l.resource_type, l.resource_id,
  l.details::text AS details, l.request_id, l.session_id, encode(l.hash, 'hex') AS hash,
  encode(l.prev_hash, 'hex') AS prev_hash`;

/** A raw row as the archive stores it: every value in PostgreSQL's text form. */
export function toCanonicalRow(r: RawAuditRow): CanonicalAuditRow {
  return {
    id: r.id,
    orgId: r.org_id,
    seq: r.seq,
    createdAt: r.created_at,
    userId: r.user_id,
    userEmail: r.user_email,
    userRole: r.user_role,
    ipAddress: r.ip_address,
    userAgent: r.user_agent,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    details: r.details,
    requestId: r.request_id,
    sessionId: r.session_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Converts a raw row to an {@link AuditRecord}: the canonical row with `seq` as a number and `details` parsed. */
export function toAuditRecord(r: RawAuditRow): AuditRecord {
  return { ...toCanonicalRow(r), seq: Number(r.seq), details: JSON.parse(r.details) as Record<string, unknown> };
}
