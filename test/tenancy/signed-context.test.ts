/**
 * The signed tenant context (migration 0040, src/tenancy/signed-context*.ts)
 * against real PostgreSQL, connected as the app login (NOSUPERUSER
 * NOBYPASSRLS, member of tenantguard_app): every attack from inside tenant
 * A's transaction fails with a clear error and never shows B's rows.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTenantGuardError, TenantGuardError } from '../../src/errors.js';
import { isolationProof, withTenant, type OrgId, type PoolClientLike, type TenantDb } from '../../src/tenancy/index.js';
import { createSignedContext, signedEntryStatements } from '../../src/tenancy/signed-context.js';
import {
  disableSignedContext,
  enableSignedContext,
  installContextKey,
  readSignedContextStatus,
  retireContextKey,
} from '../../src/tenancy/signed-context-admin.js';
import { computeContextProof, generateContextKeySecret, nextIssuedAt, parseContextKey } from '../../src/tenancy/signed-context-proof.js';
import { useTestDatabase } from '../support/db.js';
import { createTenantTable, newOrg, seed } from './helpers.js';

const db = useTestDatabase();
const A = newOrg();
const B = newOrg();
const key1 = { id: 'ctx-1', secret: generateContextKeySecret() };
const key2 = { id: 'ctx-2', secret: generateContextKeySecret() };
const secret1 = parseContextKey(key1).secret;

/** The TenantGuardError code of a rejection, looking through TENANT_ENTRY_FAILED to its cause. */
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (isTenantGuardError(err, 'TENANT_ENTRY_FAILED') && err.cause instanceof TenantGuardError) return err.cause.code;
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** Runs `sql` in a savepoint; returns the SQLSTATE and message it failed with (or undefined). */
async function attempt(t: TenantDb, sql: string, values: unknown[] = []): Promise<{ code: string; message: string } | undefined> {
  await t.query('SAVEPOINT attack');
  try {
    await t.query(sql, values);
    await t.query('RELEASE SAVEPOINT attack');
    return undefined;
  } catch (err) {
    await t.query('ROLLBACK TO SAVEPOINT attack');
    const e = err as { code?: string; message?: string };
    return { code: e.code ?? '', message: e.message ?? '' };
  }
}

async function visible(t: TenantDb): Promise<{ total: number; ofB: number }> {
  const { rows } = await t.query<{ total: string; of_b: string }>(
    'SELECT count(*) AS total, count(*) FILTER (WHERE org_id = $1) AS of_b FROM items',
    [B],
  );
  return { total: Number(rows[0]?.total), ofB: Number(rows[0]?.of_b) };
}

async function tamperEvents(): Promise<number> {
  const s = await readSignedContextStatus(db.pool);
  return s?.tamperEvents ?? -1;
}

function proofArgs(org: OrgId, pid: number, issuedAt: bigint, keyId = key1.id, secret: Buffer = secret1): unknown[] {
  return [org, keyId, pid, issuedAt.toString(), computeContextProof(secret, { keyId, orgId: org, pid, issuedAt })];
}

/** node-postgres' backend pid of a client (set from BackendKeyData; not in @types/pg). */
function pidOf(client: pg.PoolClient): number {
  return (client as unknown as { processID: number }).processID;
}

/** The same client, claiming another backend pid (without changing the pooled client itself). */
function lyingAboutPid(client: pg.PoolClient): PoolClientLike {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'processID') return 1;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as PoolClientLike;
}

const ENTER = 'SELECT tenantguard.enter_signed_tenant($1, $2, $3, $4, $5)';

let signed1: ReturnType<typeof createSignedContext>;
let signed2: ReturnType<typeof createSignedContext>;

beforeAll(async () => {
  await createTenantTable(db.pool);
  await seed(db.pool, A, ['a1', 'a2', 'a3']);
  await seed(db.pool, B, ['b1', 'b2']);
  await installContextKey(db.pool, key1);
  signed1 = createSignedContext({ key: key1 });
  signed2 = createSignedContext({ key: key2 });
});

describe('before it is enabled (plain mode keeps working)', () => {
  it('reports off, and both the plain and the signed entry see only their org', async () => {
    expect(await readSignedContextStatus(db.appPool)).toMatchObject({ enabled: false, enforced: false, activeKeys: 1 });
    const plain = await withTenant(db.appPool, A, async (t) => visible(t));
    const viaSigned = await signed1.withTenant(db.appPool, A, async (t) => visible(t));
    expect(plain).toEqual({ total: 3, ofB: 0 });
    expect(viaSigned).toEqual({ total: 3, ofB: 0 });
  });

  it('refuses to enable without an active key, and the app role cannot enable it', async () => {
    const other = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM tenantguard.context_keys WHERE state = 'active'");
    expect(Number(other.rows[0]?.n)).toBe(1);
    const asApp = await codeOf(db.appPool.query('SELECT tenantguard.enable_signed_context()'));
    expect(asApp).toBe('42501');
  });
});

describe('enabled', () => {
  beforeAll(async () => {
    await enableSignedContext(db.pool, { maxAgeSeconds: 30 });
  });

  it('reports enabled and enforced', async () => {
    expect(await readSignedContextStatus(db.appPool)).toMatchObject({ enabled: true, enforced: true, maxAgeSeconds: 30 });
  });

  it('the signed entry sees exactly its own org; options (readOnly, role, isolation level) still apply', async () => {
    expect(await signed1.withTenant(db.appPool, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 });
    expect(await signed1.withTenant(db.appPool, B, (t) => visible(t))).toEqual({ total: 2, ofB: 2 });
    const ro = await codeOf(
      signed1.withTenant(db.appPool, A, (t) => t.query("INSERT INTO items (org_id, label) VALUES ($1, 'x')", [A]), { readOnly: true }),
    );
    expect(ro).toBe('25006');
    const level = await signed1.withTenant(db.appPool, A, async (t) => (await t.query<{ l: string }>("SELECT current_setting('transaction_isolation') AS l")).rows[0]?.l, {
      isolationLevel: 'repeatable read',
    });
    expect(level).toBe('repeatable read');
    // superuser pool dropping to tenantguard_app: still only A
    expect(await signed1.withTenant(db.pool, A, (t) => visible(t), { role: 'tenantguard_app' })).toEqual({ total: 3, ofB: 0 });
  });

  it('a plain set_config entry (the old way) yields no rows at all and is recorded', async () => {
    const before = await tamperEvents();
    const warnings: string[] = [];
    const client = await db.appPool.connect();
    client.on('notice', (n) => warnings.push(n.message ?? ''));
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      const { rows } = await client.query('SELECT * FROM items');
      expect(rows).toHaveLength(0);
      await client.query('ROLLBACK'); // the record survives the rollback
    } finally {
      client.release();
    }
    expect(await tamperEvents()).toBeGreaterThan(before);
    expect(warnings.some((w) => w.includes('not entered through the signed entry'))).toBe(true);
    expect(await withTenant(db.appPool, B, (t) => visible(t))).toEqual({ total: 0, ofB: 0 });
  });

  it("inside A's transaction: set_config / SET LOCAL to B's id shows nothing (not A's rows, not B's), recorded", async () => {
    const before = await tamperEvents();
    const seen = await signed1.withTenant(db.appPool, A, async (t) => {
      const out: Array<{ total: number; ofB: number }> = [await visible(t)];
      await t.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      out.push(await visible(t));
      await t.query(`SET LOCAL app.current_org_id = '${B}'`);
      out.push(await visible(t));
      const ins = await attempt(t, "INSERT INTO items (org_id, label) VALUES ($1, 'forged')", [B]);
      expect(ins?.code).toBe('42501'); // WITH CHECK: current_org_id() is NULL
      // setting it back to A does not help either? It does: A was signed in this transaction.
      await t.query("SELECT set_config('app.current_org_id', $1, true)", [A]);
      out.push(await visible(t));
      return out;
    });
    expect(seen).toEqual([
      { total: 3, ofB: 0 },
      { total: 0, ofB: 0 },
      { total: 0, ofB: 0 },
      { total: 3, ofB: 0 },
    ]);
    expect(await tamperEvents()).toBeGreaterThanOrEqual(before + 2);
  });

  it("inside A's transaction: RESET ROLE, then set_config to B: still nothing of B's", async () => {
    const seen = await signed1.withTenant(db.appPool, A, async (t) => {
      await t.query('RESET ROLE'); // back to the app login: still NOSUPERUSER NOBYPASSRLS
      const afterReset = await visible(t);
      await t.query('SET LOCAL ROLE NONE');
      await t.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      return { afterReset, afterSwitch: await visible(t), role: (await t.query<{ r: string }>('SELECT current_user AS r')).rows[0]?.r };
    }, { role: 'tenantguard_app' });
    expect(seen).toEqual({ afterReset: { total: 3, ofB: 0 }, afterSwitch: { total: 0, ofB: 0 }, role: 'tenantguard_test_app' });
  });

  it('calling the definer function with a forged proof fails (TG002) and shows nothing of B', async () => {
    const out = await signed1.withTenant(db.appPool, A, async (t) => {
      const pid = (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      const random = await attempt(t, ENTER, [B, key1.id, pid, nextIssuedAt().toString(), randomBytes(32)]);
      const wrongKey = await attempt(t, ENTER, proofArgs(B, pid, nextIssuedAt(), key1.id, randomBytes(32)));
      const altered = proofArgs(A, pid, nextIssuedAt());
      altered[0] = B; // A's genuine proof presented for B
      const swapped = await attempt(t, ENTER, altered);
      const unknownKey = await attempt(t, ENTER, proofArgs(B, pid, nextIssuedAt(), 'no-such-key'));
      await t.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      return { random, wrongKey, swapped, unknownKey, v: await visible(t) };
    });
    expect(out.random?.code).toBe('TG002');
    expect(out.random?.message).toMatch(/proof is not valid/);
    expect(out.wrongKey?.code).toBe('TG002');
    expect(out.swapped?.code).toBe('TG002');
    expect(out.unknownKey?.code).toBe('TG001');
    expect(out.v).toEqual({ total: 0, ofB: 0 });
  });

  it("a replayed proof fails (TG005): B's earlier proof replayed inside A's later transaction on the same backend shows nothing of B", async () => {
    const client = await db.appPool.connect();
    try {
      const pid = pidOf(client);
      const countItems = async (): Promise<number> => (await client.query('SELECT * FROM items')).rowCount ?? -1;
      // B's legitimate transaction on this backend
      const bArgs = proofArgs(B, pid, nextIssuedAt());
      await client.query('BEGIN');
      await client.query(ENTER, bArgs);
      await client.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      expect(await countItems()).toBe(2);
      await client.query('SAVEPOINT s');
      const sameTxn = await codeOf(client.query(ENTER, bArgs)); // the same proof twice in one transaction
      await client.query('ROLLBACK TO SAVEPOINT s');
      await client.query('COMMIT');
      expect(sameTxn).toBe('TG005');
      // later, A's transaction on the same pooled backend; injected SQL replays B's proof
      await client.query('BEGIN');
      await client.query(ENTER, proofArgs(A, pid, nextIssuedAt()));
      await client.query("SELECT set_config('app.current_org_id', $1, true)", [A]);
      expect(await countItems()).toBe(3);
      await client.query('SAVEPOINT s');
      const replay = await client.query(ENTER, bArgs).then(
        () => undefined,
        (e: { code?: string; message?: string }) => e,
      );
      await client.query('ROLLBACK TO SAVEPOINT s');
      await client.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      const afterReplay = await client.query<{ org_id: string }>('SELECT org_id FROM items');
      await client.query('ROLLBACK');
      expect(replay?.code).toBe('TG005');
      expect(replay?.message).toMatch(/already used/);
      expect(afterReplay.rowCount).toBe(0);
      // an OLDER proof than the last accepted one is a replay too (even a genuine, unused one)
      await client.query('BEGIN');
      const older = await codeOf(client.query(ENTER, proofArgs(B, pid, BigInt(bArgs[3] as string) - 1000n)));
      await client.query('ROLLBACK');
      expect(older).toBe('TG005');
    } finally {
      client.release();
    }
  });

  it('an expired proof, or one dated in the future, fails (TG004)', async () => {
    const client = await db.appPool.connect();
    try {
      const pid = pidOf(client);
      const nowUs = BigInt(Date.now()) * 1000n;
      await client.query('BEGIN');
      await client.query('SAVEPOINT s');
      const old = await client.query(ENTER, proofArgs(B, pid, nowUs - 600_000_000n)).then(() => undefined, (e: { code?: string; message?: string }) => e);
      await client.query('ROLLBACK TO SAVEPOINT s');
      await client.query('SAVEPOINT s');
      const future = await codeOf(client.query(ENTER, proofArgs(B, pid, nowUs + 600_000_000n)));
      await client.query('ROLLBACK TO SAVEPOINT s');
      await client.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      const seen = (await client.query('SELECT * FROM items')).rowCount;
      await client.query('ROLLBACK');
      expect(seen).toBe(0);
      expect(old?.code).toBe('TG004');
      expect(old?.message).toMatch(/expired/);
      expect(future).toBe('TG004');
    } finally {
      client.release();
    }
  });

  it("a genuine proof for another backend fails (TG003): bound to pg_backend_pid", async () => {
    const c1 = await db.appPool.connect();
    const c2 = await db.appPool.connect();
    try {
      const args = proofArgs(B, pidOf(c1), nextIssuedAt());
      await c2.query('BEGIN');
      await c2.query('SAVEPOINT s');
      const e = await c2.query(ENTER, args).then(() => undefined, (err: { code?: string; message?: string }) => err);
      await c2.query('ROLLBACK TO SAVEPOINT s');
      await c2.query("SELECT set_config('app.current_org_id', $1, true)", [B]);
      const seen = (await c2.query('SELECT * FROM items')).rowCount;
      await c2.query('ROLLBACK');
      expect(seen).toBe(0);
      expect(e?.code).toBe('TG003');
      expect(e?.message).toMatch(/another backend/);
      // and through the library on a client it was not computed for
      const viaLib = await codeOf(
        signed1.withTenant({ connect: async () => lyingAboutPid(await db.appPool.connect()) }, B, () => 1),
      );
      expect(viaLib).toBe('SIGNED_CONTEXT_WRONG_BACKEND');
    } finally {
      c1.release();
      c2.release();
    }
  });

  it('the context does not carry over: COMMIT; BEGIN inside the callback leaves no tenant', async () => {
    const seen = await signed1.withTenant(db.appPool, A, async (t) => {
      await t.query('COMMIT');
      await t.query('BEGIN');
      await t.query("SELECT set_config('app.current_org_id', $1, true)", [A]);
      return visible(t);
    });
    expect(seen).toEqual({ total: 0, ofB: 0 });
  });

  it('the app role cannot read the keys, the ledger, or touch the settings and the tamper counter', async () => {
    const out = await signed1.withTenant(db.appPool, A, async (t) => ({
      keys: await attempt(t, 'SELECT * FROM tenantguard.context_keys'),
      ledger: await attempt(t, 'SELECT * FROM tenantguard.context_ledger'),
      forgeLedger: await attempt(t, 'UPDATE tenantguard.context_ledger SET entered_org = $1', [B]),
      settings: await attempt(t, 'UPDATE tenantguard.context_settings SET signed_required = false'),
      counter: await attempt(t, "SELECT setval('tenantguard.context_tamper_events', 1)"),
      install: await attempt(t, 'SELECT tenantguard.install_context_key($1, $2)', ['evil', randomBytes(32)]),
      retire: await attempt(t, 'SELECT tenantguard.retire_context_key($1)', [key1.id]),
      disable: await attempt(t, 'SELECT tenantguard.disable_signed_context()'),
      setRole: await attempt(t, 'SET LOCAL ROLE tenantguard_definer'),
      v: await visible(t),
    }));
    for (const [name, r] of Object.entries(out)) {
      if (name === 'v') continue;
      expect(r, name).toBeDefined();
      expect((r as { code: string }).code, name).toBe('42501');
    }
    expect((out.keys as { message: string }).message).toMatch(/permission denied/);
    expect(out.v).toEqual({ total: 3, ofB: 0 });
  });

  it('the app role cannot ALTER or CREATE OR REPLACE the functions', async () => {
    const out = await signed1.withTenant(db.appPool, A, async (t) => ({
      replaceCurrent: await attempt(
        t,
        "CREATE OR REPLACE FUNCTION tenantguard.current_org_id() RETURNS uuid LANGUAGE sql AS $$ SELECT current_setting('app.current_org_id')::uuid $$",
      ),
      replaceSigned: await attempt(
        t,
        "CREATE OR REPLACE FUNCTION tenantguard.signed_org_id() RETURNS uuid LANGUAGE sql AS $$ SELECT current_setting('app.current_org_id')::uuid $$",
      ),
      replaceEnter: await attempt(
        t,
        'CREATE OR REPLACE FUNCTION tenantguard.enter_signed_tenant(uuid, text, integer, bigint, bytea) RETURNS void LANGUAGE sql AS $$ SELECT $$',
      ),
      alterOwner: await attempt(t, 'ALTER FUNCTION tenantguard.signed_org_id() OWNER TO tenantguard_test_app'),
      alterSecurity: await attempt(t, 'ALTER FUNCTION tenantguard.enter_signed_tenant(uuid, text, integer, bigint, bytea) SECURITY INVOKER'),
      alterCurrent: await attempt(t, 'ALTER FUNCTION tenantguard.current_org_id() RENAME TO x'),
      dropCurrent: await attempt(t, 'DROP FUNCTION tenantguard.current_org_id() CASCADE'),
      shadow: await attempt(t, 'CREATE FUNCTION tenantguard.pg_backend_pid() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$'),
    }));
    for (const [name, r] of Object.entries(out)) {
      expect(r, name).toBeDefined();
      expect(['42501'], `${name}: ${r?.message}`).toContain(r?.code);
    }
    expect(out.replaceCurrent?.message).toMatch(/must be owner|permission denied/);
    expect((await readSignedContextStatus(db.pool))?.enforced).toBe(true);
  });

  it('the entry is prepared once per connection, and survives DEALLOCATE ALL / DISCARD ALL by other code', async () => {
    const one = db.createPool({ as: 'app', max: 1 });
    for (let i = 0; i < 3; i++) expect(await signed1.withTenant(one, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 });
    const prepared = await one.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'tenantguard%' ORDER BY name");
    expect(prepared.rows.map((r) => r.name)).toEqual(['tenantguard_begin_v1', 'tenantguard_signed_entry_v1']); // BEGIN too: no Parse per transaction
    await one.query('DEALLOCATE ALL');
    expect(await signed1.withTenant(one, B, (t) => visible(t))).toEqual({ total: 2, ofB: 2 });
    await one.query('DISCARD ALL');
    expect(await signed1.withTenant(one, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 });
    // only one of the two vanished: the other is not parsed again (that would fail with 42P05)
    await one.query('DEALLOCATE tenantguard_begin_v1');
    expect(await signed1.withTenant(one, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 });
    await one.query('DEALLOCATE tenantguard_signed_entry_v1');
    expect(await signed1.withTenant(one, B, (t) => visible(t))).toEqual({ total: 2, ofB: 2 });
    // isolation level and READ ONLY variants are prepared statements of their own, once each
    for (let i = 0; i < 2; i++) {
      expect(await signed1.withTenant(one, A, (t) => visible(t), { isolationLevel: 'repeatable read', readOnly: true })).toEqual({ total: 3, ofB: 0 });
    }
    const variants = await one.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'tenantguard%' ORDER BY name");
    expect(variants.rows.map((r) => r.name)).toEqual([
      'tenantguard_begin_repeatable_read_v1',
      'tenantguard_begin_v1',
      'tenantguard_read_only_v1',
      'tenantguard_signed_entry_v1',
    ]);
  });

  it('the proof travels as a bind parameter: no entry statement text contains it', () => {
    const proof = randomBytes(32);
    const stmts = signedEntryStatements(
      { orgId: A, readOnly: true, isolationLevel: 'serializable', role: 'tenantguard_app' },
      { keyId: 'k', pid: 42, issuedAt: 1n, proof },
    );
    const text = stmts.map((s) => s.text).join('\n');
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(text).not.toContain(proof.toString(enc));
    expect(text).not.toContain(A);
    expect(stmts.some((s) => s.values.some((v) => Buffer.isBuffer(v) && v.equals(proof)))).toBe(true);
  });

  it('the live entry statement in pg_stat_activity carries placeholders, not the proof or the org', async () => {
    const seen = await signed1.withTenant(
      db.appPool,
      A,
      async (t) => {
        const pid = (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
        // from another connection, while this transaction idles: the last statement this backend ran before the pid query
        const before = await db.pool.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE pid = $1', [pid]);
        return before.rows[0]?.query ?? '';
      },
      { role: 'tenantguard_app' },
    );
    expect(seen).toBe('SELECT pg_backend_pid() AS pid');
    // the entry itself, observed while it is the backend's last statement
    const one = db.createPool({ as: 'app', max: 1 });
    let entryText = '';
    await signed1.withTenant(one, A, async () => {
      const { rows } = await db.pool.query<{ query: string }>(
        "SELECT query FROM pg_stat_activity WHERE usename = 'tenantguard_test_app' AND query LIKE '%enter_signed_tenant%' AND state = 'idle in transaction'",
      );
      entryText = rows.map((r) => r.query).join('\n');
    });
    expect(entryText).toContain('tenantguard.enter_signed_tenant($1::uuid, $2::text, $3::integer, $4::bigint, $5::bytea)');
    expect(entryText).not.toContain(A);
    expect(entryText).not.toMatch(/\\x[0-9a-f]{16}|[A-Za-z0-9+/]{40}/);
  });

  it('policies keep using the tenant index under the signed context (EXPLAIN)', async () => {
    await db.pool.query(`
      CREATE TABLE big (org_id uuid NOT NULL, id bigint NOT NULL, v int NOT NULL, PRIMARY KEY (org_id, id));
      INSERT INTO big SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g % 200), 12, '0'))::uuid, g, g % 7 FROM generate_series(1, 40000) g;
      INSERT INTO big SELECT $1::uuid, g, 1 FROM generate_series(1, 50) g;
      SELECT tenantguard.enable_tenant_isolation('big');
      ANALYZE big;`.replace('$1::uuid', `'${A}'::uuid`));
    const plan = await signed1.withTenant(db.appPool, A, async (t) => {
      const { rows } = await t.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT count(*) FROM big');
      const count = await t.query<{ n: string }>('SELECT count(*) AS n FROM big');
      return { plan: rows.map((r) => r['QUERY PLAN']).join('\n'), n: Number(count.rows[0]?.n) };
    });
    expect(plan.n).toBe(50);
    expect(plan.plan).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
    expect(plan.plan).toContain('big_pkey');
    expect(plan.plan).not.toMatch(/Seq Scan on big/);
  });

  it('a failed entry (mid-batch: BEGIN ran, the entry failed) leaves the pooled connection usable', async () => {
    const one = db.createPool({ as: 'app', max: 1 });
    const unknown = createSignedContext({ key: { id: 'never-installed', secret: generateContextKeySecret() } });
    expect(await codeOf(unknown.withTenant(one, A, () => 1, { role: 'tenantguard_app' }))).toBe('SIGNED_CONTEXT_KEY_UNKNOWN');
    expect(await signed1.withTenant(one, A, (t) => visible(t), { role: 'tenantguard_app' })).toEqual({ total: 3, ofB: 0 });
    const { rows } = await one.query<{ s: string; r: string }>("SELECT pg_catalog.txid_status(pg_catalog.txid_current()) AS s, current_user AS r");
    expect(rows[0]).toEqual({ s: 'in progress', r: 'tenantguard_test_app' }); // no transaction or role left behind
  });

  it('the key cache in the ledger follows the settings: a shorter limit applies from the next entry', async () => {
    // its own connection: the future-dated proofs below raise its backend's high-water mark
    const one = db.createPool({ as: 'app', max: 1 });
    const client = await one.connect();
    try {
      const pid = pidOf(client);
      const nowUs = BigInt(Date.now()) * 1000n;
      await client.query('BEGIN');
      await client.query(ENTER, proofArgs(A, pid, nowUs + 3_000_000n)); // 3 s ahead: fine under 5 s; cached
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query(ENTER, proofArgs(A, pid, nowUs + 3_100_000n)); // the cached fast path
      await client.query('COMMIT');
      await enableSignedContext(db.pool, { maxFutureSeconds: 1 });
      try {
        await client.query('BEGIN');
        const ahead = await codeOf(client.query(ENTER, proofArgs(A, pid, nowUs + 3_200_000n))); // newer than the last, too far ahead now
        await client.query('ROLLBACK');
        expect(ahead).toBe('TG004');
      } finally {
        await enableSignedContext(db.pool, { maxFutureSeconds: 5 });
      }
    } finally {
      client.release(true); // destroy it: its backend is done
      await one.end();
    }
  });

  it('rotates the key without downtime: two live keys, then the old one retired', async () => {
    // before install, key 2 is refused
    expect(await codeOf(signed2.withTenant(db.appPool, A, () => 1))).toBe('SIGNED_CONTEXT_KEY_UNKNOWN');
    await installContextKey(db.pool, key2);
    await installContextKey(db.pool, key2); // idempotent
    // old and new instances serve concurrently, interleaved
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? signed1 : signed2).withTenant(db.appPool, i % 3 === 0 ? B : A, (t) => visible(t))),
    );
    expect(runs.every((r) => r.total === 2 || r.total === 3)).toBe(true);
    // a connection whose ledger row caches key 1 (the fast path)
    const one = db.createPool({ as: 'app', max: 1 });
    for (let i = 0; i < 2; i++) expect(await signed1.withTenant(one, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 });
    await retireContextKey(db.pool, key1.id);
    expect(await codeOf(signed1.withTenant(db.appPool, A, () => 1))).toBe('SIGNED_CONTEXT_KEY_UNKNOWN');
    expect(await codeOf(signed1.withTenant(one, A, () => 1))).toBe('SIGNED_CONTEXT_KEY_UNKNOWN');
    expect(await signed2.withTenant(db.appPool, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 });
    // the last active key cannot be retired while enabled
    const last = await codeOf(retireContextKey(db.pool, key2.id));
    expect(last).toBe('SIGNED_CONTEXT_ADMIN_FAILED');
    // a retired id cannot come back, and an id cannot change its secret
    expect(await codeOf(installContextKey(db.pool, key1))).toBe('SIGNED_CONTEXT_ADMIN_FAILED');
    expect(await codeOf(installContextKey(db.pool, { id: key2.id, secret: generateContextKeySecret() }))).toBe('SIGNED_CONTEXT_ADMIN_FAILED');
    expect(await readSignedContextStatus(db.appPool)).toMatchObject({ activeKeys: 1, retiredKeys: 1 });
  });

  it('rejects malformed keys before any SQL, without echoing the secret', () => {
    const secret = 'c2hvcnQ';
    let err: unknown;
    try {
      createSignedContext({ key: { id: 'ok', secret } });
    } catch (e) {
      err = e;
    }
    expect(isTenantGuardError(err, 'SIGNED_CONTEXT_KEY_INVALID')).toBe(true);
    expect(JSON.stringify({ m: (err as Error).message, d: (err as TenantGuardError).details })).not.toContain(secret);
    expect(() => createSignedContext({ key: { id: 'bad id!', secret: generateContextKeySecret() } })).toThrow(TenantGuardError);
  });

  it('the isolation proof reports the signed context, and flags it when current_org_id() was replaced afterwards', async () => {
    const proof = await isolationProof(db.appPool, { orgId: A, withTenant: signed2.withTenant });
    expect(proof.signedContext).toMatchObject({ enabled: true, enforced: true, activeKeys: 1, retiredKeys: 1 });
    expect(proof.signedContext?.tamperEvents).toBeGreaterThan(0);
    expect(proof.applicationLayer).toMatchObject({ status: 'active', currentOrgId: A });
    expect(proof.findings.map((f) => f.code)).not.toContain('SIGNED_CONTEXT_NOT_ENFORCED');
    // the definer-owned tables carry no tenant column the proof would flag
    expect(proof.findings.filter((f) => f.object.includes('context_'))).toEqual([]);
    expect(proof.isolated).toBe(true);
    // the plain entry under the signed context: the proof says the app layer carried no org
    const plain = await isolationProof(db.appPool, { orgId: A });
    expect(plain.applicationLayer.status).toBe('inactive');
    expect(plain.isolated).toBe(false);
    // a later migration that redefines current_org_id() silently undoes the signed context: reported
    const { rows } = await db.pool.query<{ def: string }>('SELECT plain_definition AS def FROM tenantguard.context_settings');
    await db.pool.query(rows[0]?.def ?? '');
    const drifted = await isolationProof(db.appPool, { orgId: A });
    expect(drifted.signedContext).toMatchObject({ enabled: true, enforced: false });
    expect(drifted.findings.map((f) => f.code)).toContain('SIGNED_CONTEXT_NOT_ENFORCED');
    expect(drifted.isolated).toBe(false);
    await enableSignedContext(db.pool);
  });

  it('disabling restores the plain context', async () => {
    await disableSignedContext(db.pool);
    expect(await readSignedContextStatus(db.appPool)).toMatchObject({ enabled: false, enforced: false });
    expect(await withTenant(db.appPool, B, (t) => visible(t))).toEqual({ total: 2, ofB: 2 });
    await enableSignedContext(db.pool);
    expect(await readSignedContextStatus(db.appPool)).toMatchObject({ enabled: true, enforced: true });
    expect(await withTenant(db.appPool, B, (t) => visible(t))).toEqual({ total: 0, ofB: 0 });
  });
  it('retiring a key waits for a signed transaction that has just read it, then refuses it on that backend too', async () => {
    const key3 = { id: 'ctx-race', secret: generateContextKeySecret() };
    await installContextKey(db.pool, key3);
    const signed3 = createSignedContext({ key: key3 });
    const one = db.createPool({ as: 'app', max: 1 });
    const admin = await db.pool.connect();
    try {
      expect(await signed3.withTenant(one, A, (t) => visible(t))).toEqual({ total: 3, ofB: 0 }); // cached on that backend
      await retireContextKey(db.pool, key3.id);
      const key4 = { id: 'ctx-race-2', secret: generateContextKeySecret() };
      await installContextKey(db.pool, key4);
      const signed4 = createSignedContext({ key: key4 });
      expect(await codeOf(signed3.withTenant(one, A, () => 1))).toBe('SIGNED_CONTEXT_KEY_UNKNOWN');
      // an entry that reads key4 (first use on this backend) holds it until its transaction ends...
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const open = signed4.withTenant(one, A, async () => {
        await held;
        return 1;
      });
      await new Promise((r) => setTimeout(r, 200));
      await admin.query("SET lock_timeout = '300ms'");
      const blocked = await codeOf(admin.query('SELECT tenantguard.retire_context_key($1)', [key4.id]));
      expect(blocked).toBe('55P03'); // lock_not_available: the retirement waits for the open entry
      release();
      expect(await open).toBe(1);
      await admin.query('SELECT tenantguard.retire_context_key($1)', [key4.id]);
      // ...and the key it cached is gone with the retirement
      expect(await codeOf(signed4.withTenant(one, A, () => 1))).toBe('SIGNED_CONTEXT_KEY_UNKNOWN');
    } finally {
      await admin.query('RESET lock_timeout');
      admin.release();
    }
  });
});
