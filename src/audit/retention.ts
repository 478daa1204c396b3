/**
 * The retention job: creates monthly partitions ahead, archives every
 * partition wholly past its table's window (ndjson.gz + manifest), verifies
 * the archive, records the chain anchors, detaches and drops the partition,
 * and audits what it did. A failure drops nothing of the failing partition.
 *
 * @module audit
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import QueryStream from 'pg-query-stream';
import { TenantGuardError } from '../errors.js';
import type { PoolClientLike, PoolLike } from '../tenancy/index.js';
import { ARCHIVE_FORMAT, type ArchiveAnchor, type ArchiveManifest, ChainTracker, verifyArchive } from './archive.js';
import { RAW_COLUMNS, toCanonicalRow, type RawAuditRow } from './record-row.js';

/** The audit log's table name. */
export const AUDIT_TABLE = 'tenantguard.security_audit_log';

/** How long one table's rows are kept. */
export interface RetentionPolicy {
  /** `schema.table`, partitioned by month with partitions named `<table>_pYYYYMM`. */
  table: string;
  /** Months kept; a partition is archived once its whole month is older. */
  keepMonths: number;
}

/** Options of the retention job. */
export interface RetentionOptions {
  /** Folder archives and manifests are written to (created if missing). */
  archiveDir: string;
  /** Per-table policies; default: the audit log kept 84 months (7 years). */
  policies?: readonly RetentionPolicy[];
  /** Monthly audit partitions kept ready ahead of the current month; default 3. */
  monthsAhead?: number;
  /**
   * Called after an archive is written and before it is verified and the
   * partition dropped, e.g. to copy it to offsite storage. Throwing stops the
   * job for that partition; nothing is dropped.
   */
  onArchived?: (paths: { file: string; manifest: string }) => Promise<void> | void;
}

/** What the job did (or, with dryRun, would do) to one partition. */
export interface RetentionAction {
  /** The partitioned table, `schema.table`. */
  table: string;
  /** The partition's name. */
  partition: string;
  /** Inclusive lower bound. */
  from: string;
  /** Exclusive upper bound. */
  to: string;
  /** What happened, e.g. `brand.update`. */
  action: 'archive-and-drop' | 'archived-and-dropped';
  /** Number of rows. */
  rows?: number;
  /** The archive file. */
  file?: string;
  /** The manifest file. */
  manifest?: string;
  /** sha256 (hex) of the archive file. */
  sha256?: string;
}

/** The job's report. */
export interface RetentionReport {
  /** True when this was a dry run (nothing changed). */
  dryRun: boolean;
  /** True when another instance held the job's lock, so nothing ran. */
  skipped: boolean;
  /** Partitions created ahead (with dryRun: those that would be). */
  created: string[];
  /** Partitions archived and dropped (with dryRun: that would be), oldest first. */
  actions: RetentionAction[];
}

/** The default policy: the audit log, 7 years. */
export const DEFAULT_RETENTION: readonly RetentionPolicy[] = [{ table: AUDIT_TABLE, keepMonths: 84 }];

const LOCK_KEY = 73_026_114; // pg_try_advisory_lock key of the job (one instance at a time)
const TABLE_NAME = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/;

function qualified(table: string): { schema: string; name: string } {
  const m = TABLE_NAME.exec(table);
  if (m === null) throw new TenantGuardError('CONFIG_INVALID', 'retention policy table must be schema.table in lowercase');
  return { schema: m[1] as string, name: m[2] as string };
}

function monthBounds(year: number, month: number): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(year, month - 1, 1)), to: new Date(Date.UTC(year, month, 1)) };
}

async function systemEvent(client: PoolClientLike, action: string, details: Record<string, unknown>): Promise<void> {
  await client.query(
    `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, resource_id, details)
     VALUES (NULL, $1, 'audit_partition', $2, $3::jsonb)`,
    [action, typeof details.partition === 'string' ? details.partition : null, JSON.stringify(details)],
  );
}

async function writeArchive(
  client: PoolClientLike,
  schema: string,
  partition: string,
  chained: boolean,
  dir: string,
  bounds: { from: Date; to: Date },
  table: string,
): Promise<{ manifest: ArchiveManifest; file: string; manifestPath: string }> {
  const fileName = `${partition}.ndjson.gz`;
  const file = join(dir, fileName);
  const manifestPath = join(dir, `${partition}.manifest.json`);
  const tmp = `${file}.tmp`;
  // Never overwrite an archive that already exists.
  for (const existing of [file, manifestPath]) {
    const present = await access(existing).then(
      () => true,
      () => false,
    );
    if (present) throw new TenantGuardError('AUDIT_RETENTION_FAILED', `${existing} already exists; not overwriting an archive`);
  }
  const sql = chained
    ? `SELECT ${RAW_COLUMNS} FROM ${schema}.${partition} l ORDER BY l.org_id NULLS FIRST, (l.seq - 1) % 16, l.seq, l.id`
    : `SELECT row_to_json(l)::text AS line FROM ${schema}.${partition} l`;
  const stream = client.query(new QueryStream(sql, [], { batchSize: 2000, highWaterMark: 2000 }));
  const tracker = new ChainTracker();
  const sha = createHash('sha256');
  let rows = 0;
  const toLine = new Transform({
    writableObjectMode: true,
    transform(r: RawAuditRow & { line?: string }, _e, cb) {
      rows += 1;
      if (!chained) return cb(null, `${r.line ?? ''}\n`);
      const row = toCanonicalRow(r);
      tracker.add(row, false);
      cb(null, `${JSON.stringify(row)}\n`);
    },
  });
  const hashBytes = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sha.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(stream, toLine, createGzip(), hashBytes, createWriteStream(tmp));
  await rename(tmp, file);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    table,
    partition,
    from: bounds.from.toISOString(),
    to: bounds.to.toISOString(),
    file: fileName,
    rowCount: rows,
    sha256: sha.digest('hex'),
    createdAt: new Date().toISOString(),
    chains: tracker.chains,
  };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  return { manifest, file, manifestPath };
}

/**
 * Runs the retention job once on `adminPool`, which must connect as the
 * audit log's owner and bypass RLS (a superuser or BYPASSRLS owner): a role
 * subject to RLS would see no rows and archive an empty file.
 */
export async function runRetention(
  adminPool: PoolLike,
  options: RetentionOptions,
  run: { dryRun?: boolean; now?: Date } = {},
): Promise<RetentionReport> {
  const dryRun = run.dryRun === true;
  const now = run.now ?? new Date();
  const policies = options.policies ?? DEFAULT_RETENTION;
  for (const p of policies) {
    qualified(p.table);
    if (!Number.isInteger(p.keepMonths) || p.keepMonths < 1) {
      throw new TenantGuardError('CONFIG_INVALID', 'retention keepMonths must be a positive integer', { details: { table: p.table } });
    }
  }
  const monthsAhead = options.monthsAhead ?? 3;
  const client = await adminPool.connect();
  const report: RetentionReport = { dryRun, skipped: false, created: [], actions: [] };
  let locked = false;
  try {
    const who = await client.query<{ bypass: boolean }>(
      'SELECT (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user',
    );
    if (who.rows[0]?.bypass !== true) {
      throw new TenantGuardError('AUDIT_RETENTION_FAILED', 'the retention job must run as a role that bypasses RLS (superuser or BYPASSRLS owner)');
    }
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [LOCK_KEY]);
    locked = lock.rows[0]?.ok === true;
    if (!locked) return { ...report, skipped: true };

    // Partitions ahead (audit log only: it owns the partition function).
    if (policies.some((p) => p.table === AUDIT_TABLE)) {
      const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`;
      const missing = await client.query<{ name: string }>(
        `SELECT 'security_audit_log_p' || to_char(m, 'YYYYMM') AS name
           FROM generate_series($1::date, $1::date + make_interval(months => $2::int), interval '1 month') AS m
          WHERE to_regclass('tenantguard.security_audit_log_p' || to_char(m, 'YYYYMM')) IS NULL`,
        [month, monthsAhead],
      );
      report.created = missing.rows.map((r) => r.name);
      if (!dryRun && report.created.length > 0) {
        await client.query('BEGIN');
        try {
          await client.query(
            `SELECT tenantguard.audit_create_partition(m::date)
               FROM generate_series($1::date, $1::date + make_interval(months => $2::int), interval '1 month') AS m`,
            [month, monthsAhead],
          );
          await systemEvent(client, 'audit.retention.partitions_created', { partitions: report.created });
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    }

    for (const policy of policies) {
      const { schema, name } = qualified(policy.table);
      const chained = policy.table === AUDIT_TABLE;
      const cutoff = new Date(now.getTime());
      cutoff.setUTCMonth(cutoff.getUTCMonth() - policy.keepMonths);
      const parts = await client.query<{ relname: string }>(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
        [policy.table],
      );
      const pattern = new RegExp(`^${name}_p(\\d{4})(\\d{2})$`);
      for (const { relname } of parts.rows) {
        const m = pattern.exec(relname);
        if (m === null) continue;
        const bounds = monthBounds(Number(m[1]), Number(m[2]));
        if (bounds.to.getTime() > cutoff.getTime()) continue;
        const action: RetentionAction = {
          table: policy.table,
          partition: relname,
          from: bounds.from.toISOString(),
          to: bounds.to.toISOString(),
          action: 'archive-and-drop',
        };
        if (dryRun) {
          const n = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${schema}.${relname}`);
          action.rows = Number(n.rows[0]?.n ?? 0);
          report.actions.push(action);
          continue;
        }
        let written: { manifest: ArchiveManifest; file: string; manifestPath: string } | undefined;
        try {
          await mkdir(options.archiveDir, { recursive: true });
          written = await writeArchive(client, schema, relname, chained, options.archiveDir, bounds, policy.table);
          await options.onArchived?.({ file: written.file, manifest: written.manifestPath });
          const verified = await verifyArchive(written.manifestPath);
          if (!verified.ok) {
            throw new TenantGuardError('AUDIT_ARCHIVE_INVALID', `archive of ${relname} failed verification`, {
              details: { problems: verified.problems.slice(0, 10) },
            });
          }
          await dropPartition(client, schema, name, relname, written.manifest, chained);
          action.action = 'archived-and-dropped';
          action.rows = written.manifest.rowCount;
          action.file = written.file;
          action.manifest = written.manifestPath;
          action.sha256 = written.manifest.sha256;
          report.actions.push(action);
        } catch (err) {
          // The partition is intact: drop the archive we wrote so the next run redoes it.
          if (written !== undefined) await removeArchive(options.archiveDir, relname).catch(() => undefined);
          await systemEvent(client, 'audit.retention.failed', {
            partition: relname,
            table: policy.table,
            error: err instanceof TenantGuardError ? err.code : 'ERROR',
          }).catch(() => undefined);
          throw new TenantGuardError('AUDIT_RETENTION_FAILED', `retention stopped at ${relname}; it was not dropped`, {
            cause: err,
            details: { partition: relname, done: report.actions.map((a) => a.partition) },
          });
        }
      }
    }
    return report;
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

async function dropPartition(
  client: PoolClientLike,
  schema: string,
  parent: string,
  partition: string,
  manifest: ArchiveManifest,
  chained: boolean,
): Promise<void> {
  await client.query('BEGIN');
  try {
    // Block writers, then re-check the partition against what was archived.
    await client.query(`LOCK TABLE ${schema}.${partition} IN SHARE MODE`);
    const n = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${schema}.${partition}`);
    if (Number(n.rows[0]?.n) !== manifest.rowCount) {
      throw new TenantGuardError('AUDIT_ARCHIVE_INVALID', `${partition} changed after it was archived`);
    }
    if (chained) {
      const live = await client.query<{ org_id: string | null; lane: number; first_seq: string; last_seq: string; prev_hash: string; last_hash: string; n: string }>(
        `SELECT l.org_id::text AS org_id, ((l.seq - 1) % 16)::int AS lane, min(l.seq)::text AS first_seq, max(l.seq)::text AS last_seq,
                encode((array_agg(l.prev_hash ORDER BY l.seq, l.id))[1], 'hex') AS prev_hash,
                encode((array_agg(l.hash ORDER BY l.seq DESC, l.id DESC))[1], 'hex') AS last_hash, count(*)::text AS n
           FROM ${schema}.${partition} l GROUP BY l.org_id, (l.seq - 1) % 16`,
      );
      for (const c of manifest.chains) {
        const l = live.rows.find((r) => r.org_id === c.orgId && r.lane === c.lane);
        if (l === undefined || Number(l.first_seq) !== c.firstSeq || Number(l.last_seq) !== c.lastSeq || l.prev_hash !== c.prevHash || l.last_hash !== c.lastHash || Number(l.n) !== c.rows) {
          throw new TenantGuardError('AUDIT_ARCHIVE_INVALID', `${partition} does not match its archive`);
        }
        await client.query(
          `INSERT INTO tenantguard.audit_chain_anchor (org_id, through_seq, hash, first_seq, prev_hash, row_count, partition_name, archive_sha256)
           VALUES (coalesce($1::uuid, '00000000-0000-0000-0000-000000000000'::uuid), $2, decode($3, 'hex'), $4, decode($5, 'hex'), $6, $7, $8)`,
          [c.orgId, c.lastSeq, c.lastHash, c.firstSeq, c.prevHash, c.rows, partition, manifest.sha256],
        );
      }
    }
    await client.query(`ALTER TABLE ${schema}.${parent} DETACH PARTITION ${schema}.${partition}`);
    await client.query(`DROP TABLE ${schema}.${partition}`);
    await systemEvent(client, 'audit.retention.partition_dropped', {
      partition,
      table: `${schema}.${parent}`,
      rows: manifest.rowCount,
      sha256: manifest.sha256,
      file: manifest.file,
      from: manifest.from,
      to: manifest.to,
    });
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Reads the anchors the database keeps for one archived partition. */
export async function anchorsFor(pool: PoolLike, partition: string): Promise<ArchiveAnchor[]> {
  const client = await pool.connect();
  try {
    const r = await client.query<{ org_id: string; first_seq: string; through_seq: string; prev_hash: string; hash: string; row_count: string }>(
      `SELECT nullif(org_id, '00000000-0000-0000-0000-000000000000'::uuid)::text AS org_id, first_seq::text, through_seq::text,
              encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash, row_count::text
         FROM tenantguard.audit_chain_anchor WHERE partition_name = $1`,
      [partition],
    );
    return r.rows.map((x) => ({
      orgId: x.org_id,
      firstSeq: Number(x.first_seq),
      throughSeq: Number(x.through_seq),
      prevHash: x.prev_hash,
      hash: x.hash,
      rowCount: Number(x.row_count),
    }));
  } finally {
    client.release();
  }
}

/** Removes a half-written archive (used by tests and operators after a failure). */
export async function removeArchive(dir: string, partition: string): Promise<void> {
  await rm(join(dir, `${partition}.ndjson.gz`), { force: true });
  await rm(join(dir, `${partition}.ndjson.gz.tmp`), { force: true });
  await rm(join(dir, `${partition}.manifest.json`), { force: true });
}
