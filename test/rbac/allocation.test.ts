// can() allocates nothing on the hot path: heap growth over many checks,
// measured between two full GCs, stays near zero (explain(), which builds
// objects, is the control that shows the measurement can see allocation).
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PERMISSION_NAMES, type Permission } from '../../src/rbac/catalog.js';
import { type CheckScope, type CompiledPrincipal, createPermissionEngine } from '../../src/rbac/engine.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const engine = createPermissionEngine();
const ORG = 'org-1';
const principals: CompiledPrincipal[] = [
  engine.compile({ orgId: ORG, userId: 'a', role: 'owner' }),
  engine.compile({ orgId: ORG, userId: 'b', role: 'editor', brands: ['b1', 'b2'] }),
  // brand-limited overrides: these permissions take the full evaluation
  engine.compile({
    orgId: ORG,
    userId: 'c',
    role: 'manager',
    brands: ['b1'],
    overrides: [
      { effect: 'deny', permission: 'email.*', brandId: 'b1' },
      { effect: 'grant', permission: 'members.*', brandId: 'b3' },
      { effect: 'grant', permission: 'audit.export' },
    ],
  }),
];
// Expiring overrides need the clock, and V8 boxes every Date.now() result
// (16 bytes): the one allocation tenantguard cannot avoid, on those permissions only.
const expiring = engine.compile({
  orgId: ORG,
  userId: 'd',
  role: 'manager',
  brands: ['b1'],
  overrides: [{ effect: 'deny', permission: 'members.*', expiresAt: Date.now() + 3_600_000 }],
});
const scopes: CheckScope[] = [{ orgId: ORG, brandId: 'b1' }, { orgId: ORG, brandId: 'b3' }, { orgId: ORG }, { orgId: 'org-2' }];
const perms = PERMISSION_NAMES as readonly Permission[];

function run(rounds: number, op: (p: CompiledPrincipal, perm: Permission, s: CheckScope) => unknown, ps = principals): number {
  let sink = 0;
  for (let r = 0; r < rounds; r += 1) {
    for (let a = 0; a < ps.length; a += 1) {
      for (let b = 0; b < scopes.length; b += 1) {
        for (let i = 0; i < perms.length; i += 1) {
          sink += op(ps[a] as CompiledPrincipal, perms[i] as Permission, scopes[b] as CheckScope) ? 1 : 0;
        }
      }
    }
  }
  return sink;
}

// Young-generation bytes in use: where short-lived objects (an allocation per
// check) land. Code the JIT emits meanwhile goes to other spaces.
function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? Number.NaN;
}

function heapGrowth(rounds: number, op: (p: CompiledPrincipal, perm: Permission, s: CheckScope) => unknown, ps = principals): number {
  gc();
  const before = newSpaceUsed();
  const sink = run(rounds, op, ps);
  const after = newSpaceUsed();
  expect(sink).toBeGreaterThan(0);
  return after - before;
}

describe('allocation', () => {
  it('can() allocates nothing (roles, permanent and brand-limited overrides): 20x more checks do not grow the young heap (explain() as the control)', () => {
    const can = (p: CompiledPrincipal, perm: Permission, s: CheckScope) => engine.can(p, perm, s);
    const explain = (p: CompiledPrincipal, perm: Permission, s: CheckScope) => engine.explain(p, perm, s).allowed;
    run(300, can); // warm up and optimise
    const perRound = principals.length * scopes.length * perms.length;
    // The least of three attempts: a real per-check allocation shows in every
    // attempt, sporadic JIT work in the same heap does not.
    let extra = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const small = heapGrowth(1, can);
      const large = heapGrowth(20, can); // 19 more rounds of checks
      extra = Math.min(extra, large - small);
    }
    const extraChecks = 19 * perRound;
    const explainGrowth = heapGrowth(1, explain);
    expect(explainGrowth).toBeGreaterThan(50_000); // the measurement does see allocation
    // Any allocation per check (the smallest heap object is 16 bytes) would add >= 16 x extraChecks.
    expect(extra).toBeLessThan(extraChecks / 8);
  });

  it('a check on a permission with an expiring override allocates at most the boxed clock reading', () => {
    const can = (p: CompiledPrincipal, perm: Permission, s: CheckScope) => engine.can(p, perm, s);
    run(300, can, [expiring]);
    let extra = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const small = heapGrowth(1, can, [expiring]);
      const large = heapGrowth(21, can, [expiring]);
      extra = Math.min(extra, large - small);
    }
    // members.* = 4 permissions, checked in 3 scopes of this org (the 4th is another org: denied first).
    const clockReads = 20 * 4 * 3;
    expect(extra).toBeLessThanOrEqual(clockReads * 16 + 256);
  });
});
