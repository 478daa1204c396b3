// The named properties of the permission engine (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, PERMISSION_NAMES } from '../../src/rbac/catalog.js';
import { createPrincipalCache } from '../../src/rbac/cache.js';
import { type CheckScope, type CompiledPrincipal, type PrincipalGrants, createPermissionEngine } from '../../src/rbac/engine.js';
import { BUILTIN_ROLES, ROLE_PERMISSIONS } from '../../src/rbac/roles.js';
import type { CustomRoleInput, OverrideInput } from '../../src/rbac/rules.js';
import { refMatch } from './reference.js';

const NOW = 1_800_000_000_000;
const engine = createPermissionEngine({ now: () => NOW });
const ORG = 'org-a';
const BRANDS = ['b1', 'b2', 'b3', '__proto__', 'a$$b'];
const PATTERNS = [
  ...PERMISSION_NAMES,
  '*', '*.*', '*.read', '*.*.read', '*.*.send', 'email.*', 'email.*.read', 'email.campaigns.*', 'presence.*',
  'presence.*.read', 'content.*', 'members.*', 'org.*', 'billing.*', 'brands.*', 'leads.*',
];
const BRAND_LEVEL_PERMS = PERMISSIONS.filter((p) => p.level === 'brand').map((p) => p.permission);

const brandArb = fc.constantFrom(...BRANDS);
const patternArb = fc.constantFrom(...PATTERNS);
const overrideArb: fc.Arbitrary<OverrideInput> = fc.record({
  effect: fc.constantFrom('grant' as const, 'deny' as const),
  permission: patternArb,
  brandId: fc.option(brandArb, { nil: null }),
  expiresAt: fc.option(fc.constantFrom(NOW - 1, NOW, NOW + 1, NOW + 3_600_000), { nil: null }),
});
const roleArb = fc.constantFrom(...BUILTIN_ROLES, 'member' as const);
const scopeArb: fc.Arbitrary<CheckScope> = fc.record({
  orgId: fc.constantFrom(ORG, undefined),
  brandId: fc.option(brandArb, { nil: undefined }),
});
const customRoleArb: fc.Arbitrary<CustomRoleInput> = fc.record({
  name: fc.constant('custom-x'),
  basedOn: fc.option(fc.constantFrom('admin', 'manager', 'editor', 'viewer', 'member'), { nil: null }),
  grants: fc.array(patternArb, { maxLength: 3 }),
  denies: fc.array(patternArb, { maxLength: 2 }),
});

function allScopes(): CheckScope[] {
  return [{}, { orgId: ORG }, ...BRANDS.map((brandId) => ({ orgId: ORG, brandId }))];
}

function decisions(p: CompiledPrincipal): boolean[] {
  const out: boolean[] = [];
  for (const scope of allScopes()) for (const perm of PERMISSION_NAMES) out.push(engine.can(p, perm, scope));
  return out;
}

describe('properties of the permission engine', () => {
  it('property "role monotonicity": owner ⊇ admin ⊇ manager ⊇ editor ⊇ viewer, member ≡ editor, under any brands and overrides', () => {
    fc.assert(
      fc.property(fc.uniqueArray(brandArb, { maxLength: 3 }), fc.array(overrideArb, { maxLength: 3 }), (brands, overrides) => {
        const d = new Map(
          [...BUILTIN_ROLES, 'member'].map((role) => [role, decisions(engine.compile({ orgId: ORG, userId: 'u', role, brands, overrides }))]),
        );
        for (let i = 0; i + 1 < BUILTIN_ROLES.length; i += 1) {
          const hi = d.get(BUILTIN_ROLES[i] as string) as boolean[];
          const lo = d.get(BUILTIN_ROLES[i + 1] as string) as boolean[];
          lo.forEach((allowed, k) => {
            if (allowed) expect(hi[k]).toBe(true);
          });
        }
        expect(d.get('member')).toEqual(d.get('editor'));
      }),
      { numRuns: 200 },
    );
    for (let i = 0; i + 1 < BUILTIN_ROLES.length; i += 1) {
      const hi = new Set(ROLE_PERMISSIONS[BUILTIN_ROLES[i] as 'owner']);
      expect(ROLE_PERMISSIONS[BUILTIN_ROLES[i + 1] as 'owner'].every((p) => hi.has(p))).toBe(true);
    }
  });

  it('property "a deny override always denies, and adding a deny never adds an allow"', () => {
    fc.assert(
      fc.property(
        roleArb, fc.uniqueArray(brandArb, { maxLength: 3 }), fc.array(overrideArb, { maxLength: 4 }), overrideArb, scopeArb,
        (role, brands, overrides, extra, scope) => {
          const deny = { ...extra, effect: 'deny' as const };
          const before = engine.compile({ orgId: ORG, userId: 'u', role, brands, overrides });
          const after = engine.compile({ orgId: ORG, userId: 'u', role, brands, overrides: [...overrides, deny] });
          const permanentOrgWide = { ...deny, brandId: null, expiresAt: null };
          const blocked = engine.compile({ orgId: ORG, userId: 'u', role, brands, overrides: [...overrides, permanentOrgWide] });
          for (const perm of PERMISSION_NAMES) {
            if (engine.can(after, perm, scope)) expect(engine.can(before, perm, scope)).toBe(true);
            if (refMatch(deny.permission, perm)) expect(engine.can(blocked, perm, scope)).toBe(false);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('property "decisions are invariant under any permutation of rules"', () => {
    fc.assert(
      fc.property(
        roleArb,
        fc.uniqueArray(brandArb, { maxLength: 4 }),
        fc.array(overrideArb, { minLength: 2, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
        (role, brands, overrides, keys) => {
          const order = overrides.map((o, i) => ({ o, k: keys[i % keys.length] as number, i })).sort((a, b) => a.k - b.k || b.i - a.i);
          const shuffled = order.map((x) => x.o);
          const a = engine.compile({ orgId: ORG, userId: 'u', role, brands, overrides });
          const b = engine.compile({ orgId: ORG, userId: 'u', role, brands: [...brands].reverse(), overrides: shuffled });
          expect(decisions(b)).toEqual(decisions(a));
          for (const scope of allScopes()) {
            for (const perm of PERMISSION_NAMES) expect(engine.explain(b, perm, scope)).toEqual(engine.explain(a, perm, scope));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property "brand scoping never grants outside the granted brands"', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('manager', 'editor', 'viewer', 'member'),
        fc.uniqueArray(brandArb, { maxLength: 3 }),
        fc.array(overrideArb, { maxLength: 5 }),
        brandArb,
        (role, brands, overrides, target) => {
          fc.pre(!brands.includes(target));
          // Only an explicit grant override for the target brand may open it.
          const safe = overrides.filter((o) => !(o.effect === 'grant' && o.brandId === target));
          const p = engine.compile({ orgId: ORG, userId: 'u', role, brands, overrides: safe });
          for (const perm of BRAND_LEVEL_PERMS) {
            expect(engine.can(p, perm, { orgId: ORG, brandId: target })).toBe(false);
            expect(engine.can(p, perm, { orgId: ORG })).toBe(false); // brand-level without a brand
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('property "a custom role never exceeds its creator\'s permissions"', () => {
    let accepted = 0;
    fc.assert(
      fc.property(roleArb, fc.array(overrideArb, { maxLength: 3 }), customRoleArb, (creatorRole, overrides, role) => {
        const creator = engine.compile({ orgId: ORG, userId: 'c', role: creatorRole, brands: ['b1'], overrides });
        let granted: string[];
        try {
          granted = engine.assertCustomRoleAllowed(creator, role);
        } catch (err) {
          expect((err as { code?: string }).code).toMatch(/^RBAC_(ESCALATION|CUSTOM_ROLE_INVALID)$/);
          return;
        }
        accepted += 1;
        const member = engine.compile({ orgId: ORG, userId: 'm', role: role.name, brands: ['b1'], customRoles: [role] });
        for (const scope of [{ orgId: ORG }, { orgId: ORG, brandId: 'b1' }]) {
          for (const perm of PERMISSION_NAMES) {
            if (engine.can(member, perm, scope)) {
              expect(engine.can(creator, perm, scope)).toBe(true);
              expect(granted).toContain(perm);
            }
          }
        }
      }),
      { numRuns: 3_000 },
    );
    expect(accepted).toBeGreaterThan(100); // the property is not vacuous
  });

  it('property "explain().allowed === can()" over custom roles, expiring overrides and moving clocks', () => {
    fc.assert(
      fc.property(
        fc.option(customRoleArb, { nil: undefined }),
        roleArb,
        fc.uniqueArray(brandArb, { maxLength: 3 }),
        fc.array(overrideArb, { maxLength: 5 }),
        fc.constantFrom(NOW - 10, NOW, NOW + 2, NOW + 7_200_000),
        scopeArb,
        (custom, builtin, brands, overrides, clock, scope) => {
          const e = createPermissionEngine({ now: () => clock });
          const grants: PrincipalGrants = custom === undefined
            ? { orgId: ORG, userId: 'u', role: builtin, brands, overrides }
            : { orgId: ORG, userId: 'u', role: custom.name, brands, overrides, customRoles: [custom] };
          let p: CompiledPrincipal;
          try {
            p = e.compile(grants);
          } catch (err) {
            expect((err as { code?: string }).code).toBe('RBAC_CUSTOM_ROLE_INVALID');
            return;
          }
          for (const perm of PERMISSION_NAMES) {
            const x = e.explain(p, perm, scope);
            expect(x.allowed).toBe(e.can(p, perm, scope));
            expect(x.reason.startsWith(x.allowed ? 'Allowed:' : 'Denied:')).toBe(true);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('property "a check for another org is always false, even for an owner"', () => {
    fc.assert(
      fc.property(roleArb, fc.array(overrideArb, { maxLength: 4 }), fc.string(), fc.option(brandArb, { nil: undefined }), (role, overrides, other, brandId) => {
        fc.pre(other !== ORG);
        const p = engine.compile({ orgId: ORG, userId: 'u', role, brands: BRANDS, overrides });
        for (const perm of PERMISSION_NAMES) expect(engine.can(p, perm, { orgId: other, brandId })).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('property "cached and uncached decisions agree, even with adversarial separators in ids"', () => {
    const piece = fc.constantFrom('a', 'b', '$$', '$', ':', '|', '', '__proto__', '\u0000', ',');
    const id = fc.array(piece, { minLength: 1, maxLength: 4 }).map((x) => x.join('')).filter((s) => s.length > 0);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ org: id, user: id, role: roleArb }), { minLength: 1, maxLength: 8, selector: (r) => `${r.org.length}:${r.org}${r.user}` }),
        (members) => {
          const cache = createPrincipalCache<CompiledPrincipal>({ now: () => NOW });
          const compiled = members.map((m) => engine.compile({ orgId: m.org, userId: m.user, role: m.role, brands: ['b1'] }));
          compiled.forEach((p) => cache.set(p.orgId, p.userId, p));
          for (const p of compiled) {
            const hit = cache.get(p.orgId, p.userId);
            expect(hit?.orgId).toBe(p.orgId);
            expect(hit?.userId).toBe(p.userId);
            for (const perm of PERMISSION_NAMES) {
              expect(engine.can(hit as CompiledPrincipal, perm, { orgId: p.orgId, brandId: 'b1' })).toBe(engine.can(p, perm, { orgId: p.orgId, brandId: 'b1' }));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The casbin collision, concretely: two pairs that join to the same "a$$b$$c".
    const cache = createPrincipalCache<string>();
    cache.set('a$$b', 'c', 'first');
    cache.set('a', 'b$$c', 'second');
    expect(cache.get('a$$b', 'c')).toBe('first');
    expect(cache.get('a', 'b$$c')).toBe('second');
  });
});

describe('principal cache', () => {
  it('expires entries after the TTL, bounds its size, and invalidates per user or per org', () => {
    let t = 0;
    const cache = createPrincipalCache<string>({ ttlMs: 100, maxEntries: 3, now: () => t });
    cache.set('o1', 'u1', 'a');
    cache.set('o1', 'u2', 'b');
    cache.set('o2', 'u1', 'c');
    expect(cache.size).toBe(3);
    cache.set('o3', 'u1', 'd'); // over the bound: the oldest org (o1) goes
    expect(cache.get('o1', 'u1')).toBeUndefined();
    expect(cache.get('o3', 'u1')).toBe('d');
    expect(cache.size).toBe(2);
    cache.invalidate('o2', 'u1');
    expect(cache.get('o2', 'u1')).toBeUndefined();
    cache.invalidate('o3');
    expect(cache.size).toBe(0);
    cache.set('o4', 'u1', 'e');
    t = 100;
    expect(cache.get('o4', 'u1')).toBeUndefined(); // expired at the TTL
    expect(cache.size).toBe(0);
    expect(() => createPrincipalCache({ ttlMs: -1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
