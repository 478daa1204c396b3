/**
 * The shape of an isolation proof, as a zod schema (exported so callers can
 * validate a proof they receive over HTTP) and its inferred type.
 *
 * @module tenancy
 */
import { z } from 'zod';

/** Stable finding codes. Adding one is a minor change; renaming one is breaking. */
export const PROOF_FINDING_CODES = [
  'DB_LAYER_INERT',
  'APP_ROLE_MISSING',
  'APP_ROLE_BYPASSES_RLS',
  'RLS_DISABLED',
  'RLS_NOT_FORCED',
  'TENANT_POLICY_MISSING',
  'PERMISSIVE_POLICY_WIDENS',
  'POLICY_NOT_INDEX_FRIENDLY',
  'TENANT_INDEX_MISSING',
  'TENANT_COLUMN_NOT_UUID',
  'CROSS_TENANT_ROWS_VISIBLE',
  'VIEW_NOT_SECURITY_INVOKER',
  'MATVIEW_OVER_TENANT_TABLE',
  'SECURITY_DEFINER_SEARCH_PATH',
  'APP_ROLE_TRUNCATE',
  'APP_ROLE_REFERENCES',
  'APP_ROLE_OWNS_TENANT_TABLE',
  'UNIQUE_WITHOUT_TENANT',
  'FOREIGN_KEY_WITHOUT_TENANT',
  'AUDIT_DOCTOR_FAILED',
] as const;

/** A stable finding code; see {@link PROOF_FINDING_CODES}. */
export type ProofFindingCode = (typeof PROOF_FINDING_CODES)[number];

/** How bad a finding is: `critical` and `high` mean isolation is not proven. */
export const severitySchema = z.enum(['critical', 'high', 'medium', 'low']);

/** One problem found in the live catalog, with a one-line fix. */
export const findingSchema = z.object({
  code: z.enum(PROOF_FINDING_CODES),
  severity: severitySchema,
  /** The object concerned (`schema.table`, a view, a function signature, a role). */
  object: z.string(),
  /** What is wrong, in one sentence. */
  message: z.string(),
  /** How to fix it, in one line (usually SQL). */
  fix: z.string(),
});

/** One RLS policy on a tenant table, as read from pg_policy. */
export const policySchema = z.object({
  name: z.string(),
  /** `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`. */
  command: z.enum(['ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE']),
  permissive: z.boolean(),
  /** Roles the policy applies to (`PUBLIC` for all). */
  roles: z.array(z.string()),
  using: z.string().nullable(),
  withCheck: z.string().nullable(),
  /** USING compares the tenant column, uncast, to the transaction's org. */
  tenantBound: z.boolean(),
  /** The tenant column is compared with `=` and never cast (an index can serve it). */
  indexFriendly: z.boolean(),
});

/** What the proof found for one table that has the tenant column. */
export const tableProofSchema = z.object({
  schema: z.string(),
  name: z.string(),
  tenantColumn: z.string(),
  tenantColumnType: z.string(),
  partition: z.boolean(),
  owner: z.string(),
  rlsEnabled: z.boolean(),
  rlsForced: z.boolean(),
  policies: z.array(policySchema),
  /** Every policy that binds rows to the tenant is index-friendly (false when there is none). */
  policyIndexFriendly: z.boolean(),
  /** A valid, non-partial index leads with the tenant column. */
  tenantIndex: z.string().nullable(),
  /** tenantguard_app holds some privilege on the table (null when that role does not exist). */
  reachableByApp: z.boolean().nullable(),
  /** Enabled triggers on this table whose function lives in the tenantguard schema (e.g. audit). */
  tenantguardTriggers: z.array(z.string()),
  /** This org's rows, counted inside a tenant transaction (null when the proof's role cannot SELECT). */
  orgRowCount: z.number().int().nonnegative().nullable(),
  /** Rows of any other org were visible inside this org's transaction (null when not checked). */
  crossTenantRowsVisible: z.boolean().nullable(),
  /** RLS enabled and forced, a tenant policy, nothing widening it, cross-tenant rows invisible. */
  enforced: z.boolean(),
});

/** One row of `tenantguard.audit_doctor()`. */
export const auditCheckSchema = z.object({ code: z.string(), ok: z.boolean(), detail: z.string() });

/** The isolation proof: what is enforced right now, read from the live catalog. */
export const isolationProofSchema = z.object({
  orgId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  generatedAt: z.string(),
  /** PostgreSQL's `server_version`. */
  serverVersion: z.string(),
  /** True when both layers are active and no critical or high finding exists. */
  isolated: z.boolean(),
  applicationLayer: z.object({
    /** `active` when the tenant transaction really carried this org. */
    status: z.enum(['active', 'inactive']),
    mechanism: z.literal('withTenant'),
    /** The transaction-local setting the policies read. */
    setting: z.literal('app.current_org_id'),
    /** What `tenantguard.current_org_id()` returned inside the transaction. */
    currentOrgId: z.string().nullable(),
  }),
  databaseLayer: z.object({
    /** `active` only when the effective role is neither superuser nor BYPASSRLS. */
    status: z.enum(['active', 'deployed_inert']),
    sessionUser: z.string(),
    currentUser: z.string(),
    superuser: z.boolean(),
    bypassRls: z.boolean(),
    /** The role the proof dropped to with `SET LOCAL ROLE` (options.role), or null. */
    viaRole: z.string().nullable(),
    /** The effective role belongs to tenantguard_app. */
    memberOfAppRole: z.boolean(),
    reason: z.string(),
  }),
  tables: z.array(tableProofSchema),
  audit: z.object({
    /** `present` once the audit migrations are installed (doctor function or audit table). */
    status: z.enum(['present', 'absent']),
    /** Rows of `tenantguard.audit_doctor()`; null when it does not exist or failed. */
    checks: z.array(auditCheckSchema).nullable(),
    /** Set when calling the doctor failed. */
    error: z.string().nullable(),
  }),
  /** Counts only, never rows or ids. */
  systemTotals: z.object({
    tenantTables: z.number().int().nonnegative(),
    enforcedTables: z.number().int().nonnegative(),
    /** Sum of this org's rows over the tables the proof could count. */
    orgRows: z.number().int().nonnegative(),
    /** Planner estimate of all orgs' rows (pg_class.reltuples; no rows read), null if never analysed. */
    estimatedTotalRows: z.number().int().nonnegative().nullable(),
  }),
  findings: z.array(findingSchema),
});

/** A finding in an {@link IsolationProof}. */
export type ProofFinding = z.infer<typeof findingSchema>;
/** A policy in an {@link IsolationProof}. */
export type ProofPolicy = z.infer<typeof policySchema>;
/** A table in an {@link IsolationProof}. */
export type TableProof = z.infer<typeof tableProofSchema>;
/** A row of `tenantguard.audit_doctor()`. */
export type AuditCheck = z.infer<typeof auditCheckSchema>;
/** The result of {@link isolationProof}. */
export type IsolationProof = z.infer<typeof isolationProofSchema>;
