/**
 * The permission engine: compiles a principal's rules once, then answers
 * `can()` with a few array lookups and no allocation, and `explain()` with
 * the rule that decided.
 *
 * Precedence (fixed, never dependent on the order rules were added or
 * loaded):
 * 1. a check for another org is denied;
 * 2. an unknown permission is denied;
 * 3. a live deny override covering the permission denies;
 * 4. a live grant override allows (an org-wide grant still respects brand
 *    scope; a grant for one brand allows on that brand);
 * 5. brand scope: a brand-scoped role needs a granted brand for a
 *    brand-level permission;
 * 6. a custom-role deny denies;
 * 7. the role (built-in or custom) allows;
 * 8. otherwise denied.
 *
 * @module rbac/engine
 */
import { TenantGuardError } from '../errors.js';
import { PERMISSION_NAMES, type Permission } from './catalog.js';
import { describeMatch, printPattern } from './pattern.js';
import {
  BRAND_LEVEL,
  type BuiltinRole,
  CATALOG_INDEX,
  ROLE_BITS,
  getRoleDefinition,
  isRoleName,
  resolveRole,
} from './roles.js';
import {
  type CatalogPattern,
  type CompiledOverride,
  type CustomRoleInput,
  type OverrideInput,
  type ResolvedCustomRole,
  compareOverrides,
  compileOverride,
  resolveCustomRole,
} from './rules.js';

/** Everything the engine needs to know about one member of one org. */
export interface PrincipalGrants {
  /** The org the member belongs to (from the verified token / membership row). */
  readonly orgId: string;
  /** The user. */
  readonly userId: string;
  /** A built-in role, an alias (`member`), or the name of one of `customRoles`. */
  readonly role: string;
  /** Brands granted to the member (`users_brand_access`); used by brand-scoped roles. */
  readonly brands?: readonly string[];
  /** Per-user overrides; expired ones are ignored. */
  readonly overrides?: readonly OverrideInput[];
  /** The org's custom roles (at least the member's role and its base chain). */
  readonly customRoles?: readonly CustomRoleInput[];
}

/** What a check is about. */
export interface CheckScope {
  /** The org that owns the resource; a check for another org is always false. */
  readonly orgId?: string;
  /** The brand the action is on; required for brand-level permissions of brand-scoped roles. */
  readonly brandId?: string | null;
}

/** Options for {@link createPermissionEngine}. */
export interface PermissionEngineOptions {
  /** Clock in epoch milliseconds, used for override expiry (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A principal compiled for fast checks. Create with
 * {@link PermissionEngine.compile}; immutable; safe to cache and share.
 */
export class CompiledPrincipal {
  /** The org the principal belongs to. */
  readonly orgId: string;
  /** The user. */
  readonly userId: string;
  /** The role name as given: built-in, alias or custom. */
  readonly role: string;
  /** The built-in role, or the root of the custom role's chain (null: none). */
  readonly builtinRole: BuiltinRole | null;
  /** Whether brand-level permissions need a granted brand. */
  readonly brandScoped: boolean;
  /** Brands granted to the principal. */
  readonly brands: ReadonlySet<string>;
  /** @internal Role permissions by id (built-in, or custom including its base). */
  readonly roleBits: Uint8Array;
  /** @internal Custom-role denies by id, or null. */
  readonly customDeny: Uint8Array | null;
  /** @internal The resolved custom role, or null. */
  readonly customRole: ResolvedCustomRole | null;
  /** @internal Live deny overrides, canonical order. */
  readonly denies: readonly CompiledOverride[];
  /** @internal Live grant overrides, canonical order. */
  readonly grants: readonly CompiledOverride[];
  /** @internal 0 deny, 1 allow (subject to brand scope), 2 evaluate fully. By permission id. */
  readonly fast: Uint8Array;

  /**
   * Use {@link PermissionEngine.compile}; the fields must agree with each other.
   *
   * @param fields every field of the compiled principal
   * @internal
   */
  constructor(fields: {
    orgId: string;
    userId: string;
    role: string;
    builtinRole: BuiltinRole | null;
    brandScoped: boolean;
    brands: ReadonlySet<string>;
    roleBits: Uint8Array;
    customDeny: Uint8Array | null;
    customRole: ResolvedCustomRole | null;
    denies: readonly CompiledOverride[];
    grants: readonly CompiledOverride[];
    fast: Uint8Array;
  }) {
    this.orgId = fields.orgId;
    this.userId = fields.userId;
    this.role = fields.role;
    this.builtinRole = fields.builtinRole;
    this.brandScoped = fields.brandScoped;
    this.brands = fields.brands;
    this.roleBits = fields.roleBits;
    this.customDeny = fields.customDeny;
    this.customRole = fields.customRole;
    this.denies = fields.denies;
    this.grants = fields.grants;
    this.fast = fields.fast;
  }
}

/** Decided by {@link DecisionRule}: the check named another org. */
export interface CrossOrgRule {
  /** Discriminant. */
  readonly kind: 'cross-org';
  /** The principal's org. */
  readonly principalOrgId: string;
  /** The org the check asked about. */
  readonly requestedOrgId: string;
}

/** Decided by {@link DecisionRule}: the permission is not in the catalog. */
export interface UnknownPermissionRule {
  /** Discriminant. */
  readonly kind: 'unknown-permission';
  /** The string that was checked. */
  readonly permission: string;
}

/** Decided by {@link DecisionRule}: a per-user override. */
export interface OverrideRule {
  /** Discriminant: which kind of override won. */
  readonly kind: 'deny-override' | 'grant-override';
  /** The override's pattern. */
  readonly pattern: string;
  /** What the pattern's wildcards covered, e.g. `"trailing * covers 'campaigns.send'"`. */
  readonly matched: string;
  /** The brand the override is limited to, or null. */
  readonly brandId: string | null;
  /** When it stops applying, or null. */
  readonly expiresAt: Date | null;
}

/** Decided by {@link DecisionRule}: brand scope (brand missing or not granted). */
export interface BrandScopeRule {
  /** Discriminant. */
  readonly kind: 'brand-scope';
  /** The principal's role. */
  readonly role: string;
  /** The brand the check named, or null when none was given. */
  readonly brandId: string | null;
  /** The brands granted to the principal, sorted. */
  readonly grantedBrands: readonly string[];
}

/** Decided by {@link DecisionRule}: a deny of the principal's custom role (or its base chain). */
export interface CustomRoleDenyRule {
  /** Discriminant. */
  readonly kind: 'custom-role-deny';
  /** The custom role carrying the deny. */
  readonly role: string;
  /** The deny pattern. */
  readonly pattern: string;
  /** What the pattern's wildcards covered. */
  readonly matched: string;
}

/** Decided by {@link DecisionRule}: the role granted. */
export interface RoleRule {
  /** Discriminant. */
  readonly kind: 'role';
  /** The principal's role. */
  readonly role: string;
  /** The role (built-in or custom, possibly inherited) whose pattern granted. */
  readonly via: string;
  /** The granting pattern. */
  readonly pattern: string;
  /** What the pattern's wildcards covered. */
  readonly matched: string;
  /** The brand the check named, or null. */
  readonly brand: string | null;
}

/** Decided by {@link DecisionRule}: nothing granted. */
export interface NoRule {
  /** Discriminant. */
  readonly kind: 'no-rule';
  /** The principal's role. */
  readonly role: string;
}

/** The rule that decided a check; switch on `kind`. */
export type DecisionRule =
  | CrossOrgRule
  | UnknownPermissionRule
  | OverrideRule
  | BrandScopeRule
  | CustomRoleDenyRule
  | RoleRule
  | NoRule;

/** The answer of {@link PermissionEngine.explain}. `allowed` always equals `can()`. */
export interface Explanation {
  /** The decision. */
  readonly allowed: boolean;
  /** One sentence for a support engineer or an auditor. */
  readonly reason: string;
  /** The rule that decided, as data. */
  readonly rule: DecisionRule;
}

/** The engine. */
export interface PermissionEngine {
  /**
   * Compiles a principal's rules (validating every pattern against the
   * catalog). Do it once per principal and reuse the result.
   *
   * @throws TenantGuardError `RBAC_ROLE_UNKNOWN`, `RBAC_PATTERN_INVALID`,
   * `RBAC_PERMISSION_UNKNOWN`, `RBAC_OVERRIDE_INVALID`, `RBAC_CUSTOM_ROLE_INVALID`
   * or `INPUT_INVALID`.
   */
  compile(grants: PrincipalGrants): CompiledPrincipal;
  /**
   * May the principal do `permission` (in `scope`)? Allocation-free; an
   * unknown permission string or another org is `false`.
   */
  can(principal: CompiledPrincipal, permission: Permission, scope?: CheckScope): boolean;
  /** Like {@link PermissionEngine.can}, for a permission string known only at runtime. */
  canString(principal: CompiledPrincipal, permission: string, scope?: CheckScope): boolean;
  /** The decision with the rule that made it. `explain(...).allowed === can(...)` always. */
  explain(principal: CompiledPrincipal, permission: string, scope?: CheckScope): Explanation;
  /** Every catalog permission the principal holds in `scope`, in catalog order. */
  permissionsOf(principal: CompiledPrincipal, scope?: CheckScope): Permission[];
  /**
   * Checks that `creator` may create or change the custom role `role` (given
   * the org's other custom roles): the role must resolve, reach no owner-only
   * permission, and grant nothing the creator does not hold everywhere
   * (no privilege escalation). Returns the role's resolved permissions.
   *
   * @throws TenantGuardError `RBAC_ESCALATION`, `RBAC_CUSTOM_ROLE_INVALID`, ...
   */
  assertCustomRoleAllowed(
    creator: CompiledPrincipal,
    role: CustomRoleInput,
    otherRoles?: readonly CustomRoleInput[],
  ): Permission[];
}

// Decision codes: allow codes are < 10.
const ALLOW_GRANT = 1;
const ALLOW_ROLE = 2;
const DENY_OVERRIDE = 10;
const DENY_BRAND_REQUIRED = 11;
const DENY_BRAND_NOT_GRANTED = 12;
const DENY_CUSTOM = 13;
const DENY_NO_RULE = 14;

const ID_OF: ReadonlyMap<string, number> = new Map(PERMISSION_NAMES.map((n, i) => [n, i] as const));
const N = CATALOG_INDEX.size;
const NO_BRANDS: ReadonlySet<string> = new Set();
const EMPTY_OVERRIDES: readonly CompiledOverride[] = Object.freeze([]);

/** Per-role fast arrays, shared by every plain principal of that role. */
const ROLE_FAST: ReadonlyMap<BuiltinRole, Uint8Array> = ROLE_BITS;

interface Trace {
  override: CompiledOverride | null;
}

/**
 * The full evaluation, shared by the slow path of `can()` and by `explain()`
 * so the two cannot disagree. Allocation-free when `trace` is null.
 */
function evaluate(
  p: CompiledPrincipal,
  id: number,
  brand: string | undefined,
  clock: (() => number) | null,
  trace: Trace | null,
): number {
  // The clock is read lazily, only when an expiring override covers the
  // permission: V8 boxes every Date.now() result (16 bytes), the one
  // allocation a check can make.
  let now = -1;
  const brandLevel = BRAND_LEVEL[id] === 1;
  // Indexed loops: no iterator objects, even before the code is optimised.
  const denies = p.denies;
  for (let i = 0; i < denies.length; i += 1) {
    const r = denies[i] as CompiledOverride;
    if (r.pattern.bits[id] !== 1) continue;
    if (r.expiresAt !== Number.POSITIVE_INFINITY) {
      if (now < 0) now = clock === null ? Date.now() : clock();
      if (r.expiresAt <= now) continue;
    }
    // A brand-limited deny applies to that brand, and to brand-less checks of
    // brand-level permissions (fail closed: "any brand" includes that one).
    if (r.brandId !== null && (!brandLevel || (brand !== undefined && r.brandId !== brand))) continue;
    if (trace !== null) trace.override = r;
    return DENY_OVERRIDE;
  }
  const inScope = !brandLevel || !p.brandScoped || (brand !== undefined && p.brands.has(brand));
  const grants = p.grants;
  for (let i = 0; i < grants.length; i += 1) {
    const r = grants[i] as CompiledOverride;
    if (r.pattern.bits[id] !== 1) continue;
    if (r.expiresAt !== Number.POSITIVE_INFINITY) {
      if (now < 0) now = clock === null ? Date.now() : clock();
      if (r.expiresAt <= now) continue;
    }
    if (r.brandId !== null) {
      if (!brandLevel || r.brandId !== brand) continue;
    } else if (!inScope) {
      continue;
    }
    if (trace !== null) trace.override = r;
    return ALLOW_GRANT;
  }
  if (!inScope) return brand === undefined ? DENY_BRAND_REQUIRED : DENY_BRAND_NOT_GRANTED;
  if (p.customDeny !== null && p.customDeny[id] === 1) return DENY_CUSTOM;
  if (p.roleBits[id] === 1) return ALLOW_ROLE;
  return DENY_NO_RULE;
}

function inputInvalid(why: string): TenantGuardError {
  return new TenantGuardError('INPUT_INVALID', `Invalid principal: ${why}.`, { details: { why } });
}

/** Finds which pattern of a built-in role chain (or custom chain) grants `id`. */
function roleSource(p: CompiledPrincipal, id: number): { via: string; pattern: CatalogPattern | string } | null {
  if (p.customRole !== null) {
    for (const g of p.customRole.grants) if (g.pattern.bits[id] === 1) return { via: g.role, pattern: g.pattern };
  }
  let r: BuiltinRole | null = p.builtinRole;
  while (r !== null) {
    const def = getRoleDefinition(r);
    for (const text of def.grants) {
      const parsed = CATALOG_INDEX.expand({ segments: text.split('.') });
      if (parsed.includes(id)) return { via: r, pattern: text };
    }
    r = def.inherits;
  }
  return null;
}

function describeScope(brand: string | undefined): string {
  return brand === undefined ? '' : ` on brand ${brand}`;
}

/**
 * Creates a permission engine over the built-in catalog and roles.
 *
 * @example
 * ```ts
 * const engine = createPermissionEngine();
 * const me = engine.compile({ orgId, userId, role: 'editor', brands: [brandId] });
 * engine.can(me, 'content.update', { orgId, brandId }); // true
 * engine.can(me, 'email.campaigns.send', { orgId, brandId }); // false
 * engine.explain(me, 'email.campaigns.send', { orgId, brandId }).reason;
 * ```
 */
export function createPermissionEngine(options: PermissionEngineOptions = {}): PermissionEngine {
  // null: call Date.now() directly rather than through a function value.
  const clock: (() => number) | null = options.now ?? null;
  const now = clock ?? Date.now;
  if (typeof now !== 'function') {
    throw new TenantGuardError('CONFIG_INVALID', 'options.now must be a function returning epoch milliseconds.');
  }
  const customCache = new WeakMap<readonly CustomRoleInput[], Map<string, ResolvedCustomRole>>();

  function resolveCustom(name: string, roles: readonly CustomRoleInput[]): ResolvedCustomRole {
    let perList = customCache.get(roles);
    if (perList === undefined) {
      perList = new Map();
      customCache.set(roles, perList);
    }
    let r = perList.get(name);
    if (r === undefined) {
      r = resolveCustomRole(name, roles);
      perList.set(name, r);
    }
    return r;
  }

  function compile(g: PrincipalGrants): CompiledPrincipal {
    // Hand-rolled checks rather than a schema: this runs once per request and
    // has a 2 µs budget.
    if (typeof g !== 'object' || g === null) throw inputInvalid('not an object');
    if (typeof g.orgId !== 'string' || g.orgId.length === 0) throw inputInvalid('orgId must be a non-empty string');
    if (typeof g.userId !== 'string' || g.userId.length === 0) throw inputInvalid('userId must be a non-empty string');
    if (typeof g.role !== 'string') throw inputInvalid('role must be a string');
    let brands: ReadonlySet<string> = NO_BRANDS;
    if (g.brands !== undefined && g.brands.length > 0) {
      if (!Array.isArray(g.brands)) throw inputInvalid('brands must be an array of strings');
      for (const b of g.brands) if (typeof b !== 'string') throw inputInvalid('brands must be an array of strings');
      brands = new Set(g.brands);
    }

    let builtin: BuiltinRole | null;
    let roleBits: Uint8Array;
    let brandScoped: boolean;
    let custom: ResolvedCustomRole | null = null;
    if (isRoleName(g.role)) {
      builtin = resolveRole(g.role);
      roleBits = ROLE_FAST.get(builtin) as Uint8Array;
      brandScoped = getRoleDefinition(builtin).brandScoped;
    } else {
      if (g.customRoles === undefined || !g.customRoles.some((c) => c.name === g.role)) {
        throw new TenantGuardError('RBAC_ROLE_UNKNOWN', 'Unknown role: neither built-in nor a custom role of the org.', {
          details: { role: g.role },
        });
      }
      custom = resolveCustom(g.role, g.customRoles);
      builtin = custom.root;
      roleBits = custom.grantBits;
      brandScoped = custom.brandScoped;
    }

    const t = now();
    let denies = EMPTY_OVERRIDES;
    let grants = EMPTY_OVERRIDES;
    if (g.overrides !== undefined && g.overrides.length > 0) {
      if (!Array.isArray(g.overrides)) throw inputInvalid('overrides must be an array');
      const d: CompiledOverride[] = [];
      const a: CompiledOverride[] = [];
      for (const o of g.overrides) {
        const c = compileOverride(o);
        if (c.expiresAt <= t) continue; // already expired: ignored
        (c.effect === 'deny' ? d : a).push(c);
      }
      denies = d.sort(compareOverrides);
      grants = a.sort(compareOverrides);
    }

    const customDeny = custom === null ? null : custom.denyBits;
    let fast: Uint8Array;
    if (custom === null && denies.length === 0 && grants.length === 0) {
      fast = roleBits; // shared: nothing to fold in
    } else {
      fast = new Uint8Array(N);
      for (let id = 0; id < N; id += 1) {
        fast[id] = roleBits[id] === 1 && (customDeny === null || customDeny[id] === 0) ? 1 : 0;
      }
      // Permanent org-wide overrides fold into the array (deny after grant:
      // deny wins); expiring or brand-limited ones send the check to the
      // full evaluation.
      const slow = new Uint8Array(N);
      for (const r of grants) {
        const permanent = r.brandId === null && r.expiresAt === Number.POSITIVE_INFINITY;
        for (let id = 0; id < N; id += 1) {
          if (r.pattern.bits[id] !== 1) continue;
          if (permanent) fast[id] = 1;
          else if (r.brandId === null || BRAND_LEVEL[id] === 1) slow[id] = 1;
        }
      }
      for (const r of denies) {
        const permanent = r.brandId === null && r.expiresAt === Number.POSITIVE_INFINITY;
        for (let id = 0; id < N; id += 1) {
          if (r.pattern.bits[id] !== 1) continue;
          if (permanent) fast[id] = 0;
          else if (r.brandId === null || BRAND_LEVEL[id] === 1) slow[id] = 1;
        }
      }
      for (let id = 0; id < N; id += 1) {
        // A permanent deny decides regardless of anything else.
        if (slow[id] === 1 && !permanentDeny(denies, id)) fast[id] = 2;
      }
    }
    return new CompiledPrincipal({
      orgId: g.orgId,
      userId: g.userId,
      role: g.role,
      builtinRole: builtin,
      brandScoped,
      brands,
      roleBits,
      customDeny,
      customRole: custom,
      denies,
      grants,
      fast,
    });
  }

  function check(p: CompiledPrincipal, permission: string, scope: CheckScope | undefined): boolean {
    let brand: string | undefined;
    if (scope !== undefined) {
      if (scope.orgId !== undefined && scope.orgId !== p.orgId) return false;
      const b = scope.brandId;
      if (b !== undefined && b !== null) brand = b;
    }
    const id = ID_OF.get(permission);
    if (id === undefined) return false;
    const f = p.fast[id];
    if (f === 0) return false;
    if (f === 2) return evaluate(p, id, brand, clock, null) < 10;
    if (p.brandScoped && BRAND_LEVEL[id] === 1) return brand !== undefined && p.brands.has(brand);
    return true;
  }

  function explain(p: CompiledPrincipal, permission: string, scope?: CheckScope): Explanation {
    const requestedOrg = scope?.orgId;
    if (requestedOrg !== undefined && requestedOrg !== p.orgId) {
      return {
        allowed: false,
        reason: `Denied: the check is for org ${requestedOrg}, but the principal belongs to org ${p.orgId}; a principal never acts on another org, whatever its role.`,
        rule: { kind: 'cross-org', principalOrgId: p.orgId, requestedOrgId: requestedOrg },
      };
    }
    const id = ID_OF.get(permission);
    if (id === undefined) {
      return {
        allowed: false,
        reason: `Denied: '${permission}' is not a permission of the catalog; unknown permissions are always denied.`,
        rule: { kind: 'unknown-permission', permission },
      };
    }
    const b = scope?.brandId;
    const brand = b === undefined || b === null ? undefined : b;
    const trace: Trace = { override: null };
    const code = evaluate(p, id, brand, clock, trace);
    const segs = CATALOG_INDEX.segments[id] as readonly string[];
    const where = describeScope(brand);
    switch (code) {
      case DENY_OVERRIDE:
      case ALLOW_GRANT: {
        const r = trace.override as CompiledOverride;
        const deny = code === DENY_OVERRIDE;
        const matched = describeMatch(r.pattern.parsed, segs);
        const limits =
          (r.brandId === null ? '' : ` limited to brand ${r.brandId}`) +
          (r.expiresAt === Number.POSITIVE_INFINITY ? '' : ` until ${new Date(r.expiresAt).toISOString()}`);
        return {
          allowed: !deny,
          reason: deny
            ? `Denied: a deny override on '${r.pattern.text}'${limits} (${matched}) covers '${permission}'${where}; a deny override beats every grant.`
            : `Allowed: a grant override on '${r.pattern.text}'${limits} (${matched}) covers '${permission}'${where}; no deny override applies.`,
          rule: {
            kind: deny ? 'deny-override' : 'grant-override',
            pattern: printPattern(r.pattern.parsed),
            matched,
            brandId: r.brandId,
            expiresAt: r.expiresAt === Number.POSITIVE_INFINITY ? null : new Date(r.expiresAt),
          },
        };
      }
      case DENY_BRAND_REQUIRED:
      case DENY_BRAND_NOT_GRANTED:
        return {
          allowed: false,
          reason:
            code === DENY_BRAND_REQUIRED
              ? `Denied: '${permission}' is a brand-level permission and role '${p.role}' is brand-scoped, so the check must name a brand it was granted; none was given.`
              : `Denied: role '${p.role}' is brand-scoped and brand ${brand} is not among the ${p.brands.size} brand(s) granted to this user.`,
          rule: { kind: 'brand-scope', role: p.role, brandId: brand ?? null, grantedBrands: [...p.brands].sort() },
        };
      case DENY_CUSTOM: {
        const d = (p.customRole as ResolvedCustomRole).denies.find((x) => x.pattern.bits[id] === 1);
        const pattern = d?.pattern.text ?? '';
        const matched = d === undefined ? '' : describeMatch(d.pattern.parsed, segs);
        return {
          allowed: false,
          reason: `Denied: custom role '${d?.role ?? p.role}' denies '${pattern}' (${matched}), which covers '${permission}'.`,
          rule: { kind: 'custom-role-deny', role: d?.role ?? p.role, pattern, matched },
        };
      }
      case ALLOW_ROLE: {
        const src = roleSource(p, id);
        const text = src === null ? '' : typeof src.pattern === 'string' ? src.pattern : src.pattern.text;
        const matched = describeMatch({ segments: text.split('.') }, segs);
        const via = src?.via ?? p.role;
        const inherited = via === p.role ? '' : ` (inherited from '${via}')`;
        const brandNote =
          BRAND_LEVEL[id] === 1
            ? p.brandScoped
              ? ` on granted brand ${brand}`
              : ` on any brand of the org${where === '' ? '' : ` (here brand ${brand})`}`
            : '';
        return {
          allowed: true,
          reason: `Allowed: role '${p.role}' grants '${text}'${inherited} (${matched}), covering '${permission}'${brandNote}.`,
          rule: { kind: 'role', role: p.role, via, pattern: text, matched, brand: brand ?? null },
        };
      }
      default:
        return {
          allowed: false,
          reason: `Denied: no rule grants '${permission}' to role '${p.role}' and no override applies.`,
          rule: { kind: 'no-rule', role: p.role },
        };
    }
  }

  function permissionsOf(p: CompiledPrincipal, scope?: CheckScope): Permission[] {
    const out: Permission[] = [];
    for (let id = 0; id < N; id += 1) {
      const name = PERMISSION_NAMES[id] as Permission;
      if (check(p, name, scope)) out.push(name);
    }
    return out;
  }

  function assertCustomRoleAllowed(
    creator: CompiledPrincipal,
    role: CustomRoleInput,
    otherRoles: readonly CustomRoleInput[] = [],
  ): Permission[] {
    const all = [...otherRoles.filter((r) => r.name !== role.name), role];
    const resolved = resolveCustomRole(role.name, all);
    const t = now();
    if (!heldEverywhere(creator, ID_OF.get('roles.manage') as number, t)) {
      throw new TenantGuardError('RBAC_ESCALATION', 'Creator may not manage roles (lacks roles.manage).', {
        details: { missing: ['roles.manage'] },
      });
    }
    const missing: string[] = [];
    const result: Permission[] = [];
    for (let id = 0; id < N; id += 1) {
      if (resolved.grantBits[id] !== 1 || resolved.denyBits[id] === 1) continue;
      result.push(PERMISSION_NAMES[id] as Permission);
      if (!heldEverywhere(creator, id, t)) missing.push(PERMISSION_NAMES[id] as string);
    }
    if (!resolved.brandScoped && creator.brandScoped) {
      missing.push('(every brand: a brand-scoped creator cannot create a role acting on all brands)');
    }
    if (missing.length > 0) {
      throw new TenantGuardError(
        'RBAC_ESCALATION',
        'Custom role refused: it would grant permissions its creator does not hold.',
        { details: { role: role.name, missing } },
      );
    }
    return result;
  }

  return {
    compile,
    can: check,
    canString: check,
    explain,
    permissionsOf,
    assertCustomRoleAllowed,
  };
}

function permanentDeny(denies: readonly CompiledOverride[], id: number): boolean {
  for (const r of denies) {
    if (r.brandId === null && r.expiresAt === Number.POSITIVE_INFINITY && r.pattern.bits[id] === 1) return true;
  }
  return false;
}

/**
 * Does the creator hold `id` unconditionally (for delegation)? The role (or
 * a permanent org-wide grant override), minus custom-role denies, and no
 * live deny override of any kind. Temporary or single-brand grants do not
 * count: they cannot be handed on as a standing role.
 */
function heldEverywhere(p: CompiledPrincipal, id: number, now: number): boolean {
  for (const r of p.denies) if (r.pattern.bits[id] === 1 && r.expiresAt > now) return false;
  for (const r of p.grants) {
    if (r.pattern.bits[id] === 1 && r.brandId === null && r.expiresAt === Number.POSITIVE_INFINITY) return true;
  }
  if (p.customDeny !== null && p.customDeny[id] === 1) return false;
  return p.roleBits[id] === 1;
}
