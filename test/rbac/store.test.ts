// The PostgreSQL store on a real server: one-query loads under RLS, org
// separation, cache invalidation, rejection of bad rows at load.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { createPermissionStore } from '../../src/rbac/store.js';
import { type OrgId, type TenantDb, parseOrgId, withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();
const newOrg = (): OrgId => parseOrgId(randomUUID());

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isTenantGuardError(err) ? err.code : `other: ${(err as Error).message}`;
  }
  return undefined;
}

describe('rbac store (PostgreSQL)', () => {
  it('creates the four tables with RLS enabled and forced, and an index leading with org_id', async () => {
    const r = await db.pool.query<{ relname: string; rls: boolean; forced: boolean; idx: boolean }>(`
      SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
             EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
                     WHERE i.indrelid = c.oid AND a.attname = 'org_id') AS idx
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'tenantguard'
        AND c.relname IN ('custom_roles', 'org_members', 'users_brand_access', 'user_permission_overrides')
      ORDER BY c.relname`);
    expect(r.rows).toEqual([
      { relname: 'custom_roles', rls: true, forced: true, idx: true },
      { relname: 'org_members', rls: true, forced: true, idx: true },
      { relname: 'user_permission_overrides', rls: true, forced: true, idx: true },
      { relname: 'users_brand_access', rls: true, forced: true, idx: true },
    ]);
  });

  it('loads role, brands, live overrides and the custom role chain in ONE query', async () => {
    const store = createPermissionStore();
    const org = newOrg();
    const now = Date.now();
    const owner = await withTenant(db.appPool, org, async (t) => {
      await store.setMemberRole(t, 'owner-1', 'owner');
      return store.loadIn(t, 'owner-1');
    });
    await withTenant(db.appPool, org, async (t) => {
      await store.saveCustomRole(t, owner, { name: 'base', basedOn: 'editor', grants: ['leads.export'] });
      await store.saveCustomRole(t, owner, { name: 'leaf', basedOn: 'base', denies: ['content.update'] });
      await store.setMemberRole(t, 'u$$1', { custom: 'leaf' });
      await store.grantBrands(t, 'u$$1', ['b1', 'b2']);
      await store.addOverride(t, 'u$$1', { effect: 'deny', permission: 'email.*', brandId: 'b2', reason: 'incident 42' });
      await store.addOverride(t, 'u$$1', { effect: 'grant', permission: 'members.invite', expiresAt: new Date(now + 3_600_000) });
    });
    // An already expired row, written directly: ignored at load.
    await db.pool.query(
      `INSERT INTO tenantguard.user_permission_overrides (org_id, user_id, effect, permission, expires_at)
       VALUES ($1, 'u$$1', 'grant', 'billing.read', now() - interval '1 minute')`,
      [org],
    );
    let queries = 0;
    const p = await withTenant(db.appPool, org, (t) => {
      const counting = {
        orgId: t.orgId,
        query: (...args: unknown[]) => {
          queries += 1;
          return (t.query as (...a: unknown[]) => unknown)(...args);
        },
      } as unknown as TenantDb;
      return store.loadIn(counting, 'u$$1');
    });
    expect(queries).toBe(1);
    const e = store.engine;
    expect(p.role).toBe('leaf');
    expect([...p.brands].sort()).toEqual(['b1', 'b2']);
    expect(e.can(p, 'leads.export', { orgId: org, brandId: 'b1' })).toBe(true); // from 'base'
    expect(e.can(p, 'content.create', { orgId: org, brandId: 'b1' })).toBe(true); // from editor, the root
    expect(e.can(p, 'content.update', { orgId: org, brandId: 'b1' })).toBe(false); // leaf's deny
    expect(e.can(p, 'email.campaigns.update', { orgId: org, brandId: 'b1' })).toBe(true);
    expect(e.can(p, 'email.campaigns.update', { orgId: org, brandId: 'b2' })).toBe(false); // brand deny override
    expect(e.can(p, 'email.campaigns.update', { orgId: org, brandId: 'b3' })).toBe(false); // not granted
    expect(e.can(p, 'members.invite', { orgId: org })).toBe(true); // live grant override
    expect(e.can(p, 'billing.read', { orgId: org })).toBe(false); // expired grant
    expect(e.explain(p, 'email.campaigns.update', { orgId: org, brandId: 'b2' }).reason).toContain('deny override');
  });

  it('one org\'s overrides, brands and roles never apply to another org', async () => {
    const store = createPermissionStore();
    const orgA = newOrg();
    const orgB = newOrg();
    await withTenant(db.appPool, orgA, async (t) => {
      await store.setMemberRole(t, 'same-user', 'viewer');
      await store.grantBrands(t, 'same-user', ['shared-brand']);
      await store.addOverride(t, 'same-user', { effect: 'grant', permission: 'email.*' });
      await store.addOverride(t, 'same-user', { effect: 'grant', permission: 'members.*' });
    });
    await withTenant(db.appPool, orgB, async (t) => {
      await store.setMemberRole(t, 'same-user', 'viewer');
      await store.addOverride(t, 'same-user', { effect: 'deny', permission: 'members.read' });
    });
    const a = await store.load(db.appPool, { orgId: orgA, userId: 'same-user' });
    const b = await store.load(db.appPool, { orgId: orgB, userId: 'same-user' });
    expect(store.engine.can(a, 'email.campaigns.send', { orgId: orgA, brandId: 'shared-brand' })).toBe(true);
    expect(store.engine.can(a, 'members.invite', { orgId: orgA })).toBe(true);
    expect(store.engine.can(a, 'members.read', { orgId: orgA })).toBe(true); // B's deny does not reach A
    expect(store.engine.can(b, 'email.campaigns.send', { orgId: orgB, brandId: 'shared-brand' })).toBe(false);
    expect(store.engine.can(b, 'members.invite', { orgId: orgB })).toBe(false);
    expect(store.engine.can(b, 'members.read', { orgId: orgB })).toBe(false);
    expect(b.brands.size).toBe(0);
    // A's principal asked about B's resources: always false.
    expect(store.engine.can(a, 'email.campaigns.send', { orgId: orgB, brandId: 'shared-brand' })).toBe(false);
    // Rows written for A with B's user never load in B, even written by a superuser.
    await db.pool.query(
      `INSERT INTO tenantguard.user_permission_overrides (org_id, user_id, effect, permission) VALUES ($1, 'same-user', 'grant', 'org.delete')`,
      [orgA],
    );
    const b2 = await store.load(db.appPool, { orgId: orgB, userId: 'same-user' });
    expect(store.engine.can(b2, 'org.delete', { orgId: orgB })).toBe(false);
    // A member of A only is not a member of B.
    await withTenant(db.appPool, orgA, (t) => store.setMemberRole(t, 'only-a', 'owner'));
    expect(await codeOf(store.load(db.appPool, { orgId: orgB, userId: 'only-a' }))).toBe('RBAC_MEMBER_NOT_FOUND');
  });

  it('cache: serves the compiled principal until invalidated; the store\'s own writes invalidate', async () => {
    const cached = createPermissionStore({ cache: { ttlMs: 60_000 } });
    const writer = createPermissionStore(); // another instance: its writes cannot reach `cached`'s cache
    const org = newOrg();
    await withTenant(db.appPool, org, (t) => writer.setMemberRole(t, 'u', 'viewer'));
    const first = await cached.load(db.appPool, { orgId: org, userId: 'u' });
    expect(await cached.load(db.appPool, { orgId: org, userId: 'u' })).toBe(first);
    await withTenant(db.appPool, org, (t) => writer.setMemberRole(t, 'u', 'admin'));
    const stale = await cached.load(db.appPool, { orgId: org, userId: 'u' });
    expect(stale.role).toBe('viewer'); // still cached
    cached.invalidate(org, 'u');
    const fresh = await cached.load(db.appPool, { orgId: org, userId: 'u' });
    expect(fresh.role).toBe('admin');
    expect(cached.engine.can(fresh, 'members.invite', { orgId: org })).toBe(true);
    // A write through the caching store invalidates by itself.
    await withTenant(db.appPool, org, (t) => cached.addOverride(t, 'u', { effect: 'deny', permission: 'members.invite' }));
    const after = await cached.load(db.appPool, { orgId: org, userId: 'u' });
    expect(after).not.toBe(fresh);
    expect(cached.engine.can(after, 'members.invite', { orgId: org })).toBe(false);
    // Invalidating the whole org.
    await withTenant(db.appPool, org, (t) => writer.setMemberRole(t, 'u', 'viewer'));
    cached.invalidate(org);
    expect((await cached.load(db.appPool, { orgId: org, userId: 'u' })).role).toBe('viewer');
  });

  it('cached and uncached loads agree with adversarial separators in user ids', async () => {
    const cached = createPermissionStore({ cache: true });
    const plain = createPermissionStore();
    const org = newOrg();
    const users = ['a$$b', 'a', 'b$$c', 'a$$b$$c', ':', '::', '__proto__', 'constructor'];
    await withTenant(db.appPool, org, async (t) => {
      for (const [i, u] of users.entries()) await plain.setMemberRole(t, u, i % 2 === 0 ? 'owner' : 'viewer');
    });
    for (let round = 0; round < 2; round += 1) {
      for (const u of users) {
        const c = await cached.load(db.appPool, { orgId: org, userId: u });
        const p = await plain.load(db.appPool, { orgId: org, userId: u });
        expect(c.userId).toBe(u);
        expect(cached.engine.permissionsOf(c, { orgId: org })).toEqual(plain.engine.permissionsOf(p, { orgId: org }));
      }
    }
  });

  it('rejects an unknown permission string from a row at load, and refuses to write one', async () => {
    const store = createPermissionStore();
    const org = newOrg();
    await withTenant(db.appPool, org, (t) => store.setMemberRole(t, 'u', 'editor'));
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.addOverride(t, 'u', { effect: 'grant', permission: 'email.campaigns.sned' })))).toBe(
      'RBAC_PERMISSION_UNKNOWN',
    );
    const n = await db.pool.query('SELECT count(*)::int AS n FROM tenantguard.user_permission_overrides WHERE org_id = $1', [org]);
    expect(n.rows[0]).toEqual({ n: 0 });
    await db.pool.query(
      `INSERT INTO tenantguard.user_permission_overrides (org_id, user_id, effect, permission) VALUES ($1, 'u', 'grant', 'email.campaigns.sned')`,
      [org],
    );
    expect(await codeOf(store.load(db.appPool, { orgId: org, userId: 'u' }))).toBe('RBAC_PERMISSION_UNKNOWN');
  });

  it('custom roles: escalation and owner-only are refused and nothing is written; roles in use cannot be deleted', async () => {
    const store = createPermissionStore();
    const org = newOrg();
    await withTenant(db.appPool, org, async (t) => {
      await store.setMemberRole(t, 'admin-1', 'admin');
      await store.setMemberRole(t, 'owner-1', 'owner');
    });
    const admin = await store.load(db.appPool, { orgId: org, userId: 'admin-1' });
    const owner = await store.load(db.appPool, { orgId: org, userId: 'owner-1' });
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.saveCustomRole(t, admin, { name: 'payer', grants: ['billing.manage'] })))).toBe(
      'RBAC_CUSTOM_ROLE_INVALID',
    );
    const adminWithDeny = store.engine.compile({ orgId: org, userId: 'admin-1', role: 'admin', overrides: [{ effect: 'deny', permission: 'leads.*' }] });
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.saveCustomRole(t, adminWithDeny, { name: 'leadz', grants: ['leads.export'] })))).toBe(
      'RBAC_ESCALATION',
    );
    const rows = await db.pool.query('SELECT count(*)::int AS n FROM tenantguard.custom_roles WHERE org_id = $1', [org]);
    expect(rows.rows[0]).toEqual({ n: 0 });
    const otherOrg = newOrg();
    expect(await codeOf(withTenant(db.appPool, otherOrg, (t) => store.saveCustomRole(t, owner, { name: 'x', grants: ['content.read'] })))).toBe(
      'RBAC_ESCALATION',
    );
    await withTenant(db.appPool, org, async (t) => {
      await store.saveCustomRole(t, owner, { name: 'r1', basedOn: 'viewer' });
      await store.saveCustomRole(t, owner, { name: 'r2', basedOn: 'r1' });
      await store.setMemberRole(t, 'm', { custom: 'r2' });
    });
    // Changing r1 to be based on r2 would make a cycle.
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.saveCustomRole(t, owner, { name: 'r1', basedOn: 'r2' })))).toBe(
      'RBAC_CUSTOM_ROLE_INVALID',
    );
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.deleteCustomRole(t, 'r1')))).toBe('RBAC_CUSTOM_ROLE_INVALID');
    const m = await store.load(db.appPool, { orgId: org, userId: 'm' });
    expect(m.role).toBe('r2');
    expect(store.engine.can(m, 'members.read', { orgId: org })).toBe(true);
  });

  it('validates inputs before any SQL', async () => {
    const store = createPermissionStore();
    const org = newOrg();
    expect(await codeOf(store.load(db.appPool, { orgId: 'not-a-uuid' as OrgId, userId: 'u' }))).toBe('ORG_ID_INVALID');
    expect(await codeOf(store.load(db.appPool, { orgId: org, userId: '' }))).toBe('INPUT_INVALID');
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.setMemberRole(t, 'u', 'root' as 'owner')))).toBe('RBAC_ROLE_UNKNOWN');
    expect(await codeOf(withTenant(db.appPool, org, (t) => store.setMemberRole(t, 'u', { custom: 'nope' })))).toBe('RBAC_ROLE_UNKNOWN');
  });
});
