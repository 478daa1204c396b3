// A plain reference matcher and decision function (deliberately naive, no
// interning, no precompilation) that the compiled engine must agree with.
import { PERMISSIONS } from '../../src/rbac/catalog.js';
import { ROLES, resolveRole } from '../../src/rbac/roles.js';

/** Does the pattern cover the permission? Straight from the grammar's words. */
export function refMatch(pattern: string, permission: string): boolean {
  const p = pattern.split('.');
  const q = permission.split('.');
  for (let i = 0; i < p.length; i += 1) {
    if (p[i] === '*' && i === p.length - 1) return q.length > i; // trailing: everything below
    if (i >= q.length) return false;
    if (p[i] !== '*' && p[i] !== q[i]) return false; // '*' elsewhere: exactly one segment
  }
  return p.length === q.length;
}

export interface RefOverride { effect: 'grant' | 'deny'; permission: string; brandId?: string | null; expiresAt?: number | null }
export interface RefPrincipal { orgId: string; role: string; brands: string[]; overrides: RefOverride[] }

function rolePatterns(role: string): string[] {
  const def = ROLES.find((r) => r.name === resolveRole(role));
  if (def === undefined) return [];
  return [...def.grants, ...(def.inherits === null ? [] : rolePatterns(def.inherits))];
}

/** The documented precedence, written as plainly as possible. */
export function refDecide(p: RefPrincipal, perm: string, scope: { orgId?: string; brandId?: string | null }, now: number): boolean {
  if (scope.orgId !== undefined && scope.orgId !== p.orgId) return false;
  const entry = PERMISSIONS.find((e) => e.permission === perm);
  if (entry === undefined) return false;
  const brandLevel = entry.level === 'brand';
  const brand = scope.brandId ?? undefined;
  const live = p.overrides.filter((o) => (o.expiresAt ?? Infinity) > now && refMatch(o.permission, perm));
  const denyApplies = (o: RefOverride) => o.brandId == null || (brandLevel && (brand === undefined || o.brandId === brand));
  if (live.some((o) => o.effect === 'deny' && denyApplies(o))) return false;
  const scoped = ROLES.find((r) => r.name === resolveRole(p.role))?.brandScoped ?? true;
  const inScope = !brandLevel || !scoped || (brand !== undefined && p.brands.includes(brand));
  const grantApplies = (o: RefOverride) => (o.brandId == null ? inScope : brandLevel && o.brandId === brand);
  if (live.some((o) => o.effect === 'grant' && grantApplies(o))) return true;
  if (!inScope) return false;
  return rolePatterns(p.role).some((pat) => refMatch(pat, perm));
}
