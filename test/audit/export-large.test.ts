import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { useTestDatabase } from '../support/db.js';
import { currentPartition, newOrg } from './helpers.js';

const ROWS = 1_000_000;

describe('audit export at scale', () => {
  const db = useTestDatabase();

  it(`streams ${ROWS.toLocaleString('en')} rows as CSV with bounded memory`, { timeout: 120_000 }, async () => {
    const org = newOrg();
    const part = `tenantguard.${currentPartition()}`;
    // Bulk-load directly (chain trigger off on this partition: this test is
    // about export memory, not chaining; the chain tests cover that).
    const c = await db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`ALTER TABLE ${part} DISABLE TRIGGER tenantguard_audit_chain`);
      await c.query(
        `INSERT INTO ${part} (id, org_id, seq, prev_hash, hash, created_at, action, resource_type, resource_id, user_email, details)
         SELECT g, $1::uuid, g, '\\x00', '\\x01', now(), 'bulk.row', 'doc', 'doc-' || g, 'user' || (g % 100) || '@example.com',
                jsonb_build_object('n', g, 'note', '=SUM(A1)')
           FROM generate_series(1, ${ROWS}) g`,
        [org],
      );
      await c.query(`SELECT tenantguard.audit_secure_table('${part}'::regclass)`);
      await c.query('COMMIT');
    } finally {
      c.release();
    }

    const audit = createAuditLog({ pool: db.appPool });
    let bytes = 0;
    let lines = 0;
    const sink = new Writable({
      highWaterMark: 1 << 16,
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        cb();
      },
    });
    global.gc?.();
    const base = process.memoryUsage();
    let peakHeap = base.heapUsed;
    let peakRss = base.rss;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 25);
    const t0 = performance.now();
    const result = await audit.export(org, {}, { format: 'csv', to: sink });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    expect(result.rows).toBe(ROWS);
    expect(lines).toBe(ROWS + 1); // header + rows (no cell here contains a line break)
    expect(bytes).toBeGreaterThan(ROWS * 100);
    const heapGrowthMb = (peakHeap - base.heapUsed) / 2 ** 20;
    const rssGrowthMb = (peakRss - base.rss) / 2 ** 20;
    console.log(`export: ${ROWS} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB CSV in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds)} rows/s); peak heap +${heapGrowthMb.toFixed(0)} MiB, rss +${rssGrowthMb.toFixed(0)} MiB`);
    // The whole CSV is > 200 MiB: buffering it, or the rows, would blow far past this.
    expect(heapGrowthMb).toBeLessThan(96);
    expect(rssGrowthMb).toBeLessThan(160);
  });
});
