/**
 * Turning untrusted rule rows (patterns, overrides, custom roles) into
 * validated, catalog-checked rules. Everything that comes from a database
 * row passes through here, so an unknown permission string is rejected at
 * load time, never silently matched.
 *
 * @module rbac/rules
 */
import { TenantGuardError } from '../errors.js';
import { PERMISSION_NAMES } from './catalog.js';
import { type ParsedPattern, parsePattern } from './pattern.js';
import { type BuiltinRole, CATALOG_INDEX, OWNER_ONLY, ROLE_BITS, getRoleDefinition, isRoleName, resolveRole } from './roles.js';

/** A pattern checked against the catalog: what it covers, by permission id. */
export interface CatalogPattern {
  /** The pattern as written. */
  readonly text: string;
  /** Its parsed form. */
  readonly parsed: ParsedPattern;
  /** 1 at each permission id the pattern covers (at least one). */
  readonly bits: Uint8Array;
}

const patternCache = new Map<string, CatalogPattern>();

/**
 * Parses a pattern and checks it covers at least one catalog permission.
 *
 * @throws TenantGuardError `RBAC_PATTERN_INVALID` when malformed,
 * `RBAC_PERMISSION_UNKNOWN` when it matches nothing in the catalog.
 */
export function catalogPattern(text: string): CatalogPattern {
  if (typeof text !== 'string') {
    throw new TenantGuardError('RBAC_PATTERN_INVALID', 'Invalid permission pattern: not a string.', { details: { why: 'not a string' } });
  }
  const hit = patternCache.get(text);
  if (hit !== undefined) return hit;
  const parsed = parsePattern(text);
  const ids = CATALOG_INDEX.expand(parsed);
  if (ids.length === 0) {
    throw new TenantGuardError('RBAC_PERMISSION_UNKNOWN', 'Permission pattern matches no permission of the catalog.', {
      details: { pattern: text },
    });
  }
  const bits = new Uint8Array(CATALOG_INDEX.size);
  for (const id of ids) bits[id] = 1;
  const out: CatalogPattern = { text, parsed, bits };
  if (patternCache.size < 10_000) patternCache.set(text, out);
  return out;
}

/** A per-user override as stored (`user_permission_overrides`). */
export interface OverrideInput {
  /** `grant` adds the permission, `deny` removes it (and beats everything). */
  readonly effect: 'grant' | 'deny';
  /** A permission or wildcard pattern (must match at least one catalog entry). */
  readonly permission: string;
  /** Limit the override to one brand; `null`/absent: every brand and the org level. */
  readonly brandId?: string | null;
  /** The override is ignored from this instant on; `null`/absent: never expires. */
  readonly expiresAt?: Date | string | number | null;
}

/** A validated override. */
export interface CompiledOverride {
  /** `grant` or `deny`. */
  readonly effect: 'grant' | 'deny';
  /** The pattern, checked against the catalog. */
  readonly pattern: CatalogPattern;
  /** The brand it is limited to, or null. */
  readonly brandId: string | null;
  /** Epoch milliseconds after which it is ignored; `Infinity` when it never expires. */
  readonly expiresAt: number;
}

function overrideInvalid(why: string): TenantGuardError {
  return new TenantGuardError('RBAC_OVERRIDE_INVALID', `Invalid permission override: ${why}.`, { details: { why } });
}

/** Validates one override. @throws TenantGuardError on any malformed field. */
export function compileOverride(o: OverrideInput): CompiledOverride {
  if (typeof o !== 'object' || o === null) throw overrideInvalid('not an object');
  if (o.effect !== 'grant' && o.effect !== 'deny') throw overrideInvalid('effect must be "grant" or "deny"');
  if (typeof o.permission !== 'string') throw overrideInvalid('permission must be a string');
  const brandId = o.brandId ?? null;
  if (brandId !== null && (typeof brandId !== 'string' || brandId.length === 0)) {
    throw overrideInvalid('brandId must be a non-empty string or null');
  }
  let expiresAt = Number.POSITIVE_INFINITY;
  const e = o.expiresAt ?? null;
  if (e !== null) {
    const ms = e instanceof Date ? e.getTime() : typeof e === 'number' ? e : typeof e === 'string' ? Date.parse(e) : Number.NaN;
    if (!Number.isFinite(ms)) throw overrideInvalid('expiresAt is not a valid time');
    expiresAt = ms;
  }
  return { effect: o.effect, pattern: catalogPattern(o.permission), brandId, expiresAt };
}

/** Canonical order for overrides, so nothing depends on load order. */
export function compareOverrides(a: CompiledOverride, b: CompiledOverride): number {
  if (a.effect !== b.effect) return a.effect === 'deny' ? -1 : 1;
  if (a.brandId !== b.brandId) {
    if (a.brandId === null) return -1;
    if (b.brandId === null) return 1;
    return a.brandId < b.brandId ? -1 : 1;
  }
  if (a.pattern.text !== b.pattern.text) return a.pattern.text < b.pattern.text ? -1 : 1;
  return b.expiresAt - a.expiresAt || 0;
}

/** A custom role as stored (`custom_roles`). */
export interface CustomRoleInput {
  /** Unique per org; must not be a built-in role name or alias. */
  readonly name: string;
  /** A built-in role, an alias, or another custom role of the org whose permissions this one starts from. */
  readonly basedOn?: string | null;
  /** Patterns added to the base. */
  readonly grants?: readonly string[];
  /** Patterns removed from the base and the grants (custom-role denies rank below overrides). */
  readonly denies?: readonly string[];
}

/** Where a custom role's rule came from, for explanations. */
export interface SourcedPattern {
  /** The custom role (in the chain) that carries the pattern. */
  readonly role: string;
  /** The pattern. */
  readonly pattern: CatalogPattern;
}

/** A custom role resolved through its whole base chain. */
export interface ResolvedCustomRole {
  /** The role's name. */
  readonly name: string;
  /** The chain from this role to its root, names in order. */
  readonly chain: readonly string[];
  /** The built-in role at the root of the chain, or null. */
  readonly root: BuiltinRole | null;
  /** Brand-scoped unless the root is owner or admin. */
  readonly brandScoped: boolean;
  /** Grants along the chain. */
  readonly grants: readonly SourcedPattern[];
  /** Denies along the chain. */
  readonly denies: readonly SourcedPattern[];
  /** Root role permissions plus every grant, by id. */
  readonly grantBits: Uint8Array;
  /** Every deny along the chain, by id. */
  readonly denyBits: Uint8Array;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$/;

function customInvalid(why: string, role: string): TenantGuardError {
  return new TenantGuardError('RBAC_CUSTOM_ROLE_INVALID', `Invalid custom role: ${why}.`, { details: { role, why } });
}

/**
 * Resolves a custom role by name among an org's custom roles: follows the
 * `basedOn` chain to its root with no depth cap (cycles are an error, never
 * a silent truncation), checks every pattern against the catalog, and
 * refuses any role that reaches an owner-only permission.
 *
 * @throws TenantGuardError `RBAC_CUSTOM_ROLE_INVALID`, `RBAC_PATTERN_INVALID`
 * or `RBAC_PERMISSION_UNKNOWN`.
 */
export function resolveCustomRole(name: string, roles: readonly CustomRoleInput[]): ResolvedCustomRole {
  const byName = new Map<string, CustomRoleInput>();
  for (const r of roles) {
    if (typeof r !== 'object' || r === null || typeof r.name !== 'string' || !NAME_RE.test(r.name)) {
      throw customInvalid('name must be 1-63 characters of letters, digits, space, "_", "." or "-"', String(r?.name));
    }
    if (isRoleName(r.name)) throw customInvalid('name is a built-in role name', r.name);
    if (byName.has(r.name)) throw customInvalid('duplicate name', r.name);
    byName.set(r.name, r);
  }
  const chain: string[] = [];
  const seen = new Set<string>();
  const grants: SourcedPattern[] = [];
  const denies: SourcedPattern[] = [];
  let root: BuiltinRole | null = null;
  let cur: string | null = name;
  while (cur !== null) {
    const def = byName.get(cur);
    if (def === undefined) throw customInvalid(chain.length === 0 ? 'no such custom role' : `base role "${cur}" does not exist`, name);
    if (seen.has(cur)) throw customInvalid(`base chain has a cycle through "${cur}"`, name);
    seen.add(cur);
    chain.push(cur);
    const defGrants = def.grants ?? [];
    const defDenies = def.denies ?? [];
    if (!Array.isArray(defGrants) || !Array.isArray(defDenies)) throw customInvalid('grants and denies must be arrays', name);
    for (const g of defGrants) grants.push({ role: cur, pattern: catalogPattern(g) });
    for (const d of defDenies) denies.push({ role: cur, pattern: catalogPattern(d) });
    const base = def.basedOn ?? null;
    if (base === null) break;
    if (typeof base !== 'string') throw customInvalid('basedOn must be a string', name);
    if (isRoleName(base)) {
      root = resolveRole(base);
      break;
    }
    cur = base;
  }
  if (root === 'owner') throw customInvalid('a custom role cannot be based on owner (owner-only permissions)', name);
  const grantBits = root === null ? new Uint8Array(CATALOG_INDEX.size) : (ROLE_BITS.get(root) as Uint8Array).slice();
  for (const g of grants) {
    for (let id = 0; id < grantBits.length; id += 1) if (g.pattern.bits[id] === 1) grantBits[id] = 1;
  }
  const denyBits = new Uint8Array(CATALOG_INDEX.size);
  for (const d of denies) {
    for (let id = 0; id < denyBits.length; id += 1) if (d.pattern.bits[id] === 1) denyBits[id] = 1;
  }
  const reached: string[] = [];
  for (let id = 0; id < grantBits.length; id += 1) {
    if (grantBits[id] === 1 && OWNER_ONLY[id] === 1) reached.push(PERMISSION_NAMES[id] as string);
  }
  if (reached.length > 0) {
    throw new TenantGuardError('RBAC_CUSTOM_ROLE_INVALID', 'Invalid custom role: it reaches owner-only permissions.', {
      details: { role: name, why: 'owner-only', permissions: reached },
    });
  }
  const brandScoped = root === null ? true : getRoleDefinition(root).brandScoped;
  return { name, chain, root, brandScoped, grants, denies, grantBits, denyBits };
}
