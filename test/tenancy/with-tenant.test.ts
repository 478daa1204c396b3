/**
 * withTenant and the 0001 policies against real PostgreSQL: two orgs, fail
 * closed on unset / empty / malformed settings, commit / rollback / release
 * on every path, nested calls, options.
 */
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createWithTenant,
  enterTenantDefault,
  enterTenantSql,
  withTenant,
  type OrgId,
  type PoolClientLike,
  type PoolLike,
  type TenantDb,
} from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { createTenantTable, newOrg, seed } from './helpers.js';

const db = useTestDatabase();
const A = newOrg();
const B = newOrg();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

beforeAll(async () => {
  await createTenantTable(db.pool);
  await seed(db.pool, A, ['a1', 'a2', 'a3']);
  await seed(db.pool, B, ['b1']);
});

describe('two orgs through withTenant (app role, RLS applies)', () => {
  it('B reads only its own rows, even without a WHERE', async () => {
    const rows = await withTenant(db.appPool, B, async (t) => (await t.query<{ org_id: string; label: string }>('SELECT org_id, label FROM items')).rows);
    expect(rows.map((r) => r.label)).toEqual(['b1']);
    expect(rows.every((r) => r.org_id === B)).toBe(true);
    const byId = await withTenant(db.appPool, B, async (t) => (await t.query('SELECT * FROM items WHERE org_id = $1', [A])).rowCount);
    expect(byId).toBe(0);
  });

  it('B cannot update or delete A rows; A rows are intact', async () => {
    const n = await withTenant(db.appPool, B, async (t) => {
      const u = await t.query("UPDATE items SET label = 'pwned' WHERE org_id = $1", [A]);
      const d = await t.query('DELETE FROM items WHERE org_id = $1', [A]);
      return (u.rowCount ?? 0) + (d.rowCount ?? 0);
    });
    expect(n).toBe(0);
    const a = await db.pool.query<{ label: string }>('SELECT label FROM items WHERE org_id = $1 ORDER BY label', [A]);
    expect(a.rows.map((r) => r.label)).toEqual(['a1', 'a2', 'a3']);
  });

  it("an INSERT carrying A's org_id inside B's transaction is refused by WITH CHECK", async () => {
    const code = await codeOf(
      withTenant(db.appPool, B, (t) => t.query("INSERT INTO items (org_id, label) VALUES ($1, 'smuggled')", [A])),
    );
    expect(code).toBe('42501');
    const moved = await codeOf(withTenant(db.appPool, B, (t) => t.query('UPDATE items SET org_id = $1', [A])));
    expect(moved).toBe('42501');
    const smuggled = await db.pool.query("SELECT 1 FROM items WHERE label = 'smuggled'");
    expect(smuggled.rowCount).toBe(0);
  });

  it('no tenant set means zero rows and refused writes', async () => {
    expect((await db.appPool.query('SELECT * FROM items')).rowCount).toBe(0);
    expect(await codeOf(db.appPool.query("INSERT INTO items (org_id, label) VALUES ($1, 'x')", [A]))).toBe('42501');
  });

  it.each([
    ['empty', ''],
    ['malformed', 'not-a-uuid'],
    ['braced (valid for PostgreSQL, not canonical)', `{${A}}`],
    ['injection-looking', `${A}' OR true --`],
  ])('a %s setting gives zero rows and refused writes, never 22P02', async (_name, value) => {
    const c = await db.appPool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.current_org_id', $1, true)", [value]);
      expect((await c.query('SELECT tenantguard.current_org_id() AS o')).rows[0]).toEqual({ o: null });
      expect((await c.query('SELECT * FROM items')).rowCount).toBe(0);
      expect(await codeOf(c.query("INSERT INTO items (org_id, label) VALUES ($1, 'x')", [A]))).toBe('42501');
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
  });
});

describe('the pooled connection carries nothing to its next user', () => {
  async function tenantSeenBy(pool: pg.Pool): Promise<{ setting: string | null; org: string | null; rows: number }> {
    const r = await pool.query<{ setting: string | null; org: string | null; rows: string }>(
      "SELECT current_setting('app.current_org_id', true) AS setting, tenantguard.current_org_id() AS org, (SELECT count(*) FROM items) AS rows",
    );
    const row = r.rows[0]!;
    return { setting: row.setting === '' ? null : row.setting, org: row.org, rows: Number(row.rows) };
  }

  it('after commit, rollback (throw) and a SQL error', async () => {
    const pool = db.createPool({ as: 'app', max: 1 });
    await withTenant(pool, A, (t) => t.query('SELECT 1'));
    expect(await tenantSeenBy(pool)).toEqual({ setting: null, org: null, rows: 0 });
    await expect(withTenant(pool, A, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await tenantSeenBy(pool)).toEqual({ setting: null, org: null, rows: 0 });
    expect(await codeOf(withTenant(pool, A, (t) => t.query('SELECT 1/0')))).toBe('22012');
    expect(await tenantSeenBy(pool)).toEqual({ setting: null, org: null, rows: 0 });
    expect(pool.totalCount).toBe(1);
  });

  it('after the backend is killed with pg_terminate_backend, mid-query and while idle', async () => {
    const pool = db.createPool({ as: 'app', max: 1 });
    const pidOf = async (t: TenantDb): Promise<number> => (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // killed while a query runs
    const first = withTenant(pool, A, async (t) => {
      const pid = await pidOf(t);
      // Observe the query's outcome at once: it may reject (backend gone)
      // while we are still awaiting the terminate, and an unobserved
      // rejection at that moment is reported as unhandled.
      const sleeping = t.query('SELECT pg_sleep(5)').then(
        () => undefined,
        (err: unknown) => err,
      );
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      const failure = await sleeping;
      if (failure !== undefined) throw failure;
    });
    await expect(first).rejects.toThrow();
    expect(await tenantSeenBy(pool)).toEqual({ setting: null, org: null, rows: 0 });
    // killed while the callback awaits something else (no query active): the
    // client emits 'error' with nobody listening unless withTenant listens.
    const second = withTenant(pool, A, async (t) => {
      const pid = await pidOf(t);
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((r) => setTimeout(r, 200));
      await t.query('SELECT 1');
    });
    await expect(second).rejects.toThrow();
    expect(await tenantSeenBy(pool)).toEqual({ setting: null, org: null, rows: 0 });
    expect(pool.totalCount).toBeLessThanOrEqual(1);
  });
});

describe('transaction semantics', () => {
  it('commits on success and returns the result', async () => {
    const org = newOrg();
    const out = await withTenant(db.appPool, org, async (t) => {
      await t.query("INSERT INTO items (org_id, label) VALUES ($1, 'kept')", [org]);
      return 'done';
    });
    expect(out).toBe('done');
    expect((await db.pool.query('SELECT 1 FROM items WHERE org_id = $1', [org])).rowCount).toBe(1);
  });

  it('rolls back when fn throws, and rethrows the same error', async () => {
    const org = newOrg();
    const boom = new Error('boom');
    await expect(
      withTenant(db.appPool, org, async (t) => {
        await t.query("INSERT INTO items (org_id, label) VALUES ($1, 'lost')", [org]);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await db.pool.query('SELECT 1 FROM items WHERE org_id = $1', [org])).rowCount).toBe(0);
  });

  it('a swallowed SQL error makes COMMIT fail loudly (TENANT_COMMIT_FAILED), nothing saved', async () => {
    const org = newOrg();
    const code = await codeOf(
      withTenant(db.appPool, org, async (t) => {
        await t.query("INSERT INTO items (org_id, label) VALUES ($1, 'lost')", [org]);
        await t.query('SELECT 1/0').catch(() => undefined);
      }),
    );
    expect(code).toBe('TENANT_COMMIT_FAILED');
    expect((await db.pool.query('SELECT 1 FROM items WHERE org_id = $1', [org])).rowCount).toBe(0);
  });

  it('a nested call for the same org joins the transaction; another org throws TENANT_MISMATCH', async () => {
    await withTenant(db.appPool, A, async (outer) => {
      const x1 = (await outer.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
      const x2 = await withTenant(db.appPool, A, async (inner) => (await inner.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x);
      expect(x2).toBe(x1);
      expect(await codeOf(withTenant(db.appPool, B, () => 1))).toBe('TENANT_MISMATCH');
      expect(await codeOf(withTenant(db.appPool, A, () => 1, { readOnly: true }))).toBe('TENANT_OPTIONS_CONFLICT');
    });
  });

  it('work started inside fn that outlives it gets its own transaction, not the closed one', async () => {
    let later: Promise<number> | undefined;
    await withTenant(db.appPool, A, () => {
      later = new Promise((r) => setTimeout(r, 50)).then(() =>
        withTenant(db.appPool, A, async (t) => (await t.query('SELECT * FROM items')).rowCount ?? -1),
      );
    });
    expect(await later).toBe(3);
  });

  it('the db handle is dead after the callback (TENANT_CONTEXT_CLOSED)', async () => {
    let leaked: TenantDb | undefined;
    await withTenant(db.appPool, A, (t) => {
      leaked = t;
    });
    expect(await codeOf(leaked!.query('SELECT 1'))).toBe('TENANT_CONTEXT_CLOSED');
    expect(leaked!.orgId).toBe(A);
  });

  it('an invalid org id throws ORG_ID_INVALID before a connection is taken', async () => {
    let connects = 0;
    const spy: PoolLike = { connect: () => { connects += 1; return db.appPool.connect(); } };
    for (const bad of ['', 'nope', `${A}'--`, null, 7]) {
      expect(await codeOf(withTenant(spy, bad as unknown as OrgId, () => 1))).toBe('ORG_ID_INVALID');
    }
    expect(connects).toBe(0);
  });

  it('BEGIN and the tenant setting travel in one round trip; 2 queries per transaction in all', async () => {
    const sent: string[] = [];
    const counting: PoolLike = {
      async connect() {
        const c = await db.appPool.connect();
        const q = c.query.bind(c) as (...a: unknown[]) => unknown;
        return Object.assign(Object.create(c) as PoolClientLike, {
          query: (...a: unknown[]) => {
            sent.push(typeof a[0] === 'string' ? a[0] : 'config');
            return q(...a);
          },
          release: (e?: Error | boolean) => c.release(e),
        });
      },
    };
    await withTenant(counting, A, () => undefined);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^BEGIN; SELECT pg_catalog\.set_config\('app\.current_org_id', '[0-9a-f-]{36}', true\)$/);
    expect(sent[1]).toBe('COMMIT');
  });
});

describe('options', () => {
  it('a superuser pool is inert without role, isolated with role: tenantguard_app', async () => {
    const all = await withTenant(db.pool, B, async (t) => (await t.query('SELECT * FROM items')).rowCount);
    expect(all).toBeGreaterThan(1); // superuser bypasses RLS: the mistake the proof reports
    const mine = await withTenant(db.pool, B, async (t) => (await t.query('SELECT * FROM items')).rowCount, { role: 'tenantguard_app' });
    expect(mine).toBe(1);
  });

  it('role names are quoted as one identifier; an unknown role fails entry and releases cleanly', async () => {
    expect(enterTenantSql({ orgId: A, readOnly: false, isolationLevel: undefined, role: 'x"; DROP TABLE items; --' })).toContain(
      'SET LOCAL ROLE "x""; DROP TABLE items; --"',
    );
    const pool = db.createPool({ max: 1 });
    expect(await codeOf(withTenant(pool, A, () => 1, { role: 'x"; DROP TABLE items; --' }))).toBe('TENANT_ENTRY_FAILED');
    // the one connection came back usable, outside any transaction, and the table is still there
    expect((await pool.query<{ tx: boolean }>("SELECT to_regclass('items') IS NOT NULL AS tx")).rows[0]).toEqual({ tx: true });
    expect(pool.totalCount).toBe(1);
    expect(await codeOf(withTenant(pool, A, () => 1, { role: '' }))).toBe('INPUT_INVALID');
  });

  it('readOnly refuses writes; isolationLevel is applied', async () => {
    const code = await codeOf(
      withTenant(db.appPool, A, (t) => t.query("INSERT INTO items (org_id, label) VALUES ($1, 'ro')", [A]), { readOnly: true }),
    );
    expect(code).toBe('25006');
    const level = await withTenant(db.appPool, A, async (t) => (await t.query<{ transaction_isolation: string }>('SHOW transaction_isolation')).rows[0]!.transaction_isolation, {
      isolationLevel: 'serializable',
    });
    expect(level).toBe('serializable');
  });

  it('the enter step and the pool can be replaced (the seam for signed entry and tenant routing)', async () => {
    const entered: string[] = [];
    const routedTo = db.createPool({ as: 'app', max: 2 });
    const run = createWithTenant({
      enter: async (client, ctx) => {
        entered.push(ctx.orgId);
        await enterTenantDefault(client, ctx);
      },
      route: (orgId, pool) => (orgId === B ? routedTo : pool),
    });
    const n = await run(db.appPool, B, async (t) => (await t.query('SELECT * FROM items')).rowCount);
    expect(n).toBe(1);
    expect(entered).toEqual([B]);
    expect(routedTo.totalCount).toBe(1);
  });
});
