// Regression cases for the known failures of the anchors (CASL, casbin,
// shiro-trie): each block shows the anchor's behaviour where it can run here,
// and checks that tenantguard does the right thing.
import { AbilityBuilder, createMongoAbility } from '@casl/ability';
import { StringAdapter, Util, newCachedEnforcer, newEnforcer, newModelFromString } from 'casbin';
import { describe, expect, it } from 'vitest';
import { createPrincipalCache } from '../../src/rbac/cache.js';
import { type CompiledPrincipal, createPermissionEngine } from '../../src/rbac/engine.js';
import { parsePattern, patternMatches, tryParsePattern } from '../../src/rbac/pattern.js';
import { catalogPattern } from '../../src/rbac/rules.js';

const engine = createPermissionEngine();
const ORG = 'org-1';

const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`;

describe('conformance: CASL rule order', () => {
  it('CASL: the later rule wins, so cannot-then-can allows and can-then-cannot denies', () => {
    const a = new AbilityBuilder(createMongoAbility);
    a.cannot('send', 'Campaign');
    a.can('send', 'Campaign');
    const b = new AbilityBuilder(createMongoAbility);
    b.can('send', 'Campaign');
    b.cannot('send', 'Campaign');
    expect(a.build().can('send', 'Campaign')).toBe(true);
    expect(b.build().can('send', 'Campaign')).toBe(false);
  });

  it('tenantguard: a deny override denies in either order', () => {
    const grant = { effect: 'grant' as const, permission: 'email.campaigns.send' };
    const deny = { effect: 'deny' as const, permission: 'email.campaigns.send' };
    for (const overrides of [[deny, grant], [grant, deny]]) {
      const p = engine.compile({ orgId: ORG, userId: 'u', role: 'manager', brands: ['b'], overrides });
      expect(engine.can(p, 'email.campaigns.send', { brandId: 'b' })).toBe(false);
    }
  });
});

describe('conformance: casbin cache key collision ($$)', () => {
  it('casbin CachedEnforcer: ("a", "b$$c", "d") is answered from the cache entry of ("a$$b", "c", "d")', async () => {
    const cached = await newCachedEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter('p, a$$b, c, d'));
    const plain = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter('p, a$$b, c, d'));
    expect(await cached.enforce('a$$b', 'c', 'd')).toBe(true);
    expect(await plain.enforce('a', 'b$$c', 'd')).toBe(false);
    expect(await cached.enforce('a', 'b$$c', 'd')).toBe(true); // the collision
  });

  it('tenantguard: cache keys are nested maps, so joined-string collisions cannot happen', () => {
    const cache = createPrincipalCache<CompiledPrincipal>();
    const owner = engine.compile({ orgId: 'a$$b', userId: 'c', role: 'owner' });
    const viewer = engine.compile({ orgId: 'a', userId: 'b$$c', role: 'viewer' });
    cache.set(owner.orgId, owner.userId, owner);
    cache.set(viewer.orgId, viewer.userId, viewer);
    const hit = cache.get('a', 'b$$c') as CompiledPrincipal;
    expect(engine.can(hit, 'org.delete', { orgId: 'a' })).toBe(false);
    expect(engine.can(cache.get('a$$b', 'c') as CompiledPrincipal, 'org.delete', { orgId: 'a$$b' })).toBe(true);
    // '' and ':' in ids as well
    cache.set('', ':', owner);
    expect(cache.get(':', '')).toBeUndefined();
  });
});

describe('conformance: casbin keyMatch mid-string wildcards', () => {
  it('casbin keyMatch: "*" matches inside a segment and across segments', () => {
    expect(Util.keyMatchFunc('brands.readonly_secrets', 'brands.read*')).toBe(true);
    expect(Util.keyMatchFunc('emailx', 'email*')).toBe(true);
    expect(Util.keyMatchFunc('email.campaigns.read', '*.read')).toBe(true);
  });

  it('tenantguard: a partial wildcard is malformed, and "*" stays within its segment', () => {
    expect(typeof tryParsePattern('brands.read*')).toBe('string');
    expect(typeof tryParsePattern('email*')).toBe('string');
    expect(patternMatches(parsePattern('*.read'), ['email', 'campaigns', 'read'])).toBe(false);
    expect(() => catalogPattern('brands.read*')).toThrow(expect.objectContaining({ code: 'RBAC_PATTERN_INVALID' }));
  });
});

describe('conformance: shiro-trie style false grants', () => {
  // Each row: [granted pattern, checked permission]: a prefix- or trie-based
  // matcher that forgets segment boundaries or arity grants these; none may be granted.
  const falseGrants: [string, string][] = [
    ['a.b', 'a.b.c'], // no implicit trailing wildcard
    ['a.b.c', 'a.b'], // holding a child does not grant the parent
    ['a.b', 'a.bc'], // string prefix is not segment prefix
    ['a.*', 'a'], // a trailing * needs at least one segment
    ['a.*.c', 'a.b.d'],
    ['a.*.c', 'a.b.x.c'], // a middle * is exactly one segment
    ['*.b', 'a.b.c'],
    ['__proto__.*', 'constructor.x'],
    ['a.b', '__proto__.b'],
  ];
  it.each(falseGrants)('granting %j does not grant %j', (pattern, permission) => {
    expect(patternMatches(parsePattern(pattern), permission.split('.'))).toBe(false);
  });

  it('tenantguard engine: holding email.campaigns.send grants nothing else', () => {
    const p = engine.compile({ orgId: ORG, userId: 'u', role: 'viewer', brands: ['b'], overrides: [{ effect: 'grant', permission: 'email.campaigns.send' }] });
    const viewerOnly = engine.compile({ orgId: ORG, userId: 'u', role: 'viewer', brands: ['b'] });
    const extra = engine.permissionsOf(p, { brandId: 'b' }).filter((x) => !engine.can(viewerOnly, x, { brandId: 'b' }));
    expect(extra).toEqual(['email.campaigns.send']);
  });
});

describe('conformance: role depth caps', () => {
  it('casbin: inheritance deeper than its default max hierarchy level (10) is silently denied', async () => {
    const lines = ['p, r12, data, read', 'g, u, r1'];
    for (let i = 1; i < 12; i += 1) lines.push(`g, r${i}, r${i + 1}`);
    const e = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(lines.join('\n')));
    expect(await e.enforce('u', 'data', 'read')).toBe(false);
  });

  it('tenantguard: a 200-deep custom role chain resolves completely; a cycle is an error, not a truncation', () => {
    const customRoles = [{ name: 'r0', basedOn: 'viewer', grants: ['leads.read'] }];
    for (let i = 1; i < 200; i += 1) customRoles.push({ name: `r${i}`, basedOn: `r${i - 1}`, grants: [] });
    const p = engine.compile({ orgId: ORG, userId: 'u', role: 'r199', brands: ['b'], customRoles });
    expect(engine.can(p, 'leads.read', { brandId: 'b' })).toBe(true); // from the far end of the chain
    expect(engine.can(p, 'brands.read', { brandId: 'b' })).toBe(true); // from the built-in root
    expect(engine.explain(p, 'leads.read', { brandId: 'b' }).rule).toMatchObject({ kind: 'role', via: 'r0' });
    const cyclic = [...customRoles.slice(1), { name: 'r0', basedOn: 'r199', grants: [] }];
    expect(() => engine.compile({ orgId: ORG, userId: 'u', role: 'r199', customRoles: cyclic })).toThrow(
      expect.objectContaining({ code: 'RBAC_CUSTOM_ROLE_INVALID' }),
    );
  });

  it('tenantguard: the built-in chain is flattened: owner holds what viewer holds, five levels down', () => {
    const owner = engine.compile({ orgId: ORG, userId: 'u', role: 'owner' });
    const viewer = engine.compile({ orgId: ORG, userId: 'u', role: 'viewer', brands: ['b'] });
    for (const perm of engine.permissionsOf(viewer, { brandId: 'b' })) expect(engine.can(owner, perm, { brandId: 'b' })).toBe(true);
  });
});
