/**
 * query() with keyset pagination and summary(), both run inside a read-only
 * tenant transaction so RLS scopes every row to the org.
 *
 * @module audit
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import type { OrgId, TenantDb } from '../tenancy/index.js';
import { type AuditFilter, auditFilterSchema, filterSql } from './filter.js';
import { RAW_COLUMNS, type AuditRecord, type RawAuditRow, toAuditRecord } from './record-row.js';

/** A filter plus paging for {@link AuditLog.query}. */
export interface AuditQuery extends AuditFilter {
  /** Page size, 1 to 1000; default 50. */
  limit?: number | undefined;
  /** `desc` (newest first, the default) or `asc`. */
  order?: 'asc' | 'desc' | undefined;
  /** The `nextCursor` of the previous page. Opaque. */
  cursor?: string | undefined;
}

/** One page of results. */
export interface AuditPage {
  /** The rows of this page. */
  items: AuditRecord[];
  /** Pass as `cursor` to get the next page; null when this was the last. */
  nextCursor: string | null;
}

const querySchema = auditFilterSchema.extend({
  limit: z.number().int().min(1).max(1000).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  cursor: z.string().min(1).max(512).optional(),
});

interface CursorBody {
  v: 1;
  o: string;
  s: number;
  d: 'asc' | 'desc';
  f: string;
}

function filterKey(f: AuditFilter): string {
  const canonical = JSON.stringify([
    f.action ?? null,
    f.resourceType ?? null,
    f.resourceId ?? null,
    f.userId ?? null,
    f.from?.toISOString() ?? null,
    f.to?.toISOString() ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

function encodeCursor(body: CursorBody): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

const cursorSchema = z
  .object({ v: z.literal(1), o: z.string(), s: z.number().int().min(0), d: z.enum(['asc', 'desc']), f: z.string() })
  .strict();

function decodeCursor(cursor: string, orgId: OrgId, order: 'asc' | 'desc', fkey: string): number {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new TenantGuardError('AUDIT_CURSOR_INVALID', 'the cursor is malformed');
  }
  const parsed = cursorSchema.safeParse(body);
  if (!parsed.success) throw new TenantGuardError('AUDIT_CURSOR_INVALID', 'the cursor is malformed');
  if (parsed.data.o !== orgId || parsed.data.d !== order || parsed.data.f !== fkey) {
    throw new TenantGuardError('AUDIT_CURSOR_INVALID', 'the cursor belongs to another org, order or filter');
  }
  return parsed.data.s;
}

/** Parses the query input; throws `AUDIT_QUERY_INVALID`. */
export function parseQuery(input: unknown): AuditQuery {
  const parsed = querySchema.strict().safeParse(input ?? {});
  if (!parsed.success) {
    throw new TenantGuardError('AUDIT_QUERY_INVALID', 'invalid audit query', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`) },
    });
  }
  return parsed.data;
}

/**
 * Runs one page of a query inside the tenant transaction `db`. Keyset on the
 * org's seq (unique per org; the order in which writers took their chain
 * lanes): a page never skips or repeats a row that existed when paging began.
 */
export async function queryPage(db: TenantDb, q: AuditQuery): Promise<AuditPage> {
  const order = q.order ?? 'desc';
  const limit = q.limit ?? 50;
  const fkey = filterKey(q);
  const params: unknown[] = [db.orgId];
  const where = ['l.org_id = $1::uuid', ...filterSql(q, params)];
  if (q.cursor !== undefined) {
    const after = decodeCursor(q.cursor, db.orgId, order, fkey);
    params.push(after);
    where.push(`l.seq ${order === 'desc' ? '<' : '>'} $${params.length}::bigint`);
  }
  params.push(limit + 1);
  const sql = `SELECT ${RAW_COLUMNS} FROM tenantguard.security_audit_log l WHERE ${where.join(' AND ')}
    ORDER BY l.seq ${order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length}`;
  const r = await db.query<RawAuditRow>(sql, params);
  const rows = r.rows.slice(0, limit);
  const items = rows.map(toAuditRecord);
  const last = items[items.length - 1];
  const nextCursor =
    r.rows.length > limit && last !== undefined
      ? encodeCursor({ v: 1, o: db.orgId, s: last.seq, d: order, f: fkey })
      : null;
  return { items, nextCursor };
}

/** Rows of one action. */
export interface ActionCount {
  /** The action. */
  action: string;
  /** Rows. */
  count: number;
}

/** Rows of one UTC day. */
export interface DayCount {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** Rows. */
  count: number;
}

/** Rows of one user. */
export interface UserCount {
  /** The user, or null for rows without a user. */
  userId: string | null;
  /** One email the user had in the range. */
  userEmail: string | null;
  /** Rows. */
  count: number;
}

/** Counts for a compliance card. */
export interface AuditSummary {
  /** Rows in the range. */
  total: number;
  /** Counts per action, largest first. */
  byAction: ActionCount[];
  /** UTC days, `YYYY-MM-DD`, ascending. */
  byDay: DayCount[];
  /** The 50 most active users (null userId = no user, e.g. system or failed logins). */
  byUser: UserCount[];
}

/** The time range of a summary. */
export interface AuditRange {
  /** Inclusive lower bound. */
  from?: Date | undefined;
  /** Exclusive upper bound. */
  to?: Date | undefined;
}

/** summary() inside the tenant transaction `db`. */
export async function summarise(db: TenantDb, range: AuditRange): Promise<AuditSummary> {
  const params: unknown[] = [db.orgId];
  const where = ['l.org_id = $1::uuid', ...filterSql(range, params)].join(' AND ');
  const base = `FROM tenantguard.security_audit_log l WHERE ${where}`;
  const byAction = await db.query<{ action: string; n: string }>(
    `SELECT l.action, count(*)::text AS n ${base} GROUP BY l.action ORDER BY count(*) DESC, l.action`,
    params,
  );
  const byDay = await db.query<{ day: string; n: string }>(
    `SELECT to_char(date_trunc('day', l.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*)::text AS n ${base}
     GROUP BY 1 ORDER BY 1`,
    params,
  );
  const byUser = await db.query<{ user_id: string | null; user_email: string | null; n: string }>(
    `SELECT l.user_id::text AS user_id, max(l.user_email) AS user_email, count(*)::text AS n ${base}
     GROUP BY l.user_id ORDER BY count(*) DESC, l.user_id NULLS LAST LIMIT 50`,
    params,
  );
  const actions = byAction.rows.map((r) => ({ action: r.action, count: Number(r.n) }));
  return {
    total: actions.reduce((a, b) => a + b.count, 0),
    byAction: actions,
    byDay: byDay.rows.map((r) => ({ day: r.day, count: Number(r.n) })),
    byUser: byUser.rows.map((r) => ({ userId: r.user_id, userEmail: r.user_email, count: Number(r.n) })),
  };
}
