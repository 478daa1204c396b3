/**
 * export(): streams an org's rows to a writable stream through a server-side
 * cursor (pg-query-stream), so memory stays flat however many rows there are.
 *
 * @module audit
 */
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import QueryStream from 'pg-query-stream';
import type { TenantDb } from '../tenancy/index.js';
import { csvRecord } from './csv.js';
import { type AuditFilter, filterSql } from './filter.js';
import { RAW_COLUMNS } from './record-row.js';

/** Export formats. */
export type AuditExportFormat = 'csv' | 'json' | 'ndjson';

/** The CSV header, in column order. */
export const CSV_COLUMNS = [
  'id',
  'org_id',
  'seq',
  'created_at',
  'user_id',
  'user_email',
  'user_role',
  'ip_address',
  'user_agent',
  'action',
  'resource_type',
  'resource_id',
  'details',
  'request_id',
  'session_id',
  'hash',
  'prev_hash',
] as const;

/** A row in array form, in {@link CSV_COLUMNS} order (= RAW_COLUMNS order). */
type RowArray = ReadonlyArray<string | null>;

function jsonLine(r: RowArray): string {
  // details (index 12) is already JSON text (jsonb output): embed it, do not re-parse.
  const head = JSON.stringify({
    id: r[0],
    orgId: r[1],
    seq: Number(r[2]),
    createdAt: r[3],
    userId: r[4],
    userEmail: r[5],
    userRole: r[6],
    ipAddress: r[7],
    userAgent: r[8],
    action: r[9],
    resourceType: r[10],
    resourceId: r[11],
    requestId: r[13],
    sessionId: r[14],
    hash: r[15],
    prevHash: r[16],
  });
  return `${head.slice(0, -1)},"details":${r[12] ?? '{}'}}`;
}

/** Builds the encoder that turns rows into bytes of one format, batching small writes. */
export function createEncoder(format: AuditExportFormat): Transform {
  let first = true;
  let buffer = '';
  const FLUSH_AT = 64 * 1024;
  const header = (): string => {
    if (format === 'csv') return csvRecord(CSV_COLUMNS);
    if (format === 'json') return '[';
    return '';
  };
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform(row: RowArray, _enc, cb) {
      if (first) buffer += header();
      if (format === 'csv') {
        buffer += csvRecord(row);
      } else if (format === 'ndjson') {
        buffer += `${jsonLine(row)}\n`;
      } else {
        buffer += `${first ? '\n' : ',\n'}${jsonLine(row)}`;
      }
      first = false;
      if (buffer.length >= FLUSH_AT) {
        const out = buffer;
        buffer = '';
        cb(null, out);
      } else {
        cb();
      }
    },
    flush(cb) {
      if (first) buffer += header();
      if (format === 'json') buffer += first ? ']\n' : '\n]\n';
      cb(null, buffer);
    },
  });
}

/**
 * Streams the rows of `db`'s org matching `filter`, oldest first, into `to`
 * (which is ended). Returns the row count.
 */
export async function exportRows(
  db: TenantDb,
  filter: AuditFilter,
  format: AuditExportFormat,
  to: Writable,
  batchSize: number,
): Promise<number> {
  const params: unknown[] = [db.orgId];
  const where = ['l.org_id = $1::uuid', ...filterSql(filter, params)].join(' AND ');
  const stream = db.query(
    new QueryStream(`SELECT ${RAW_COLUMNS} FROM tenantguard.security_audit_log l WHERE ${where} ORDER BY l.seq`, params, {
      batchSize,
      highWaterMark: batchSize,
      rowMode: 'array',
    }),
  );
  let rows = 0;
  const counter = new Transform({
    objectMode: true,
    transform(row: RowArray, _enc, cb) {
      rows += 1;
      cb(null, row);
    },
  });
  await pipeline(stream, counter, createEncoder(format), to);
  return rows;
}
