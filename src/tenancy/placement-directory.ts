/**
 * The placement directory: where each org lives, kept in the default
 * database (`tenantguard.org_placements`, migration 0041) so that every
 * application instance's router sees a switch. Read one org at a time by the
 * application's role; written by the owner role.
 *
 * @module tenancy
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { parseOrgId, type OrgId } from './org-id.js';
import type { PoolLike, Queryable } from './pg-types.js';
import { parsePlacement, SHARED_PLACEMENT, type Placement } from './placement.js';

/** What a tenant router asks a directory. */
export interface PlacementLookup {
  /** The org's placement (shared when the directory has no entry). */
  lookup(orgId: OrgId): Promise<Placement>;
  /** Drops any cached answer for the org (the router calls it when it switches the org). */
  forget?(orgId: OrgId): void;
}

/** Options for {@link createPlacementDirectory}. */
export interface PlacementDirectoryOptions {
  /** A pool on the default database (the application's pool is fine: it may run `tenantguard.org_placement`). */
  readonly pool: PoolLike;
  /** How long a looked-up placement is reused, in ms (default 5000; 0 asks every time). */
  readonly ttlMs?: number;
}

const row = z.object({ kind: z.enum(['schema', 'database']), schema_name: z.string().nullable(), target: z.string().nullable() });

/**
 * A directory reader with a small per-org cache. After a move, other
 * instances route the org to its new placement within `ttlMs`.
 *
 * @example
 * ```ts
 * const router = createTenantRouter({ defaultPool: pool, targets, directory: createPlacementDirectory({ pool, ttlMs: 2000 }) });
 * ```
 */
export function createPlacementDirectory(options: PlacementDirectoryOptions): PlacementLookup {
  const ttl = options.ttlMs ?? 5000;
  if (!Number.isInteger(ttl) || ttl < 0) throw new TenantGuardError('CONFIG_INVALID', 'ttlMs must be a non-negative integer');
  const cache = new Map<OrgId, { placement: Placement; at: number }>();
  return {
    async lookup(orgIdInput: OrgId): Promise<Placement> {
      const orgId = parseOrgId(orgIdInput);
      const hit = cache.get(orgId);
      if (hit !== undefined && Date.now() - hit.at < ttl) return hit.placement;
      const client = await options.pool.connect();
      let placement: Placement;
      try {
        const { rows } = await client.query('SELECT kind, schema_name, target FROM tenantguard.org_placement($1)', [orgId]);
        const found = rows[0] === undefined ? undefined : row.parse(rows[0]);
        placement =
          found === undefined
            ? SHARED_PLACEMENT
            : parsePlacement(found.kind === 'schema' ? { kind: 'schema', schema: found.schema_name } : { kind: 'database', target: found.target });
      } finally {
        client.release();
      }
      cache.set(orgId, { placement, at: Date.now() });
      return placement;
    },
    forget(orgId: OrgId): void {
      cache.delete(parseOrgId(orgId));
    },
  };
}

/**
 * Records an org's placement in the directory (run as the owner role; the
 * shared placement deletes the entry). {@link moveOrg} calls it at the switch
 * when given `persist`.
 */
export async function savePlacement(admin: Queryable, orgIdInput: OrgId, placementInput: Placement): Promise<void> {
  const orgId = parseOrgId(orgIdInput);
  const p = parsePlacement(placementInput);
  if (p.kind === 'shared') {
    await admin.query('DELETE FROM tenantguard.org_placements WHERE placed_org = $1', [orgId]);
    return;
  }
  await admin.query(
    `INSERT INTO tenantguard.org_placements (placed_org, kind, schema_name, target) VALUES ($1, $2, $3, $4)
     ON CONFLICT (placed_org) DO UPDATE SET kind = EXCLUDED.kind, schema_name = EXCLUDED.schema_name, target = EXCLUDED.target,
       updated_at = pg_catalog.now(), updated_by = current_user`,
    [orgId, p.kind, p.kind === 'schema' ? p.schema : null, p.kind === 'database' ? p.target : null],
  );
}
