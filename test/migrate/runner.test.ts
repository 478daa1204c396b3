import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isTenantGuardError, type TenantGuardError } from '../../src/errors.js';
import { migrate, migrationStatus, verifyMigrations } from '../../src/migrate/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const dbs: TestDatabase[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function emptyDb(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated: false });
  dbs.push(db);
  return db;
}
function appDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-app-mig-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}
async function caught(p: Promise<unknown>): Promise<TenantGuardError> {
  try {
    await p;
  } catch (err) {
    if (isTenantGuardError(err)) return err;
    throw err;
  }
  throw new Error('expected a TenantGuardError');
}
const APP = {
  '0001_brands.sql': `CREATE TABLE brands (id uuid PRIMARY KEY, org_id uuid NOT NULL, name text NOT NULL);
CREATE INDEX ON brands (org_id);
SELECT tenantguard.enable_tenant_isolation('brands');
CREATE TABLE applied_log (migration text NOT NULL);
INSERT INTO applied_log VALUES ('0001');`,
  '0002_more.sql': `ALTER TABLE brands ADD COLUMN slug text;
INSERT INTO applied_log VALUES ('0002');`,
};

describe('migrate', () => {
  it('applies the bundled migrations, then the app folder, each once, with checksums', async () => {
    const db = await emptyDb();
    const dir = appDir(APP);
    const first = await migrate({ pool: db.pool, directories: [dir] });
    expect(first.applied.map((a) => `${a.namespace}/${a.name}`)).toContain('app/0002_more.sql');
    expect(first.applied[0]?.namespace).toBe('tenantguard');
    const second = await migrate({ pool: db.pool, directories: [dir] });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
    const rows = await db.pool.query('SELECT namespace, name, checksum FROM tenantguard.schema_migrations ORDER BY namespace, version');
    expect(rows.rows.every((r: { checksum: string }) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    const log = await db.pool.query('SELECT migration FROM applied_log ORDER BY 1');
    expect(log.rows.map((r: { migration: string }) => r.migration)).toEqual(['0001', '0002']);
    // the app's table really got RLS from the bundled function
    const rls = await db.pool.query(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'brands'::regclass`);
    expect(rls.rows[0]).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('releases every client it takes from the pool', async () => {
    const db = await emptyDb();
    const pool = db.createPool({ max: 2 });
    await migrate({ pool });
    await migrate({ pool, dryRun: true });
    await migrationStatus({ pool });
    expect(pool.totalCount).toBe(pool.idleCount);
    expect(pool.waitingCount).toBe(0);
  });

  it('rolls a failing migration back completely, names the file, message and position, keeps earlier ones', async () => {
    const db = await emptyDb();
    const dir = appDir({
      '0001_ok.sql': 'CREATE TABLE kept (a int);',
      '0002_bad.sql': 'CREATE TABLE half (a int);\nINSERT INTO half VALUES (1);\nSELECT * FROM no_such_table;\n',
      '0003_never.sql': 'CREATE TABLE never (a int);',
    });
    const err = await caught(migrate({ pool: db.pool, directories: [dir] }));
    expect(err.code).toBe('MIGRATION_FAILED');
    expect(err.message).toContain(join(dir, '0002_bad.sql'));
    expect(err.message).toContain('relation "no_such_table" does not exist');
    expect(err.message).toContain('line 3, column 15');
    expect(err.message).toContain('42P01');
    expect(err.message).toContain('rolled back');
    const t = await db.pool.query(`SELECT to_regclass('kept')::text AS kept, to_regclass('half')::text AS half, to_regclass('never')::text AS never`);
    expect(t.rows[0]).toEqual({ kept: 'kept', half: null, never: null });
    const applied = await db.pool.query(`SELECT name FROM tenantguard.schema_migrations WHERE namespace = 'app'`);
    expect(applied.rows.map((r: { name: string }) => r.name)).toEqual(['0001_ok.sql']);
  });

  it('refuses an applied migration whose file changed, naming the file; verify reports it', async () => {
    const db = await emptyDb();
    const dir = appDir(APP);
    await migrate({ pool: db.pool, directories: [dir] });
    writeFileSync(join(dir, '0001_brands.sql'), `${APP['0001_brands.sql']}\n-- edited\n`);
    writeFileSync(join(dir, '0003_new.sql'), 'CREATE TABLE not_applied (a int);');
    const err = await caught(migrate({ pool: db.pool, directories: [dir] }));
    expect(err.code).toBe('MIGRATION_CHECKSUM_MISMATCH');
    expect(err.message).toContain(join(dir, '0001_brands.sql'));
    const t = await db.pool.query(`SELECT to_regclass('not_applied')::text AS t`);
    expect(t.rows[0].t).toBeNull();
    const v = await verifyMigrations({ pool: db.pool, directories: [dir] });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ code: 'MIGRATION_CHECKSUM_MISMATCH', namespace: 'app', name: '0001_brands.sql' }]);
  });

  it('refuses when an applied migration file has vanished', async () => {
    const db = await emptyDb();
    const dir = appDir(APP);
    await migrate({ pool: db.pool, directories: [dir] });
    rmSync(join(dir, '0002_more.sql'));
    const err = await caught(migrate({ pool: db.pool, directories: [dir] }));
    expect(err.code).toBe('MIGRATION_MISSING');
    expect(err.message).toContain('0002_more.sql');
  });

  it('detects a migration merged late and says how to fix it; allowOutOfOrder applies it', async () => {
    const db = await emptyDb();
    const dir = appDir({ '0001_a.sql': 'CREATE TABLE a (x int);', '0003_c.sql': 'CREATE TABLE c (x int);' });
    await migrate({ pool: db.pool, directories: [dir] });
    writeFileSync(join(dir, '0002_b.sql'), 'CREATE TABLE b (x int);');
    const err = await caught(migrate({ pool: db.pool, directories: [dir] }));
    expect(err.code).toBe('MIGRATION_OUT_OF_ORDER');
    expect(err.message).toMatch(/0002_b\.sql is pending but app\/0003_c\.sql is already applied/);
    expect(err.message).toMatch(/Renumber it above 0003/);
    const status = await migrationStatus({ pool: db.pool, directories: [dir] });
    expect(status.find((s) => s.name === '0002_b.sql')?.state).toBe('out_of_order');
    const r = await migrate({ pool: db.pool, directories: [dir], allowOutOfOrder: true });
    expect(r.applied.map((a) => a.name)).toEqual(['0002_b.sql']);
  });

  it('dryRun lists what it would apply and changes nothing', async () => {
    const db = await emptyDb();
    const dir = appDir(APP);
    const r = await migrate({ pool: db.pool, directories: [dir], dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.applied.map((a) => a.name)).toContain('0001_foundation.sql');
    const t = await db.pool.query(`SELECT to_regclass('tenantguard.schema_migrations')::text AS t, to_regclass('brands')::text AS b`);
    expect(t.rows[0]).toEqual({ t: null, b: null });
  });

  it('runs a no-transaction migration statement by statement (CREATE INDEX CONCURRENTLY)', async () => {
    const db = await emptyDb();
    const dir = appDir({
      '0001_t.sql': 'CREATE TABLE big (a int); INSERT INTO big SELECT generate_series(1, 1000);',
      '0002_idx.sql': '-- tenantguard:no-transaction\nCREATE INDEX CONCURRENTLY big_a ON big (a);\nCREATE INDEX CONCURRENTLY big_a2 ON big ((a * 2));\n',
    });
    await migrate({ pool: db.pool, directories: [dir] });
    const idx = await db.pool.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'big'`);
    expect(idx.rows[0].n).toBe(2);
    const rec = await db.pool.query(`SELECT transactional FROM tenantguard.schema_migrations WHERE name = '0002_idx.sql'`);
    expect(rec.rows[0].transactional).toBe(false);
  });

  it('reports a failing no-transaction migration as not rolled back, and does not record it', async () => {
    const db = await emptyDb();
    const dir = appDir({
      '0001_x.sql': '-- tenantguard:no-transaction\nCREATE TABLE first_done (a int);\nSELECT nope FROM first_done;\n',
    });
    const err = await caught(migrate({ pool: db.pool, directories: [dir] }));
    expect(err.code).toBe('MIGRATION_FAILED');
    expect(err.message).toContain('NOT rolled back');
    expect(err.message).toContain('line 3, column 8');
    const rec = await db.pool.query(`SELECT count(*)::int AS n FROM tenantguard.schema_migrations WHERE namespace = 'app'`);
    expect(rec.rows[0].n).toBe(0);
  });

  it('ten runners started at once apply each migration exactly once, without errors', async () => {
    const db = await emptyDb();
    const dir = appDir(APP);
    const pools = Array.from({ length: 10 }, () => db.createPool({ max: 1 }));
    const results = await Promise.all(pools.map((pool) => migrate({ pool, directories: [dir], lock: { pollMs: 10 } })));
    const appliedNames = results.flatMap((r) => r.applied.map((a) => `${a.namespace}/${a.name}`));
    expect(new Set(appliedNames).size).toBe(appliedNames.length);
    const total = await db.pool.query('SELECT count(*)::int AS n FROM tenantguard.schema_migrations');
    expect(appliedNames.length).toBe(total.rows[0].n);
    const log = await db.pool.query('SELECT migration, count(*)::int AS n FROM applied_log GROUP BY 1 ORDER BY 1');
    expect(log.rows).toEqual([{ migration: '0001', n: 1 }, { migration: '0002', n: 1 }]);
  });

  it('a no-transaction CREATE INDEX CONCURRENTLY does not hang behind runners waiting for the lock', async () => {
    const db = await emptyDb();
    await migrate({ pool: db.pool });
    await db.pool.query('CREATE TABLE wide (a int); INSERT INTO wide SELECT generate_series(1, 200000)');
    const dir = appDir({
      '0001_idx.sql': '-- tenantguard:no-transaction\nCREATE INDEX CONCURRENTLY wide_a ON wide (a);\n',
    });
    const pools = Array.from({ length: 6 }, () => db.createPool({ max: 1 }));
    const started = Date.now();
    const results = await Promise.all(pools.map((pool) => migrate({ pool, directories: [dir], lock: { pollMs: 5, timeoutMs: 30_000 } })));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(results.flatMap((r) => r.applied).map((a) => a.name)).toEqual(['0001_idx.sql']);
    const valid = await db.pool.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'wide_a'::regclass`);
    expect(valid.rows[0].indisvalid).toBe(true);
  });

  it('fails fast, or times out, while another runner holds the lock', async () => {
    const db = await emptyDb();
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7264917302118011)');
      const busy = await caught(migrate({ pool: db.pool, lock: { failFast: true } }));
      expect(busy.code).toBe('MIGRATION_LOCK_BUSY');
      const t0 = Date.now();
      const late = await caught(migrate({ pool: db.pool, lock: { timeoutMs: 300, pollMs: 20 } }));
      expect(late.code).toBe('MIGRATION_LOCK_TIMEOUT');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    } finally {
      await holder.end();
    }
    // once released, the same call succeeds
    await expect(migrate({ pool: db.pool, lock: { failFast: true } })).resolves.toMatchObject({ dryRun: false });
  });

  it('refuses a reserved or duplicated namespace and a missing pool/url', async () => {
    const a = appDir({ '0001_a.sql': 'select 1;' });
    await expect(caught(migrate({ databaseUrl: 'postgres://x@127.0.0.1:1/x', directories: [{ path: a, namespace: 'tenantguard' }] }))).resolves.toMatchObject({ code: 'MIGRATION_INVALID' });
    await expect(caught(migrate({ databaseUrl: 'postgres://x@127.0.0.1:1/x', directories: [a, a] }))).resolves.toMatchObject({ code: 'MIGRATION_INVALID' });
    await expect(caught(migrate({}))).resolves.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
