/**
 * The shape of an isolation proof: documented interfaces, and a zod schema
 * checked against them (exported so a caller can validate a proof it
 * receives, e.g. over HTTP).
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
  'SIGNED_CONTEXT_NOT_ENFORCED',
] as const;

/** A stable finding code; see {@link PROOF_FINDING_CODES}. */
export type ProofFindingCode = (typeof PROOF_FINDING_CODES)[number];

/** How bad a finding is: `critical` and `high` mean isolation is not proven. */
export type ProofSeverity = 'critical' | 'high' | 'medium' | 'low';

/** One problem found in the live catalog, with a one-line fix. */
export interface ProofFinding {
  /** Stable code: match on this. */
  code: ProofFindingCode;
  /** `critical` / `high` make {@link IsolationProof.isolated} false. */
  severity: ProofSeverity;
  /** The object concerned (`schema.table`, `schema.table: constraint`, a function signature, a role). */
  object: string;
  /** What is wrong, in one sentence. */
  message: string;
  /** How to fix it, in one line (usually SQL). */
  fix: string;
}

/** One RLS policy on a tenant table, as read from pg_policy. */
export interface ProofPolicy {
  /** Policy name. */
  name: string;
  /** The command it covers. */
  command: 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
  /** Permissive policies are OR-ed together; restrictive ones AND-ed. */
  permissive: boolean;
  /** Roles the policy applies to (`PUBLIC` for all). */
  roles: string[];
  /** The USING expression as PostgreSQL prints it. */
  using: string | null;
  /** The WITH CHECK expression as PostgreSQL prints it. */
  withCheck: string | null;
  /** USING compares the tenant column to the transaction's org. */
  tenantBound: boolean;
  /** The tenant column is compared with `=` and never cast, so an index on it can serve the policy. */
  indexFriendly: boolean;
}

/** What the proof found for one table that has the tenant column. */
export interface TableProof {
  /** Schema name. */
  schema: string;
  /** Table name. */
  name: string;
  /** The tenant column looked for. */
  tenantColumn: string;
  /** Its type (`uuid` expected). */
  tenantColumnType: string;
  /** The table is a partition of another. */
  partition: boolean;
  /** The owning role. */
  owner: string;
  /** Row-level security is enabled. */
  rlsEnabled: boolean;
  /** Row-level security is forced (applies to the owner too). */
  rlsForced: boolean;
  /** Every policy on the table. */
  policies: ProofPolicy[];
  /** Every tenant-bound policy is index-friendly (false when there is none). */
  policyIndexFriendly: boolean;
  /** A valid, non-partial index leading with the tenant column, or null. */
  tenantIndex: string | null;
  /** tenantguard_app holds some privilege on the table (null when that role does not exist). */
  reachableByApp: boolean | null;
  /** Enabled triggers on this table whose function lives in the tenantguard schema (e.g. audit). */
  tenantguardTriggers: string[];
  /** This org's rows, counted inside its tenant transaction (null when the proof's role cannot SELECT). */
  orgRowCount: number | null;
  /** A row of any other org was visible inside this org's transaction (null when not checked). */
  crossTenantRowsVisible: boolean | null;
  /** RLS enabled and forced, a tenant policy, nothing widening it, no other org visible, not app-owned. */
  enforced: boolean;
}

/** One row of `tenantguard.audit_doctor()` (installed by the audit migrations). */
export interface AuditCheck {
  /** The doctor's check code. */
  code: string;
  /** The check passed. */
  ok: boolean;
  /** What was found. */
  detail: string;
}

/** The application layer: did the tenant transaction really carry the org? */
export interface ProofApplicationLayer {
  /** `active` when `tenantguard.current_org_id()` returned this org inside the transaction. */
  status: 'active' | 'inactive';
  /** How the tenant is entered. */
  mechanism: 'withTenant';
  /** The transaction-local setting the policies read. */
  setting: 'app.current_org_id';
  /** What `tenantguard.current_org_id()` returned. */
  currentOrgId: string | null;
}

/** The database layer: does PostgreSQL apply the policies to this connection? */
export interface ProofDatabaseLayer {
  /** `active` only when the effective role is neither superuser nor BYPASSRLS. */
  status: 'active' | 'deployed_inert';
  /** The login role. */
  sessionUser: string;
  /** The effective role (after `SET LOCAL ROLE`). */
  currentUser: string;
  /** The effective role is a superuser. */
  superuser: boolean;
  /** The effective role has BYPASSRLS. */
  bypassRls: boolean;
  /** The role the proof dropped to (options.role), or null. */
  viaRole: string | null;
  /** The effective role belongs to tenantguard_app. */
  memberOfAppRole: boolean;
  /** Why the status is what it is, in one sentence. */
  reason: string;
}

/** The audit log's state, from its doctor. */
export interface ProofAudit {
  /** `present` once the audit migrations are installed (doctor function or audit table). */
  status: 'present' | 'absent';
  /** Rows of `tenantguard.audit_doctor()`; null when it does not exist or failed. */
  checks: AuditCheck[] | null;
  /** Set when calling the doctor failed. */
  error: string | null;
}

/** System-wide figures: counts only, never rows or ids. */
export interface ProofSystemTotals {
  /** Tables with the tenant column. */
  tenantTables: number;
  /** Of those, how many are {@link TableProof.enforced}. */
  enforcedTables: number;
  /** This org's rows over the tables the proof could count. */
  orgRows: number;
  /** Planner estimate of all orgs' rows (pg_class.reltuples; no rows read); null if a table was never analysed. */
  estimatedTotalRows: number | null;
}

/** Issue 7: the signed tenant context in the org's database. */
export interface ProofSignedContext {
  /** The settings row says the signed context is required. */
  enabled: boolean;
  /** The live `current_org_id()` delegates to the signed check (what RLS uses). */
  enforced: boolean;
  /** A proof older than this is refused. */
  maxAgeSeconds: number;
  /** Keys proofs may be made with. */
  activeKeys: number;
  /** Keys no longer accepted. */
  retiredKeys: number;
  /** Contexts seen that were not entered through the signed entry. */
  tamperEvents: number;
}

/** Issue 7: where the org lives, when the proof is taken through a tenant router. */
export interface ProofPlacement {
  /** `shared`, `schema:<name>` or `database:<target>`. */
  org: string;
  /** How many orgs the router places in a dedicated schema or database. */
  dedicatedOrgs: {
    /** Orgs placed in their own schema. */
    schema: number;
    /** Orgs placed in their own database or server. */
    database: number;
  };
}

/** The isolation proof: what is enforced right now, read from the live catalog. */
export interface IsolationProof {
  /** The org whose view was proven. */
  orgId: string;
  /** When the proof was taken (ISO 8601). */
  generatedAt: string;
  /** PostgreSQL's `server_version`. */
  serverVersion: string;
  /** Both layers active and no critical or high finding. */
  isolated: boolean;
  /** See {@link ProofApplicationLayer}. */
  applicationLayer: ProofApplicationLayer;
  /** See {@link ProofDatabaseLayer}. */
  databaseLayer: ProofDatabaseLayer;
  /** Every table that has the tenant column. */
  tables: TableProof[];
  /** See {@link ProofAudit}. */
  audit: ProofAudit;
  /** See {@link ProofSystemTotals}. */
  systemTotals: ProofSystemTotals;
  /** Every problem found, with a stable code and a one-line fix. */
  findings: ProofFinding[];
  /** Issue 7: the signed context of the org's database; null when not installed or not readable. */
  signedContext: ProofSignedContext | null;
  /** Issue 7: the org's placement; null unless the proof was taken through a router. */
  placement: ProofPlacement | null;
}

const count = z.number().int().nonnegative();

const findingSchema = z.object({
  code: z.enum(PROOF_FINDING_CODES),
  severity: z.enum(['critical', 'high', 'medium', 'low']),
  object: z.string(),
  message: z.string(),
  fix: z.string(),
});

const policySchema = z.object({
  name: z.string(),
  command: z.enum(['ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE']),
  permissive: z.boolean(),
  roles: z.array(z.string()),
  using: z.string().nullable(),
  withCheck: z.string().nullable(),
  tenantBound: z.boolean(),
  indexFriendly: z.boolean(),
});

const tableProofSchema = z.object({
  schema: z.string(),
  name: z.string(),
  tenantColumn: z.string(),
  tenantColumnType: z.string(),
  partition: z.boolean(),
  owner: z.string(),
  rlsEnabled: z.boolean(),
  rlsForced: z.boolean(),
  policies: z.array(policySchema),
  policyIndexFriendly: z.boolean(),
  tenantIndex: z.string().nullable(),
  reachableByApp: z.boolean().nullable(),
  tenantguardTriggers: z.array(z.string()),
  orgRowCount: count.nullable(),
  crossTenantRowsVisible: z.boolean().nullable(),
  enforced: z.boolean(),
});

/**
 * The zod schema of an {@link IsolationProof}. `isolationProof` validates its
 * own result with it; use it to validate a proof you receive.
 */
export const isolationProofSchema: z.ZodType<IsolationProof> = z.object({
  orgId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  generatedAt: z.string(),
  serverVersion: z.string(),
  isolated: z.boolean(),
  applicationLayer: z.object({
    status: z.enum(['active', 'inactive']),
    mechanism: z.literal('withTenant'),
    setting: z.literal('app.current_org_id'),
    currentOrgId: z.string().nullable(),
  }),
  databaseLayer: z.object({
    status: z.enum(['active', 'deployed_inert']),
    sessionUser: z.string(),
    currentUser: z.string(),
    superuser: z.boolean(),
    bypassRls: z.boolean(),
    viaRole: z.string().nullable(),
    memberOfAppRole: z.boolean(),
    reason: z.string(),
  }),
  tables: z.array(tableProofSchema),
  audit: z.object({
    status: z.enum(['present', 'absent']),
    checks: z.array(z.object({ code: z.string(), ok: z.boolean(), detail: z.string() })).nullable(),
    error: z.string().nullable(),
  }),
  systemTotals: z.object({
    tenantTables: count,
    enforcedTables: count,
    orgRows: count,
    estimatedTotalRows: count.nullable(),
  }),
  findings: z.array(findingSchema),
  signedContext: z
    .object({
      enabled: z.boolean(),
      enforced: z.boolean(),
      maxAgeSeconds: z.number(),
      activeKeys: count,
      retiredKeys: count,
      tamperEvents: count,
    })
    .nullable(),
  placement: z
    .object({ org: z.string(), dedicatedOrgs: z.object({ schema: count, database: count }) })
    .nullable(),
});
