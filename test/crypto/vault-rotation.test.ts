import { describe, expect, it } from 'vitest';
import { withTenant, type OrgId } from '../../src/tenancy/index.js';
import { Fernet } from '../../src/crypto/fernet.js';
import { createVault, type Vault } from '../../src/crypto/vault.js';
import type { VaultRotationProgress } from '../../src/crypto/vault-maintenance.js';
import { unwrapDataKey } from '../../src/crypto/vault-format.js';
import { useTestDatabase } from '../support/db.js';
import { createAuditProbe, mutableKeys, newOrg, probeEvents } from './vault-fixtures.js';
import { tenantGuardCodeOf } from '../support/error-code.js';

const codeOf = tenantGuardCodeOf;

describe('vault: master key rotation, org key rotation, crypto-shredding', () => {
  const db = useTestDatabase();
  const master = mutableKeys('m1');
  let vault: Vault;

  const seedOrg = async (org: OrgId, n: number, prefix = 's'): Promise<void> => {
    await withTenant(db.appPool, org, async (tx) => {
      for (let i = 0; i < n; i += 1) await vault.put(tx, `${prefix}.${String(i).padStart(3, '0')}`, `value ${org} ${i}`);
    });
  };
  const readAll = async (org: OrgId, n: number, prefix = 's'): Promise<string[]> =>
    withTenant(db.appPool, org, async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < n; i += 1) out.push((await vault.get(tx, `${prefix}.${String(i).padStart(3, '0')}`))?.text() ?? 'MISSING');
      return out;
    });
  const expected = (org: OrgId, n: number): string[] => Array.from({ length: n }, (_, i) => `value ${org} ${i}`);
  const keyRows = async (org: OrgId) =>
    (
      await db.pool.query<{ version: number; master_key_id: string; wrapped_key: string; state: string }>(
        'SELECT version, master_key_id, wrapped_key, state FROM tenantguard.vault_org_keys WHERE org_id = $1 ORDER BY version',
        [org],
      )
    ).rows;
  const secretRows = async (org: OrgId) =>
    (
      await db.pool.query<{ name: string; key_version: number; ciphertext: string }>(
        'SELECT name, key_version, ciphertext FROM tenantguard.vault_secrets WHERE org_id = $1 ORDER BY name',
        [org],
      )
    ).rows;

  it('rotateMasterKey re-wraps every org data key, leaves secrets untouched, and resumes after an interruption', async () => {
    await createAuditProbe(db.pool);
    vault = createVault({
      pool: db.appPool,
      masterKeys: master.provider,
      keyCacheMs: 0,
      onAudit: async (tx, e) => {
        await tx.query('INSERT INTO vault_audit_probe (action, event) VALUES ($1, $2)', [e.action, JSON.stringify(e)]);
      },
    });
    const orgs = Array.from({ length: 7 }, () => newOrg());
    for (const org of orgs) await seedOrg(org, 3);
    const before = new Map<string, { wrapped: string; secrets: string[] }>();
    for (const org of orgs) {
      before.set(org, { wrapped: (await keyRows(org))[0]!.wrapped_key, secrets: (await secretRows(org)).map((s) => s.ciphertext) });
    }

    master.use('m2', 'm1'); // new primary first, old still live
    const progress: VaultRotationProgress[] = [];
    const interrupted = vault.rotateMasterKey({
      batchSize: 2,
      onProgress: (p) => {
        progress.push(p);
        if (progress.length === 3) throw new Error('stop here');
      },
    });
    await expect(interrupted).rejects.toThrow('stop here');
    expect(progress.map((p) => [p.phase, p.done, p.total])).toEqual([
      ['rewrap', 1, 7],
      ['rewrap', 2, 7],
      ['rewrap', 3, 7],
    ]);
    const count = async (id: string): Promise<number> =>
      Number((await db.pool.query('SELECT count(*) AS n FROM tenantguard.vault_org_keys WHERE master_key_id = $1', [id])).rows[0].n);
    expect(await count('m2')).toBe(3);
    // Mid-rotation every org still reads (both master keys are live).
    for (const org of orgs) expect(await readAll(org, 3)).toEqual(expected(org, 3));

    const resumed: VaultRotationProgress[] = [];
    const report = await vault.rotateMasterKey({ batchSize: 2, onProgress: (p) => void resumed.push(p) });
    expect(report).toEqual({ primaryMasterKeyId: 'm2', rewrapped: 4, orgs: 4, remaining: 0 });
    expect(resumed.at(-1)).toMatchObject({ done: 4, total: 4 });
    expect(await count('m1')).toBe(0);

    // Old master key gone: everything still decrypts; secrets' ciphertexts never changed.
    master.use('m2');
    for (const org of orgs) {
      expect(await readAll(org, 3)).toEqual(expected(org, 3));
      expect((await keyRows(org))[0]!.wrapped_key).not.toBe(before.get(org)!.wrapped);
      expect((await secretRows(org)).map((s) => s.ciphertext)).toEqual(before.get(org)!.secrets);
      // Same data key, now wrapped under m2 only.
      const m1 = new Fernet(master.keys.get('m1')!);
      const m2 = new Fernet(master.keys.get('m2')!);
      const nowWrapped = (await keyRows(org))[0]!.wrapped_key;
      expect(() => unwrapDataKey(m1, org, 1, nowWrapped)).toThrow(expect.objectContaining({ code: 'VAULT_KEY_CORRUPT' }));
      expect(unwrapDataKey(m2, org, 1, nowWrapped).keyBytes).toEqual(unwrapDataKey(m1, org, 1, before.get(org)!.wrapped).keyBytes);
    }
    const audited = await probeEvents(db.pool, orgs[6]!);
    expect(audited.at(-1)).toMatchObject({ action: 'vault.org_key_rewrapped', masterKeyId: 'm2', keyVersions: [1] });
    // Nothing left to do: a third run is a no-op.
    expect(await vault.rotateMasterKey()).toEqual({ primaryMasterKeyId: 'm2', rewrapped: 0, orgs: 0, remaining: 0 });
  });

  it('rotateMasterKey stops with VAULT_MASTER_KEY_UNKNOWN when the old key was dropped too early, and resumes once it is back', async () => {
    const org = newOrg();
    master.use('m2');
    await seedOrg(org, 2);
    master.use('m3'); // m2 dropped before re-wrapping: m2-wrapped keys cannot be opened
    expect(await codeOf(vault.rotateMasterKey())).toBe('VAULT_MASTER_KEY_UNKNOWN');
    master.use('m3', 'm2');
    const report = await vault.rotateMasterKey();
    expect(report.remaining).toBe(0);
    expect(report.rewrapped).toBeGreaterThanOrEqual(1);
    master.use('m3');
    expect(await readAll(org, 2)).toEqual(expected(org, 2));
  });

  it('rotateOrgKey re-encrypts one org under a new data key, in resumable batches, keeping values and Fernet timestamps', async () => {
    master.use('m3');
    const org = newOrg();
    const bystander = newOrg();
    await seedOrg(org, 25);
    await seedOrg(bystander, 2);
    const bystanderBefore = await secretRows(bystander);
    const oldRows = await secretRows(org);
    const oldKey = new Fernet(unwrapDataKey(new Fernet(master.keys.get('m3')!), org, 1, (await keyRows(org))[0]!.wrapped_key).keyBytes);

    const progress: VaultRotationProgress[] = [];
    await expect(
      vault.rotateOrgKey(org, {
        batchSize: 10,
        onProgress: (p) => {
          progress.push(p);
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    expect(progress).toEqual([{ phase: 'reencrypt', done: 10, total: 25, orgId: org }]);
    expect((await keyRows(org)).map((k) => [k.version, k.state])).toEqual([
      [1, 'retiring'],
      [2, 'active'],
    ]);
    // Mid-rotation: reads work for moved and unmoved secrets; new writes use the new key.
    expect(await readAll(org, 25)).toEqual(expected(org, 25));
    await withTenant(db.appPool, org, (tx) => vault.put(tx, 'written.mid.rotation', 'new'));
    expect((await secretRows(org)).find((s) => s.name === 'written.mid.rotation')?.key_version).toBe(2);

    const resumed: VaultRotationProgress[] = [];
    const report = await vault.rotateOrgKey(org, { batchSize: 10, onProgress: (p) => void resumed.push(p) });
    expect(report).toEqual({ orgId: org, keyVersion: 2, resumed: true, reencrypted: 15, retiredKeyVersions: [1] });
    expect(resumed.map((p) => [p.done, p.total])).toEqual([
      [10, 15],
      [15, 15],
    ]);
    expect((await keyRows(org)).map((k) => [k.version, k.state])).toEqual([[2, 'active']]);
    const newRows = await secretRows(org);
    expect(new Set(newRows.map((s) => s.key_version))).toEqual(new Set([2]));
    expect(await readAll(org, 25)).toEqual(expected(org, 25));
    // Every ciphertext changed; the old data key opens none of them; timestamps were kept.
    for (const old of oldRows) {
      const now = newRows.find((s) => s.name === old.name)!;
      expect(now.ciphertext).not.toBe(old.ciphertext);
      expect(() => oldKey.decrypt(now.ciphertext)).toThrow(expect.objectContaining({ code: 'FERNET_HMAC_INVALID' }));
      expect(Buffer.from(now.ciphertext, 'base64url').subarray(1, 9)).toEqual(Buffer.from(old.ciphertext, 'base64url').subarray(1, 9));
    }
    // The other org was not touched.
    expect(await secretRows(bystander)).toEqual(bystanderBefore);
    // A fresh call starts a new rotation (version 3) rather than resuming.
    const again = await vault.rotateOrgKey(org);
    expect(again).toMatchObject({ keyVersion: 3, resumed: false, reencrypted: 26, retiredKeyVersions: [2] });
    expect((await probeEvents(db.pool, org)).map((e) => e.action).filter((a) => a.startsWith('vault.org_key_r'))).toEqual([
      'vault.org_key_rotated',
      'vault.org_key_retired',
      'vault.org_key_rotated',
      'vault.org_key_retired',
    ]);
    // An org without a vault key has nothing to rotate.
    expect(await vault.rotateOrgKey(newOrg())).toMatchObject({ keyVersion: null, reencrypted: 0 });
  });

  it('rotateOrgKey racing 30 concurrent writes loses nothing and leaves one active key', async () => {
    master.use('m3');
    const org = newOrg();
    await seedOrg(org, 10);
    const pool = db.createPool({ as: 'app', max: 12 });
    const writes = Array.from({ length: 30 }, (_, i) =>
      withTenant(pool, org, (tx) => vault.put(tx, `race.${String(i).padStart(3, '0')}`, `value ${org} ${i}`)),
    );
    const [report] = await Promise.all([vault.rotateOrgKey(org, { batchSize: 4 }), ...writes]);
    expect(report).toMatchObject({ resumed: false, retiredKeyVersions: [1] });
    // Writes either finished under the old key before the rotation locked it (and were moved) or used the new one.
    const keys = await keyRows(org);
    expect(keys.map((k) => [k.version, k.state])).toEqual([[report.keyVersion, 'active']]);
    expect(new Set((await secretRows(org)).map((s) => s.key_version))).toEqual(new Set([keys[0]!.version]));
    expect(await readAll(org, 10)).toEqual(expected(org, 10));
    expect(await readAll(org, 30, 'race')).toEqual(expected(org, 30));
  });

  it('destroyOrgKeys shreds one org: nothing left decrypts it, the audit hook runs in the same transaction', async () => {
    master.use('m3');
    const victim = newOrg();
    const other = newOrg();
    await seedOrg(victim, 4);
    await seedOrg(other, 2);
    // An attacker's snapshot of the victim's ciphertexts.
    const captured = (await secretRows(victim)).map((s) => s.ciphertext);

    // If the audit hook fails, nothing is destroyed.
    const failing = createVault({
      pool: db.appPool,
      masterKeys: master.provider,
      onAudit: () => {
        throw new Error('audit log unavailable');
      },
    });
    await expect(failing.destroyOrgKeys(victim, { reason: 'test' })).rejects.toThrow('audit log unavailable');
    expect(await readAll(victim, 4)).toEqual(expected(victim, 4));

    const report = await vault.destroyOrgKeys(victim, { reason: 'customer offboarding' });
    expect(report).toEqual({ orgId: victim, keysDestroyed: 1, secretsDestroyed: 4 });
    expect(await readAll(victim, 4)).toEqual(['MISSING', 'MISSING', 'MISSING', 'MISSING']);
    expect((await db.pool.query('SELECT 1 FROM tenantguard.vault_org_keys WHERE org_id = $1', [victim])).rowCount).toBe(0);
    expect((await db.pool.query('SELECT 1 FROM tenantguard.vault_secrets WHERE org_id = $1', [victim])).rowCount).toBe(0);
    expect((await db.pool.query('SELECT 1 FROM tenantguard.vault_key_index WHERE org_id = $1', [victim])).rowCount).toBe(0);
    const destroyed = (await probeEvents(db.pool, victim)).filter((e) => e.action === 'vault.org_keys_destroyed');
    expect(destroyed).toEqual([
      {
        action: 'vault.org_keys_destroyed',
        orgId: victim,
        details: { keysDestroyed: 1, secretsDestroyed: 4, reason: 'customer offboarding' },
      },
    ]);

    // Nobody can decrypt the snapshot: try every data key left in the database under every master key.
    const allKeys = await db.pool.query<{ org_id: string; version: number; wrapped_key: string }>(
      'SELECT org_id::text, version, wrapped_key FROM tenantguard.vault_org_keys',
    );
    expect(allKeys.rowCount).toBeGreaterThan(0);
    let opened = 0;
    for (const k of allKeys.rows) {
      for (const m of master.keys.values()) {
        let dataKey: Fernet;
        try {
          dataKey = new Fernet(unwrapDataKey(new Fernet(m), k.org_id, k.version, k.wrapped_key).keyBytes);
        } catch {
          continue;
        }
        opened += 1;
        for (const ct of captured) expect(() => dataKey.decrypt(ct)).toThrow(expect.objectContaining({ code: 'FERNET_HMAC_INVALID' }));
      }
    }
    expect(opened).toBeGreaterThan(0);
    // The other org is intact; the victim can start over with a fresh key (version 1 again, a new random key).
    expect(await readAll(other, 2)).toEqual(expected(other, 2));
    await withTenant(db.appPool, victim, (tx) => vault.put(tx, 'fresh', 'start'));
    expect((await withTenant(db.appPool, victim, (tx) => vault.get(tx, 'fresh')))?.text()).toBe('start');
  });

  it('validates job options', async () => {
    expect(await codeOf(vault.rotateMasterKey({ batchSize: 0 }))).toBe('INPUT_INVALID');
    expect(await codeOf(vault.rotateOrgKey(newOrg(), { batchSize: 1.5 }))).toBe('INPUT_INVALID');
    expect(await codeOf(vault.rotateOrgKey('not-a-uuid' as OrgId))).toBe('ORG_ID_INVALID');
    expect(await codeOf(vault.destroyOrgKeys(newOrg(), { reason: 'x'.repeat(501) }))).toBe('INPUT_INVALID');
    const aborted = new AbortController();
    aborted.abort();
    await expect(vault.rotateMasterKey({ signal: aborted.signal })).rejects.toThrow();
  });
});
