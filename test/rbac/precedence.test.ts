// One unit test per precedence rule (see src/rbac/engine.ts and docs/guides/rbac.md).
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { type PrincipalGrants, createPermissionEngine } from '../../src/rbac/engine.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
let clock = NOW;
const engine = createPermissionEngine({ now: () => clock });
const ORG = '00000000-0000-4000-8000-00000000000a';
const OTHER = '00000000-0000-4000-8000-00000000000b';
const base = (over: Partial<PrincipalGrants> = {}): PrincipalGrants => ({ orgId: ORG, userId: 'u1', role: 'editor', brands: ['b1'], ...over });
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isTenantGuardError(err) ? err.code : 'not a TenantGuardError';
  }
  return undefined;
};

describe('precedence', () => {
  it('1. another org is denied, even for an owner with grant overrides', () => {
    const p = engine.compile(base({ role: 'owner', overrides: [{ effect: 'grant', permission: '*' }] }));
    expect(engine.can(p, 'members.read', { orgId: OTHER })).toBe(false);
    expect(engine.can(p, 'members.read', { orgId: ORG })).toBe(true);
    expect(engine.explain(p, 'members.read', { orgId: OTHER }).rule.kind).toBe('cross-org');
  });

  it('2. an unknown permission string is denied at check time, and rejected at load time', () => {
    const p = engine.compile(base({ role: 'owner' }));
    expect(engine.canString(p, 'email.campaigns.sned', { orgId: ORG })).toBe(false);
    expect(engine.explain(p, 'email.campaigns.sned').rule.kind).toBe('unknown-permission');
    expect(engine.canString(p, '__proto__')).toBe(false);
    expect(engine.canString(p, 'constructor')).toBe(false);
    expect(code(() => engine.compile(base({ overrides: [{ effect: 'grant', permission: 'email.campaigns.sned' }] })))).toBe('RBAC_PERMISSION_UNKNOWN');
    expect(code(() => engine.compile(base({ overrides: [{ effect: 'grant', permission: 'email..send' }] })))).toBe('RBAC_PATTERN_INVALID');
    expect(code(() => engine.compile(base({ role: 'superuser' })))).toBe('RBAC_ROLE_UNKNOWN');
    expect(code(() => engine.compile(base({ role: '__proto__' })))).toBe('RBAC_ROLE_UNKNOWN');
  });

  it('3. a deny override beats a grant override and the role, whatever the order', () => {
    const rules = [
      { effect: 'grant' as const, permission: 'email.campaigns.send' },
      { effect: 'deny' as const, permission: 'email.*' },
    ];
    for (const overrides of [rules, [...rules].reverse()]) {
      const p = engine.compile(base({ role: 'manager', overrides }));
      expect(engine.can(p, 'email.campaigns.send', { brandId: 'b1' })).toBe(false);
      expect(engine.can(p, 'email.campaigns.read', { brandId: 'b1' })).toBe(false);
      const x = engine.explain(p, 'email.campaigns.send', { brandId: 'b1' });
      expect(x.rule).toMatchObject({ kind: 'deny-override', pattern: 'email.*', matched: "trailing * covers 'campaigns.send'" });
    }
  });

  it('3b. a brand-limited deny applies to that brand and to brand-less checks, not to other brands', () => {
    const p = engine.compile(base({ role: 'admin', overrides: [{ effect: 'deny', permission: 'content.delete', brandId: 'b1' }] }));
    expect(engine.can(p, 'content.delete', { brandId: 'b1' })).toBe(false);
    expect(engine.can(p, 'content.delete')).toBe(false);
    expect(engine.can(p, 'content.delete', { brandId: 'b2' })).toBe(true);
    // brand-limited overrides do not touch org-level permissions
    const q = engine.compile(base({ role: 'admin', overrides: [{ effect: 'deny', permission: '*', brandId: 'b1' }] }));
    expect(engine.can(q, 'members.invite', { brandId: 'b1' })).toBe(true);
  });

  it('4. a grant override beats the role and a custom-role deny', () => {
    const p = engine.compile(base({ role: 'viewer', overrides: [{ effect: 'grant', permission: 'content.approve' }] }));
    expect(engine.can(p, 'content.approve', { brandId: 'b1' })).toBe(true);
    expect(engine.explain(p, 'content.approve', { brandId: 'b1' }).rule.kind).toBe('grant-override');
    const customRoles = [{ name: 'no-export', basedOn: 'manager', denies: ['leads.export'] }];
    const c = engine.compile(base({ role: 'no-export', customRoles, overrides: [{ effect: 'grant', permission: 'leads.export' }] }));
    expect(engine.can(c, 'leads.export', { brandId: 'b1' })).toBe(true);
  });

  it('4b. an org-wide grant override respects brand scope; a brand-limited grant opens that brand only', () => {
    const p = engine.compile(base({ overrides: [{ effect: 'grant', permission: 'posts.publish' }] }));
    expect(engine.can(p, 'posts.publish', { brandId: 'b1' })).toBe(true);
    expect(engine.can(p, 'posts.publish', { brandId: 'b2' })).toBe(false);
    const q = engine.compile(base({ overrides: [{ effect: 'grant', permission: 'posts.publish', brandId: 'b2' }] }));
    expect(engine.can(q, 'posts.publish', { brandId: 'b2' })).toBe(true);
    expect(engine.can(q, 'posts.publish', { brandId: 'b3' })).toBe(false);
    expect(engine.can(q, 'content.read', { brandId: 'b2' })).toBe(false); // only the granted permission
  });

  it('5. brand scope: scoped roles need a granted brand; owner and admin act on every brand', () => {
    for (const role of ['manager', 'editor', 'viewer', 'member']) {
      const p = engine.compile(base({ role }));
      expect(engine.can(p, 'content.read', { brandId: 'b1' })).toBe(true);
      expect(engine.can(p, 'content.read', { brandId: 'b2' })).toBe(false);
      expect(engine.can(p, 'content.read')).toBe(false);
      expect(engine.can(p, 'content.read', { brandId: null })).toBe(false);
      expect(engine.explain(p, 'content.read').rule).toMatchObject({ kind: 'brand-scope', brandId: null });
      expect(engine.can(p, 'members.read')).toBe(true); // org-level: no brand needed
    }
    for (const role of ['owner', 'admin']) {
      const p = engine.compile(base({ role, brands: [] }));
      expect(engine.can(p, 'content.read', { brandId: 'any-brand' })).toBe(true);
      expect(engine.can(p, 'content.read')).toBe(true);
    }
  });

  it('6. a custom-role deny beats the custom role\'s own grants and its base role', () => {
    const customRoles = [{ name: 'campaigner', basedOn: 'manager', grants: ['members.read'], denies: ['email.campaigns.send', 'leads.*'] }];
    const p = engine.compile(base({ role: 'campaigner', customRoles }));
    expect(engine.can(p, 'email.campaigns.send', { brandId: 'b1' })).toBe(false);
    expect(engine.can(p, 'leads.read', { brandId: 'b1' })).toBe(false);
    expect(engine.can(p, 'email.campaigns.update', { brandId: 'b1' })).toBe(true);
    expect(engine.explain(p, 'leads.read', { brandId: 'b1' }).rule).toMatchObject({ kind: 'custom-role-deny', role: 'campaigner', pattern: 'leads.*' });
  });

  it('7. the role grants, and explain names the pattern and the inherited role', () => {
    const p = engine.compile(base({ role: 'manager' }));
    expect(engine.explain(p, 'members.read').rule).toMatchObject({ kind: 'role', role: 'manager', via: 'viewer', pattern: 'members.read' });
    expect(engine.explain(p, 'members.read').reason).toContain("inherited from 'viewer'");
    expect(engine.explain(p, 'email.campaigns.send', { brandId: 'b1' }).rule).toMatchObject({ kind: 'role', via: 'manager', pattern: 'email.*' });
  });

  it('8. nothing grants: denied with "no-rule"', () => {
    const p = engine.compile(base({ role: 'viewer' }));
    expect(engine.can(p, 'content.update', { brandId: 'b1' })).toBe(false);
    expect(engine.explain(p, 'content.update', { brandId: 'b1' }).rule.kind).toBe('no-rule');
  });

  it('expired overrides are ignored, including ones that expire after compilation', () => {
    clock = NOW;
    const p = engine.compile(base({
      role: 'viewer',
      overrides: [
        { effect: 'grant', permission: 'content.update', expiresAt: new Date(NOW + 1000) },
        { effect: 'deny', permission: 'content.read', expiresAt: new Date(NOW + 1000).toISOString() },
        { effect: 'grant', permission: 'posts.publish', expiresAt: NOW - 1 },
      ],
    }));
    expect(engine.can(p, 'content.update', { brandId: 'b1' })).toBe(true);
    expect(engine.can(p, 'content.read', { brandId: 'b1' })).toBe(false);
    expect(engine.can(p, 'posts.publish', { brandId: 'b1' })).toBe(false);
    clock = NOW + 1000; // expiry instant: no longer live
    expect(engine.can(p, 'content.update', { brandId: 'b1' })).toBe(false);
    expect(engine.can(p, 'content.read', { brandId: 'b1' })).toBe(true);
    expect(engine.explain(p, 'content.read', { brandId: 'b1' }).rule.kind).toBe('role');
    clock = NOW;
    expect(code(() => engine.compile(base({ overrides: [{ effect: 'grant', permission: 'content.read', expiresAt: 'soon' }] })))).toBe('RBAC_OVERRIDE_INVALID');
    expect(code(() => engine.compile(base({ overrides: [{ effect: 'allow' as 'grant', permission: 'content.read' }] })))).toBe('RBAC_OVERRIDE_INVALID');
  });
});

describe('custom roles', () => {
  const owner = engine.compile(base({ role: 'owner' }));
  const admin = engine.compile(base({ role: 'admin' }));
  const manager = engine.compile(base({ role: 'manager' }));

  it('refuses privilege escalation: a manager cannot create a role with members.invite', () => {
    expect(code(() => engine.assertCustomRoleAllowed(manager, { name: 'x', basedOn: 'editor', grants: ['members.invite'] }))).toBe('RBAC_ESCALATION');
    expect(code(() => engine.assertCustomRoleAllowed(admin, { name: 'x', basedOn: 'editor', grants: ['members.invite'] }))).toBeUndefined();
  });

  it('a manager without roles.manage cannot create roles at all; a deny override on the creator counts', () => {
    const deniedAdmin = engine.compile(base({ role: 'admin', overrides: [{ effect: 'deny', permission: 'leads.export', brandId: 'b9' }] }));
    expect(code(() => engine.assertCustomRoleAllowed(deniedAdmin, { name: 'x', grants: ['leads.export'] }))).toBe('RBAC_ESCALATION');
    expect(code(() => engine.assertCustomRoleAllowed(manager, { name: 'x', grants: ['content.read'] }))).toBe('RBAC_ESCALATION');
  });

  it('no custom role reaches owner-only permissions, even when the owner creates it', () => {
    for (const role of [
      { name: 'x', basedOn: 'owner' },
      { name: 'x', grants: ['billing.manage'] },
      { name: 'x', grants: ['*'] },
      { name: 'x', grants: ['org.*'] },
    ]) {
      expect(code(() => engine.assertCustomRoleAllowed(owner, role))).toBe('RBAC_CUSTOM_ROLE_INVALID');
      expect(code(() => engine.compile(base({ role: 'x', customRoles: [role] })))).toBe('RBAC_CUSTOM_ROLE_INVALID');
    }
  });

  it('rejects bad names, unknown bases and cycles (no silent depth cap)', () => {
    expect(code(() => engine.compile(base({ role: 'admin2', customRoles: [{ name: 'admin2', basedOn: 'nope' }] })))).toBe('RBAC_CUSTOM_ROLE_INVALID');
    const cyc = [{ name: 'r1', basedOn: 'r2' }, { name: 'r2', basedOn: 'r1' }];
    expect(code(() => engine.compile(base({ role: 'r1', customRoles: cyc })))).toBe('RBAC_CUSTOM_ROLE_INVALID');
    expect(code(() => engine.assertCustomRoleAllowed(owner, { name: 'admin', grants: ['content.read'] }))).toBe('RBAC_CUSTOM_ROLE_INVALID');
    expect(code(() => engine.assertCustomRoleAllowed(owner, { name: '', grants: ['content.read'] }))).toBe('RBAC_CUSTOM_ROLE_INVALID');
    expect(code(() => engine.compile(base({ role: 'ghost', customRoles: [] })))).toBe('RBAC_ROLE_UNKNOWN');
  });

  it('a custom role without a built-in base is brand-scoped; one based on admin acts on every brand', () => {
    const scoped = engine.compile(base({ role: 'c', brands: [], customRoles: [{ name: 'c', grants: ['content.read'] }] }));
    expect(engine.can(scoped, 'content.read', { brandId: 'b1' })).toBe(false);
    const wide = engine.compile(base({ role: 'c', brands: [], customRoles: [{ name: 'c', basedOn: 'admin' }] }));
    expect(engine.can(wide, 'content.read', { brandId: 'b1' })).toBe(true);
    expect(code(() => engine.assertCustomRoleAllowed(manager, { name: 'c', basedOn: 'viewer' }))).toBe('RBAC_ESCALATION'); // lacks roles.manage
  });

  it('compile validates its input', () => {
    expect(code(() => engine.compile(null as unknown as PrincipalGrants))).toBe('INPUT_INVALID');
    expect(code(() => engine.compile(base({ orgId: '' })))).toBe('INPUT_INVALID');
    expect(code(() => engine.compile(base({ brands: [1 as unknown as string] })))).toBe('INPUT_INVALID');
  });
});
