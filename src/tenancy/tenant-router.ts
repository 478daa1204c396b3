/**
 * The tenant router: most orgs share the default pool (RLS separates them);
 * chosen orgs live in their own schema or their own database/server. It
 * plugs into withTenant through the `route` and `enter` seams, so withTenant
 * and everything above it (audit, vault, adapters) route by org without
 * knowing where the org lives.
 *
 * @module tenancy
 */
import { TenantGuardError } from '../errors.js';
import { parseOrgId, type OrgId } from './org-id.js';
import type { PoolLike, TenantDb } from './pg-types.js';
import { describePlacement, parsePlacement, SHARED_PLACEMENT, schemaSearchPathSql, type Placement } from './placement.js';
import type { PlacementLookup } from './placement-directory.js';
import {
  createWithTenant,
  enterTenantDefault,
  enterTenantSql,
  type EnterTenant,
  type RouteTenant,
  type WithTenant,
  type WithTenantOptions,
} from './with-tenant.js';

/** Options for {@link createTenantRouter}. */
export interface TenantRouterOptions {
  /** The shared pool: every org not placed in a dedicated database is served from it. */
  readonly defaultPool: PoolLike;
  /** Named dedicated databases or servers (`{ kind: 'database', target }` names one). */
  readonly targets?: Readonly<Record<string, PoolLike>>;
  /** Orgs placed somewhere other than `shared`. Org ids are validated. */
  readonly placements?: Readonly<Record<string, Placement>> | Iterable<readonly [string, Placement]>;
  /** The entry step (default {@link enterTenantDefault}; the signed entry from createSignedContext().enter). */
  readonly enter?: EnterTenant;
  /**
   * Where to look placements up per transaction (e.g. createPlacementDirectory),
   * so that a move made by another instance is seen here. Entries in
   * `placements` are the starting point; the directory's answer wins.
   */
  readonly directory?: PlacementLookup;
  /** Called after {@link TenantRouter.place} switched an org, e.g. to persist or broadcast the change. */
  readonly onPlacementChange?: (orgId: OrgId, placement: Placement, previous: Placement) => void;
}

/** A tenant router. */
export interface TenantRouter {
  /**
   * withTenant routed by org: a database placement runs on its target's pool,
   * a schema placement sets the search_path; the `pool` argument is the
   * shared pool (pass the default pool, as callers of withTenant already do).
   */
  readonly withTenant: WithTenant;
  /** Runs `fn` for `orgId` wherever it lives (the shared pool is the router's default pool). */
  run<T>(orgId: OrgId, fn: (db: TenantDb) => Promise<T> | T, options?: WithTenantOptions): Promise<T>;
  /** The route seam (for `createWithTenant({ route, enter })`). */
  readonly route: RouteTenant;
  /** The enter seam: the base entry plus the schema placement's search_path. */
  readonly enter: EnterTenant;
  /** Where `orgId` lives as far as this router knows now (its table; see {@link TenantRouter.resolve}). */
  placementOf(orgId: OrgId): Placement;
  /** Where `orgId` lives, asking the directory first when there is one. */
  resolve(orgId: OrgId): Promise<Placement>;
  /** The pool that serves a placement. Throws `PLACEMENT_INVALID` for an unknown target. */
  poolFor(placement: Placement): PoolLike;
  /** Switches an org to another placement (takes effect for the next transaction). */
  place(orgId: OrgId, placement: Placement): void;
  /** Every org placed somewhere other than shared. */
  placements(): ReadonlyMap<OrgId, Placement>;
  /**
   * A withTenant that uses `placement` for every org, whatever the router
   * says (used by moves). Its transactions never join a transaction that
   * another runner has open on the same pool: a move reads the source and
   * writes the target at the same time, possibly through one pool.
   */
  withPlacement(placement: Placement): WithTenant;
  /** The router's default (shared) pool. */
  readonly defaultPool: PoolLike;
  /** True when placements are read from a directory (then a switch must be written there too). */
  readonly hasDirectory: boolean;
}

function entries(p: TenantRouterOptions['placements']): Iterable<readonly [string, Placement]> {
  if (p === undefined) return [];
  if (Symbol.iterator in p) return p as Iterable<readonly [string, Placement]>;
  return Object.entries(p);
}

/**
 * Makes a tenant router.
 *
 * @example
 * ```ts
 * const router = createTenantRouter({
 *   defaultPool: pool,
 *   targets: { 'acme-db': acmePool },
 *   placements: { [acmeOrg]: { kind: 'database', target: 'acme-db' }, [betaOrg]: { kind: 'schema', schema: 'org_beta' } },
 * });
 * await router.withTenant(pool, orgId, (db) => db.query('SELECT * FROM brands')); // wherever the org lives
 * ```
 */
export function createTenantRouter(options: TenantRouterOptions): TenantRouter {
  if (options === null || typeof options !== 'object' || typeof options.defaultPool?.connect !== 'function') {
    throw new TenantGuardError('CONFIG_INVALID', 'createTenantRouter needs a defaultPool with connect()');
  }
  const targets = new Map<string, PoolLike>(Object.entries(options.targets ?? {}));
  for (const [name, pool] of targets) {
    if (typeof pool?.connect !== 'function') throw new TenantGuardError('CONFIG_INVALID', `target ${name} is not a pool`);
  }
  const table = new Map<OrgId, Placement>();
  const checkTarget = (p: Placement): Placement => {
    if (p.kind === 'database' && !targets.has(p.target)) {
      throw new TenantGuardError('PLACEMENT_INVALID', `placement names unknown target ${p.target}`, {
        details: { target: p.target, known: [...targets.keys()] },
      });
    }
    return p;
  };
  for (const [org, p] of entries(options.placements)) {
    const placement = checkTarget(parsePlacement(p));
    if (placement.kind !== 'shared') table.set(parseOrgId(org), placement);
  }
  const base = options.enter ?? enterTenantDefault;

  const placementOf = (orgId: OrgId): Placement => table.get(parseOrgId(orgId)) ?? SHARED_PLACEMENT;
  const poolFor = (p: Placement, shared: PoolLike = options.defaultPool): PoolLike => {
    if (p.kind !== 'database') return shared;
    checkTarget(p);
    return targets.get(p.target) as PoolLike;
  };

  const enterFor = (placementFor: (orgId: OrgId) => Placement): EnterTenant => async (client, ctx) => {
    const p = placementFor(ctx.orgId);
    if (p.kind !== 'schema') return base(client, ctx);
    if (base === enterTenantDefault) {
      // one round trip: BEGIN, the tenant, the role, the org's schema
      await client.query(`${enterTenantSql(ctx)}; ${schemaSearchPathSql(p.schema)}`);
      return;
    }
    await base(client, ctx);
    await client.query(schemaSearchPathSql(p.schema));
  };
  const remember = (org: OrgId, p: Placement): Placement => {
    checkTarget(p);
    if (p.kind === 'shared') table.delete(org);
    else table.set(org, p);
    return p;
  };
  const resolve = async (orgId: OrgId): Promise<Placement> => {
    const org = parseOrgId(orgId);
    if (options.directory === undefined) return placementOf(org);
    return remember(org, parsePlacement(await options.directory.lookup(org)));
  };
  const enter = enterFor(placementOf);
  // route runs before enter (withTenant awaits it first), so enter sees what route resolved
  const route: RouteTenant = async (orgId, pool) => poolFor(await resolve(orgId), pool);
  const routed = createWithTenant({ route, enter });

  return Object.freeze({
    withTenant: routed,
    run: <T>(orgId: OrgId, fn: (db: TenantDb) => Promise<T> | T, opts?: WithTenantOptions) => routed(options.defaultPool, orgId, fn, opts),
    route,
    enter,
    placementOf,
    resolve,
    poolFor: (p: Placement) => poolFor(parsePlacement(p)),
    place(orgId: OrgId, placement: Placement): void {
      const org = parseOrgId(orgId);
      const next = checkTarget(parsePlacement(placement));
      const previous = placementOf(org);
      if (next.kind === 'shared') table.delete(org);
      else table.set(org, next);
      options.directory?.forget?.(org);
      options.onPlacementChange?.(org, next, previous);
    },
    placements: () => new Map(table),
    withPlacement(placement: Placement): WithTenant {
      const fixed = checkTarget(parsePlacement(placement));
      // withTenant joins an open transaction per pool object: a distinct
      // wrapper per underlying pool gives this runner its own transactions.
      const wrappers = new Map<PoolLike, PoolLike>();
      const isolated = (pool: PoolLike): PoolLike => {
        let w = wrappers.get(pool);
        if (w === undefined) {
          w = { connect: () => pool.connect() };
          wrappers.set(pool, w);
        }
        return w;
      };
      return createWithTenant({ route: (_org, pool) => isolated(poolFor(fixed, pool)), enter: enterFor(() => fixed) });
    },
    defaultPool: options.defaultPool,
    hasDirectory: options.directory !== undefined,
  });
}

/** A label for logs and the isolation proof: where the router puts `orgId`. */
export function describeOrgPlacement(router: TenantRouter, orgId: OrgId): string {
  return describePlacement(router.placementOf(orgId));
}
