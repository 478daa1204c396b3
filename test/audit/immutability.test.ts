import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { currentPartition, failsInTenant, newOrg, pgError } from './helpers.js';

describe('audit log immutability, privileges and RLS', () => {
  const db = useTestDatabase();
  const orgA = newOrg();
  const orgB = newOrg();
  const part = `tenantguard.${currentPartition()}`;
  const owner = `tg_audit_owner_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const audit = createAuditLog({ pool: db.appPool });
    for (const org of [orgA, orgB]) {
      await withTenant(db.appPool, org, async (t) => {
        await audit.record(t, { action: 'brand.update', resourceType: 'brand', resourceId: 'b1' });
        await audit.record(t, { action: 'brand.delete', resourceType: 'brand', resourceId: 'b2' });
      });
    }
    await db.pool.query(`CREATE ROLE ${owner} NOLOGIN NOSUPERUSER`);
    await db.pool.query(`GRANT USAGE ON SCHEMA tenantguard TO ${owner}`);
  });

  afterAll(async () => {
    await db.pool.query(`REVOKE USAGE ON SCHEMA tenantguard FROM ${owner}`).catch(() => undefined);
    await db.pool.query(`DROP ROLE IF EXISTS ${owner}`).catch(() => undefined);
  });

  const attempts = (table: string): Array<[string, string]> => [
    ['UPDATE', `UPDATE ${table} SET action = 'x'`],
    ['DELETE', `DELETE FROM ${table}`],
    ['TRUNCATE', `TRUNCATE ${table}`],
  ];

  for (const table of ['tenantguard.security_audit_log', 'PART']) {
    for (const [op, sqlT] of attempts(table)) {
      it(`refuses ${op} on ${table === 'PART' ? 'a partition' : 'the parent'} for the app role`, async () => {
        const sql = sqlT.replace('PART', part);
        const err = await failsInTenant(db.appPool, orgA, sql);
        expect(err.code).toBe('42501'); // permission denied (no privilege) or refused by the trigger
      });
      it(`refuses ${op} on ${table === 'PART' ? 'a partition' : 'the parent'} for a superuser, naming the operation`, async () => {
        const sql = sqlT.replace('PART', part);
        const err = await pgError(db.pool.query(sql));
        expect(err.message).toMatch(new RegExp(`${op} on tenantguard\\.security_audit_log\\w* refused: the security audit log is append-only`));
      });
      it(`refuses ${op} on ${table === 'PART' ? 'a partition' : 'the parent'} for the table owner`, async () => {
        const sql = sqlT.replace('PART', part);
        const c = await db.pool.connect();
        try {
          await c.query('BEGIN');
          await c.query(`ALTER TABLE tenantguard.security_audit_log OWNER TO ${owner}`);
          await c.query(`ALTER TABLE ${part} OWNER TO ${owner}`);
          await c.query(`SET LOCAL ROLE ${owner}`);
          await c.query(`SELECT set_config('app.current_org_id', '${orgA}', true)`);
          const err = await pgError(c.query(sql));
          expect(err.message).toMatch(new RegExp(`${op} on tenantguard\\.security_audit_log\\w* refused`));
        } finally {
          await c.query('ROLLBACK');
          c.release();
        }
      });
    }
  }

  it('refuses changes even with session_replication_role = replica (triggers are ENABLE ALWAYS)', async () => {
    const c = await db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      expect((await pgError(c.query(`DELETE FROM ${part}`))).message).toMatch(/refused/);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });

  it('gives the app role INSERT and SELECT on the parent only, and no direct access to partitions', async () => {
    const r = await db.pool.query<{ p: string; ok: boolean }>(
      `SELECT p, has_table_privilege('tenantguard_app', 'tenantguard.security_audit_log', p) AS ok
         FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p`,
    );
    expect(Object.fromEntries(r.rows.map((x) => [x.p, x.ok]))).toEqual({
      SELECT: true, INSERT: true, UPDATE: false, DELETE: false, TRUNCATE: false, REFERENCES: false, TRIGGER: false,
    });
    const sel = await failsInTenant(db.appPool, orgA, `SELECT * FROM ${part}`);
    expect(sel.code).toBe('42501');
    const ins = await failsInTenant(db.appPool, orgA, `INSERT INTO ${part} (org_id, action, resource_type) VALUES ('${orgA}', 'x', 'y')`);
    expect(ins.code).toBe('42501');
    const own = await db.pool.query<{ owner: string }>(
      `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'tenantguard.security_audit_log'::regclass`,
    );
    expect(own.rows[0]?.owner).not.toBe('tenantguard_app');
  });

  it('scopes reads to the transaction org through the parent (RLS), and shows nothing without a tenant', async () => {
    const a = await withTenant(db.appPool, orgA, (t) =>
      t.query<{ org_id: string }>('SELECT DISTINCT org_id::text FROM tenantguard.security_audit_log'),
    );
    expect(a.rows).toEqual([{ org_id: orgA }]);
    const none = await db.appPool.query('SELECT count(*)::int AS n FROM tenantguard.security_audit_log');
    expect(none.rows[0].n).toBe(0);
    const rlsOnParts = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'tenantguard.security_audit_log'::regclass AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`,
    );
    expect(rlsOnParts.rows[0]?.n).toBe(0);
  });

  it('refuses an app insert for another org (RLS WITH CHECK) and overwrites any chain values the app sends', async () => {
    const err = await failsInTenant(db.appPool, orgA, `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type) VALUES ('${orgB}', 'x', 'y')`);
    expect(err.code).toBe('42501');
    const forged = await withTenant(db.appPool, orgA, (t) =>
      t.query<{ id: string; seq: string; hash: string }>(
        `INSERT INTO tenantguard.security_audit_log (id, org_id, action, resource_type, seq, prev_hash, hash)
         VALUES (1, '${orgA}', 'x', 'y', 999, '\\x00', '\\xdeadbeef') RETURNING id::text, seq::text, encode(hash, 'hex') AS hash`,
      ),
    );
    expect(forged.rows[0]?.seq).toBe('3');
    expect(forged.rows[0]?.hash).toHaveLength(64);
    expect(forged.rows[0]?.id).not.toBe('1');
    const backdate = await failsInTenant(
      db.appPool,
      orgA,
      `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, created_at) VALUES ('${orgA}', 'x', 'y', now() - interval '1 day')`,
    );
    expect(backdate.message).toMatch(/created_at is set by the database/);
  });

  it('audit_doctor passes on the migrated database and is callable by the app role', async () => {
    const r = await db.appPool.query<{ code: string; ok: boolean }>('SELECT code, ok FROM tenantguard.audit_doctor()');
    expect(r.rows.length).toBeGreaterThanOrEqual(6);
    expect(r.rows.filter((x) => !x.ok)).toEqual([]);
  });

  it('audit_doctor fails when the app role owns the table, holds TRUNCATE/UPDATE/DELETE, or a trigger is disabled', async () => {
    const failing = async (setup: string): Promise<string[]> => {
      const c = await db.pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(setup);
        const r = await c.query<{ code: string; ok: boolean }>('SELECT code, ok FROM tenantguard.audit_doctor()');
        return r.rows.filter((x) => !x.ok).map((x) => x.code);
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
    };
    expect(await failing('ALTER TABLE tenantguard.security_audit_log OWNER TO tenantguard_app')).toContain('audit.owner');
    expect(await failing(`ALTER TABLE ${part} OWNER TO tenantguard_app`)).toContain('audit.owner');
    expect(await failing('GRANT TRUNCATE ON tenantguard.security_audit_log TO tenantguard_app')).toContain('audit.privileges');
    expect(await failing('GRANT UPDATE ON tenantguard.security_audit_log TO tenantguard_app')).toContain('audit.privileges');
    expect(await failing(`GRANT DELETE ON ${part} TO tenantguard_test_app`)).toContain('audit.privileges');
    expect(await failing(`ALTER TABLE ${part} DISABLE TRIGGER tenantguard_audit_immutable`)).toEqual(['audit.triggers']);
    expect(await failing(`ALTER TABLE ${part} DISABLE TRIGGER tenantguard_audit_no_truncate`)).toEqual(['audit.triggers']);
    expect(await failing('ALTER TABLE tenantguard.security_audit_log DISABLE TRIGGER tenantguard_audit_chain')).toEqual(['audit.triggers']);
    expect(await failing(`ALTER TABLE ${part} ENABLE TRIGGER tenantguard_audit_immutable`)).toEqual(['audit.triggers']);
    expect(await failing(`GRANT SELECT ON ${part} TO tenantguard_app`)).toEqual(['audit.direct_access']);
    expect(await failing(`ALTER TABLE ${part} NO FORCE ROW LEVEL SECURITY`)).toEqual(['audit.rls']);
  });
});
