import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAuditLog, type AuditRecord } from '../../src/audit/index.js';
import { isTenantGuardError } from '../../src/errors.js';
import { withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { newOrg } from './helpers.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(Buffer.from(chunk));
        cb();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (isTenantGuardError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a TenantGuardError');
}

describe('audit log API', () => {
  const db = useTestDatabase();

  it('record() validates the event and refuses an org inside it', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    const bad: unknown[] = [
      {},
      { action: '', resourceType: 'x' },
      { action: 'x' },
      { action: 'a b', resourceType: 'x' },
      { action: 'x'.repeat(129), resourceType: 'x' },
      { action: 'x', resourceType: 'x', orgId: newOrg() },
      { action: 'x', resourceType: 'x', org_id: newOrg() },
      { action: 'x', resourceType: 'x', userId: 'not-a-uuid' },
      { action: 'x', resourceType: 'x', ipAddress: '999.1.1.1' },
      { action: 'x', resourceType: 'x', userAgent: 'u'.repeat(513) },
      { action: 'x', resourceType: 'x', details: { big: 'x'.repeat(20_000) } },
      { action: 'x', resourceType: 'x', details: { nul: 'a\u0000b' } },
      { action: 'x', resourceType: 'x', resourceId: 'a\u0000' },
      { action: 'x', resourceType: 'x', details: [1, 2] },
    ];
    await withTenant(db.appPool, org, async (t) => {
      for (const e of bad) expect(await code(audit.record(t, e as never)), JSON.stringify(e).slice(0, 80)).toBe('AUDIT_EVENT_INVALID');
      const ok = await audit.recordWithReceipt(t, {
        action: 'user.login',
        resourceType: 'session',
        userId: '6f1c1f9e-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
        userEmail: 'a@example.com',
        userRole: 'owner',
        ipAddress: '2001:db8::1',
        userAgent: 'Mozilla/5.0',
        details: { mfa: true },
        requestId: 'req-1',
        sessionId: 'sess-1',
      });
      expect(ok.seq).toBe(1);
      expect(ok.hash).toMatch(/^[0-9a-f]{64}$/);
    });
    const page = await audit.query(org);
    expect(page.items[0]).toMatchObject({ orgId: org, ipAddress: '2001:db8::1', details: { mfa: true }, userEmail: 'a@example.com' });
  });

  it('record() outside a tenant transaction fails with AUDIT_NO_TENANT and writes nothing', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const c = await db.appPool.connect();
    try {
      const fake = Object.assign(c, { orgId: newOrg() });
      expect(await code(audit.record(fake as never, { action: 'x', resourceType: 'y' }))).toBe('AUDIT_NO_TENANT');
    } finally {
      c.release();
    }
    // Even a superuser connection (no RLS) without a tenant does not turn it into a system event.
    const su = await db.pool.connect();
    try {
      const fake = Object.assign(su, { orgId: newOrg() });
      expect(await code(audit.recordWithReceipt(fake as never, { action: 'x', resourceType: 'y' }))).toBe('AUDIT_NO_TENANT');
    } finally {
      su.release();
    }
    const n = await db.pool.query("SELECT count(*)::int AS n FROM tenantguard.security_audit_log WHERE action = 'x'");
    expect(n.rows[0].n).toBe(0);
  });

  it('recordStandalone writes a system event (no org, visible to no tenant) or an org event in its own transaction', async () => {
    const audit = createAuditLog({ pool: db.appPool, adminPool: db.pool });
    const org = newOrg();
    const sys = await audit.recordStandalone({ action: 'login.failed', resourceType: 'session', userEmail: 'who@example.com', ipAddress: '10.0.0.9' });
    expect(sys.seq).toBeGreaterThan(0);
    const mine = await audit.recordStandalone({ action: 'login.failed', resourceType: 'session' }, { orgId: org });
    expect(mine.seq).toBe(1);
    const seen = await withTenant(db.appPool, org, (t) => t.query('SELECT org_id FROM tenantguard.security_audit_log'));
    expect(seen.rows).toHaveLength(1);
    const sysRow = await db.pool.query('SELECT org_id FROM tenantguard.security_audit_log WHERE id = $1', [sys.id]);
    expect(sysRow.rows[0].org_id).toBeNull();
    expect((await audit.verifyChain(null)).ok).toBe(true);
  });

  it('query() pages with an opaque cursor and never skips or repeats a row while rows keep arriving', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    await withTenant(db.appPool, org, async (t) => {
      for (let i = 0; i < 103; i += 1) {
        await audit.record(t, { action: i % 3 === 0 ? 'doc.delete' : 'doc.view', resourceType: 'doc', resourceId: `d${i}` });
      }
    });
    for (const order of ['desc', 'asc'] as const) {
      const seen: AuditRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await audit.query(org, { limit: 7, order, cursor });
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages += 1;
        // New rows arrive between pages.
        await withTenant(db.appPool, org, (t) => audit.record(t, { action: 'doc.view', resourceType: 'doc', resourceId: 'late' }));
      } while (cursor !== undefined && pages < 100);
      const ids = seen.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      const seqs = seen.map((r) => r.seq);
      if (order === 'desc') {
        // Everything from the first page's newest row down to 1, with no gap.
        expect(seqs).toEqual(Array.from({ length: seqs[0] as number }, (_, i) => (seqs[0] as number) - i));
      } else {
        expect(seqs.slice(0, 103)).toEqual(Array.from({ length: 103 }, (_, i) => i + 1));
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      }
    }
    const deletes = await audit.query(org, { action: 'doc.delete', limit: 1000 });
    expect(deletes.items).toHaveLength(35);
    expect(deletes.nextCursor).toBeNull();
    const byIds = await audit.query(org, { action: ['doc.delete', 'nothing'], resourceId: 'd3' });
    expect(byIds.items.map((r) => r.resourceId)).toEqual(['d3']);
  });

  it('query() rejects bad filters and foreign, tampered or mismatched cursors', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    await withTenant(db.appPool, org, async (t) => {
      for (let i = 0; i < 3; i += 1) await audit.record(t, { action: 'a', resourceType: 'b' });
    });
    const page = await audit.query(org, { limit: 1 });
    const cursor = page.nextCursor as string;
    expect(await code(audit.query(newOrg(), { cursor, limit: 1 }))).toBe('AUDIT_CURSOR_INVALID');
    expect(await code(audit.query(org, { cursor, limit: 1, order: 'asc' }))).toBe('AUDIT_CURSOR_INVALID');
    expect(await code(audit.query(org, { cursor, limit: 1, action: 'a' }))).toBe('AUDIT_CURSOR_INVALID');
    expect(await code(audit.query(org, { cursor: 'not a cursor' }))).toBe('AUDIT_CURSOR_INVALID');
    expect(await code(audit.query(org, { limit: 0 }))).toBe('AUDIT_QUERY_INVALID');
    expect(await code(audit.query(org, { from: new Date('x') }))).toBe('AUDIT_QUERY_INVALID');
    expect(await code(audit.query(org, { bogus: 1 } as never))).toBe('AUDIT_QUERY_INVALID');
    expect(await code(() => audit.query('nope' as never))).toBe('ORG_ID_INVALID');
  });

  it('summary() counts by action, day and user; time ranges filter', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    const u1 = '11111111-2222-4333-8444-555555555555';
    await withTenant(db.appPool, org, async (t) => {
      await audit.record(t, { action: 'a', resourceType: 'r', userId: u1, userEmail: 'u1@example.com' });
      await audit.record(t, { action: 'a', resourceType: 'r', userId: u1, userEmail: 'u1@example.com' });
      await audit.record(t, { action: 'b', resourceType: 'r' });
    });
    const s = await audit.summary(org);
    expect(s.total).toBe(3);
    expect(s.byAction).toEqual([{ action: 'a', count: 2 }, { action: 'b', count: 1 }]);
    expect(s.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), count: 3 }]);
    expect(s.byUser).toEqual([{ userId: u1, userEmail: 'u1@example.com', count: 2 }, { userId: null, userEmail: null, count: 1 }]);
    const future = await audit.summary(org, { from: new Date(Date.now() + 86_400_000) });
    expect(future.total).toBe(0);
  });

  it('export() writes CSV (neutralised, RFC 4180), JSON and NDJSON of only the org, oldest first', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    await withTenant(db.appPool, org, async (t) => {
      await audit.record(t, { action: 'a', resourceType: 'r', resourceId: '=HYPERLINK("x")', userAgent: 'line1\n@line2', details: { q: 'say "hi", ok' } });
      await audit.record(t, { action: 'b', resourceType: 'r' });
    });
    await withTenant(db.appPool, newOrg(), (t) => audit.record(t, { action: 'other.org', resourceType: 'r' }));
    const csv = sink();
    expect(await audit.export(org, {}, { format: 'csv', to: csv.stream })).toEqual({ rows: 2 });
    const text = csv.text();
    expect(text.startsWith('id,org_id,seq,created_at,')).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(text).toContain(`"line1\n'@line2"`);
    expect(text).toContain('"{""q"": ""say \\""hi\\"", ok""}"');
    expect(text.split('\r\n')).toHaveLength(4);
    expect(text).not.toContain('other.org');

    const nd = sink();
    await audit.export(org, {}, { format: 'ndjson', to: nd.stream });
    const lines = nd.text().trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(lines.map((l) => [l.seq, l.action])).toEqual([[1, 'a'], [2, 'b']]);
    expect(lines[0]?.details).toEqual({ q: 'say "hi", ok' });

    const js = sink();
    await audit.export(org, { action: 'b' }, { format: 'json', to: js.stream });
    expect((JSON.parse(js.text()) as AuditRecord[]).map((r) => r.action)).toEqual(['b']);
    const empty = sink();
    await audit.export(newOrg(), {}, { format: 'json', to: empty.stream });
    expect(JSON.parse(empty.text())).toEqual([]);
    expect(await code(audit.export(org, {}, { format: 'xml' as never, to: sink().stream }))).toBe('AUDIT_QUERY_INVALID');
  });

  it('export() fails with AUDIT_EXPORT_FAILED when the destination fails, and the pool keeps working', async () => {
    const pool = db.createPool({ as: 'app', max: 1 });
    const audit = createAuditLog({ pool });
    const org = newOrg();
    await withTenant(pool, org, async (t) => {
      for (let i = 0; i < 50; i += 1) await audit.record(t, { action: 'a', resourceType: 'r' });
    });
    const broken = new Writable({
      write(_c, _e, cb) {
        cb(new Error('disk full'));
      },
    });
    expect(await code(audit.export(org, {}, { format: 'ndjson', to: broken }))).toBe('AUDIT_EXPORT_FAILED');
    expect((await audit.query(org, { limit: 1 })).items).toHaveLength(1);
  });
});
