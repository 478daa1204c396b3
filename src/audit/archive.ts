/**
 * Archive files written by the retention job, and their verification:
 * `<partition>.ndjson.gz` (one {@link CanonicalAuditRow} per line, ordered by
 * org, lane, then seq) and `<partition>.manifest.json` ({@link ArchiveManifest}).
 * An archive verifies on its own (file sha256, row count, every lane segment
 * of every org recomputed) and against its anchors in the database.
 *
 * @module audit
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { AUDIT_CHAIN_LANES, type CanonicalAuditRow, auditRowHash, laneOf } from './canonical.js';

/** Format tag written into every manifest. */
export const ARCHIVE_FORMAT = 'tenantguard-audit-archive/1';

/** One lane segment of one org's chain inside an archive (orgId null = system chain). */
export interface ArchiveChain {
  /** The org, or null for the system chain. */
  orgId: string | null;
  /** The lane (0-15) of the org's chain; see {@link AUDIT_CHAIN_LANES}. */
  lane: number;
  /** First seq of the segment. */
  firstSeq: number;
  /** Last seq of the segment. */
  lastSeq: number;
  /** The hash before firstSeq (hex). */
  prevHash: string;
  /** The hash of lastSeq (hex). */
  lastHash: string;
  /** Number of rows. */
  rows: number;
}

/** The manifest written next to each archive file. */
export interface ArchiveManifest {
  /** Format tag. */
  format: string;
  /** The partitioned table, `schema.table`. */
  table: string;
  /** The partition's name. */
  partition: string;
  /** Partition bounds, ISO UTC; to is exclusive. */
  from: string;
  /** Exclusive upper bound. */
  to: string;
  /** The archive file's name (same folder as the manifest). */
  file: string;
  /** Number of rows. */
  rowCount: number;
  /** sha256 (hex) of the archive file's bytes. */
  sha256: string;
  /** When it was written, UTC. */
  createdAt: string;
  /** Chain segments; empty for tables without a hash chain. */
  chains: ArchiveChain[];
}

/** An anchor row as kept in `tenantguard.audit_chain_anchor`. */
export interface ArchiveAnchor {
  /** The org, or null for the system chain. */
  orgId: string | null;
  /** First seq of the segment. */
  firstSeq: number;
  /** Last seq archived (inclusive). */
  throughSeq: number;
  /** The previous row's hash (hex). */
  prevHash: string;
  /** This row's hash (hex). */
  hash: string;
  /** Number of rows. */
  rowCount: number;
}

/** What {@link verifyArchive} found. */
export interface ArchiveVerification {
  /** True when nothing is wrong. */
  ok: boolean;
  /** Number of rows. */
  rows: number;
  /** Every problem found, in order; empty when ok. */
  problems: string[];
}

/** Tracks chain segments while rows stream by (ordered by org, lane, then seq). */
export class ChainTracker {
  readonly chains: ArchiveChain[] = [];
  readonly problems: string[] = [];
  private current: ArchiveChain | undefined;

  /** Adds one row; records a problem when it does not continue its lane's segment. */
  add(row: CanonicalAuditRow, recompute: boolean): void {
    const seq = Number(row.seq);
    const lane = laneOf(seq);
    const c = this.current;
    if (c === undefined || c.orgId !== row.orgId || c.lane !== lane) {
      if (this.chains.some((x) => x.orgId === row.orgId && x.lane === lane)) {
        this.problems.push(`org ${row.orgId ?? 'system'}: rows are not grouped by org and lane`);
      }
      this.current = { orgId: row.orgId, lane, firstSeq: seq, lastSeq: seq, prevHash: row.prevHash, lastHash: row.hash, rows: 1 };
      this.chains.push(this.current);
    } else {
      const next = c.lastSeq + AUDIT_CHAIN_LANES;
      if (seq !== next) this.problems.push(`org ${row.orgId ?? 'system'}: seq ${next} expected, found ${seq} (row id ${row.id})`);
      if (row.prevHash !== c.lastHash) this.problems.push(`org ${row.orgId ?? 'system'}: row id ${row.id} (seq ${seq}) does not link to the previous row`);
      c.lastSeq = seq;
      c.lastHash = row.hash;
      c.rows += 1;
    }
    if (recompute && auditRowHash(row) !== row.hash) {
      this.problems.push(`org ${row.orgId ?? 'system'}: row id ${row.id} (seq ${seq}) does not match its hash`);
    }
  }
}

function sameChain(a: ArchiveChain, b: ArchiveChain): boolean {
  return (
    a.orgId === b.orgId &&
    a.lane === b.lane &&
    a.firstSeq === b.firstSeq &&
    a.lastSeq === b.lastSeq &&
    a.prevHash === b.prevHash &&
    a.lastHash === b.lastHash &&
    a.rows === b.rows
  );
}

/**
 * Verifies an archive: the file's sha256 and row count against the manifest,
 * every row's hash and link recomputed, the chain segments against the
 * manifest and, when `anchors` are given (the database's anchor rows for this
 * partition), against them too.
 *
 * @example
 * ```ts
 * const v = await verifyArchive('/archive/security_audit_log_p201801.manifest.json');
 * if (!v.ok) console.error(v.problems);
 * ```
 */
export async function verifyArchive(
  manifestPath: string,
  options: { anchors?: readonly ArchiveAnchor[] } = {},
): Promise<ArchiveVerification> {
  const problems: string[] = [];
  let manifest: ArchiveManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ArchiveManifest;
  } catch (err) {
    return { ok: false, rows: 0, problems: [`manifest unreadable: ${(err as Error).message}`] };
  }
  if (manifest.format !== ARCHIVE_FORMAT) problems.push(`unknown manifest format ${String(manifest.format)}`);
  const file = join(dirname(manifestPath), manifest.file);
  const hash = createHash('sha256');
  const tracker = new ChainTracker();
  const chained = manifest.chains.length > 0;
  let rows = 0;
  try {
    const raw = createReadStream(file);
    raw.on('data', (chunk) => hash.update(chunk));
    const lines = createInterface({ input: raw.pipe(createGunzip()), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      rows += 1;
      if (chained) tracker.add(JSON.parse(line) as CanonicalAuditRow, true);
      else JSON.parse(line);
    }
  } catch (err) {
    problems.push(`archive unreadable: ${(err as Error).message}`);
    return { ok: false, rows, problems };
  }
  const digest = hash.digest('hex');
  if (digest !== manifest.sha256) problems.push('archive sha256 does not match the manifest');
  if (rows !== manifest.rowCount) problems.push(`archive has ${rows} rows, manifest says ${manifest.rowCount}`);
  problems.push(...tracker.problems);
  if (chained) {
    if (tracker.chains.length !== manifest.chains.length || !tracker.chains.every((c, i) => sameChain(c, manifest.chains[i] as ArchiveChain))) {
      problems.push('chain segments in the archive do not match the manifest');
    }
  }
  if (options.anchors !== undefined) {
    for (const c of manifest.chains) {
      const a = options.anchors.find((x) => x.orgId === c.orgId && x.throughSeq === c.lastSeq);
      if (a === undefined) {
        problems.push(`org ${c.orgId ?? 'system'}: no anchor through seq ${c.lastSeq}`);
      } else if (a.firstSeq !== c.firstSeq || a.prevHash !== c.prevHash || a.hash !== c.lastHash || a.rowCount !== c.rows) {
        problems.push(`org ${c.orgId ?? 'system'}: the anchor does not match the archive`);
      }
    }
    if (options.anchors.length !== manifest.chains.length) problems.push('anchor count does not match the archive');
  }
  return { ok: problems.length === 0, rows, problems };
}
