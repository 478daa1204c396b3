/**
 * isolationProof: a typed attestation, read from the live catalog, of what
 * keeps one org's rows from another's right now. In the spirit of the seeds'
 * `/security/isolation-proof`, but it reports what is enforced, never what
 * is intended, and it flags the holes RLS linters catch.
 *
 * @module tenancy
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { parseOrgId, type OrgId } from './org-id.js';
import type { PoolLike, TenantDb } from './pg-types.js';
import { isIndexFriendly, isNullTenantOnly, isTenantBound, reloptionIsTrue } from './policy-analysis.js';
import {
  isolationProofSchema,
  type AuditCheck,
  type IsolationProof,
  type ProofFinding,
  type ProofPolicy,
  type TableProof,
} from './isolation-proof-schema.js';
import { withTenant as defaultWithTenant, type WithTenant } from './with-tenant.js';
import { readSignedContextStatus } from './signed-context-admin.js';
import { describePlacement } from './placement.js';
import type { TenantRouter } from './tenant-router.js';

/** Options for {@link isolationProof}. */
export interface IsolationProofOptions {
  /** The org whose view is proven. */
  orgId: OrgId | string;
  /**
   * Take the proof through `SET LOCAL ROLE` (like `withTenant`'s option), for
   * apps whose pool logs in as an owner and drops privileges per transaction.
   */
  role?: string;
  /** The tenant column to look for in every table; default `org_id`. */
  tenantColumn?: string;
  /** The withTenant to run in (issue 7's signed or routed runner); default {@link withTenant}. */
  withTenant?: WithTenant;
  /** Issue 7: take the proof through this tenant router (unless `withTenant` is given) and report the org's placement. */
  router?: TenantRouter;
}

const optionsSchema = z.object({
  orgId: z.unknown(),
  role: z.string().min(1).max(63).optional(),
  tenantColumn: z.string().min(1).max(63).optional(),
  withTenant: z.custom<WithTenant>((v) => typeof v === 'function').optional(),
  router: z.custom<TenantRouter>((v) => typeof v === 'object' && v !== null).optional(),
});

/** Issue 7: the signed context's status in the org's database (null when not installed or not readable). */
async function signedContextOf(db: TenantDb): Promise<IsolationProof['signedContext']> {
  await db.query('SAVEPOINT tenantguard_proof_signed');
  try {
    const s = await readSignedContextStatus(db);
    await db.query('RELEASE SAVEPOINT tenantguard_proof_signed');
    if (s === undefined) return null;
    return { enabled: s.enabled, enforced: s.enforced, maxAgeSeconds: s.maxAgeSeconds, activeKeys: s.activeKeys, retiredKeys: s.retiredKeys, tamperEvents: s.tamperEvents };
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT tenantguard_proof_signed');
    return null;
  }
}

/** Issue 7: the signed context and the placement, added to a collected proof. */
function withIssue7(proof: IsolationProof, signed: IsolationProof['signedContext'], router: TenantRouter | undefined, orgId: OrgId): IsolationProof {
  const findings = [...proof.findings];
  if (signed?.enabled === true && !signed.enforced) {
    findings.push({
      code: 'SIGNED_CONTEXT_NOT_ENFORCED',
      severity: 'high',
      object: 'tenantguard.current_org_id()',
      message: 'the signed context is enabled but current_org_id() no longer delegates to the signed check (replaced after enabling): a plain set_config switches tenants again',
      fix: 'SELECT tenantguard.enable_signed_context();',
    });
  }
  let placement: IsolationProof['placement'] = null;
  if (router !== undefined) {
    const kinds = [...router.placements().values()].map((p) => p.kind);
    placement = {
      org: describePlacement(router.placementOf(orgId)),
      dedicatedOrgs: { schema: kinds.filter((k) => k === 'schema').length, database: kinds.filter((k) => k === 'database').length },
    };
  }
  const isolated = proof.isolated && !findings.some((f) => f.code === 'SIGNED_CONTEXT_NOT_ENFORCED');
  return { ...proof, isolated, findings, signedContext: signed, placement };
}

const APP_ROLE = 'tenantguard_app';

type TableRow = {
  oid: string;
  schema: string;
  name: string;
  qualified: string;
  attnum: number;
  column_sql: string;
  column_type: string;
  partition: boolean;
  owner: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  est_rows: number | null;
  tenant_index: string | null;
  can_select: boolean;
  app_owns: boolean | null;
  app_truncate: boolean | null;
  app_references: boolean | null;
  app_dml: boolean | null;
};

const COMMANDS: Record<string, ProofPolicy['command']> = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };

function fixIsolation(qualified: string, column: string): string {
  return column === 'org_id'
    ? `SELECT tenantguard.enable_tenant_isolation('${qualified}');`
    : `SELECT tenantguard.enable_tenant_isolation('${qualified}', '${column}');`;
}

async function collect(db: TenantDb, orgId: OrgId, column: string, viaRole: string | undefined): Promise<IsolationProof> {
  const findings: ProofFinding[] = [];
  const add = (f: ProofFinding): void => {
    findings.push(f);
  };

  const env = (
    await db.query<{
      session_user: string;
      current_user: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      server_version: string;
      app_exists: boolean;
      has_current_org_fn: boolean;
      has_doctor: boolean;
      has_audit_log: boolean;
    }>(`SELECT session_user::text AS session_user, current_user::text AS current_user, r.rolsuper, r.rolbypassrls,
              current_setting('server_version') AS server_version,
              EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '${APP_ROLE}') AS app_exists,
              to_regprocedure('tenantguard.current_org_id()') IS NOT NULL AS has_current_org_fn,
              to_regprocedure('tenantguard.audit_doctor()') IS NOT NULL AS has_doctor,
              to_regclass('tenantguard.security_audit_log') IS NOT NULL AS has_audit_log
         FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`)
  ).rows[0];
  if (env === undefined) throw new Error('current_user not found in pg_roles');

  const currentOrg = env.has_current_org_fn
    ? ((await db.query<{ o: string | null }>('SELECT tenantguard.current_org_id()::text AS o')).rows[0]?.o ?? null)
    : null;

  let memberOfAppRole = false;
  if (env.app_exists) {
    const r = await db.query<{ member: boolean; app_bypass: boolean }>(
      `SELECT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') AS member,
              (SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = '${APP_ROLE}') AS app_bypass`,
    );
    memberOfAppRole = r.rows[0]?.member ?? false;
    if (r.rows[0]?.app_bypass === true) {
      add({
        code: 'APP_ROLE_BYPASSES_RLS',
        severity: 'critical',
        object: APP_ROLE,
        message: `${APP_ROLE} is SUPERUSER or BYPASSRLS, so every policy is ignored for it`,
        fix: `ALTER ROLE ${APP_ROLE} NOSUPERUSER NOBYPASSRLS;`,
      });
    }
  } else {
    add({
      code: 'APP_ROLE_MISSING',
      severity: 'critical',
      object: APP_ROLE,
      message: `role ${APP_ROLE} does not exist: the tenantguard migrations are not applied`,
      fix: 'npx tenantguard migrate up',
    });
  }

  const inert = env.rolsuper || env.rolbypassrls;
  const databaseLayer: IsolationProof['databaseLayer'] = {
    status: inert ? 'deployed_inert' : 'active',
    sessionUser: env.session_user,
    currentUser: env.current_user,
    superuser: env.rolsuper,
    bypassRls: env.rolbypassrls,
    viaRole: viaRole ?? null,
    memberOfAppRole,
    reason: inert
      ? `role ${env.current_user} is ${env.rolsuper ? 'a superuser' : 'BYPASSRLS'}: PostgreSQL skips every RLS policy for it`
      : `role ${env.current_user} is NOSUPERUSER NOBYPASSRLS${viaRole !== undefined ? ` (entered with SET LOCAL ROLE from ${env.session_user})` : ''}: RLS policies apply`,
  };
  if (inert) {
    add({
      code: 'DB_LAYER_INERT',
      severity: 'critical',
      object: env.current_user,
      message: `the application connects as ${env.current_user}, which bypasses RLS: the policies are deployed but inert`,
      fix: `connect as a NOSUPERUSER NOBYPASSRLS login role granted ${APP_ROLE}, or pass { role: '${APP_ROLE}' } to withTenant`,
    });
  }

  const tableRows = (
    await db.query<TableRow>(
      `SELECT c.oid::int8::text AS oid, n.nspname::text AS schema, c.relname::text AS name,
              quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified,
              a.attnum::int AS attnum, quote_ident(a.attname) AS column_sql,
              format_type(a.atttypid, a.atttypmod) AS column_type,
              c.relispartition AS partition, pg_get_userbyid(c.relowner)::text AS owner,
              c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
              CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS est_rows,
              (SELECT ic.relname::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum AND i.indisvalid AND i.indpred IS NULL
                ORDER BY ic.relname LIMIT 1) AS tenant_index,
              has_schema_privilege(current_user, n.oid, 'USAGE') AND has_table_privilege(current_user, c.oid, 'SELECT') AS can_select,
              CASE WHEN $2 THEN pg_has_role('${APP_ROLE}', c.relowner, 'MEMBER') END AS app_owns,
              CASE WHEN $2 THEN has_table_privilege('${APP_ROLE}', c.oid, 'TRUNCATE') END AS app_truncate,
              CASE WHEN $2 THEN has_any_column_privilege('${APP_ROLE}', c.oid, 'REFERENCES') END AS app_references,
              CASE WHEN $2 THEN has_table_privilege('${APP_ROLE}', c.oid, 'SELECT,INSERT,UPDATE,DELETE') END AS app_dml
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY n.nspname, c.relname`,
      [column, env.app_exists],
    )
  ).rows;
  const oids = tableRows.map((t) => t.oid);
  const byOid = new Map(tableRows.map((t) => [t.oid, t]));

  const policyRows = (
    await db.query<{ oid: string; name: string; cmd: string; permissive: boolean; using: string | null; with_check: string | null; roles: string[]; applies_to_app: boolean }>(
      `SELECT p.polrelid::int8::text AS oid, p.polname::text AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
              pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
              ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
              (SELECT coalesce(bool_or(r = 0 OR NOT $2 OR pg_has_role('${APP_ROLE}', r, 'MEMBER')), true) FROM unnest(p.polroles) r) AS applies_to_app
         FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY($1::oid[]) ORDER BY p.polname`,
      [oids, env.app_exists],
    )
  ).rows;
  const triggerRows = (
    await db.query<{ oid: string; name: string }>(
      `SELECT t.tgrelid::int8::text AS oid, t.tgname::text AS name
         FROM pg_catalog.pg_trigger t
         JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
         JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
        WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND fn.nspname = 'tenantguard' AND t.tgrelid = ANY($1::oid[])
        ORDER BY t.tgname`,
      [oids],
    )
  ).rows;

  const tables: TableProof[] = [];
  let orgRows = 0;
  let estimated: number | null = 0;
  for (const t of tableRows) {
    const policies: ProofPolicy[] = policyRows
      .filter((p) => p.oid === t.oid)
      .map((p) => ({
        name: p.name,
        command: COMMANDS[p.cmd] ?? 'ALL',
        permissive: p.permissive,
        roles: p.roles,
        using: p.using,
        withCheck: p.with_check,
        tenantBound: isTenantBound(p.using, column),
        indexFriendly: isIndexFriendly(p.using, column),
      }));
    const tenantPolicies = policies.filter((p) => p.tenantBound && (p.command === 'ALL' || p.command === 'SELECT'));
    // A permissive policy is OR-ed with the tenant policy. It widens what the
    // app may touch unless it is bound to the tenant, applies only to other
    // roles, or (INSERT only) admits nothing but rows with a NULL tenant,
    // which no org can read back (e.g. the audit log's system events).
    const widening = policyRows
      .filter((p) => p.oid === t.oid && p.permissive && p.applies_to_app)
      .filter((p) =>
        p.cmd === 'a'
          ? !isTenantBound(p.with_check, column) && !(p.with_check !== null && isNullTenantOnly(p.with_check, column))
          : !isTenantBound(p.using, column),
      );
    const policyIndexFriendly = tenantPolicies.length > 0 && tenantPolicies.every((p) => p.indexFriendly);

    let orgRowCount: number | null = null;
    let crossVisible: boolean | null = null;
    if (t.can_select) {
      const r = await db.query<{ n: string; foreign: boolean }>(
        `SELECT (SELECT count(*) FROM ${t.qualified} WHERE ${t.column_sql} = $1) AS n,
                EXISTS (SELECT 1 FROM ${t.qualified} WHERE ${t.column_sql} IS DISTINCT FROM $1) AS foreign`,
        [orgId],
      );
      orgRowCount = Number(r.rows[0]?.n ?? 0);
      crossVisible = r.rows[0]?.foreign ?? null;
      orgRows += orgRowCount;
    }
    if (t.est_rows === null || estimated === null) estimated = null;
    else estimated += Math.round(t.est_rows);

    // A partition the app cannot touch directly is reached only through its
    // parent, whose policies apply; RLS flags on it would be noise.
    const reachable = !(t.partition && t.app_dml === false);
    // A table the app role holds no privilege on is out of its reach (only
    // definer functions touch it): still reported, but as low severity.
    const appReaches = t.app_dml !== false || t.app_owns === true;
    const sev = (base: ProofFinding['severity']): ProofFinding['severity'] => (appReaches ? base : 'low');
    const obj = t.qualified;
    const enforced =
      t.rls_enabled && t.rls_forced && tenantPolicies.length > 0 && widening.length === 0 && crossVisible !== true && t.app_owns !== true;

    if (reachable) {
      if (!t.rls_enabled) {
        add(
          appReaches
            ? { code: 'RLS_DISABLED', severity: 'critical', object: obj, message: `${obj} has ${column} but row-level security is off: every org's rows are visible`, fix: fixIsolation(obj, column) }
            : {
                code: 'RLS_DISABLED',
                severity: 'low',
                object: obj,
                message: `${obj} has ${column} and no row-level security, but tenantguard_app holds no privilege on it: only definer functions or other roles reach it`,
                // Enabling isolation here could break the definer functions
                // that serve it; the safe state is the one it is in.
                fix: `keep tenantguard_app without privileges on ${obj}; enable isolation only if the app must read it directly: ${fixIsolation(obj, column)}`,
              },
        );
      } else {
        if (!t.rls_forced) {
          add({ code: 'RLS_NOT_FORCED', severity: sev('high'), object: obj, message: `RLS on ${obj} is not forced: its owner (${t.owner}) bypasses the policies`, fix: `ALTER TABLE ${obj} FORCE ROW LEVEL SECURITY;` });
        }
        if (tenantPolicies.length === 0) {
          add({ code: 'TENANT_POLICY_MISSING', severity: sev('high'), object: obj, message: `no policy on ${obj} binds ${column} to the transaction's org`, fix: fixIsolation(obj, column) });
        }
        for (const p of widening) {
          add({ code: 'PERMISSIVE_POLICY_WIDENS', severity: sev('critical'), object: `${obj}: ${p.name}`, message: `permissive policy ${p.name} on ${obj} is not bound to the tenant and is OR-ed with the tenant policy`, fix: `DROP POLICY ${p.name} ON ${obj}; -- or make it AS RESTRICTIVE` });
        }
      }
    }
    for (const p of tenantPolicies.filter((x) => !x.indexFriendly)) {
      add({ code: 'POLICY_NOT_INDEX_FRIENDLY', severity: sev('medium'), object: `${obj}: ${p.name}`, message: `policy ${p.name} casts or does not compare ${column} directly, so no index on it can serve the policy`, fix: fixIsolation(obj, column) });
    }
    if (t.tenant_index === null) {
      add({ code: 'TENANT_INDEX_MISSING', severity: sev('medium'), object: obj, message: `no valid index on ${obj} leads with ${column}: every tenant query scans all orgs' rows`, fix: `CREATE INDEX ON ${obj} (${t.column_sql});` });
    }
    if (t.column_type !== 'uuid') {
      add({ code: 'TENANT_COLUMN_NOT_UUID', severity: sev('medium'), object: obj, message: `${obj}.${column} is ${t.column_type}, not uuid`, fix: `ALTER TABLE ${obj} ALTER COLUMN ${t.column_sql} TYPE uuid USING ${t.column_sql}::uuid;` });
    }
    if (crossVisible === true) {
      add({ code: 'CROSS_TENANT_ROWS_VISIBLE', severity: 'critical', object: obj, message: `rows of other orgs were visible inside this org's transaction on ${obj}`, fix: inert ? 'connect as a NOSUPERUSER NOBYPASSRLS role (see DB_LAYER_INERT)' : fixIsolation(obj, column) });
    }
    if (t.app_owns === true) {
      add({ code: 'APP_ROLE_OWNS_TENANT_TABLE', severity: 'critical', object: obj, message: `${APP_ROLE} owns ${obj} (via ${t.owner}) and can disable its RLS`, fix: `ALTER TABLE ${obj} OWNER TO <a migration role the app is not a member of>;` });
    }
    if (t.app_truncate === true) {
      add({ code: 'APP_ROLE_TRUNCATE', severity: 'high', object: obj, message: `${APP_ROLE} may TRUNCATE ${obj}, which ignores RLS and empties every org`, fix: `REVOKE TRUNCATE ON ${obj} FROM ${APP_ROLE}, PUBLIC;` });
    }
    if (t.app_references === true) {
      add({ code: 'APP_ROLE_REFERENCES', severity: 'medium', object: obj, message: `${APP_ROLE} holds REFERENCES on ${obj}: a foreign key can probe other orgs' keys`, fix: `REVOKE REFERENCES ON ${obj} FROM ${APP_ROLE}, PUBLIC;` });
    }

    tables.push({
      schema: t.schema,
      name: t.name,
      tenantColumn: column,
      tenantColumnType: t.column_type,
      partition: t.partition,
      owner: t.owner,
      rlsEnabled: t.rls_enabled,
      rlsForced: t.rls_forced,
      policies,
      policyIndexFriendly,
      tenantIndex: t.tenant_index,
      reachableByApp: t.app_dml === null ? null : appReaches,
      tenantguardTriggers: triggerRows.filter((r) => r.oid === t.oid).map((r) => r.name),
      orgRowCount,
      crossTenantRowsVisible: crossVisible,
      enforced,
    });
  }

  // Views and materialized views over tenant tables.
  const viewRows = (
    await db.query<{ qualified: string; relkind: string; reloptions: string[] | null; base: string }>(
      `SELECT DISTINCT quote_ident(vn.nspname) || '.' || quote_ident(v.relname) AS qualified, v.relkind::text AS relkind,
              v.reloptions::text[] AS reloptions, d.refobjid::int8::text AS base
         FROM pg_catalog.pg_depend d
         JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
         JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class
         JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
        WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = ANY($1::oid[])
          AND v.oid <> d.refobjid AND v.relkind IN ('v', 'm')
        ORDER BY 1`,
      [oids],
    )
  ).rows;
  const seenViews = new Set<string>();
  for (const v of viewRows) {
    if (seenViews.has(v.qualified)) continue;
    const bases = viewRows.filter((x) => x.qualified === v.qualified).map((x) => byOid.get(x.base)?.qualified ?? x.base);
    seenViews.add(v.qualified);
    if (v.relkind === 'm') {
      add({ code: 'MATVIEW_OVER_TENANT_TABLE', severity: 'high', object: v.qualified, message: `materialized view ${v.qualified} copies rows of ${bases.join(', ')}; RLS does not apply to it`, fix: `REVOKE ALL ON ${v.qualified} FROM ${APP_ROLE}, PUBLIC; -- or replace it with a security_invoker view` });
    } else if (!reloptionIsTrue(v.reloptions, 'security_invoker')) {
      add({ code: 'VIEW_NOT_SECURITY_INVOKER', severity: 'high', object: v.qualified, message: `view ${v.qualified} reads ${bases.join(', ')} with its owner's rights, so RLS is checked against the owner, not the caller`, fix: `ALTER VIEW ${v.qualified} SET (security_invoker = true); -- PostgreSQL 15+` });
    }
  }

  // SECURITY DEFINER functions whose search_path is not pinned.
  const definers = (
    await db.query<{ signature: string }>(
      `SELECT p.oid::regprocedure::text AS signature
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
          AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}'::text[])) cfg WHERE cfg LIKE 'search\\_path=%')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        ORDER BY 1`,
    )
  ).rows;
  for (const f of definers) {
    add({ code: 'SECURITY_DEFINER_SEARCH_PATH', severity: 'high', object: f.signature, message: `SECURITY DEFINER function ${f.signature} has no pinned search_path: a caller can shadow the objects it uses`, fix: `ALTER FUNCTION ${f.signature} SET search_path = pg_catalog, pg_temp;` });
  }

  // Unique constraints / indexes and foreign keys that leave out the tenant column.
  const uniques = (
    await db.query<{ oid: string; index_name: string; constraint_name: string | null; keys: number[] }>(
      `SELECT i.indrelid::int8::text AS oid, ic.relname::text AS index_name, con.conname::text AS constraint_name, i.indkey::int2[] AS keys
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
        WHERE i.indisunique AND i.indrelid = ANY($1::oid[])
        ORDER BY 2`,
      [oids],
    )
  ).rows;
  for (const u of uniques) {
    const t = byOid.get(u.oid);
    if (t === undefined || u.keys.includes(t.attnum)) continue;
    const name = u.constraint_name ?? u.index_name;
    add({ code: 'UNIQUE_WITHOUT_TENANT', severity: t.app_dml === false ? 'low' : 'medium', object: `${t.qualified}: ${name}`, message: `unique ${name} on ${t.qualified} does not include ${column}: a duplicate-key error tells one org that another org has that value`, fix: `make it UNIQUE (${t.column_sql}, ...) instead` });
  }
  const fks = (
    await db.query<{ oid: string; name: string; ref: string; keys: number[]; refkeys: number[] }>(
      `SELECT con.conrelid::int8::text AS oid, con.conname::text AS name, con.confrelid::int8::text AS ref,
              con.conkey::int2[] AS keys, con.confkey::int2[] AS refkeys
         FROM pg_catalog.pg_constraint con WHERE con.contype = 'f' AND con.conrelid = ANY($1::oid[])
        ORDER BY 2`,
      [oids],
    )
  ).rows;
  for (const fk of fks) {
    const child = byOid.get(fk.oid);
    const parent = byOid.get(fk.ref);
    if (child === undefined || parent === undefined) continue; // references a global table: fine
    const at = fk.keys.indexOf(child.attnum);
    if (at >= 0 && fk.refkeys[at] === parent.attnum) continue;
    add({ code: 'FOREIGN_KEY_WITHOUT_TENANT', severity: 'medium', object: `${child.qualified}: ${fk.name}`, message: `foreign key ${fk.name} from ${child.qualified} to ${parent.qualified} does not pair ${column} with ${column}: an insert can probe (and reference) another org's rows`, fix: `FOREIGN KEY (${child.column_sql}, ...) REFERENCES ${parent.qualified} (${parent.column_sql}, ...)` });
  }

  // Audit (issue 3): its doctor, when installed.
  let checks: AuditCheck[] | null = null;
  let auditError: string | null = null;
  if (env.has_doctor) {
    await db.query('SAVEPOINT tenantguard_proof_doctor');
    try {
      checks = (await db.query<AuditCheck>('SELECT code::text AS code, ok::boolean AS ok, coalesce(detail::text, \'\') AS detail FROM tenantguard.audit_doctor()')).rows;
      await db.query('RELEASE SAVEPOINT tenantguard_proof_doctor');
    } catch (err) {
      await db.query('ROLLBACK TO SAVEPOINT tenantguard_proof_doctor');
      auditError = err instanceof Error ? err.message : String(err);
    }
    for (const c of checks ?? []) {
      if (!c.ok) {
        add({ code: 'AUDIT_DOCTOR_FAILED', severity: 'high', object: c.code, message: `audit check ${c.code} failed: ${c.detail}`, fix: 'see the audit guide (docs/guides/audit.md) for this check' });
      }
    }
    if (auditError !== null) {
      add({ code: 'AUDIT_DOCTOR_FAILED', severity: 'high', object: 'tenantguard.audit_doctor()', message: 'the audit doctor could not run with this role', fix: `GRANT EXECUTE ON FUNCTION tenantguard.audit_doctor() TO ${APP_ROLE};` });
    }
  }

  const applicationActive = currentOrg === orgId;
  const isolated =
    applicationActive && !inert && !findings.some((f) => f.severity === 'critical' || f.severity === 'high');
  return {
    orgId,
    generatedAt: new Date().toISOString(),
    serverVersion: env.server_version,
    isolated,
    applicationLayer: { status: applicationActive ? 'active' : 'inactive', mechanism: 'withTenant', setting: 'app.current_org_id', currentOrgId: currentOrg },
    databaseLayer,
    tables,
    audit: { status: env.has_doctor || env.has_audit_log ? 'present' : 'absent', checks, error: auditError },
    systemTotals: {
      tenantTables: tables.length,
      enforcedTables: tables.filter((t) => t.enforced).length,
      orgRows,
      estimatedTotalRows: estimated,
    },
    findings,
    // filled in by withIssue7 (signed context, placement)
    signedContext: null,
    placement: null,
  };
}

/**
 * Reads the live catalog, inside a read-only tenant transaction for
 * `orgId`, and returns what is enforced: the application layer (did the
 * transaction carry the org), the database layer (`active` only when the
 * effective role is neither superuser nor BYPASSRLS), every table that has
 * the tenant column (RLS enabled / forced, policies, index-friendliness, an
 * index leading with the column, this org's row count, whether any other
 * org's row was visible), the audit doctor's checks once installed, counts
 * only for the system, and findings with stable codes and one-line fixes.
 * The result is validated against {@link isolationProofSchema}.
 *
 * @example
 * ```ts
 * const proof = await isolationProof(pool, { orgId: principal.orgId });
 * if (!proof.isolated) console.error(proof.findings);
 * ```
 */
export async function isolationProof(pool: PoolLike, options: IsolationProofOptions): Promise<IsolationProof> {
  const parsedOptions = optionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    throw new TenantGuardError('INPUT_INVALID', 'invalid isolationProof options', {
      details: { issues: parsedOptions.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  const orgId = parseOrgId(options.orgId);
  const column = options.tenantColumn ?? 'org_id';
  const run = options.withTenant ?? options.router?.withTenant ?? defaultWithTenant;
  const raw = await run(pool, orgId, async (db) => withIssue7(await collect(db, orgId, column, options.role), await signedContextOf(db), options.router, orgId), {
    readOnly: true,
    ...(options.role !== undefined ? { role: options.role } : {}),
  });
  const checked = isolationProofSchema.safeParse(raw);
  if (!checked.success) {
    throw new TenantGuardError('ISOLATION_PROOF_FAILED', 'the isolation proof did not match its own schema', {
      details: { issues: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return checked.data;
}
