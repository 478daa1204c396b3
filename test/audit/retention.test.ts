import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog, verifyArchive, type ArchiveManifest } from '../../src/audit/index.js';
import { isTenantGuardError } from '../../src/errors.js';
import { withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { newOrg } from './helpers.js';

describe('audit retention', () => {
  const db = useTestDatabase();
  const orgA = newOrg();
  const orgB = newOrg();
  let dir: string;

  async function partitionExists(name: string): Promise<boolean> {
    const r = await db.pool.query('SELECT to_regclass($1) IS NOT NULL AS e', [`tenantguard.${name}`]);
    return r.rows[0].e as boolean;
  }

  /** Inserts backdated rows as a superuser import (the only way to write the past). */
  async function backdated(org: string | null, at: string, n: number): Promise<void> {
    const c = await db.pool.connect();
    try {
      await c.query("BEGIN; SET LOCAL tenantguard.audit_backdate = 'on'");
      await c.query(
        `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, details, created_at, ip_address)
         SELECT $1::uuid, 'old.event', 'doc', jsonb_build_object('i', g, 's', 'quote " and \\ and , ('), $2::timestamptz + g * interval '1 minute', '192.0.2.1'
           FROM generate_series(1, $3::int) g`,
        [org, at, n],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tg-audit-archive-'));
    await db.pool.query(`SELECT tenantguard.audit_create_partition(m::date)
      FROM unnest(ARRAY['2016-01-01','2016-02-01','2016-03-01','2016-04-01']) AS m`);
    await backdated(orgA, '2016-01-10T00:00:00Z', 30);
    await backdated(orgB, '2016-01-20T00:00:00Z', 10);
    await backdated(orgA, '2016-02-05T00:00:00Z', 20);
    await backdated(orgA, '2016-03-05T00:00:00Z', 5);
    await backdated(orgA, '2016-04-05T00:00:00Z', 5);
    const audit = createAuditLog({ pool: db.appPool });
    for (const org of [orgA, orgB]) {
      await withTenant(db.appPool, org, (t) => audit.record(t, { action: 'recent.event', resourceType: 'doc' }));
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('dryRun lists what it would archive and changes nothing', async () => {
    const audit = createAuditLog({ pool: db.appPool, adminPool: db.pool, retention: { archiveDir: dir, monthsAhead: 14 } });
    const report = await audit.retention.run({ dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.actions.map((a) => [a.partition, a.rows])).toEqual([
      ['security_audit_log_p201601', 40],
      ['security_audit_log_p201602', 20],
      ['security_audit_log_p201603', 5],
      ['security_audit_log_p201604', 5],
    ]);
    expect(report.created.length).toBeGreaterThanOrEqual(1);
    for (const name of report.created) expect(await partitionExists(name)).toBe(false);
    expect(await partitionExists('security_audit_log_p201601')).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a failing archive (unwritable destination) drops nothing and is audited', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const audit = createAuditLog({ pool: db.appPool, adminPool: db.pool, retention: { archiveDir: join(blocker, 'sub') } });
    const err = await audit.retention.run().catch((e: unknown) => e);
    expect(isTenantGuardError(err, 'AUDIT_RETENTION_FAILED')).toBe(true);
    expect(await partitionExists('security_audit_log_p201601')).toBe(true);
    const n = await db.pool.query("SELECT count(*)::int AS n FROM tenantguard.security_audit_log_p201601");
    expect(n.rows[0].n).toBe(40);
    const ev = await db.pool.query("SELECT count(*)::int AS n FROM tenantguard.security_audit_log WHERE org_id IS NULL AND action = 'audit.retention.failed'");
    expect(ev.rows[0].n).toBeGreaterThanOrEqual(1);
    await rm(blocker);
  });

  it('an archive corrupted before verification drops nothing and leaves no archive behind', async () => {
    const audit = createAuditLog({
      pool: db.appPool,
      adminPool: db.pool,
      retention: {
        archiveDir: dir,
        onArchived: async ({ file }) => {
          // Flip one row's content inside the gzip: the recomputed chain must catch it.
          const text = gunzipSync(await readFile(file)).toString('utf8').replace('"old.event"', '"new.event"');
          await writeFile(file, gzipSync(text));
        },
      },
    });
    const err = await audit.retention.run().catch((e: unknown) => e);
    expect(isTenantGuardError(err, 'AUDIT_RETENTION_FAILED')).toBe(true);
    expect(((err as Error).cause as { code?: string }).code).toBe('AUDIT_ARCHIVE_INVALID');
    expect(await partitionExists('security_audit_log_p201601')).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('archives, verifies, anchors, drops and audits every partition past the window; chains still verify', async () => {
    const audit = createAuditLog({ pool: db.appPool, adminPool: db.pool, retention: { archiveDir: dir, monthsAhead: 14 } });
    const report = await audit.retention.run();
    expect(report.actions.map((a) => [a.partition, a.action, a.rows])).toEqual([
      ['security_audit_log_p201601', 'archived-and-dropped', 40],
      ['security_audit_log_p201602', 'archived-and-dropped', 20],
      ['security_audit_log_p201603', 'archived-and-dropped', 5],
      ['security_audit_log_p201604', 'archived-and-dropped', 5],
    ]);
    for (const a of report.actions) expect(await partitionExists(a.partition)).toBe(false);
    // Partitions created ahead carry every trigger and pass the doctor.
    for (const name of report.created) expect(await partitionExists(name)).toBe(true);
    const doctor = await db.appPool.query<{ code: string; ok: boolean }>('SELECT code, ok FROM tenantguard.audit_doctor()');
    expect(doctor.rows.filter((r) => !r.ok)).toEqual([]);
    const last = report.created[report.created.length - 1] as string;
    await expect(db.pool.query(`TRUNCATE tenantguard.${last}`)).rejects.toThrow(/TRUNCATE on tenantguard\.security_audit_log_p\d+ refused/);

    // What remains verifies from the anchors.
    expect(await audit.verifyChain(orgA)).toEqual({ ok: true, checked: 1 });
    expect(await audit.verifyChain(orgB)).toEqual({ ok: true, checked: 1 });
    const page = await audit.query(orgA);
    expect(page.items.map((r) => r.seq)).toEqual([61]);

    // The manifest and the archive agree, and match the anchors in the database.
    const manifestPath = report.actions[0]?.manifest as string;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ArchiveManifest;
    expect(manifest.rowCount).toBe(40);
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    // One segment per org and lane: orgA's seqs 1-30 and orgB's 1-10, lane L holding L+1, L+17, ...
    const segments = (org: string, n: number) =>
      Array.from({ length: Math.min(n, 16) }, (_, lane) => {
        const seqs = Array.from({ length: n }, (_, i) => i + 1).filter((q) => (q - 1) % 16 === lane);
        return [org, lane, seqs[0], seqs[seqs.length - 1], seqs.length];
      });
    expect(manifest.chains.map((c) => [c.orgId, c.lane, c.firstSeq, c.lastSeq, c.rows])).toEqual(
      [segments(orgA, 30), segments(orgB, 10)].sort((x, y) => String(x[0]?.[0]).localeCompare(String(y[0]?.[0]))).flat(),
    );
    for (const a of report.actions) {
      expect(await audit.retention.verifyArchive(a.manifest as string)).toEqual({ ok: true, rows: a.rows, problems: [] });
    }
    // Tampering with an archived file is caught against the manifest and the anchors.
    const file = join(dir, manifest.file);
    const original = await readFile(file);
    await writeFile(file, gzipSync(gunzipSync(original).toString('utf8').replace('"old.event"', '"new.event"')));
    const bad = await verifyArchive(manifestPath);
    expect(bad.ok).toBe(false);
    expect(bad.problems.join('\n')).toMatch(/does not match its hash/);
    await writeFile(file, original);

    // The job audited itself in the system chain, which also verifies.
    const events = await db.pool.query<{ action: string; resource_id: string }>(
      "SELECT action, resource_id FROM tenantguard.security_audit_log WHERE org_id IS NULL AND action = 'audit.retention.partition_dropped' ORDER BY seq",
    );
    expect(events.rows.map((r) => r.resource_id)).toEqual(report.actions.map((a) => a.partition));
    expect((await audit.verifyChain(null)).ok).toBe(true);

    // Running again has nothing to do.
    const again = await audit.retention.run();
    expect(again.actions).toEqual([]);
  });
  it('a policy for an application table archives and drops its past monthly partitions (no chain) and audits it', async () => {
    await db.pool.query(`
      CREATE TABLE public.page_views (id bigint, org_id uuid, at timestamptz NOT NULL, path text) PARTITION BY RANGE (at);
      CREATE TABLE public.page_views_p201501 PARTITION OF public.page_views FOR VALUES FROM ('2015-01-01 00:00+00') TO ('2015-02-01 00:00+00');
      CREATE TABLE public.page_views_recent PARTITION OF public.page_views FOR VALUES FROM ('2015-02-01 00:00+00') TO ('2100-01-01 00:00+00');
      INSERT INTO public.page_views SELECT g, '${orgA}', '2015-01-03 00:00+00'::timestamptz + g * interval '1 hour', '/p/' || g FROM generate_series(1, 3) g;
      INSERT INTO public.page_views VALUES (4, '${orgA}', now(), '/now');`);
    const sub = join(dir, 'page-views');
    const audit = createAuditLog({
      pool: db.appPool,
      adminPool: db.pool,
      retention: { archiveDir: sub, policies: [{ table: 'public.page_views', keepMonths: 12 }] },
    });
    const report = await audit.retention.run();
    // Only the policy's table: the audit log's own partitions are not this policy's business.
    expect(report.actions.map((a) => [a.table, a.partition, a.action, a.rows])).toEqual([
      ['public.page_views', 'page_views_p201501', 'archived-and-dropped', 3],
    ]);
    expect((await db.pool.query("SELECT to_regclass('public.page_views_p201501') IS NULL AS gone")).rows[0].gone).toBe(true);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM public.page_views')).rows[0].n).toBe(1);

    const manifestPath = report.actions[0]?.manifest as string;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ArchiveManifest;
    expect(manifest).toMatchObject({ table: 'public.page_views', partition: 'page_views_p201501', rowCount: 3, chains: [] });
    const lines = gunzipSync(await readFile(join(sub, manifest.file))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string });
    expect(lines.map((l) => l.path).sort()).toEqual(['/p/1', '/p/2', '/p/3']);
    expect(await verifyArchive(manifestPath)).toEqual({ ok: true, rows: 3, problems: [] });
    const file = join(sub, manifest.file);
    const original = await readFile(file);
    await writeFile(file, gzipSync(gunzipSync(original).toString('utf8').replace('/p/2', '/p/9')));
    expect((await verifyArchive(manifestPath)).problems).toContain('archive sha256 does not match the manifest');
    await writeFile(file, original);

    const ev = await db.pool.query<{ resource_id: string; details: { table: string; rows: number } }>(
      "SELECT resource_id, details FROM tenantguard.security_audit_log WHERE org_id IS NULL AND action = 'audit.retention.partition_dropped' AND resource_id = 'page_views_p201501'",
    );
    expect(ev.rows.map((r) => [r.details.table, r.details.rows])).toEqual([['public.page_views', 3]]);
    expect((await audit.verifyChain(null)).ok).toBe(true);
  });

  it('schedule() runs the job by itself (immediately, then every interval) until stopped', async () => {
    const errors: unknown[] = [];
    const audit = createAuditLog({ pool: db.appPool, adminPool: db.pool, retention: { archiveDir: dir, monthsAhead: 16 } });
    const now = new Date();
    const ahead = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 16, 1));
    const name = `security_audit_log_p${ahead.getUTCFullYear()}${String(ahead.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(await partitionExists(name)).toBe(false);
    const stop = audit.retention.schedule({ intervalMs: 60_000, onError: (e) => errors.push(e) });
    try {
      for (let i = 0; i < 100 && !(await partitionExists(name)); i += 1) await new Promise((r) => setTimeout(r, 100));
    } finally {
      stop();
    }
    expect(errors).toEqual([]);
    expect(await partitionExists(name)).toBe(true);
  });
});

