// Type-level guarantees, checked by `tsc --noEmit` (tsconfig includes test/):
// each `@ts-expect-error` below must be an error, or tsc fails with
// "Unused '@ts-expect-error' directive".
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Permission, PermissionPattern } from '../../src/rbac/catalog.js';
import { PERMISSIONS } from '../../src/rbac/catalog.js';
import { type CompiledPrincipal, createPermissionEngine } from '../../src/rbac/engine.js';
import { catalogPattern } from '../../src/rbac/rules.js';

const engine = createPermissionEngine();

// Never called: only compiled.
function compileTimeChecks(p: CompiledPrincipal): void {
  engine.can(p, 'email.campaigns.send');
  // @ts-expect-error a typo in a permission is a compile error
  engine.can(p, 'email.campaigns.sned');
  // @ts-expect-error a wildcard is not a permission: can() takes exact permissions
  engine.can(p, 'email.*');

  const ok: PermissionPattern[] = ['*', 'email.*', 'email.*.send', '*.read', 'presence.*.read', '*.*', 'brands.read', 'org.*'];
  // @ts-expect-error a wildcard pattern must match at least one catalog entry
  const typo: PermissionPattern = 'emial.*';
  // @ts-expect-error positional: no three-segment permission ends in .manage under email
  const nothing: PermissionPattern = 'email.*.manage';
  // @ts-expect-error malformed: partial wildcard
  const partial: PermissionPattern = 'email.camp*';
  // @ts-expect-error malformed: double dot
  const dots: PermissionPattern = 'email..send';
  // @ts-expect-error malformed: empty
  const empty: PermissionPattern = '';
  void [ok, typo, nothing, partial, dots, empty];
}

describe('permission types', () => {
  it('Permission is exactly the catalog entries', () => {
    expectTypeOf<'email.campaigns.send'>().toExtend<Permission>();
    expectTypeOf<'email.campaigns.sned'>().not.toExtend<Permission>();
    expectTypeOf<Permission>().toEqualTypeOf<(typeof PERMISSIONS)[number]['permission']>();
    expectTypeOf<'brands.*'>().toExtend<PermissionPattern>();
    expectTypeOf<'brands.*.*'>().not.toExtend<PermissionPattern>();
    expectTypeOf<Permission>().toExtend<PermissionPattern>();
    expect(typeof compileTimeChecks).toBe('function');
  });

  it('the runtime agrees with the types on the examples: patterns that compile match the catalog, typos are rejected at load', () => {
    for (const ok of ['*', 'email.*', 'email.*.send', '*.read', 'presence.*.read', '*.*', 'org.*']) {
      expect(catalogPattern(ok).bits.some((b) => b === 1)).toBe(true);
    }
    for (const bad of ['emial.*', 'email.*.manage', 'brands.*.*']) {
      expect(() => catalogPattern(bad)).toThrow(expect.objectContaining({ code: 'RBAC_PERMISSION_UNKNOWN' }));
    }
  });
});
