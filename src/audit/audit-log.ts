/**
 * createAuditLog(): the audit log's API object.
 *
 * @module audit
 */
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { type OrgId, type PoolLike, type TenantDb, type WithTenantOptions, parseOrgId, withTenant } from '../tenancy/index.js';
import { type ArchiveVerification, verifyArchive } from './archive.js';
import { type AuditEvent, eventParams, parseAuditEvent } from './event.js';
import { type AuditExportFormat, exportRows } from './export.js';
import { parseFilter, type AuditFilter } from './filter.js';
import { type AuditPage, type AuditQuery, type AuditRange, type AuditSummary, parseQuery, queryPage, summarise } from './query.js';
import { anchorsFor, type RetentionOptions, type RetentionReport, runRetention } from './retention.js';

/** Configuration of {@link createAuditLog}. */
export interface AuditLogConfig {
  /** The application's pool (a NOSUPERUSER NOBYPASSRLS role that is a member of tenantguard_app). */
  pool: PoolLike;
  /**
   * The owner's pool (superuser or BYPASSRLS owner of the audit log). Needed
   * only by the retention job and by verification of the system chain.
   */
  adminPool?: PoolLike | undefined;
  /** Options passed to every withTenant the audit log opens (e.g. `{ role: 'tenantguard_app' }`). */
  tenant?: WithTenantOptions | undefined;
  /** Retention settings; `retention.run()` throws CONFIG_INVALID without them. */
  retention?: RetentionOptions | undefined;
  /** Rows fetched per round trip by export(); default 1000. */
  exportBatchSize?: number | undefined;
  /**
   * Connections verifyChain() may use at once for a long chain (ranges of at
   * least 100,000 rows each); default 2. 1 verifies on one connection.
   */
  verifyParallelism?: number | undefined;
}

/** What record() returns: the row's place in its chain. */
export interface RecordedEvent {
  /** Row id (bigint as a decimal string). */
  id: string;
  /** Position in the org's chain: unique per org, in lane `(seq - 1) % 16` (see {@link AUDIT_CHAIN_LANES}). */
  seq: number;
  /** hex */
  hash: string;
  /** When it was written, UTC. */
  createdAt: string;
}

/** The first broken or missing link found by {@link AuditLog.verifyChain}. */
export interface BrokenLink {
  /** The seq where the chain breaks (for missing rows: the first missing seq of the lane). */
  seq: number;
  /** The row id at the break, when there is a row. */
  id: string | null;
  /** What is wrong: starts with `missing`, `duplicate`, `prev_hash`, `hash`, `beyond head`, `head` or `seq`. */
  reason: string;
}

/** The result of {@link AuditLog.verifyChain}. */
export interface ChainVerification {
  /** True when nothing is wrong. */
  ok: boolean;
  /** Rows checked. */
  checked: number;
  /** The first broken or missing link, when not ok. */
  firstBroken?: BrokenLink;
}

/** A seq range for {@link AuditLog.verifyChain}; both ends inclusive. */
export interface SeqRange {
  /** First seq to check (each lane's link to its row before the range is checked too). */
  fromSeq?: number | undefined;
  /** Last seq to check; omitted: through the head, whose tail is checked. */
  toSeq?: number | undefined;
}

/** What {@link AuditLog.export} wrote. */
export interface AuditExportResult {
  /** Rows written. */
  rows: number;
}

/** Options of {@link AuditLog.export}. */
export interface AuditExportOptions {
  /** `csv` (RFC 4180, formula-safe), `json` (one array) or `ndjson` (one object per line). */
  format: AuditExportFormat;
  /** Where the bytes go; it is ended when the export finishes. */
  to: Writable;
}

/** The audit log. Create it with {@link createAuditLog}. */
export interface AuditLog {
  /**
   * Writes `event` inside the caller's tenant transaction: the row commits or
   * rolls back with the action. The org is the transaction's
   * (`tenantguard.current_org_id()`), never the event's.
   */
  record(db: TenantDb, event: AuditEvent): Promise<void>;
  /**
   * {@link AuditLog.record} that also returns the row's id, seq and hash (a
   * receipt). Costs a RETURNING clause (measured ~10-15% of write throughput
   * under concurrency), so record() does not do it.
   */
  recordWithReceipt(db: TenantDb, event: AuditEvent): Promise<RecordedEvent>;
  /**
   * Writes an event that has no transaction of its own (a failed login): for
   * `orgId` in that org's own short transaction, or with no org as a system
   * event (visible to no tenant).
   */
  recordStandalone(event: AuditEvent, options?: { orgId?: OrgId | null | undefined }): Promise<RecordedEvent>;
  /** One page of an org's rows, newest first by default, with an opaque cursor. */
  query(orgId: OrgId, query?: AuditQuery): Promise<AuditPage>;
  /** Counts by action, day and user over a time range. */
  summary(orgId: OrgId, range?: AuditRange): Promise<AuditSummary>;
  /** Streams an org's rows (oldest first) as CSV, JSON or NDJSON; returns the row count. */
  export(orgId: OrgId, filter: AuditFilter, options: AuditExportOptions): Promise<AuditExportResult>;
  /** Walks the org's chain (null = the system chain, needs adminPool) and names the first broken link. */
  verifyChain(orgId: OrgId | null, range?: SeqRange): Promise<ChainVerification>;
  /** The retention job. */
  readonly retention: {
    /** Runs once; `dryRun` reports what it would do and changes nothing. */
    run(options?: { dryRun?: boolean; now?: Date }): Promise<RetentionReport>;
    /** Runs every `intervalMs` (default 6 hours) until the returned stop() is called. Errors go to `onError`. */
    schedule(options?: { intervalMs?: number; onError?: (err: unknown) => void }): () => void;
    /** Verifies an archive against its manifest and the anchors the database kept for it. */
    verifyArchive(manifestPath: string): Promise<ArchiveVerification>;
  };
}

const configSchema = z
  .object({
    pool: z.custom<PoolLike>((v) => typeof (v as { connect?: unknown } | null)?.connect === 'function', 'pool must have connect()'),
    adminPool: z
      .custom<PoolLike>((v) => typeof (v as { connect?: unknown } | null)?.connect === 'function', 'adminPool must have connect()')
      .optional(),
    tenant: z.record(z.string(), z.unknown()).optional(),
    retention: z
      .object({
        archiveDir: z.string().min(1),
        policies: z.array(z.object({ table: z.string(), keepMonths: z.number().int().min(1) }).strict()).optional(),
        monthsAhead: z.number().int().min(1).max(36).optional(),
        onArchived: z.custom<RetentionOptions['onArchived']>((v) => typeof v === 'function').optional(),
      })
      .strict()
      .optional(),
    exportBatchSize: z.number().int().min(10).max(100_000).optional(),
    verifyParallelism: z.number().int().min(1).max(16).optional(),
  })
  .strict();

const VERIFY_CHUNK_MIN = 100_000;

const rangeSchema = z
  .object({ fromSeq: z.number().int().min(1).optional(), toSeq: z.number().int().min(1).optional() })
  .strict();

// The org comes from the transaction; with none, audit_require_tenant() raises
// (coalesce calls it only then), so the row never becomes a system event.
const TENANT_INSERT = `INSERT INTO tenantguard.security_audit_log
  (org_id, user_id, user_email, user_role, ip_address, user_agent, action, resource_type, resource_id, details, request_id, session_id)
  VALUES (coalesce(tenantguard.current_org_id(), tenantguard.audit_require_tenant()),
          $1::uuid, $2, $3, $4::inet, $5, $6, $7, $8, $9::jsonb, $10, $11)`;
const TENANT_INSERT_RECEIPT = `${TENANT_INSERT}
  RETURNING id::text AS id, seq::text AS seq, encode(hash, 'hex') AS hash, tenantguard.audit_ts(created_at) AS created_at`;
const SYSTEM_INSERT = `SELECT id::text AS id, seq::text AS seq, encode(hash, 'hex') AS hash, tenantguard.audit_ts(created_at) AS created_at
  FROM tenantguard.audit_record_system($1::uuid, $2, $3, $4::inet, $5, $6, $7, $8, $9::jsonb, $10, $11)`;

interface InsertedRow {
  id: string;
  seq: string;
  hash: string;
  created_at: string;
  [column: string]: unknown;
}

function recorded(r: InsertedRow): RecordedEvent {
  return { id: r.id, seq: Number(r.seq), hash: r.hash, createdAt: r.created_at };
}

/**
 * Creates the audit log API over the application's pool.
 *
 * @example
 * ```ts
 * const audit = createAuditLog({ pool, adminPool, retention: { archiveDir: '/var/archive/audit' } });
 * await withTenant(pool, orgId, async (db) => {
 *   await db.query('UPDATE brands SET name = $1 WHERE id = $2', [name, id]);
 *   await audit.record(db, { action: 'brand.update', resourceType: 'brand', resourceId: id, userId });
 * });
 * const page = await audit.query(orgId, { action: 'brand.update', limit: 50 });
 * const check = await audit.verifyChain(orgId); // { ok, checked, firstBroken? }
 * ```
 */
export function createAuditLog(config: AuditLogConfig): AuditLog {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    throw new TenantGuardError('CONFIG_INVALID', 'invalid audit log configuration', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  const { pool, adminPool, retention } = config;
  const tenantOptions = config.tenant ?? {};
  const batchSize = config.exportBatchSize ?? 1000;
  const verifyParallelism = config.verifyParallelism ?? 2;
  const readOnly: WithTenantOptions = { ...tenantOptions, readOnly: true };

  const insert = async (db: TenantDb, event: AuditEvent, receipt: boolean): Promise<InsertedRow | undefined> => {
    const e = parseAuditEvent(event);
    try {
      return (await db.query<InsertedRow>(receipt ? TENANT_INSERT_RECEIPT : TENANT_INSERT, eventParams(e))).rows[0];
    } catch (err) {
      if ((err as { detail?: unknown }).detail === 'tenantguard:AUDIT_NO_TENANT') {
        throw new TenantGuardError('AUDIT_NO_TENANT', 'record() needs a tenant transaction (withTenant): no org is set', { cause: err });
      }
      throw err;
    }
  };
  const record = async (db: TenantDb, event: AuditEvent): Promise<void> => {
    await insert(db, event, false);
  };
  const recordWithReceipt = async (db: TenantDb, event: AuditEvent): Promise<RecordedEvent> => {
    const row = await insert(db, event, true);
    if (row === undefined) throw new TenantGuardError('AUDIT_NO_TENANT', 'record() wrote no row: no tenant is set');
    return recorded(row);
  };

  const needAdmin = (what: string): PoolLike => {
    if (adminPool === undefined) throw new TenantGuardError('CONFIG_INVALID', `${what} needs adminPool (the audit log owner's pool)`);
    return adminPool;
  };

  const retentionOptions = (): RetentionOptions => {
    if (retention === undefined) throw new TenantGuardError('CONFIG_INVALID', 'retention needs the retention option (archiveDir)');
    return retention;
  };

  return {
    record,
    recordWithReceipt,

    async recordStandalone(event, options = {}) {
      const e = parseAuditEvent(event);
      if (options.orgId !== undefined && options.orgId !== null) {
        const orgId = parseOrgId(options.orgId);
        return withTenant(pool, orgId, (db) => recordWithReceipt(db, e), tenantOptions);
      }
      const client = await pool.connect();
      try {
        const r = await client.query<InsertedRow>(SYSTEM_INSERT, eventParams(e));
        return recorded(r.rows[0] as InsertedRow);
      } finally {
        client.release();
      }
    },

    async query(orgId, q = {}) {
      const id = parseOrgId(orgId);
      const parsedQuery = parseQuery(q);
      return withTenant(pool, id, (db) => queryPage(db, parsedQuery), readOnly);
    },

    async summary(orgId, range = {}) {
      const id = parseOrgId(orgId);
      const r = parseFilter({ from: range.from, to: range.to });
      return withTenant(pool, id, (db) => summarise(db, r), readOnly);
    },

    async export(orgId, filter, options) {
      const id = parseOrgId(orgId);
      const f = parseFilter(filter);
      if (!['csv', 'json', 'ndjson'].includes(options.format)) {
        throw new TenantGuardError('AUDIT_QUERY_INVALID', 'export format must be csv, json or ndjson');
      }
      if (typeof options.to?.write !== 'function') throw new TenantGuardError('AUDIT_QUERY_INVALID', 'export needs a writable stream');
      try {
        const rows = await withTenant(pool, id, (db) => exportRows(db, f, options.format, options.to, batchSize), readOnly);
        return { rows };
      } catch (err) {
        if (err instanceof TenantGuardError) throw err;
        throw new TenantGuardError('AUDIT_EXPORT_FAILED', 'audit export failed', { cause: err });
      }
    },

    async verifyChain(orgId, range = {}) {
      const rr = rangeSchema.safeParse(range);
      if (!rr.success) throw new TenantGuardError('AUDIT_QUERY_INVALID', 'invalid seq range');
      const sql = 'SELECT ok, checked::text AS checked, broken_seq::text AS broken_seq, broken_id::text AS broken_id, reason FROM tenantguard.audit_verify_chain($1::uuid, $2::bigint, $3::bigint)';
      const params = [orgId, rr.data.fromSeq ?? null, rr.data.toSeq ?? null];
      type Row = { ok: boolean; checked: string; broken_seq: string | null; broken_id: string | null; reason: string | null; [c: string]: unknown };
      const toResult = (row: Row | undefined): ChainVerification => {
        if (row === undefined) throw new TenantGuardError('AUDIT_QUERY_INVALID', 'verification returned nothing');
        const out: ChainVerification = { ok: row.ok, checked: Number(row.checked) };
        if (!row.ok) out.firstBroken = { seq: Number(row.broken_seq), id: row.broken_id, reason: row.reason ?? 'broken' };
        return out;
      };
      if (orgId === null) {
        const client = await needAdmin('verifying the system chain').connect();
        try {
          return toResult((await client.query<Row>(sql, params)).rows[0]);
        } finally {
          client.release();
        }
      }
      const id = parseOrgId(orgId);
      const one = async (from: number | null, to: number | null): Promise<ChainVerification> =>
        toResult(await withTenant(pool, id, async (db) => (await db.query<Row>(sql, [id, from, to])).rows[0], readOnly));
      if (rr.data.fromSeq !== undefined || rr.data.toSeq !== undefined || verifyParallelism < 2) {
        return one(rr.data.fromSeq ?? null, rr.data.toSeq ?? null);
      }
      // Long chains: verify seq ranges on several connections at once. Each
      // range links to the row before it, so together they check every link;
      // only the last range checks the tail against the head.
      const b = await withTenant(
        pool,
        id,
        async (db) =>
          (
            await db.query<{ lo: string; hi: string }>(
              `SELECT coalesce((SELECT min(l.seq) FROM tenantguard.security_audit_log l WHERE l.org_id = $1::uuid) - 1, 0)::text AS lo,
                      coalesce((SELECT max(h.seq) FROM tenantguard.audit_chain_head h WHERE h.org_id = $1::uuid), 0)::text AS hi`,
              [id],
            )
          ).rows[0],
        readOnly,
      );
      const lo = Number(b?.lo ?? 0);
      const hi = Number(b?.hi ?? 0);
      const parts = Math.min(verifyParallelism, Math.floor((hi - lo) / VERIFY_CHUNK_MIN));
      if (parts < 2) return one(null, null);
      const size = Math.ceil((hi - lo) / parts);
      const results = await Promise.all(
        Array.from({ length: parts }, (_, i) => one(lo + 1 + i * size, i === parts - 1 ? null : lo + (i + 1) * size)),
      );
      const broken = results
        .map((r) => r.firstBroken)
        .filter((x): x is BrokenLink => x !== undefined)
        .sort((x, y) => x.seq - y.seq)[0];
      const total = results.reduce((a, r) => a + r.checked, 0);
      return broken === undefined ? { ok: true, checked: total } : { ok: false, checked: total, firstBroken: broken };
    },

    retention: {
      run: (options = {}) => runRetention(needAdmin('retention'), retentionOptions(), options),
      schedule(options = {}) {
        const interval = options.intervalMs ?? 6 * 60 * 60 * 1000;
        const admin = needAdmin('retention');
        const opts = retentionOptions();
        let running = false;
        const tick = (): void => {
          if (running) return;
          running = true;
          runRetention(admin, opts)
            .catch((err: unknown) => options.onError?.(err))
            .finally(() => {
              running = false;
            });
        };
        const timer = setInterval(tick, interval);
        timer.unref();
        tick();
        return () => clearInterval(timer);
      },
      async verifyArchive(manifestPath) {
        const admin = needAdmin('archive verification');
        const { readFile } = await import('node:fs/promises');
        let partition: string;
        try {
          partition = (JSON.parse(await readFile(manifestPath, 'utf8')) as { partition: string }).partition;
        } catch (err) {
          return { ok: false, rows: 0, problems: [`manifest unreadable: ${(err as Error).message}`] };
        }
        return verifyArchive(manifestPath, { anchors: await anchorsFor(admin, partition) });
      },
    },
  };
}
