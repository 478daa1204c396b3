import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditRowHash, createAuditLog, type CanonicalAuditRow } from '../../src/audit/index.js';
import { RAW_COLUMNS, type RawAuditRow } from '../../src/audit/record-row.js';
import { withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { currentPartition, newOrg } from './helpers.js';

describe('audit hash chain', () => {
  const db = useTestDatabase();
  const part = `tenantguard.${currentPartition()}`;

  async function seed(org: ReturnType<typeof newOrg>, n: number): Promise<void> {
    const audit = createAuditLog({ pool: db.appPool });
    await withTenant(db.appPool, org, async (t) => {
      for (let i = 0; i < n; i += 1) await audit.record(t, { action: 'doc.view', resourceType: 'doc', resourceId: `d${i}` });
    });
  }

  /** Runs `sql` as a superuser with the audit triggers of the partition disabled, then re-enables them. */
  async function tamper(sql: string, values: unknown[] = []): Promise<void> {
    const c = await db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`ALTER TABLE ${part} DISABLE TRIGGER USER`);
      await c.query(sql, values);
      await c.query(`SELECT tenantguard.audit_secure_table('${part}'::regclass)`);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  }

  /** A superuser changes a row's action and recomputes its own hash (a forger who knows the algorithm). */
  async function rewriteAction(id: string, action: string): Promise<void> {
    await tamper(
      `UPDATE ${part} l SET action = $2, hash = tenantguard.audit_row_hash(l.prev_hash, l.id, l.org_id, l.seq, l.created_at,
         l.user_id, l.user_email, l.user_role, l.ip_address, l.user_agent, $2, l.resource_type, l.resource_id, l.details,
         l.request_id, l.session_id) WHERE id = $1`,
      [id, action],
    );
  }

  async function idOf(org: string, seq: number): Promise<string> {
    const r = await db.pool.query<{ id: string }>('SELECT id::text FROM tenantguard.security_audit_log WHERE org_id = $1 AND seq = $2', [org, seq]);
    return r.rows[0]?.id as string;
  }

  it('an intact chain verifies, from seq 1 and over a range', async () => {
    const org = newOrg();
    await seed(org, 20);
    const audit = createAuditLog({ pool: db.appPool });
    expect(await audit.verifyChain(org)).toEqual({ ok: true, checked: 20 });
    expect(await audit.verifyChain(org, { fromSeq: 5, toSeq: 9 })).toEqual({ ok: true, checked: 5 });
    expect(await audit.verifyChain(newOrg())).toEqual({ ok: true, checked: 0 });
  });

  it('catches a changed row and names it', async () => {
    const org = newOrg();
    await seed(org, 10);
    const id = await idOf(org, 4);
    await tamper(`UPDATE ${part} SET details = '{"forged":true}' WHERE id = $1`, [id]);
    const v = await createAuditLog({ pool: db.appPool }).verifyChain(org);
    expect(v.ok).toBe(false);
    expect(v.firstBroken).toMatchObject({ seq: 4, id });
    expect(v.firstBroken?.reason).toMatch(/^hash: row id \d+ \(seq 4\) does not match its content/);
  });

  it('catches a changed row whose hash was recomputed (the next link of its lane breaks)', async () => {
    const org = newOrg();
    await seed(org, 40);
    const id = await idOf(org, 6);
    await rewriteAction(id, 'doc.delete');
    const v = await createAuditLog({ pool: db.appPool }).verifyChain(org);
    // Seq 6 is in lane 5, whose next row is seq 22.
    expect(v.firstBroken).toMatchObject({ seq: 22, id: await idOf(org, 22) });
    expect(v.firstBroken?.reason).toMatch(/^prev_hash/);

    // The last row of a lane, changed with its hash recomputed: the lane's head no longer matches.
    const org2 = newOrg();
    await seed(org2, 10);
    await rewriteAction(await idOf(org2, 6), 'doc.delete');
    const v2 = await createAuditLog({ pool: db.appPool }).verifyChain(org2);
    expect(v2.firstBroken).toEqual({ seq: 6, id: null, reason: 'head: the last row (seq 6) does not match the chain head' });
  });

  it('catches a deleted row, a deleted last row, and names the gap', async () => {
    const org = newOrg();
    await seed(org, 40);
    await tamper(`DELETE FROM ${part} WHERE org_id = $1 AND seq = 5`, [org]);
    const v = await createAuditLog({ pool: db.appPool }).verifyChain(org);
    expect(v.ok).toBe(false);
    // Seq 5 is in lane 4; the row after it in that lane is seq 21.
    expect(v.firstBroken).toMatchObject({ seq: 5, id: await idOf(org, 21) });
    expect(v.firstBroken?.reason).toMatch(/^missing: seq 5 to 5 absent before row id \d+ \(seq 21\)/);

    // Two consecutive rows of one lane: the gap is named from its start.
    await tamper(`DELETE FROM ${part} WHERE org_id = $1 AND seq IN (18, 34)`, [org]);
    const w = await createAuditLog({ pool: db.appPool }).verifyChain(org);
    expect(w.firstBroken?.seq).toBe(5);
    const w2 = await createAuditLog({ pool: db.appPool }).verifyChain(org, { fromSeq: 22 });
    expect(w2.firstBroken).toMatchObject({ seq: 18, id: null });
    expect(w2.firstBroken?.reason).toMatch(/^missing: seq 18 to 34 absent at the end/);

    const org2 = newOrg();
    await seed(org2, 5);
    await tamper(`DELETE FROM ${part} WHERE org_id = $1 AND seq = 5`, [org2]);
    const v2 = await createAuditLog({ pool: db.appPool }).verifyChain(org2);
    expect(v2.firstBroken).toMatchObject({ seq: 5, id: null });
    expect(v2.firstBroken?.reason).toMatch(/^missing: seq 5 to 5 absent at the end/);
  });

  it('catches a whole partition dropped outside the retention job (no anchor): the first rows after it have no predecessor', async () => {
    const org = newOrg();
    await db.pool.query(`SELECT tenantguard.audit_create_partition('2015-06-01')`);
    const c = await db.pool.connect();
    try {
      await c.query("BEGIN; SET LOCAL tenantguard.audit_backdate = 'on'");
      await c.query(
        `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, created_at)
         SELECT $1::uuid, 'old.event', 'doc', '2015-06-10T00:00:00Z'::timestamptz + g * interval '1 minute' FROM generate_series(1, 20) g`,
        [org],
      );
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    await seed(org, 20);
    const audit = createAuditLog({ pool: db.appPool });
    expect(await audit.verifyChain(org)).toEqual({ ok: true, checked: 40 });
    await db.pool.query('DROP TABLE tenantguard.security_audit_log_p201506');
    const v = await audit.verifyChain(org);
    // Lane 0 (seqs 1, 17, 33, ...) lost 1 and 17; its first surviving row is seq 33.
    expect(v).toMatchObject({ ok: false, checked: 20, firstBroken: { seq: 1, id: await idOf(org, 33) } });
    expect(v.firstBroken?.reason).toMatch(/^missing: seq 1 to 17 absent before row id \d+ \(seq 33\)/);
  });

  it('verifies and catches edits when lanes are uneven (a lane far ahead of the others)', async () => {
    const org = newOrg();
    await seed(org, 3);
    // A REPEATABLE READ transaction stays in one lane: 6 rows 16 apart, while lanes 4-15 stay empty.
    const c = await db.appPool.connect();
    try {
      await c.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT set_config('app.current_org_id', '${org}', true)`);
      await c.query(`INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type) SELECT tenantguard.current_org_id(), 'rr', 'x' FROM generate_series(1, 6)`);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const seqs = (await db.pool.query<{ seq: string }>('SELECT l.seq::text AS seq FROM tenantguard.security_audit_log l WHERE l.org_id = $1 ORDER BY l.seq', [org])).rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([1, 2, 3, 4, 20, 36, 52, 68, 84]);
    const audit = createAuditLog({ pool: db.appPool });
    expect(await audit.verifyChain(org)).toEqual({ ok: true, checked: 9 });
    expect(await audit.verifyChain(org, { fromSeq: 30 })).toEqual({ ok: true, checked: 4 });
    await rewriteAction(await idOf(org, 36), 'forged');
    const v = await audit.verifyChain(org);
    expect(v.firstBroken).toMatchObject({ seq: 52, id: await idOf(org, 52) });
    expect(v.firstBroken?.reason).toMatch(/^prev_hash/);
    await tamper(`DELETE FROM ${part} WHERE id = $1`, [await idOf(org, 20)]);
    expect((await audit.verifyChain(org)).firstBroken).toMatchObject({ seq: 20, id: await idOf(org, 36) });
  });

  it('catches a lane whose head row was deleted', async () => {
    const org = newOrg();
    await seed(org, 20);
    await db.pool.query('DELETE FROM tenantguard.audit_chain_head WHERE org_id = $1 AND lane = 3', [org]);
    const v = await createAuditLog({ pool: db.appPool }).verifyChain(org);
    expect(v.firstBroken).toEqual({ seq: 4, id: await idOf(org, 4), reason: expect.stringMatching(/^head: row id \d+ \(seq 4\) is in a lane that has no head/) as unknown });
  });

  it('catches forged rows: a duplicate seq, a bad hash, and a well-formed row beyond the head', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    await seed(org, 5);
    await tamper(
      `INSERT INTO ${part} (id, org_id, action, resource_type, seq, prev_hash, hash)
       SELECT 900000001, org_id, 'admin.grant', 'role', 3, prev_hash, hash FROM ${part} WHERE org_id = $1 AND seq = 3`,
      [org],
    );
    const v = await audit.verifyChain(org);
    expect(v.firstBroken).toMatchObject({ seq: 3 });
    expect(v.firstBroken?.reason).toMatch(/^(duplicate|hash)/);
    expect([await idOf(org, 3), '900000001']).toContain(v.firstBroken?.id);

    const org2 = newOrg();
    await seed(org2, 3);
    // A forger who knows the algorithm appends a perfectly linked row (but cannot move the head).
    await tamper(
      `INSERT INTO ${part} (id, org_id, action, resource_type, seq, prev_hash, hash, created_at)
       SELECT 900000002, org_id, 'admin.grant', 'role', 4, hash,
              tenantguard.audit_row_hash(hash, 900000002, org_id, 4, created_at, NULL, NULL, NULL, NULL, NULL, 'admin.grant', 'role', NULL, '{}', NULL, NULL),
              created_at
         FROM ${part} WHERE org_id = $1 AND seq = 3`,
      [org2],
    );
    const v2 = await audit.verifyChain(org2);
    expect(v2.firstBroken).toEqual({ seq: 4, id: '900000002', reason: expect.stringMatching(/^beyond head/) as unknown });
  });

  it('a rolled-back action leaves no row and no gap; a committed one always has its row', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    await seed(org, 2);
    await expect(
      withTenant(db.appPool, org, async (t) => {
        await audit.record(t, { action: 'brand.update', resourceType: 'brand' });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    // A savepoint rolled back inside a committed transaction.
    await withTenant(db.appPool, org, async (t) => {
      await t.query('SAVEPOINT s');
      await audit.record(t, { action: 'inner.rolled.back', resourceType: 'x' });
      await t.query('ROLLBACK TO SAVEPOINT s');
      await audit.record(t, { action: 'after.savepoint', resourceType: 'x' });
    });
    const rows = await withTenant(db.appPool, org, (t) =>
      t.query<{ action: string; seq: string }>('SELECT action, seq::text FROM tenantguard.security_audit_log ORDER BY seq'),
    );
    expect(rows.rows.map((r) => [r.seq, r.action])).toEqual([
      ['1', 'doc.view'],
      ['2', 'doc.view'],
      ['3', 'after.savepoint'],
    ]);
    expect(await audit.verifyChain(org)).toEqual({ ok: true, checked: 3 });
  });

  it('8 concurrent connections x 4 orgs x 3,200 events (some multi-row, some rolled back): every chain verifies, no gaps', async () => {
    const pool = db.createPool({ as: 'app', max: 8 });
    const audit = createAuditLog({ pool });
    const orgs = [newOrg(), newOrg(), newOrg(), newOrg()];
    const committed = new Map<string, number>(orgs.map((o) => [o, 0]));
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 400; i += 1) {
        const org = orgs[(w * 7 + i) % orgs.length] as (typeof orgs)[number];
        const rows = i % 10 === 0 ? 3 : 1;
        const rollback = i % 13 === 0;
        try {
          await withTenant(pool, org, async (t) => {
            for (let k = 0; k < rows; k += 1) await audit.record(t, { action: 'load.test', resourceType: 'w', resourceId: `${w}-${i}-${k}` });
            if (rollback) throw new Error('rollback');
          });
          committed.set(org, (committed.get(org) ?? 0) + rows);
        } catch (err) {
          if ((err as Error).message !== 'rollback') throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    for (const org of orgs) {
      const v = await audit.verifyChain(org);
      expect(v).toEqual({ ok: true, checked: committed.get(org) });
      // Every lane is gap-free: lane L holds exactly L+1, L+17, ... up to its head.
      const r = await withTenant(pool, org, (t) =>
        t.query<{ lane: number; n: string; mx: string; d: string; head: string }>(
          `SELECT g.lane, g.n, g.mx, g.d, h.seq::text AS head
             FROM (SELECT ((l.seq - 1) % 16)::int AS lane, count(*)::text AS n, max(l.seq)::text AS mx, count(DISTINCT l.seq)::text AS d
                     FROM tenantguard.security_audit_log l GROUP BY 1) g
             JOIN tenantguard.audit_chain_head h ON h.org_id = tenantguard.current_org_id() AND h.lane = g.lane`,
        ),
      );
      expect(r.rows.reduce((a, x) => a + Number(x.n), 0)).toBe(committed.get(org));
      for (const x of r.rows) expect({ mx: x.mx, d: x.d, head: x.head }).toEqual({ mx: String(x.lane + 1 + 16 * (Number(x.n) - 1)), d: x.n, head: x.mx });
      // Concurrent writers of one org really did chain in several lanes at once.
      expect(r.rows.length).toBeGreaterThan(1);
    }
  });

  it('a 20,000-row statement chains in one pass and verifies', async () => {
    const org = newOrg();
    const c = await db.appPool.connect();
    const t0 = performance.now();
    try {
      await c.query(`BEGIN; SELECT set_config('app.current_org_id', '${org}', true)`);
      await c.query(
        `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, details)
         SELECT tenantguard.current_org_id(), 'bulk.import', 'row', jsonb_build_object('i', g) FROM generate_series(1, 20000) g`,
      );
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(30_000); // quadratic chaining took minutes for this size
    expect(await createAuditLog({ pool: db.appPool }).verifyChain(org)).toEqual({ ok: true, checked: 20000 });
  });

  it('a long chain is verified in parallel ranges that still check every link and name the first break', { timeout: 120_000 }, async () => {
    const org = newOrg();
    const c = await db.appPool.connect();
    try {
      await c.query(`BEGIN; SELECT set_config('app.current_org_id', '${org}', true)`);
      await c.query(
        `INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type, details)
         SELECT tenantguard.current_org_id(), 'bulk.import', 'row', jsonb_build_object('i', g) FROM generate_series(1, 210000) g`,
      );
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const audit = createAuditLog({ pool: db.createPool({ as: 'app', max: 4 }), verifyParallelism: 2 });
    expect(await audit.verifyChain(org)).toEqual({ ok: true, checked: 210000 });
    const late = await idOf(org, 150000);
    await tamper(`UPDATE ${part} SET action = 'forged' WHERE id = $1`, [late]);
    expect((await audit.verifyChain(org)).firstBroken).toMatchObject({ seq: 150000, id: late });
    // The row just before the second range disappears: the second range reports it.
    await tamper(`DELETE FROM ${part} WHERE org_id = $1 AND seq = 105000`, [org]);
    const v = await audit.verifyChain(org);
    expect(v.firstBroken?.seq).toBe(105000);
    expect(v.firstBroken?.reason).toMatch(/^missing/);
    expect(await createAuditLog({ pool: db.appPool, verifyParallelism: 1 }).verifyChain(org)).toMatchObject({
      ok: false,
      firstBroken: { seq: 105000 },
    });
  });

  it('writers of one org do not wait for each other until all 16 lanes are held', async () => {
    const org = newOrg();
    await seed(org, 1);
    const pool = db.createPool({ as: 'app', max: 17 });
    const clients = await Promise.all(Array.from({ length: 17 }, () => pool.connect()));
    const insert = (c: (typeof clients)[number], action: string) =>
      c.query<{ seq: string }>(`INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type) VALUES ('${org}', '${action}', 'x') RETURNING seq::text`);
    try {
      for (const c of clients) {
        // lock_timeout makes a wait for another writer's lane an error instead of a hang.
        await c.query(`BEGIN; SET LOCAL lock_timeout = '300ms'; SELECT set_config('app.current_org_id', '${org}', true)`);
      }
      const seqs: string[] = [];
      for (const [i, c] of clients.slice(0, 16).entries()) seqs.push((await insert(c, `w${i}`)).rows[0]?.seq as string);
      // Sixteen open transactions of one org, each in its own lane, none waited.
      expect(seqs.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 2));
      // The seventeenth finds every lane held: it waits (here: until lock_timeout).
      const last = clients[16] as (typeof clients)[number];
      await last.query('SAVEPOINT s');
      await expect(insert(last, 'w16')).rejects.toMatchObject({ code: '55P03' });
      await last.query('ROLLBACK TO SAVEPOINT s');
      await (clients[3] as (typeof clients)[number]).query('COMMIT');
      expect((await insert(last, 'w16')).rows[0]?.seq).toBe(String(Number(seqs[3]) + 16));
      for (const [i, c] of clients.entries()) if (i !== 3) await c.query('COMMIT');
    } finally {
      for (const c of clients) c.release();
    }
    expect(await createAuditLog({ pool: db.appPool }).verifyChain(org)).toEqual({ ok: true, checked: 18 });
  });

  it('a backend that writes for many orgs does not accumulate per-org settings', async () => {
    // Placeholder settings live as long as the session; PostgreSQL 15 re-sorts
    // its settings list for each new one, so names must not depend on the org.
    const c = await db.appPool.connect();
    try {
      const orgs = Array.from({ length: 40 }, () => newOrg());
      for (const org of orgs) {
        await c.query(`BEGIN; SELECT set_config('app.current_org_id', '${org}', true)`);
        await c.query(`INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type) SELECT tenantguard.current_org_id(), 'a', 'x' FROM generate_series(1, 3)`);
        await c.query('COMMIT');
      }
      // A setting that was ever set reads '' after its transaction; one never created reads NULL.
      const r = await c.query<{ slot0: string | null; slot1: string | null; lane: string | null; per_org: number }>(
        `SELECT current_setting('tenantguard_audit.s0', true) AS slot0, current_setting('tenantguard_audit.s1', true) AS slot1,
                current_setting('tenantguard_audit.s0l2', true) AS lane,
                (SELECT count(*)::int FROM unnest($1::uuid[]) o WHERE current_setting('tenantguard_audit.h' || replace(o::text, '-', ''), true) IS NOT NULL) AS per_org`,
        [orgs],
      );
      expect(r.rows[0]).toEqual({ slot0: '', slot1: null, lane: '', per_org: 0 });
    } finally {
      c.release();
    }
  });

  it('REPEATABLE READ writers of one org chain in separate lanes, and fail with 40001 rather than chain onto a stale head', async () => {
    const org = newOrg();
    await seed(org, 1);
    const a = await db.appPool.connect();
    const b = await db.appPool.connect();
    const insert = (c: typeof a, action: string) =>
      c.query<{ seq: string }>(`INSERT INTO tenantguard.security_audit_log (org_id, action, resource_type) VALUES ('${org}', '${action}', 'x') RETURNING seq::text`);
    try {
      // Two at once: each takes its own lane, neither waits, both commit.
      for (const c of [a, b]) {
        await c.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT set_config('app.current_org_id', '${org}', true)`);
        await c.query('SELECT 1 FROM tenantguard.security_audit_log LIMIT 1');
      }
      const sa = (await insert(a, 'a')).rows[0]?.seq;
      const sb = (await insert(b, 'b')).rows[0]?.seq;
      expect(new Set([sa, sb])).toEqual(new Set(['2', '3']));
      // A REPEATABLE READ transaction stays in its lane: its next rows are 16 apart.
      expect((await insert(a, 'a2')).rows[0]?.seq).toBe(String(Number(sa) + 16));
      await a.query('COMMIT');
      await b.query('COMMIT');

      // Every lane advanced after b's snapshot: whichever lane b takes is stale, so 40001.
      await b.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT set_config('app.current_org_id', '${org}', true)`);
      await b.query('SELECT 1 FROM tenantguard.security_audit_log LIMIT 1');
      await seed(org, 16);
      await expect(insert(b, 'stale')).rejects.toMatchObject({ code: '40001' });
      await b.query('ROLLBACK');
    } finally {
      a.release();
      b.release();
    }
    expect(await createAuditLog({ pool: db.appPool }).verifyChain(org)).toEqual({ ok: true, checked: 20 });
  });

  it('the JavaScript hash equals the database hash for arbitrary content (property)', async () => {
    const audit = createAuditLog({ pool: db.appPool });
    const org = newOrg();
    const str = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '(', ')', ',', ' ', '\t', '\n', '\r', '\v', '\f', 'é', '€', '😀', '\u00a0'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 20 }).filter((s) => !s.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          resourceId: fc.option(str, { nil: undefined }),
          userEmail: fc.option(str, { nil: undefined }),
          userAgent: fc.option(str, { nil: undefined }),
          ipAddress: fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: undefined }),
          details: fc.option(fc.dictionary(str, fc.oneof(str, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))), { nil: undefined }),
        }),
        async (e) => {
          const row = await withTenant(db.appPool, org, async (t) => {
            const rec = await audit.recordWithReceipt(t, { action: 'prop.test', resourceType: 'x', ...e });
            const r = await t.query<RawAuditRow>(`SELECT ${RAW_COLUMNS} FROM tenantguard.security_audit_log l WHERE l.id = $1`, [rec.id]);
            return r.rows[0] as RawAuditRow;
          });
          const canonical: CanonicalAuditRow = {
            id: row.id, orgId: row.org_id, seq: row.seq, createdAt: row.created_at, userId: row.user_id, userEmail: row.user_email,
            userRole: row.user_role, ipAddress: row.ip_address, userAgent: row.user_agent, action: row.action,
            resourceType: row.resource_type, resourceId: row.resource_id, details: row.details, requestId: row.request_id,
            sessionId: row.session_id, prevHash: row.prev_hash, hash: row.hash,
          };
          expect(auditRowHash(canonical)).toBe(row.hash);
        },
      ),
      { numRuns: 100 },
    );
  });
});
