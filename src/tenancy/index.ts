/**
 * Tenancy: org ids, the principal, withTenant and the isolation proof.
 *
 * @module tenancy
 */
export { parseOrgId, isOrgId } from './org-id.js';
export type { OrgId } from './org-id.js';
export type { Principal } from './principal.js';
export type {
  FieldDescription,
  PoolClientLike,
  PoolLike,
  Queryable,
  QueryConfig,
  QueryResult,
  QueryResultRow,
  Submittable,
  TenantDb,
} from './pg-types.js';
export {
  createWithTenant,
  enterTenantDefault,
  enterTenantSql,
  quoteIdentifier,
  withTenant,
} from './with-tenant.js';
export type {
  EnterTenant,
  IsolationLevel,
  RouteTenant,
  TenantEntryContext,
  WithTenant,
  WithTenantOptions,
} from './with-tenant.js';
export { isolationProof } from './isolation-proof.js';
export type { IsolationProofOptions } from './isolation-proof.js';
export { PROOF_FINDING_CODES, isolationProofSchema } from './isolation-proof-schema.js';
export type {
  AuditCheck,
  IsolationProof,
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
} from './isolation-proof-schema.js';
