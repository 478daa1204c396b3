/**
 * The tamper-evident audit log: writer, query, summary, export, chain
 * verification and retention. See docs/guides/audit.md.
 *
 * @module audit
 */
export { createAuditLog } from './audit-log.js';
export type {
  AuditExportOptions,
  AuditExportResult,
  AuditLog,
  AuditLogConfig,
  BrokenLink,
  ChainVerification,
  RecordedEvent,
  SeqRange,
} from './audit-log.js';
export { AUDIT_DETAILS_MAX_BYTES, auditEventSchema, parseAuditEvent } from './event.js';
export type { AuditEvent } from './event.js';
export type { AuditFilter } from './filter.js';
export type { ActionCount, AuditPage, AuditQuery, AuditRange, AuditSummary, DayCount, UserCount } from './query.js';
export type { AuditRecord } from './record-row.js';
export type { AuditExportFormat } from './export.js';
export { csvRecord, neutraliseCell, quoteCsvField } from './csv.js';
export { AUDIT_CHAIN_LANES, auditRowHash, GENESIS_HASH, laneOf } from './canonical.js';
export type { CanonicalAuditRow } from './canonical.js';
export { ARCHIVE_FORMAT, verifyArchive } from './archive.js';
export type { ArchiveAnchor, ArchiveChain, ArchiveManifest, ArchiveVerification } from './archive.js';
export { AUDIT_TABLE, DEFAULT_RETENTION } from './retention.js';
export type { RetentionAction, RetentionOptions, RetentionPolicy, RetentionReport } from './retention.js';
