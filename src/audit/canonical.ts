/**
 * The JavaScript twin of `tenantguard.audit_row_hash` (migration 0020), so an
 * archive file can be verified without a database:
 *
 * hash = sha256(prev_hash || created_at as int64 big-endian microseconds since
 * 2000-01-01 UTC || UTF-8 of PostgreSQL's record text of (id, org_id, seq,
 * user_id, user_email, user_role, ip_address, user_agent, action,
 * resource_type, resource_id, details, request_id, session_id)).
 *
 * @module audit
 */
import { createHash } from 'node:crypto';

/** One audit row as the archive stores it: every value in PostgreSQL's text form. */
export interface CanonicalAuditRow {
  /** Row id (bigint as a decimal string). */
  id: string;
  /** The org, or null for the system chain. */
  orgId: string | null;
  /** Position in the org's chain. */
  seq: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds). */
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
  /** The jsonb value's PostgreSQL text form, exactly. */
  details: string;
  /** Correlation id of the request. */
  requestId: string | null;
  /** Session id (never the token). */
  sessionId: string | null;
  /** hex */
  prevHash: string;
  /** hex */
  hash: string;
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const ISO_US = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})Z$/;

/** Microseconds since 2000-01-01 UTC of a `...ss.ffffffZ` timestamp. */
export function pgMicros(iso: string): bigint {
  const m = ISO_US.exec(iso);
  if (m === null) throw new Error('timestamp is not in YYYY-MM-DDTHH:MM:SS.ffffffZ form');
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) throw new Error('timestamp is not a valid date');
  return BigInt(ms - PG_EPOCH_MS) * 1000n + BigInt(m[2] as string);
}

// record_out: a field is quoted when empty or when it contains a quote,
// backslash, parenthesis, comma or isspace() character; quotes and
// backslashes are doubled inside quotes. NULL is an empty unquoted field.
function recordField(v: string | null): string {
  if (v === null) return '';
  if (v !== '' && !/["\\(), \t\n\v\f\r]/.test(v)) return v;
  return `"${v.replace(/["\\]/g, (c) => c + c)}"`;
}

/** PostgreSQL's text form of `ROW(...)` over the given field texts. */
export function recordText(fields: ReadonlyArray<string | null>): string {
  return `(${fields.map(recordField).join(',')})`;
}

/** Recomputes a row's hash (hex) from its content and its prev_hash. */
export function auditRowHash(row: CanonicalAuditRow): string {
  const ts = Buffer.alloc(8);
  ts.writeBigInt64BE(pgMicros(row.createdAt));
  const text = recordText([
    row.id,
    row.orgId,
    row.seq,
    row.userId,
    row.userEmail,
    row.userRole,
    row.ipAddress,
    row.userAgent,
    row.action,
    row.resourceType,
    row.resourceId,
    row.details,
    row.requestId,
    row.sessionId,
  ]);
  return createHash('sha256').update(Buffer.from(row.prevHash, 'hex')).update(ts).update(text, 'utf8').digest('hex');
}

/** The prev_hash of every lane's first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Lanes per org chain. Each org's chain is braided from this many gap-free
 * lanes so that concurrent writers of one org do not wait on each other:
 * lane `L` holds seq `L + 1`, `L + 17`, `L + 33`, ... and each row links to
 * the row at `seq - AUDIT_CHAIN_LANES`.
 */
export const AUDIT_CHAIN_LANES = 16;

/** The lane (0-15) that a seq belongs to. */
export function laneOf(seq: number): number {
  return (((seq - 1) % AUDIT_CHAIN_LANES) + AUDIT_CHAIN_LANES) % AUDIT_CHAIN_LANES;
}
