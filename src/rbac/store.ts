/**
 * The PostgreSQL store of the permission engine: loads a member's role,
 * brands, live overrides and custom role chain in ONE query inside
 * `withTenant` (so RLS scopes every row to the org), compiles them, and
 * optionally caches the result until invalidated. Writes validate against
 * the catalog before touching the database, so a row the loader would
 * reject is never written by this store.
 *
 * @module rbac/store
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import {
  type OrgId,
  type PoolLike,
  type TenantDb,
  type WithTenant,
  type WithTenantOptions,
  parseOrgId,
  withTenant as defaultWithTenant,
} from '../tenancy/index.js';
import { type PrincipalCache, type PrincipalCacheOptions, createPrincipalCache } from './cache.js';
import { type CompiledPrincipal, type PermissionEngine, createPermissionEngine } from './engine.js';
import { type BuiltinRole, isRoleName } from './roles.js';
import { type CustomRoleInput, type OverrideInput, compileOverride } from './rules.js';

/** Options for {@link createPermissionStore}. */
export interface PermissionStoreOptions {
  /** The engine that compiles loaded rows (default: a new one with `Date.now`). */
  readonly engine?: PermissionEngine;
  /** Cache compiled principals per (org, user). Off by default; `true` uses the defaults. */
  readonly cache?: boolean | PrincipalCacheOptions;
  /** The withTenant to run loads in (default: tenancy's `withTenant`). */
  readonly withTenant?: WithTenant;
  /** Options for each load's transaction, e.g. `{ role: 'tenantguard_app' }`. */
  readonly tenantOptions?: WithTenantOptions;
}

/** Who to load: the tenancy `Principal` fits. */
export interface PrincipalRef {
  /** The org, from the verified token. */
  readonly orgId: OrgId;
  /** The user. */
  readonly userId: string;
}

/** A member's role: a built-in role or alias, or a custom role by name. */
export type MemberRole = BuiltinRole | 'member' | CustomRoleRef;

/** A custom role of the org, by name. */
export interface CustomRoleRef {
  /** The custom role's name. */
  readonly custom: string;
}

/** An override to store. */
export interface StoredOverrideInput extends OverrideInput {
  /** Why (shown to reviewers). */
  readonly reason?: string | null;
  /** Who added it. */
  readonly createdBy?: string | null;
}

/** The store. */
export interface PermissionStore {
  /** The engine compiling loaded principals (use it for `can` / `explain`). */
  readonly engine: PermissionEngine;
  /**
   * Loads and compiles a member in one query inside `withTenant(pool, orgId)`;
   * served from the cache when enabled. The token's role claim is not used:
   * the membership row decides.
   *
   * @throws TenantGuardError `RBAC_MEMBER_NOT_FOUND`, `RBAC_PERMISSION_UNKNOWN`, ...
   */
  load(pool: PoolLike, principal: PrincipalRef): Promise<CompiledPrincipal>;
  /** Like {@link PermissionStore.load} inside the caller's tenant transaction (never cached). */
  loadIn(db: TenantDb, userId: string): Promise<CompiledPrincipal>;
  /** Drops cached entries: one user, or the whole org. Call after changes made outside this store. */
  invalidate(orgId: OrgId, userId?: string): void;
  /** Sets (inserts or updates) a member's role. */
  setMemberRole(db: TenantDb, userId: string, role: MemberRole): Promise<void>;
  /** Removes a member (their brand access and overrides go with them). */
  removeMember(db: TenantDb, userId: string): Promise<void>;
  /** Grants brands to a member. */
  grantBrands(db: TenantDb, userId: string, brandIds: readonly string[], grantedBy?: string): Promise<void>;
  /** Revokes brands from a member. */
  revokeBrands(db: TenantDb, userId: string, brandIds: readonly string[]): Promise<void>;
  /** Adds an override (validated against the catalog first); returns its id. */
  addOverride(db: TenantDb, userId: string, override: StoredOverrideInput): Promise<string>;
  /** Removes an override by id; true when a row was removed. */
  removeOverride(db: TenantDb, overrideId: string): Promise<boolean>;
  /**
   * Creates or changes a custom role on behalf of `creator`, refusing
   * privilege escalation and owner-only permissions; returns its id.
   *
   * @throws TenantGuardError `RBAC_ESCALATION`, `RBAC_CUSTOM_ROLE_INVALID`, ...
   */
  saveCustomRole(db: TenantDb, creator: CompiledPrincipal, role: CustomRoleInput): Promise<string>;
  /** Deletes a custom role; refused while members or other roles use it. */
  deleteCustomRole(db: TenantDb, name: string): Promise<boolean>;
}

// One query: membership, brands, live overrides and the custom role chain.
// The recursive CTE follows based_on_custom_role_id; UNION (not UNION ALL)
// stops on a cycle, which the engine then reports as an error.
const LOAD_SQL = `
SELECT m.role,
  COALESCE((SELECT array_agg(b.brand_id ORDER BY b.brand_id) FROM tenantguard.users_brand_access b
            WHERE b.org_id = m.org_id AND b.user_id = m.user_id), '{}') AS brands,
  COALESCE((SELECT json_agg(json_build_object('effect', o.effect, 'permission', o.permission,
                   'brandId', o.brand_id, 'expiresAt', o.expires_at) ORDER BY o.id)
            FROM tenantguard.user_permission_overrides o
            WHERE o.org_id = m.org_id AND o.user_id = m.user_id
              AND (o.expires_at IS NULL OR o.expires_at > now())), '[]') AS overrides,
  (WITH RECURSIVE chain AS (
      SELECT c.id, c.name, c.based_on_role, c.based_on_custom_role_id, c.grants, c.denies
        FROM tenantguard.custom_roles c WHERE c.org_id = m.org_id AND c.id = m.custom_role_id
      UNION
      SELECT c.id, c.name, c.based_on_role, c.based_on_custom_role_id, c.grants, c.denies
        FROM tenantguard.custom_roles c JOIN chain ON c.org_id = m.org_id AND c.id = chain.based_on_custom_role_id
   )
   SELECT COALESCE(json_agg(json_build_object('id', ch.id, 'name', ch.name, 'basedOnRole', ch.based_on_role,
                   'basedOnId', ch.based_on_custom_role_id, 'grants', ch.grants, 'denies', ch.denies)), '[]')
   FROM chain ch) AS custom_roles,
  (SELECT c.name FROM tenantguard.custom_roles c WHERE c.org_id = m.org_id AND c.id = m.custom_role_id) AS custom_role
FROM tenantguard.org_members m
WHERE m.org_id = $1 AND m.user_id = $2`;

const rowSchema = z.object({
  role: z.string(),
  brands: z.array(z.string()),
  overrides: z.array(
    z.object({
      effect: z.string(),
      permission: z.string(),
      brandId: z.string().nullable(),
      expiresAt: z.string().nullable(),
    }),
  ),
  custom_roles: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      basedOnRole: z.string().nullable(),
      basedOnId: z.string().nullable(),
      grants: z.array(z.string()),
      denies: z.array(z.string()),
    }),
  ),
  custom_role: z.string().nullable(),
});

const userIdSchema = z.string().min(1).max(256);
const brandIdsSchema = z.array(z.string().min(1).max(256)).max(10_000);

function bad(what: string, cause?: unknown): TenantGuardError {
  return new TenantGuardError('INPUT_INVALID', `Invalid ${what}.`, { details: { field: what }, cause });
}

function checkUserId(userId: unknown): string {
  const r = userIdSchema.safeParse(userId);
  if (!r.success) throw bad('userId', r.error);
  return r.data;
}

/**
 * Creates the PostgreSQL permission store (tables from migration 0010).
 *
 * @example
 * ```ts
 * const store = createPermissionStore({ cache: { ttlMs: 30_000 } });
 * const me = await store.load(pool, principal); // principal from the verified JWT
 * if (!store.engine.can(me, 'email.campaigns.send', { orgId: principal.orgId, brandId })) return res.status(403).end();
 * // after changing a member's role, brands or overrides elsewhere:
 * store.invalidate(principal.orgId, userId);
 * ```
 */
export function createPermissionStore(options: PermissionStoreOptions = {}): PermissionStore {
  const engine = options.engine ?? createPermissionEngine();
  const run = options.withTenant ?? defaultWithTenant;
  const cache: PrincipalCache<CompiledPrincipal> | null =
    options.cache === undefined || options.cache === false
      ? null
      : createPrincipalCache<CompiledPrincipal>(options.cache === true ? {} : options.cache);

  async function loadIn(db: TenantDb, userIdInput: string): Promise<CompiledPrincipal> {
    const userId = checkUserId(userIdInput);
    const res = await db.query(LOAD_SQL, [db.orgId, userId]);
    const raw = res.rows[0];
    if (raw === undefined) {
      throw new TenantGuardError('RBAC_MEMBER_NOT_FOUND', 'The user is not a member of this org.', {
        details: { orgId: db.orgId },
      });
    }
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      throw new TenantGuardError('RBAC_ROLE_UNKNOWN', 'Membership row has an unexpected shape.', { cause: parsed.error });
    }
    const row = parsed.data;
    const names = new Map(row.custom_roles.map((c) => [c.id, c.name] as const));
    const customRoles: CustomRoleInput[] = row.custom_roles.map((c) => ({
      name: c.name,
      basedOn: c.basedOnRole ?? (c.basedOnId === null ? null : (names.get(c.basedOnId) ?? `missing:${c.basedOnId}`)),
      grants: c.grants,
      denies: c.denies,
    }));
    const role = row.role === 'custom' ? (row.custom_role ?? '') : row.role;
    return engine.compile({
      orgId: db.orgId,
      userId,
      role,
      brands: row.brands,
      overrides: row.overrides.map((o) => ({
        effect: o.effect as 'grant' | 'deny', // compileOverride rejects anything else
        permission: o.permission,
        brandId: o.brandId,
        expiresAt: o.expiresAt,
      })),
      customRoles,
    });
  }

  async function load(pool: PoolLike, principal: PrincipalRef): Promise<CompiledPrincipal> {
    const orgId = parseOrgId(principal.orgId);
    const userId = checkUserId(principal.userId);
    const hit = cache?.get(orgId, userId);
    if (hit !== undefined) return hit;
    const compiled = await run(pool, orgId, (db) => loadIn(db, userId), options.tenantOptions);
    cache?.set(orgId, userId, compiled);
    return compiled;
  }

  function invalidate(orgId: OrgId, userId?: string): void {
    cache?.invalidate(orgId, userId);
  }

  async function setMemberRole(db: TenantDb, userIdInput: string, role: MemberRole): Promise<void> {
    const userId = checkUserId(userIdInput);
    if (typeof role === 'string') {
      if (!isRoleName(role)) throw new TenantGuardError('RBAC_ROLE_UNKNOWN', 'Unknown role name.', { details: { role } });
      await db.query(
        `INSERT INTO tenantguard.org_members (org_id, user_id, role, custom_role_id) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, custom_role_id = NULL, updated_at = now()`,
        [db.orgId, userId, role],
      );
    } else {
      const r = await db.query<{ id: string }>(
        'SELECT id FROM tenantguard.custom_roles WHERE org_id = $1 AND name = $2',
        [db.orgId, role.custom],
      );
      const id = r.rows[0]?.id;
      if (id === undefined) {
        throw new TenantGuardError('RBAC_ROLE_UNKNOWN', 'No custom role of that name in this org.', { details: { role: role.custom } });
      }
      await db.query(
        `INSERT INTO tenantguard.org_members (org_id, user_id, role, custom_role_id) VALUES ($1, $2, 'custom', $3)
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = 'custom', custom_role_id = EXCLUDED.custom_role_id, updated_at = now()`,
        [db.orgId, userId, id],
      );
    }
    invalidate(db.orgId, userId);
  }

  async function removeMember(db: TenantDb, userIdInput: string): Promise<void> {
    const userId = checkUserId(userIdInput);
    await db.query('DELETE FROM tenantguard.org_members WHERE org_id = $1 AND user_id = $2', [db.orgId, userId]);
    invalidate(db.orgId, userId);
  }

  async function grantBrands(db: TenantDb, userIdInput: string, brandIds: readonly string[], grantedBy?: string): Promise<void> {
    const userId = checkUserId(userIdInput);
    const brands = brandIdsSchema.safeParse(brandIds);
    if (!brands.success) throw bad('brandIds', brands.error);
    await db.query(
      `INSERT INTO tenantguard.users_brand_access (org_id, user_id, brand_id, granted_by)
       SELECT $1, $2, b, $4 FROM unnest($3::text[]) AS b ON CONFLICT DO NOTHING`,
      [db.orgId, userId, brands.data, grantedBy ?? null],
    );
    invalidate(db.orgId, userId);
  }

  async function revokeBrands(db: TenantDb, userIdInput: string, brandIds: readonly string[]): Promise<void> {
    const userId = checkUserId(userIdInput);
    const brands = brandIdsSchema.safeParse(brandIds);
    if (!brands.success) throw bad('brandIds', brands.error);
    await db.query(
      'DELETE FROM tenantguard.users_brand_access WHERE org_id = $1 AND user_id = $2 AND brand_id = ANY($3::text[])',
      [db.orgId, userId, brands.data],
    );
    invalidate(db.orgId, userId);
  }

  async function addOverride(db: TenantDb, userIdInput: string, o: StoredOverrideInput): Promise<string> {
    const userId = checkUserId(userIdInput);
    const c = compileOverride(o); // rejects unknown permissions before any SQL
    const r = await db.query<{ id: string }>(
      `INSERT INTO tenantguard.user_permission_overrides (org_id, user_id, effect, permission, brand_id, expires_at, reason, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        db.orgId,
        userId,
        c.effect,
        c.pattern.text,
        c.brandId,
        c.expiresAt === Number.POSITIVE_INFINITY ? null : new Date(c.expiresAt),
        o.reason ?? null,
        o.createdBy ?? null,
      ],
    );
    invalidate(db.orgId, userId);
    return (r.rows[0] as { id: string }).id;
  }

  async function removeOverride(db: TenantDb, overrideId: string): Promise<boolean> {
    if (typeof overrideId !== 'string' || !/^[0-9a-f-]{36}$/i.test(overrideId)) throw bad('overrideId');
    const r = await db.query<{ user_id: string }>(
      'DELETE FROM tenantguard.user_permission_overrides WHERE org_id = $1 AND id = $2 RETURNING user_id',
      [db.orgId, overrideId],
    );
    const userId = r.rows[0]?.user_id;
    if (userId !== undefined) invalidate(db.orgId, userId);
    return userId !== undefined;
  }

  async function saveCustomRole(db: TenantDb, creator: CompiledPrincipal, role: CustomRoleInput): Promise<string> {
    if (creator.orgId !== db.orgId) {
      throw new TenantGuardError('RBAC_ESCALATION', 'The creator belongs to another org.', { details: { orgId: db.orgId } });
    }
    // Lock the org's roles so two concurrent changes cannot build a cycle.
    const existing = await db.query<{ id: string; name: string; based_on_role: string | null; based_on_custom_role_id: string | null; grants: string[]; denies: string[] }>(
      `SELECT id, name, based_on_role, based_on_custom_role_id, grants, denies
       FROM tenantguard.custom_roles WHERE org_id = $1 ORDER BY id FOR UPDATE`,
      [db.orgId],
    );
    const nameById = new Map(existing.rows.map((r) => [r.id, r.name] as const));
    const others: CustomRoleInput[] = existing.rows
      .filter((r) => r.name !== role.name)
      .map((r) => ({
        name: r.name,
        basedOn: r.based_on_role ?? (r.based_on_custom_role_id === null ? null : (nameById.get(r.based_on_custom_role_id) ?? null)),
        grants: r.grants,
        denies: r.denies,
      }));
    engine.assertCustomRoleAllowed(creator, role, others); // escalation, owner-only, cycles, catalog
    const base = role.basedOn ?? null;
    const baseRole = base !== null && isRoleName(base) ? base : null;
    const baseCustom = base !== null && baseRole === null ? (existing.rows.find((r) => r.name === base)?.id ?? null) : null;
    const r = await db.query<{ id: string }>(
      `INSERT INTO tenantguard.custom_roles (org_id, name, based_on_role, based_on_custom_role_id, grants, denies, created_by)
       VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7)
       ON CONFLICT (org_id, name) DO UPDATE SET based_on_role = EXCLUDED.based_on_role,
         based_on_custom_role_id = EXCLUDED.based_on_custom_role_id, grants = EXCLUDED.grants,
         denies = EXCLUDED.denies, updated_at = now()
       RETURNING id`,
      [db.orgId, role.name, baseRole, baseCustom, [...(role.grants ?? [])], [...(role.denies ?? [])], creator.userId],
    );
    invalidate(db.orgId); // every member of a role derived from this one may change
    return (r.rows[0] as { id: string }).id;
  }

  async function deleteCustomRole(db: TenantDb, name: string): Promise<boolean> {
    try {
      const r = await db.query('DELETE FROM tenantguard.custom_roles WHERE org_id = $1 AND name = $2', [db.orgId, name]);
      invalidate(db.orgId);
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      // 23503 foreign_key_violation; PostgreSQL 18 reports ON DELETE RESTRICT as 23001.
      const code = (err as { code?: unknown }).code;
      if (code === '23503' || code === '23001') {
        throw new TenantGuardError('RBAC_CUSTOM_ROLE_INVALID', 'Custom role is still assigned to members or used as a base.', {
          details: { role: name, why: 'in use' },
          cause: err,
        });
      }
      throw err;
    }
  }

  return {
    engine,
    load,
    loadIn,
    invalidate,
    setMemberRole,
    removeMember,
    grantBrands,
    revokeBrands,
    addOverride,
    removeOverride,
    saveCustomRole,
    deleteCustomRole,
  };
}
