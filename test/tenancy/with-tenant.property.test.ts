/**
 * Property: on a pool of 5 connections shared by 20 orgs, thousands of
 * interleaved withTenant calls, some of which throw, hit SQL errors or have
 * their backend killed, never show an org another org's rows, never leave a
 * tenant on a pooled connection, and never wedge the pool.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type OrgId, type TenantDb } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { createTenantTable, newOrg } from './helpers.js';

const db = useTestDatabase();
const ORGS: OrgId[] = Array.from({ length: 20 }, () => newOrg());
// org i owns i + 1 rows, so a count also proves whose rows were seen
const expected = new Map(ORGS.map((o, i) => [o, i + 1]));

type Op =
  | { kind: 'read'; org: number; delay: number }
  | { kind: 'write-then-throw'; org: number; delay: number }
  | { kind: 'sql-error'; org: number; delay: number }
  | { kind: 'kill'; org: number; delay: number }
  | { kind: 'write-commit-undo'; org: number; delay: number }
  | { kind: 'nested'; org: number; delay: number }
  | { kind: 'no-tenant'; org: number; delay: number }
  | { kind: 'mismatch'; org: number; delay: number }
  | { kind: 'read-only-write'; org: number; delay: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>(
    'read', 'read', 'read', 'read', 'write-then-throw', 'sql-error', 'kill', 'write-commit-undo', 'nested', 'no-tenant',
    'mismatch', 'read-only-write',
  ),
  org: fc.integer({ min: 0, max: ORGS.length - 1 }),
  delay: fc.integer({ min: 0, max: 3 }),
}) as fc.Arbitrary<Op>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function visible(t: TenantDb): Promise<Map<string, number>> {
  const r = await t.query<{ org_id: string; n: number }>('SELECT org_id::text AS org_id, count(*)::int AS n FROM prop_items GROUP BY org_id');
  return new Map(r.rows.map((x) => [x.org_id, x.n]));
}

function expectOnlyOwn(seen: Map<string, number>, org: OrgId): void {
  expect([...seen.keys()]).toEqual([org]);
  expect(seen.get(org)).toBe(expected.get(org));
}

beforeAll(async () => {
  await createTenantTable(db.pool, 'prop_items');
  for (const [i, org] of ORGS.entries()) {
    await db.pool.query("INSERT INTO prop_items (org_id, label) SELECT $1, 'r' || g FROM generate_series(1, $2) g", [org, i + 1]);
  }
});

describe('withTenant under interleaved failures (fast-check)', () => {
  it('every read sees only its own org; the pool recovers', async () => {
    const pool = db.createPool({ as: 'app', max: 5 });
    const admin = db.createPool({ max: 3 });
    let calls = 0;
    let kills = 0;

    const run = async (op: Op): Promise<void> => {
      const org = ORGS[op.org]!;
      calls += 1;
      switch (op.kind) {
        case 'read': {
          const seen = await withTenant(pool, org, async (t) => {
            const first = await visible(t);
            await sleep(op.delay);
            const again = await visible(t);
            return [first, again];
          });
          for (const s of seen) expectOnlyOwn(s, org);
          return;
        }
        case 'nested': {
          const seen = await withTenant(pool, org, (outer) => withTenant(pool, org, async (inner) => {
            expect(inner).toBe(outer);
            return visible(inner);
          }));
          expectOnlyOwn(seen, org);
          return;
        }
        case 'write-then-throw': {
          const boom = new Error('planned');
          await expect(
            withTenant(pool, org, async (t) => {
              await t.query("INSERT INTO prop_items (org_id, label) VALUES ($1, 'rolled back')", [org]);
              await sleep(op.delay);
              throw boom;
            }),
          ).rejects.toBe(boom);
          return;
        }
        case 'sql-error': {
          await expect(
            withTenant(pool, org, async (t) => {
              await sleep(op.delay);
              await t.query('SELECT 1 / 0');
            }),
          ).rejects.toMatchObject({ code: '22012' });
          return;
        }
        case 'write-commit-undo': {
          // insert and delete in one committed transaction: net zero, and the
          // row is visible only to its org while it exists
          const seen = await withTenant(pool, org, async (t) => {
            const ins = await t.query<{ id: number }>("INSERT INTO prop_items (org_id, label) VALUES ($1, 'temp') RETURNING id", [org]);
            const during = await visible(t);
            await t.query('DELETE FROM prop_items WHERE id = $1', [ins.rows[0]!.id]);
            return during;
          });
          expect([...seen.keys()]).toEqual([org]);
          expect(seen.get(org)).toBe(expected.get(org)! + 1);
          return;
        }
        case 'kill': {
          kills += 1;
          await expect(
            withTenant(pool, org, async (t) => {
              const pid = (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
              await t.query("INSERT INTO prop_items (org_id, label) VALUES ($1, 'lost with the backend')", [org]);
              await admin.query('SELECT pg_terminate_backend($1)', [pid]);
              await sleep(op.delay);
              // the backend dies asynchronously: keep using it until it is gone
              for (let i = 0; i < 200; i += 1) {
                await t.query('SELECT 1');
                await sleep(1);
              }
            }),
          ).rejects.toThrow();
          return;
        }
        case 'mismatch': {
          // a nested call for another org is refused; the outer transaction
          // still sees exactly its own org afterwards
          const other = ORGS[(op.org + 1) % ORGS.length]!;
          const seen = await withTenant(pool, org, async (t) => {
            await expect(withTenant(pool, other, visible)).rejects.toMatchObject({ code: 'TENANT_MISMATCH' });
            await sleep(op.delay);
            return visible(t);
          });
          expectOnlyOwn(seen, org);
          return;
        }
        case 'read-only-write': {
          await expect(
            withTenant(pool, org, (t) => t.query("INSERT INTO prop_items (org_id, label) VALUES ($1, 'read only')", [org]), { readOnly: true }),
          ).rejects.toMatchObject({ code: '25006' });
          return;
        }
        case 'no-tenant': {
          const r = await pool.query<{ n: number; o: string | null }>(
            'SELECT count(*)::int AS n, tenantguard.current_org_id()::text AS o FROM prop_items',
          );
          expect(r.rows[0]).toEqual({ n: 0, o: null });
          return;
        }
      }
    };

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 150, maxLength: 300 }), async (ops) => {
        await Promise.all(ops.map(run));
        // the pool recovered: nothing waiting, at most 5 connections, all usable
        expect(pool.waitingCount).toBe(0);
        expect(pool.totalCount).toBeLessThanOrEqual(5);
        const all = await Promise.all(ORGS.map((o) => withTenant(pool, o, visible)));
        all.forEach((seen, i) => expectOnlyOwn(seen, ORGS[i]!));
      }),
      { numRuns: 15 },
    );

    // nothing committed by a failed call survived
    const counts = await db.pool.query<{ org_id: string; n: number }>('SELECT org_id::text AS org_id, count(*)::int AS n FROM prop_items GROUP BY org_id');
    expect(new Map(counts.rows.map((r) => [r.org_id, r.n]))).toEqual(expected);
    expect(calls).toBeGreaterThan(2000);
    expect(kills).toBeGreaterThan(50);
  });
});
