/**
 * The isolation proof against real PostgreSQL: each situation is planted in
 * the catalog and must be reported truthfully.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isolationProof,
  isolationProofSchema,
  type IsolationProof,
  type ProofFindingCode,
} from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { createTenantTable, newOrg, seed } from './helpers.js';

const foundation = readFileSync(new URL('../../migrations/0001_foundation.sql', import.meta.url), 'utf8');
const A = newOrg();
const B = newOrg();
const OWNER = 'tenantguard_test_owner';

function codesFor(proof: IsolationProof, object: string): ProofFindingCode[] {
  return proof.findings.filter((f) => f.object === object || f.object.startsWith(`${object}: `)).map((f) => f.code).sort();
}

async function ensureOwnerRole(admin: pg.Pool): Promise<void> {
  // Roles are cluster-wide and test files run in parallel.
  await admin.query(`DO $$ BEGIN CREATE ROLE ${OWNER} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
}

describe('on a database holding only the foundation and one well-isolated table', () => {
  // An empty database plus 0001 alone: no other module's tables, so
  // `isolated` depends only on what this file plants.
  const db = useTestDatabase({ migrated: false });
  beforeAll(async () => {
    await db.pool.query(foundation);
    await createTenantTable(db.pool);
    await seed(db.pool, A, ['a1', 'a2']);
    await seed(db.pool, B, ['b1']);
    await db.pool.query('ANALYZE items');
  });

  it('an app-role connection: both layers active, table enforced, isolated', async () => {
    const proof = await isolationProof(db.appPool, { orgId: A });
    expect(isolationProofSchema.parse(proof)).toEqual(proof);
    expect(proof.findings).toEqual([]);
    expect(proof.isolated).toBe(true);
    expect(proof.applicationLayer).toMatchObject({ status: 'active', currentOrgId: A });
    expect(proof.databaseLayer).toMatchObject({ status: 'active', superuser: false, bypassRls: false, viaRole: null, memberOfAppRole: true });
    expect(proof.tables).toHaveLength(1);
    expect(proof.tables[0]).toMatchObject({
      schema: 'public',
      name: 'items',
      tenantColumnType: 'uuid',
      rlsEnabled: true,
      rlsForced: true,
      policyIndexFriendly: true,
      tenantIndex: 'items_pkey',
      orgRowCount: 2,
      crossTenantRowsVisible: false,
      enforced: true,
    });
    expect(proof.tables[0]!.policies.map((p) => [p.name, p.command, p.indexFriendly])).toEqual([['tenantguard_isolation', 'ALL', true]]);
    expect(proof.audit).toEqual({ status: 'absent', checks: null, error: null });
    expect(proof.systemTotals).toEqual({ tenantTables: 1, enforcedTables: 1, orgRows: 2, estimatedTotalRows: 3 });
    const b = await isolationProof(db.appPool, { orgId: B });
    expect(b.tables[0]!.orgRowCount).toBe(1);
  });

  it('a superuser connection: deployed_inert, and the leak is shown', async () => {
    const proof = await isolationProof(db.pool, { orgId: A });
    expect(proof.databaseLayer.status).toBe('deployed_inert');
    expect(proof.databaseLayer.superuser).toBe(true);
    expect(proof.isolated).toBe(false);
    expect(proof.findings.map((f) => f.code).sort()).toEqual(['CROSS_TENANT_ROWS_VISIBLE', 'DB_LAYER_INERT']);
    expect(proof.tables[0]).toMatchObject({ orgRowCount: 2, crossTenantRowsVisible: true, enforced: false });
  });

  it('the same superuser pool through options.role: active', async () => {
    const proof = await isolationProof(db.pool, { orgId: A, role: 'tenantguard_app' });
    expect(proof.databaseLayer).toMatchObject({ status: 'active', viaRole: 'tenantguard_app', currentUser: 'tenantguard_app' });
    expect(proof.findings).toEqual([]);
    expect(proof.isolated).toBe(true);
  });

  it('calls tenantguard.audit_doctor() when it exists and reports its rows', async () => {
    await db.pool.query(`
      CREATE FUNCTION tenantguard.audit_doctor() RETURNS TABLE (code text, ok boolean, detail text)
      LANGUAGE sql SET search_path = pg_catalog AS $$
        VALUES ('AUDIT_TRIGGERS_ENABLED', true, 'all enabled'), ('AUDIT_APP_ROLE_TRUNCATE', false, 'app role holds TRUNCATE')
      $$`);
    try {
      const proof = await isolationProof(db.appPool, { orgId: A });
      expect(proof.audit.status).toBe('present');
      expect(proof.audit.checks).toEqual([
        { code: 'AUDIT_TRIGGERS_ENABLED', ok: true, detail: 'all enabled' },
        { code: 'AUDIT_APP_ROLE_TRUNCATE', ok: false, detail: 'app role holds TRUNCATE' },
      ]);
      expect(codesFor(proof, 'AUDIT_APP_ROLE_TRUNCATE')).toEqual(['AUDIT_DOCTOR_FAILED']);
      expect(proof.isolated).toBe(false);
      // a doctor the role cannot run is reported, and the proof still completes
      await db.pool.query('REVOKE EXECUTE ON FUNCTION tenantguard.audit_doctor() FROM PUBLIC');
      const denied = await isolationProof(db.appPool, { orgId: A });
      expect(denied.audit.checks).toBeNull();
      expect(denied.audit.error).toMatch(/permission denied/);
      expect(denied.tables[0]!.orgRowCount).toBe(2);
    } finally {
      await db.pool.query('DROP FUNCTION tenantguard.audit_doctor()');
    }
  });

  it('rejects a bad org id before any SQL', async () => {
    await expect(isolationProof(db.appPool, { orgId: 'nope' })).rejects.toMatchObject({ code: 'ORG_ID_INVALID' });
  });
});

describe('planted holes are each reported with their code', () => {
  const db = useTestDatabase({ migrated: false });
  let serverVersion = 0;
  let proof: IsolationProof;
  let ownerProof: IsolationProof;

  beforeAll(async () => {
    await db.pool.query(foundation);
    await ensureOwnerRole(db.pool);
    serverVersion = Number((await db.pool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
    await createTenantTable(db.pool, 'good');
    await db.pool.query(`
      -- RLS off entirely
      CREATE TABLE no_rls (org_id uuid NOT NULL, x int, PRIMARY KEY (org_id, x));
      GRANT SELECT ON no_rls TO tenantguard_app;
      -- owned by a non-superuser role, RLS enabled but not forced
      CREATE TABLE owned (org_id uuid NOT NULL, x int, PRIMARY KEY (org_id, x));
      SELECT tenantguard.enable_tenant_isolation('owned');
      ALTER TABLE owned NO FORCE ROW LEVEL SECURITY;
      ALTER TABLE owned OWNER TO ${OWNER};
      GRANT USAGE ON SCHEMA tenantguard TO ${OWNER};
      -- tenant column without any index
      CREATE TABLE unindexed (org_id uuid NOT NULL, x int);
      SELECT tenantguard.enable_tenant_isolation('unindexed');
      -- the seeds' policy form
      CREATE TABLE seeds_form (org_id uuid NOT NULL, x int, PRIMARY KEY (org_id, x));
      ALTER TABLE seeds_form ENABLE ROW LEVEL SECURITY; ALTER TABLE seeds_form FORCE ROW LEVEL SECURITY;
      CREATE POLICY seeds ON seeds_form USING (org_id::text = current_setting('app.current_org_id', true));
      -- a permissive policy that widens the tenant policy
      CREATE TABLE widened (org_id uuid NOT NULL, public boolean, PRIMARY KEY (org_id, public));
      SELECT tenantguard.enable_tenant_isolation('widened');
      CREATE POLICY everyone ON widened FOR SELECT USING (public);
      -- permissive policies that do NOT widen what the app sees: INSERT of
      -- NULL-tenant rows only (no org reads them back), and a policy for another role
      CREATE TABLE system_rows (org_id uuid, x int);
      CREATE INDEX ON system_rows (org_id);
      SELECT tenantguard.enable_tenant_isolation('system_rows');
      CREATE POLICY system_insert ON system_rows AS PERMISSIVE FOR INSERT TO tenantguard_app WITH CHECK (org_id IS NULL);
      CREATE POLICY owner_only ON system_rows AS PERMISSIVE FOR SELECT TO ${OWNER} USING (true);
      -- a tenant-column table the app role cannot reach at all (definer-only)
      CREATE TABLE internal_ledger (pid int PRIMARY KEY, org_id uuid NOT NULL);
      REVOKE ALL ON internal_ledger FROM PUBLIC;
      -- privileges and ownership for the app role
      CREATE TABLE truncatable (org_id uuid NOT NULL, x int, PRIMARY KEY (org_id, x));
      SELECT tenantguard.enable_tenant_isolation('truncatable');
      GRANT TRUNCATE, REFERENCES ON truncatable TO tenantguard_app;
      CREATE TABLE app_owned (org_id uuid NOT NULL, x int, PRIMARY KEY (org_id, x));
      SELECT tenantguard.enable_tenant_isolation('app_owned');
      ALTER TABLE app_owned OWNER TO tenantguard_app;
      -- existence oracles
      CREATE TABLE oracle (org_id uuid NOT NULL, id uuid NOT NULL, email text, parent uuid,
                           PRIMARY KEY (org_id, id), CONSTRAINT oracle_email_key UNIQUE (email));
      SELECT tenantguard.enable_tenant_isolation('oracle');
      CREATE TABLE oracle_parent (org_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (org_id, id), UNIQUE (id));
      SELECT tenantguard.enable_tenant_isolation('oracle_parent');
      ALTER TABLE oracle ADD CONSTRAINT oracle_parent_fk FOREIGN KEY (parent) REFERENCES oracle_parent (id);
      CREATE TABLE paired_child (org_id uuid NOT NULL, id uuid NOT NULL, parent uuid, PRIMARY KEY (org_id, id),
                                 CONSTRAINT paired_fk FOREIGN KEY (org_id, parent) REFERENCES oracle_parent (org_id, id));
      SELECT tenantguard.enable_tenant_isolation('paired_child');
      -- views and functions
      CREATE VIEW definer_view AS SELECT * FROM good;
      CREATE MATERIALIZED VIEW copied AS SELECT * FROM good;
      CREATE FUNCTION leaky() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM public.good $$;
      CREATE FUNCTION pinned() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ SELECT count(*) FROM public.good $$;
    `);
    if (serverVersion >= 150000) {
      await db.pool.query('CREATE VIEW invoker_view WITH (security_invoker = true) AS SELECT * FROM good');
    }
    const org = newOrg();
    await db.pool.query('INSERT INTO owned VALUES ($1, 1), ($2, 2)', [org, A]);
    proof = await isolationProof(db.appPool, { orgId: org });
    ownerProof = await isolationProof(db.pool, { orgId: org, role: OWNER });
  });

  it('a table without RLS', () => {
    expect(codesFor(proof, 'public.no_rls')).toEqual(['RLS_DISABLED']);
    expect(proof.tables.find((t) => t.name === 'no_rls')).toMatchObject({ rlsEnabled: false, enforced: false, crossTenantRowsVisible: false });
  });

  it('a table owner without FORCE: reported, and the owner really sees other orgs', () => {
    expect(codesFor(proof, 'public.owned')).toEqual(['RLS_NOT_FORCED']);
    expect(ownerProof.databaseLayer).toMatchObject({ status: 'active', currentUser: OWNER, viaRole: OWNER });
    const owned = ownerProof.tables.find((t) => t.name === 'owned');
    expect(owned).toMatchObject({ rlsForced: false, orgRowCount: 1, crossTenantRowsVisible: true, enforced: false });
    expect(codesFor(ownerProof, 'public.owned')).toEqual(['CROSS_TENANT_ROWS_VISIBLE', 'RLS_NOT_FORCED']);
    expect(ownerProof.isolated).toBe(false);
  });

  it('a non-indexed tenant column', () => {
    expect(codesFor(proof, 'public.unindexed')).toEqual(['TENANT_INDEX_MISSING']);
    expect(proof.tables.find((t) => t.name === 'unindexed')).toMatchObject({ tenantIndex: null, enforced: true, policyIndexFriendly: true });
  });

  it("the seeds' policy form is not index-friendly", () => {
    expect(codesFor(proof, 'public.seeds_form')).toEqual(['POLICY_NOT_INDEX_FRIENDLY']);
    const t = proof.tables.find((x) => x.name === 'seeds_form')!;
    expect(t.policyIndexFriendly).toBe(false);
    expect(t.policies[0]).toMatchObject({ name: 'seeds', tenantBound: true, indexFriendly: false });
  });

  it('a permissive policy that widens the tenant policy', () => {
    expect(codesFor(proof, 'public.widened')).toEqual(['PERMISSIVE_POLICY_WIDENS']);
    expect(proof.tables.find((t) => t.name === 'widened')!.enforced).toBe(false);
  });

  it('permissive policies that cannot widen the app\'s view are not flagged', () => {
    expect(codesFor(proof, 'public.system_rows')).toEqual([]);
    expect(proof.tables.find((t) => t.name === 'system_rows')!.enforced).toBe(true);
  });

  it('a tenant-column table the app cannot reach is reported at low severity only', () => {
    const found = proof.findings.filter((f) => f.object === 'public.internal_ledger' || f.object.startsWith('public.internal_ledger:'));
    expect(found.map((f) => f.code).sort()).toEqual(['RLS_DISABLED', 'TENANT_INDEX_MISSING', 'UNIQUE_WITHOUT_TENANT']);
    expect(found.every((f) => f.severity === 'low')).toBe(true);
    // The fix must not tell the reader to turn isolation on without saying why it is off.
    const rls = found.find((f) => f.code === 'RLS_DISABLED')!;
    expect(rls.message).toContain('tenantguard_app holds no privilege on it');
    expect(rls.fix).toMatch(/^keep tenantguard_app without privileges on public\.internal_ledger/);
    expect(proof.tables.find((t) => t.name === 'internal_ledger')).toMatchObject({ reachableByApp: false, orgRowCount: null, crossTenantRowsVisible: null });
  });

  it('TRUNCATE and REFERENCES granted to the app role', () => {
    expect(codesFor(proof, 'public.truncatable')).toEqual(['APP_ROLE_REFERENCES', 'APP_ROLE_TRUNCATE']);
  });

  it('the app role owning a tenant table', () => {
    expect(codesFor(proof, 'public.app_owned')).toEqual(['APP_ROLE_OWNS_TENANT_TABLE', 'APP_ROLE_REFERENCES', 'APP_ROLE_TRUNCATE']);
  });

  it('unique constraints and foreign keys that leave out the tenant column', () => {
    expect(codesFor(proof, 'public.oracle')).toEqual(['FOREIGN_KEY_WITHOUT_TENANT', 'UNIQUE_WITHOUT_TENANT']);
    expect(proof.findings.find((f) => f.code === 'UNIQUE_WITHOUT_TENANT' && f.object.startsWith('public.oracle:'))!.object).toBe('public.oracle: oracle_email_key');
    expect(codesFor(proof, 'public.oracle_parent')).toEqual(['UNIQUE_WITHOUT_TENANT']);
    expect(codesFor(proof, 'public.paired_child')).toEqual([]);
  });

  it('views without security_invoker and materialized views over tenant tables', () => {
    expect(codesFor(proof, 'public.definer_view')).toEqual(['VIEW_NOT_SECURITY_INVOKER']);
    expect(codesFor(proof, 'public.invoker_view')).toEqual([]);
    expect(codesFor(proof, 'public.copied')).toEqual(['MATVIEW_OVER_TENANT_TABLE']);
  });

  it('SECURITY DEFINER functions without a pinned search_path', () => {
    expect(codesFor(proof, 'leaky()')).toEqual(['SECURITY_DEFINER_SEARCH_PATH']);
    expect(codesFor(proof, 'pinned()')).toEqual([]);
    // the foundation's own functions pin theirs
    expect(proof.findings.filter((f) => f.object.startsWith('tenantguard.'))).toEqual([]);
  });

  it('the well-isolated table stays clean among them, and every finding has a fix', () => {
    expect(codesFor(proof, 'public.good')).toEqual([]);
    expect(proof.isolated).toBe(false);
    for (const f of proof.findings) expect(f.fix.length).toBeGreaterThan(5);
  });
});

describe('on the fully migrated template (every module installed)', () => {
  const db = useTestDatabase();
  it('validates, counts this org, and reports audit presence from the catalog', async () => {
    await createTenantTable(db.pool);
    await seed(db.pool, A, ['a']);
    const proof = await isolationProof(db.appPool, { orgId: A });
    expect(isolationProofSchema.parse(proof)).toEqual(proof);
    expect(proof.databaseLayer.status).toBe('active');
    expect(codesFor(proof, 'public.items')).toEqual([]);
    expect(proof.tables.find((t) => t.name === 'items')).toMatchObject({ orgRowCount: 1, enforced: true });
    const installed = (
      await db.pool.query<{ p: boolean }>(
        "SELECT to_regprocedure('tenantguard.audit_doctor()') IS NOT NULL OR to_regclass('tenantguard.security_audit_log') IS NOT NULL AS p",
      )
    ).rows[0]!.p;
    expect(proof.audit.status).toBe(installed ? 'present' : 'absent');
  });
});
