/**
 * The test database helper. Every integration test gets a fresh database of
 * its own (cloned from the run's migrated template), so files run in parallel
 * and never see each other's rows. Always real PostgreSQL, never a mock.
 *
 * ```ts
 * const db = useTestDatabase();          // registers beforeAll/afterAll
 * it('...', async () => { await db.appPool.query('select 1'); });
 * ```
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { APP_LOGIN_PASSWORD, APP_LOGIN_ROLE, withDatabase, withUser } from './urls.js';

export interface TestDatabaseOptions {
  /** Clone the migrated template (default) or start from an empty database. */
  migrated?: boolean;
}

export interface TestDatabase {
  /** The database's name. */
  readonly name: string;
  /** Superuser URL to this database (the server's admin user). */
  readonly url: string;
  /** URL for a NOSUPERUSER NOBYPASSRLS login role that belongs to tenantguard_app. */
  readonly appUrl: string;
  /** A superuser pool (owner of everything the migrations created). */
  readonly pool: pg.Pool;
  /** A pool connecting as the non-superuser app login role: RLS applies. */
  readonly appPool: pg.Pool;
  /** Another pool on this database; closed by `drop()`. */
  createPool(config?: pg.PoolConfig & { as?: 'admin' | 'app' }): pg.Pool;
  /** Closes every pool this helper made and drops the database. */
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject('adminDatabaseUrl');
}

/** The name of the app login role tests use (member of tenantguard_app). */
export const appLoginRole = APP_LOGIN_ROLE;

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `tg_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : inject('templateDatabase');
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await c.end();
  }
  const url = withDatabase(admin, name);
  const appUrl = withUser(url, APP_LOGIN_ROLE, APP_LOGIN_PASSWORD);
  const pools: pg.Pool[] = [];
  const createPool = (config: pg.PoolConfig & { as?: 'admin' | 'app' } = {}): pg.Pool => {
    const { as = 'admin', ...rest } = config;
    const p = new pg.Pool({ connectionString: as === 'app' ? appUrl : url, max: 5, ...rest });
    // A backend killed on purpose by a test must not crash the process.
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };
  const pool = createPool();
  const appPool = createPool({ as: 'app' });
  let dropped = false;
  return {
    name,
    url,
    appUrl,
    pool,
    appPool,
    createPool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await Promise.allSettled(pools.map((p) => p.end()));
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that create and drop a database for the
 * current file; the returned object is usable inside tests and hooks.
 */
export function useTestDatabase(options: TestDatabaseOptions = {}): TestDatabase {
  let current: TestDatabase | undefined;
  const get = (): TestDatabase => {
    if (current === undefined) throw new Error('test database used outside a test or hook');
    return current;
  };
  beforeAll(async () => {
    current = await createTestDatabase(options);
  });
  afterAll(async () => {
    await current?.drop();
  });
  return {
    get name() { return get().name; },
    get url() { return get().url; },
    get appUrl() { return get().appUrl; },
    get pool() { return get().pool; },
    get appPool() { return get().appPool; },
    createPool: (config) => get().createPool(config),
    drop: () => get().drop(),
  };
}
