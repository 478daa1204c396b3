/**
 * Provisioning a dedicated placement: the org's schema (with the
 * application's migrations applied inside it) or the org's database (the
 * bundled migrations plus the application's), and optionally the signed
 * context's keys there.
 *
 * @module tenancy
 */
import { TenantGuardError } from '../errors.js';
import { migrate, type MigrateResult } from '../migrate/index.js';
import type { MigrationClient, MigrationDirectory, MigrationPool } from '../migrate/index.js';
import { parsePlacement, schemaSearchPathSql, describePlacement, type Placement } from './placement.js';
import type { Queryable } from './pg-types.js';
import { enableSignedContext, installContextKey } from './signed-context-admin.js';
import type { ContextKey } from './signed-context-proof.js';

/** Options for {@link provisionPlacement}. */
export interface ProvisionPlacementOptions {
  /** A `schema` or `database` placement. */
  readonly placement: Placement;
  /**
   * Where to run the migrations, as the migration (owner) role: for a schema
   * placement the DEFAULT database, for a database placement the target.
   * Give a pool or a URL.
   */
  readonly admin:
    | {
        /** A pool logging in as the migration (owner) role in the placement's database. */
        readonly pool: MigrationPool;
      }
    | {
        /** A connection string for that role; a one-connection pool is opened and closed by the call. */
        readonly databaseUrl: string;
      };
  /** The application's migration folders (the tenant tables). */
  readonly directories?: ReadonlyArray<string | MigrationDirectory>;
  /** Database placements: install these context keys there (the signed context). */
  readonly contextKeys?: readonly ContextKey[];
  /** Database placements: enable the signed context there (needs `contextKeys`). */
  readonly enableSignedContext?: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What {@link provisionPlacement} did. */
export interface ProvisionResult {
  /** The placement, as a label (`schema:org_acme`, `database:eu-1`). */
  readonly placement: string;
  /** The migrations applied by this call. */
  readonly applied: MigrateResult['applied'];
}

/** A pool whose clients use `search_path = schema, public` while checked out (migrations land in the schema). */
function schemaScopedPool(pool: MigrationPool, schema: string): MigrationPool {
  const setPath = schemaSearchPathSql(schema).replace('SET LOCAL', 'SET');
  return {
    async connect(): Promise<MigrationClient> {
      const client = await pool.connect();
      await client.query(setPath);
      const release = client.release.bind(client);
      // The session setting must not outlive this use of the connection.
      return {
        query: client.query.bind(client),
        release: (err?: Error | boolean) => {
          if (err !== undefined && err !== false) {
            release(err);
            return;
          }
          client.query('RESET search_path').then(
            () => release(),
            (e: unknown) => release(e instanceof Error ? e : new Error(String(e))),
          );
        },
      };
    },
  };
}

async function withAdminPool<T>(admin: ProvisionPlacementOptions['admin'], fn: (pool: MigrationPool) => Promise<T>): Promise<T> {
  if ('pool' in admin) return fn(admin.pool);
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: admin.databaseUrl, max: 1 });
  try {
    return await fn(pool as unknown as MigrationPool);
  } finally {
    await pool.end();
  }
}

/**
 * Creates a dedicated placement and runs the migrations there.
 *
 * - schema: `CREATE SCHEMA` in the default database, USAGE for
 *   `tenantguard_app`, then the application's migrations with the schema
 *   first on the search_path, recorded under the namespace `<ns>-<schema>`
 *   (so each schema is migrated, and verified, on its own).
 * - database: the bundled migrations and the application's, in the target
 *   database; optionally its context keys and the signed context.
 *
 * Idempotent: a second call applies only what is pending.
 *
 * @example
 * ```ts
 * await provisionPlacement({ placement: { kind: 'database', target: 'acme' }, admin: { databaseUrl: acmeAdminUrl }, directories: ['./db/migrations'] });
 * ```
 */
export async function provisionPlacement(options: ProvisionPlacementOptions): Promise<ProvisionResult> {
  const placement = parsePlacement(options.placement);
  const log = options.log ?? (() => undefined);
  const label = describePlacement(placement);
  if (placement.kind === 'shared') {
    throw new TenantGuardError('PLACEMENT_INVALID', 'the shared placement needs no provisioning (migrate the default database)');
  }
  try {
    return await withAdminPool(options.admin, async (pool) => {
      if (placement.kind === 'schema') {
        const client = await pool.connect();
        try {
          await client.query(`CREATE SCHEMA IF NOT EXISTS "${placement.schema}"; GRANT USAGE ON SCHEMA "${placement.schema}" TO tenantguard_app`);
        } finally {
          client.release();
        }
        log(`${label}: schema ready`);
        const directories = (options.directories ?? []).map((d): MigrationDirectory => {
          const dir = typeof d === 'string' ? { path: d } : d;
          return { path: dir.path, namespace: `${dir.namespace ?? 'app'}-${placement.schema}`.slice(0, 63) };
        });
        const result = await migrate({ pool: schemaScopedPool(pool, placement.schema), directories, bundled: false, log: (l) => log(`${label}: ${l}`) });
        log(`${label}: ${result.applied.length} migration(s) applied`);
        return { placement: label, applied: result.applied };
      }
      const result = await migrate({ pool, directories: options.directories, log: (l) => log(`${label}: ${l}`) });
      log(`${label}: ${result.applied.length} migration(s) applied`);
      if (options.contextKeys !== undefined || options.enableSignedContext === true) {
        const client = await pool.connect();
        try {
          for (const key of options.contextKeys ?? []) await installContextKey(client as unknown as Queryable, key);
          if (options.enableSignedContext === true) await enableSignedContext(client as unknown as Queryable);
        } finally {
          client.release();
        }
        log(`${label}: signed context ${options.enableSignedContext === true ? 'enabled' : 'keys installed'}`);
      }
      return { placement: label, applied: result.applied };
    });
  } catch (err) {
    if (err instanceof TenantGuardError && err.code === 'PLACEMENT_INVALID') throw err;
    throw new TenantGuardError('PLACEMENT_PROVISION_FAILED', `provisioning ${label} failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      details: { placement: label },
    });
  }
}
