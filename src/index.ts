/**
 * tenantguard: the security layer for multi-tenant Node.js services on
 * PostgreSQL. This file only re-exports; each module documents itself.
 *
 * @packageDocumentation
 */

export { ERROR_CODES, TenantGuardError, isTenantGuardError } from './errors.js';
export type { ErrorCode, TenantGuardErrorOptions } from './errors.js';

// @tenancy-exports
export {
  createWithTenant,
  enterTenantDefault,
  enterTenantSql,
  isOrgId,
  parseOrgId,
  quoteIdentifier,
  withTenant,
  isolationProof,
  isolationProofSchema,
  PROOF_FINDING_CODES,
} from './tenancy/index.js';
export type {
  IsolationProof,
  IsolationProofOptions,
  ProofApplicationLayer,
  ProofAudit,
  ProofDatabaseLayer,
  ProofFinding,
  ProofFindingCode,
  ProofPlacement,
  ProofPolicy,
  ProofSeverity,
  ProofSignedContext,
  ProofSystemTotals,
  TableProof,
  AuditCheck,
  EnterTenant,
  FieldDescription,
  IsolationLevel,
  OrgId,
  PoolClientLike,
  PoolLike,
  Principal,
  Queryable,
  QueryConfig,
  QueryResult,
  QueryResultRow,
  RouteTenant,
  Submittable,
  TenantDb,
  TenantEntryContext,
  WithTenant,
  WithTenantOptions,
} from './tenancy/index.js';

// tenancy (issue 7): the signed tenant context
export { createSignedContext, signedContextError, signedEntryStatements } from './tenancy/signed-context.js';
export type { SignedContext, SignedContextOptions } from './tenancy/signed-context.js';
export {
  computeContextProof,
  contextProofMessage,
  generateContextKeySecret,
  nextIssuedAt,
  parseContextKey,
} from './tenancy/signed-context-proof.js';
export type { ContextKey, ContextProofInput, ParsedContextKey } from './tenancy/signed-context-proof.js';
export {
  disableSignedContext,
  enableSignedContext,
  installContextKey,
  readSignedContextStatus,
  retireContextKey,
} from './tenancy/signed-context-admin.js';
export type { EnableSignedContextOptions, SignedContextStatus } from './tenancy/signed-context-admin.js';
export { StatementBatch, runStatementBatch, supportsStatementBatch, isPipelinedClient } from './tenancy/signed-context-batch.js';
export type { BatchStatement } from './tenancy/signed-context-batch.js';
// tenancy (issue 7): dedicated placement
export { SHARED_PLACEMENT, describePlacement, parsePlacement, samePlacement, schemaSearchPathSql } from './tenancy/placement.js';
export type { Placement } from './tenancy/placement.js';
export { createTenantRouter, describeOrgPlacement } from './tenancy/tenant-router.js';
export type { TenantRouter, TenantRouterOptions } from './tenancy/tenant-router.js';
export { provisionPlacement } from './tenancy/placement-provision.js';
export type { ProvisionPlacementOptions, ProvisionResult } from './tenancy/placement-provision.js';
export { moveOrg, purgeMovedOrg } from './tenancy/move-org.js';
export type { MoveOrgOptions, MoveOrgResult, MoveTableReport, PurgeMovedOrgOptions } from './tenancy/move-org.js';
export { createPlacementDirectory, savePlacement } from './tenancy/placement-directory.js';
export type { PlacementDirectoryOptions, PlacementLookup } from './tenancy/placement-directory.js';

// @migrate-exports
export { migrate, migrationStatus, verifyMigrations, bundledMigrationsDirectory, splitSqlStatements } from './migrate/index.js';
export type {
  MigrateOptions,
  MigrateResult,
  MigrationStatusEntry,
  VerifyResult,
  MigrationDirectory,
  MigrationFile,
  LockOptions,
  MigrationClient,
  MigrationPool,
  MigrationQueryResult,
  SqlStatement,
} from './migrate/index.js';

// @rbac-exports
export {
  BUILTIN_ROLES,
  CompiledPrincipal,
  PERMISSIONS,
  PERMISSION_NAMES,
  ROLES,
  ROLE_ALIASES,
  ROLE_PERMISSIONS,
  createPermissionEngine,
  createPermissionStore,
  createPrincipalCache,
  parsePattern,
  patternImplies,
  patternMatches,
  printPattern,
  tryParsePattern,
} from './rbac/index.js';
export type {
  BrandScopeRule,
  BuiltinRole,
  CatalogEntry,
  CheckScope,
  CrossOrgRule,
  CustomRoleDenyRule,
  CustomRoleRef,
  CustomRoleInput,
  DecisionRule,
  Explanation,
  MemberRole,
  NoRule,
  OverrideInput,
  OverrideRule,
  ParsedPattern,
  Permission,
  PermissionDefinition,
  PermissionEngine,
  PermissionEngineOptions,
  PermissionLevel,
  PermissionPattern,
  PermissionStore,
  PermissionStoreOptions,
  PrincipalCache,
  PrincipalCacheOptions,
  PrincipalGrants,
  PrincipalRef,
  RoleDefinition,
  RoleName,
  RoleRule,
  StoredOverrideInput,
  UnknownPermissionRule,
} from './rbac/index.js';

// @audit-exports
export {
  ARCHIVE_FORMAT,
  AUDIT_CHAIN_LANES,
  AUDIT_DETAILS_MAX_BYTES,
  AUDIT_TABLE,
  DEFAULT_RETENTION,
  GENESIS_HASH,
  auditEventSchema,
  auditRowHash,
  createAuditLog,
  csvRecord,
  laneOf,
  neutraliseCell,
  parseAuditEvent,
  quoteCsvField,
  verifyArchive,
} from './audit/index.js';
export type {
  ActionCount,
  DayCount,
  UserCount,
  ArchiveAnchor,
  ArchiveChain,
  ArchiveManifest,
  ArchiveVerification,
  AuditEvent,
  AuditExportFormat,
  AuditExportOptions,
  AuditExportResult,
  AuditFilter,
  AuditLog,
  AuditLogConfig,
  AuditPage,
  AuditQuery,
  AuditRange,
  AuditRecord,
  AuditSummary,
  BrokenLink,
  CanonicalAuditRow,
  ChainVerification,
  RecordedEvent,
  RetentionAction,
  RetentionOptions,
  RetentionPolicy,
  RetentionReport,
  SeqRange,
} from './audit/index.js';

// @crypto-exports
export { createSessions } from './crypto/sessions.js';
export type {
  IssueInput,
  MfaEnforcement,
  SessionMfaPolicy,
  Sessions,
  SessionsOptions,
  SessionTokens,
  VerifyAccessOptions,
} from './crypto/sessions.js';
export type { AsymmetricKeyInput, HmacKeyInput, JsonWebKeySet, JwtAlgorithm, JwtKeyInput } from './crypto/jwt-keys.js';
export { ACCESS_TOKEN_TYP, REFRESH_TOKEN_TYP } from './crypto/jwt-claims.js';
export type { MfaMethod, MfaProof } from './crypto/mfa-proof.js';
export { createMfa } from './crypto/mfa.js';
export type { Mfa, MfaCodeInput, MfaConfirmation, MfaEnrollInput, MfaOptions, MfaStatus, MfaUser, TotpEnrollment } from './crypto/mfa.js';
export type { MfaKeyInput } from './crypto/mfa-keys.js';
export { generateTotpSecret, hotp, totp, totpUri, verifyTotp } from './crypto/totp.js';
export type { TotpAlgorithm, TotpParams, TotpUriOptions, VerifyTotpOptions } from './crypto/totp.js';
export { Fernet } from './crypto/fernet.js';
export type { FernetEncryptOptions, FernetDecryptOptions } from './crypto/fernet.js';
export { generateFernetKey } from './crypto/fernet-key.js';
export type { FernetKeyInput } from './crypto/fernet-key.js';
export { Keyring } from './crypto/keyring.js';
export type { KeyringRotateOptions } from './crypto/keyring.js';
export { createVault } from './crypto/vault.js';
export type { Vault, VaultOptions, VaultSecretInfo } from './crypto/vault.js';
export type { VaultAuditEvent, VaultAuditHook } from './crypto/vault-context.js';
export type {
  DestroyOrgKeysOptions,
  DestroyOrgKeysReport,
  MasterKeyRotationReport,
  OrgKeyRotationReport,
  VaultRotationOptions,
  VaultRotationProgress,
} from './crypto/vault-maintenance.js';
export { SecretValue } from './crypto/vault-secret.js';
export { envMasterKeys, fileMasterKeys } from './crypto/key-provider.js';
export type { EnvMasterKeysOptions, FileMasterKeysOptions, MasterKey, MasterKeyProvider } from './crypto/key-provider.js';

// @guards-exports
export { createPromptGuard, DEFAULT_PROMPT_THRESHOLD, DEFAULT_PROMPT_MAX_INPUT } from './guards/prompt-guard.js';
export type { PromptGuard, PromptGuardOptions, PromptScanResult, PromptFinding } from './guards/prompt-guard.js';
export { PROMPT_RULES, PROMPT_DETECTOR_WEIGHTS } from './guards/prompt-rules.js';
export { PROMPT_CATEGORIES } from './guards/prompt-rule-types.js';
export type { PromptRule, PromptCategory } from './guards/prompt-rule-types.js';
export type { EncodingKind } from './guards/prompt-decode.js';
export { normalizeForMatching, mapSpan } from './guards/normalize.js';
export type { NormalizedText, NormalizeStats } from './guards/normalize.js';
export {
  createPiiRedactor,
  DEFAULT_MAX_INPUT_LENGTH,
  DEFAULT_MAX_SESSION_ENTRIES,
  DEFAULT_PHONE_REGIONS,
  DEFAULT_PHONE_CONTEXT_REGIONS,
} from './guards/pii-redactor.js';
export type { PiiRedactor, PiiRedactorOptions, RedactOptions, RedactResult } from './guards/pii-redactor.js';
export type { RedactionMode } from './guards/redact-replacements.js';
export { PII_TYPES } from './guards/pii-types.js';
export type { PiiType, PiiFinding, PiiSpan } from './guards/pii-types.js';
export { luhnValid, cardIssuer } from './guards/detectors/cards.js';
export { isValidIban } from './guards/detectors/iban.js';
export { isValidSsn } from './guards/detectors/ssn.js';
export { isValidIpv4, isValidIpv6 } from './guards/detectors/ip.js';
