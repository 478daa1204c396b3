// The compiled matcher and engine against the plain reference (reference.ts),
// on random permissions and patterns drawn from small alphabets: the way
// shiro-trie was shown to grant thousands of false permissions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PERMISSION_NAMES } from '../../src/rbac/catalog.js';
import { createPermissionEngine } from '../../src/rbac/engine.js';
import { patternMatches, tryParsePattern } from '../../src/rbac/pattern.js';
import { PermissionIndex } from '../../src/rbac/permission-index.js';
import { BUILTIN_ROLES } from '../../src/rbac/roles.js';
import { refDecide, refMatch, type RefOverride } from './reference.js';

// Small alphabets make collisions (shared prefixes, equal segments) common.
const NAMES = ['a', 'b', 'ab', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'x-y', '_'];
const name = fc.constantFrom(...NAMES);
const permissionArb = fc.array(name, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
const patternArb = fc
  .array(fc.oneof({ weight: 3, arbitrary: name }, { weight: 2, arbitrary: fc.constant('*') }), { minLength: 1, maxLength: 4 })
  .map((s) => s.join('.'));

describe('differential: compiled matcher vs reference matcher', () => {
  it('property "compiled matcher agrees with the reference" (100,000 cases)', () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.uniqueArray(permissionArb, { minLength: 1, maxLength: 12 }), fc.array(patternArb, { minLength: 1, maxLength: 3 }), (catalog, patterns) => {
        const index = new PermissionIndex(catalog);
        // A principal's grant set compiled as a bitset, as the engine does.
        const bits = new Uint8Array(index.size);
        for (const p of patterns) {
          const parsed = tryParsePattern(p);
          if (typeof parsed === 'string') throw new Error(`generator made a malformed pattern ${p}`);
          for (const id of index.expand(parsed)) bits[id] = 1;
        }
        for (let id = 0; id < catalog.length; id += 1) {
          const perm = catalog[id] as string;
          const expected = patterns.some((p) => refMatch(p, perm));
          compared += 1;
          if ((bits[id] === 1) !== expected) return false;
          const segs = perm.split('.');
          for (const p of patterns) {
            if (patternMatches({ segments: p.split('.') }, segs) !== refMatch(p, perm)) return false;
          }
        }
        return true;
      }),
      { numRuns: 100_000 },
    );
    expect(compared).toBeGreaterThan(100_000);
  });

  it('property "engine decisions agree with the reference decision" (random principals x every permission)', () => {
    const now = 1_800_000_000_000;
    const engine = createPermissionEngine({ now: () => now });
    const catalogPatterns = fc.oneof(
      fc.constantFrom(...PERMISSION_NAMES),
      fc.constantFrom('*', 'email.*', 'email.*.read', 'email.campaigns.*', '*.read', '*.*', 'presence.*.read', 'content.*', 'org.*', 'members.*', '*.*.send'),
    );
    const brand = fc.constantFrom('b1', 'b2', 'b$$3', '__proto__');
    const override: fc.Arbitrary<RefOverride> = fc.record({
      effect: fc.constantFrom('grant' as const, 'deny' as const),
      permission: catalogPatterns,
      brandId: fc.option(brand, { nil: null }),
      expiresAt: fc.option(fc.constantFrom(now - 1, now, now + 1, now + 60_000), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...BUILTIN_ROLES, 'member' as const),
        fc.uniqueArray(brand, { maxLength: 3 }),
        fc.array(override, { maxLength: 4 }),
        fc.option(brand, { nil: undefined }),
        fc.constantFrom('org-a', 'org-b'),
        (role, brands, overrides, brandId, checkOrg) => {
          const ref = { orgId: 'org-a', role, brands, overrides };
          const p = engine.compile({ orgId: 'org-a', userId: 'u', role, brands, overrides });
          const scope = { orgId: checkOrg, brandId };
          for (const perm of PERMISSION_NAMES) {
            const want = refDecide(ref, perm, scope, now);
            if (engine.can(p, perm, scope) !== want) return false;
            if (engine.explain(p, perm, scope).allowed !== want) return false;
          }
          return true;
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
