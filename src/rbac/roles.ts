/**
 * The five built-in roles and the exported role-to-permissions map.
 * Each role inherits every permission of the role below it, so the ranking
 * owner > admin > manager > editor > viewer is monotonic by construction
 * (and the property tests check it).
 *
 * @module rbac/roles
 */
import { TenantGuardError } from '../errors.js';
import { PERMISSIONS, PERMISSION_NAMES, type Permission, type PermissionPattern } from './catalog.js';
import { parsePattern } from './pattern.js';
import { PermissionIndex } from './permission-index.js';

/** Built-in roles, highest first. */
export const BUILTIN_ROLES = ['owner', 'admin', 'manager', 'editor', 'viewer'] as const;

/** A built-in role. */
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/** Legacy role names and the built-in role each is an alias of. */
export const ROLE_ALIASES: {
  /** The legacy `member` role: exactly editor. */
  readonly member: 'editor';
} = { member: 'editor' };

/** A role name a member row may carry: a built-in role or a legacy alias. */
export type RoleName = BuiltinRole | keyof typeof ROLE_ALIASES;

/** One built-in role's definition. */
export interface RoleDefinition {
  /** The role's name. */
  readonly name: BuiltinRole;
  /** 5 for owner down to 1 for viewer. */
  readonly rank: number;
  /** The role whose permissions this one inherits, or null for viewer. */
  readonly inherits: BuiltinRole | null;
  /**
   * True when the role acts on brand-level permissions only for brands
   * granted to the member (`users_brand_access`); false for owner and admin,
   * who act on every brand of their org.
   */
  readonly brandScoped: boolean;
  /** Patterns this role adds to what it inherits. */
  readonly grants: readonly PermissionPattern[];
  /** What the role is for. */
  readonly summary: string;
}

/**
 * The built-in roles, highest first. Read with {@link ROLE_PERMISSIONS} for
 * the expanded lists.
 */
export const ROLES: readonly RoleDefinition[] = [
  {
    name: 'owner',
    rank: 5,
    inherits: 'admin',
    brandScoped: false,
    grants: ['*'],
    summary: 'Everything, including billing changes, ownership transfer and deleting the organisation.',
  },
  {
    name: 'admin',
    rank: 4,
    inherits: 'manager',
    brandScoped: false,
    grants: [
      'brands.*', 'audit.read', 'members.*', 'roles.*', 'billing.read', 'api_keys.*',
      'integrations.*', 'settings.*', 'security.*',
    ],
    summary: 'Runs the organisation on every brand; cannot change billing, transfer or delete the organisation.',
  },
  {
    name: 'manager',
    rank: 3,
    inherits: 'editor',
    brandScoped: true,
    grants: [
      'channels.*', 'content.*', 'posts.*', 'email.*', 'mentions.*', 'presence.*',
      'analytics.*', 'leads.*', 'roles.read', 'integrations.read',
    ],
    summary: 'Runs the brands granted to them: publishes, sends campaigns, manages channels and data.',
  },
  {
    name: 'editor',
    rank: 2,
    inherits: 'viewer',
    brandScoped: true,
    grants: [
      'content.create', 'content.update', 'email.campaigns.create', 'email.campaigns.update',
      'email.subscribers.read', 'mentions.reply', 'leads.read',
    ],
    summary: 'Writes content and drafts campaigns on the brands granted to them; cannot publish or send.',
  },
  {
    name: 'viewer',
    rank: 1,
    inherits: null,
    brandScoped: true,
    grants: [
      'brands.read', 'channels.read', 'content.read', 'posts.read', 'email.campaigns.read',
      'email.sends.read', 'mentions.read', 'presence.*.read', 'analytics.read', 'members.read',
      'settings.read',
    ],
    summary: 'Reads the brands granted to them; changes nothing.',
  },
];

const ROLE_BY_NAME = new Map<string, RoleDefinition>(ROLES.map((r) => [r.name, r]));

/** The catalog interned: permission id = index in {@link PERMISSIONS}. */
export const CATALOG_INDEX = new PermissionIndex(PERMISSION_NAMES);

/** 1 where the permission (by id) is brand-level. */
export const BRAND_LEVEL: Uint8Array = Uint8Array.from(PERMISSIONS, (p) => (p.level === 'brand' ? 1 : 0));

/** 1 where the permission (by id) is owner-only. */
export const OWNER_ONLY: Uint8Array = Uint8Array.from(PERMISSIONS, (p) => (p.ownerOnly ? 1 : 0));

function computeRoleBits(name: BuiltinRole): Uint8Array {
  const role = ROLE_BY_NAME.get(name) as RoleDefinition;
  const bits = role.inherits === null ? new Uint8Array(CATALOG_INDEX.size) : computeRoleBits(role.inherits);
  for (const pattern of role.grants) {
    for (const id of CATALOG_INDEX.expand(parsePattern(pattern))) bits[id] = 1;
  }
  return bits;
}

/** Each built-in role's permissions as a 0/1 array by permission id (shared, never mutate). */
export const ROLE_BITS: ReadonlyMap<BuiltinRole, Uint8Array> = new Map(
  BUILTIN_ROLES.map((r) => [r, computeRoleBits(r)] as const),
);

/**
 * The role-to-permissions map: every permission each built-in role holds
 * (inherited ones included), in catalog order. `member` is `editor`.
 *
 * @example
 * ```ts
 * ROLE_PERMISSIONS.manager.includes('email.campaigns.send'); // true
 * ```
 */
export const ROLE_PERMISSIONS: Readonly<Record<RoleName, readonly Permission[]>> = (() => {
  const out = Object.create(null) as Record<RoleName, readonly Permission[]>;
  for (const r of BUILTIN_ROLES) {
    const bits = ROLE_BITS.get(r) as Uint8Array;
    out[r] = Object.freeze(PERMISSION_NAMES.filter((_, id) => bits[id] === 1));
  }
  out.member = out[ROLE_ALIASES.member];
  return Object.freeze(out);
})();

/** The definition of a built-in role. */
export function getRoleDefinition(role: BuiltinRole): RoleDefinition {
  return ROLE_BY_NAME.get(role) as RoleDefinition;
}

/** True for a built-in role name or alias. */
export function isRoleName(value: unknown): value is RoleName {
  return typeof value === 'string' && (ROLE_BY_NAME.has(value) || Object.hasOwn(ROLE_ALIASES, value));
}

/**
 * Resolves a role name or alias to its built-in role.
 *
 * @throws TenantGuardError `RBAC_ROLE_UNKNOWN` for anything else.
 */
export function resolveRole(value: string): BuiltinRole {
  if (ROLE_BY_NAME.has(value)) return value as BuiltinRole;
  if (Object.hasOwn(ROLE_ALIASES, value)) return ROLE_ALIASES[value as keyof typeof ROLE_ALIASES];
  throw new TenantGuardError('RBAC_ROLE_UNKNOWN', 'Unknown role name.', { details: { role: value } });
}
