import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { withTenant, type TenantDb } from '../../src/tenancy/index.js';
import { Fernet } from '../../src/crypto/fernet.js';
import { createVault, type Vault } from '../../src/crypto/vault.js';
import type { VaultAuditEvent } from '../../src/crypto/vault-context.js';
import { unwrapDataKey } from '../../src/crypto/vault-format.js';
import { useTestDatabase } from '../support/db.js';
import { createAuditProbe, mutableKeys, newOrg, probeEvents } from './vault-fixtures.js';
import { tenantGuardCodeOf } from '../support/error-code.js';

const codeOf = tenantGuardCodeOf;

describe('vault: secrets per org, inside withTenant', () => {
  const db = useTestDatabase();
  const master = mutableKeys('m1');
  const events: VaultAuditEvent[] = [];
  let vault: Vault;
  const make = (): Vault =>
    createVault({
      pool: db.appPool,
      masterKeys: master.provider,
      onAudit: async (tx, e) => {
        events.push(e);
        await tx.query('INSERT INTO vault_audit_probe (action, event) VALUES ($1, $2)', [e.action, JSON.stringify(e)]);
      },
    });

  it('stores and reads back strings and bytes; replaces, lists and deletes', async () => {
    await createAuditProbe(db.pool);
    vault = make();
    const org = newOrg();
    const token = 'ya29.a0AfH6SMBx' + 'q'.repeat(180);
    const binary = Buffer.from([0, 1, 2, 255, 254, 0]);
    await withTenant(db.appPool, org, async (tx) => {
      await vault.put(tx, 'google.access_token', token);
      await vault.put(tx, 'blob', binary);
    });
    const got = await withTenant(db.appPool, org, (tx) => vault.get(tx, 'google.access_token'));
    expect(got?.text()).toBe(token);
    expect((await withTenant(db.appPool, org, (tx) => vault.get(tx, 'blob')))?.bytes().equals(binary)).toBe(true);
    expect(await withTenant(db.appPool, org, (tx) => vault.get(tx, 'missing'))).toBeUndefined();

    await withTenant(db.appPool, org, (tx) => vault.put(tx, 'google.access_token', 'replaced'));
    expect((await withTenant(db.appPool, org, (tx) => vault.get(tx, 'google.access_token')))?.text()).toBe('replaced');
    const list = await withTenant(db.appPool, org, (tx) => vault.list(tx));
    expect(list.map((s) => [s.name, s.keyVersion])).toEqual([
      ['blob', 1],
      ['google.access_token', 1],
    ]);
    expect(list[1]!.updatedAt.getTime()).toBeGreaterThanOrEqual(list[1]!.createdAt.getTime());
    expect(await withTenant(db.appPool, org, (tx) => vault.delete(tx, 'blob'))).toBe(true);
    expect(await withTenant(db.appPool, org, (tx) => vault.delete(tx, 'blob'))).toBe(false);
    expect(await withTenant(db.appPool, org, (tx) => vault.get(tx, 'blob'))).toBeUndefined();

    // Nothing in the database is plaintext, and each write was audited in its transaction.
    const rows = await db.pool.query<{ ciphertext: string }>('SELECT ciphertext FROM tenantguard.vault_secrets WHERE org_id = $1', [org]);
    for (const r of rows.rows) expect(r.ciphertext).not.toContain('replaced');
    expect((await probeEvents(db.pool, org)).map((e) => e.action)).toEqual([
      'vault.org_key_created',
      'vault.secret_written',
      'vault.secret_written',
      'vault.secret_written',
      'vault.secret_deleted',
    ]);
  });

  it('rolls the secret back with the caller transaction', async () => {
    const org = newOrg();
    const failed = withTenant(db.appPool, org, async (tx) => {
      await vault.put(tx, 'rolled.back', 'value');
      throw new Error('app failure after put');
    });
    await expect(failed).rejects.toThrow('app failure after put');
    expect(await withTenant(db.appPool, org, (tx) => vault.get(tx, 'rolled.back'))).toBeUndefined();
    const keys = await db.pool.query('SELECT 1 FROM tenantguard.vault_org_keys WHERE org_id = $1', [org]);
    expect(keys.rowCount).toBe(0);
  });

  it('gives each org its own data key and keeps orgs apart (RLS and key)', async () => {
    const a = newOrg();
    const b = newOrg();
    await withTenant(db.appPool, a, (tx) => vault.put(tx, 'shared.name', 'secret of A'));
    await withTenant(db.appPool, b, (tx) => vault.put(tx, 'shared.name', 'secret of B'));
    expect((await withTenant(db.appPool, a, (tx) => vault.get(tx, 'shared.name')))?.text()).toBe('secret of A');
    expect((await withTenant(db.appPool, b, (tx) => vault.get(tx, 'shared.name')))?.text()).toBe('secret of B');
    // The app role outside withTenant sees no vault row at all.
    expect((await db.appPool.query('SELECT * FROM tenantguard.vault_secrets')).rowCount).toBe(0);
    expect((await db.appPool.query('SELECT * FROM tenantguard.vault_org_keys')).rowCount).toBe(0);
    // Different data keys: A's key does not open B's ciphertext.
    const keyRows = await db.pool.query<{ org_id: string; wrapped_key: string }>(
      'SELECT org_id::text, wrapped_key FROM tenantguard.vault_org_keys WHERE org_id = ANY($1::uuid[])',
      [[a, b]],
    );
    const m1 = new Fernet(master.keys.get('m1')!);
    const keyOf = (org: string): Fernet =>
      new Fernet(unwrapDataKey(m1, org, 1, keyRows.rows.find((r) => r.org_id === org)!.wrapped_key).keyBytes);
    const ctB = (await db.pool.query<{ ciphertext: string }>('SELECT ciphertext FROM tenantguard.vault_secrets WHERE org_id = $1', [b])).rows[0]!
      .ciphertext;
    expect(() => keyOf(a).decrypt(ctB)).toThrow(expect.objectContaining({ code: 'FERNET_HMAC_INVALID' }));
    expect(keyOf(b).decrypt(ctB).subarray(-11).toString()).toBe('secret of B');
  });

  it('detects rows moved between orgs or names (binding), even by a superuser', async () => {
    const a = newOrg();
    const b = newOrg();
    await withTenant(db.appPool, a, async (tx) => {
      await vault.put(tx, 'one', 'value one');
      await vault.put(tx, 'two', 'value two');
    });
    await withTenant(db.appPool, b, (tx) => vault.put(tx, 'x', 'value x'));
    // Swap ciphertexts between two names of the same org.
    await db.pool.query(`
      UPDATE tenantguard.vault_secrets s SET ciphertext = o.ciphertext
      FROM tenantguard.vault_secrets o
      WHERE s.org_id = '${a}' AND o.org_id = s.org_id AND s.name = 'one' AND o.name = 'two'`);
    expect(await codeOf(withTenant(db.appPool, a, (tx) => vault.get(tx, 'one')))).toBe('VAULT_SECRET_CORRUPT');
    // Copy A's ciphertext into B: B's key cannot open it.
    await db.pool.query(
      `UPDATE tenantguard.vault_secrets SET ciphertext = (SELECT ciphertext FROM tenantguard.vault_secrets WHERE org_id = $1 AND name = 'two')
       WHERE org_id = $2 AND name = 'x'`,
      [a, b],
    );
    expect(await codeOf(withTenant(db.appPool, b, (tx) => vault.get(tx, 'x')))).toBe('VAULT_SECRET_CORRUPT');
    // Copy A's wrapped data key into B's key row: the binding to org and version refuses it.
    await db.pool.query(
      `UPDATE tenantguard.vault_org_keys SET wrapped_key = (SELECT wrapped_key FROM tenantguard.vault_org_keys WHERE org_id = $1)
       WHERE org_id = $2`,
      [a, b],
    );
    expect(await codeOf(withTenant(db.appPool, b, (tx) => vault.get(tx, 'x')))).toBe('VAULT_KEY_CORRUPT');
    expect((await withTenant(db.appPool, a, (tx) => vault.get(tx, 'two')))?.text()).toBe('value two');
  });

  it('refuses to run outside withTenant or under another org', async () => {
    const a = newOrg();
    const b = newOrg();
    await withTenant(db.appPool, a, (tx) => vault.put(tx, 'k', 'v'));
    // A superuser pool (RLS bypassed) dressed up as a TenantDb: still refused.
    const fake = { orgId: a, query: db.pool.query.bind(db.pool) } as unknown as TenantDb;
    for (const op of [() => vault.get(fake, 'k'), () => vault.put(fake, 'k', 'w'), () => vault.list(fake), () => vault.delete(fake, 'k')]) {
      expect(await codeOf(op())).toBe('VAULT_TENANT_CONTEXT_MISSING');
    }
    // Org A's handle label on org B's transaction.
    const mislabeled = await withTenant(db.appPool, b, async (tx) => {
      const lie = { orgId: a, query: tx.query.bind(tx) } as unknown as TenantDb;
      return [await codeOf(vault.get(lie, 'k')), await codeOf(vault.put(lie, 'k2', 'v'))];
    });
    expect(mislabeled).toEqual(['VAULT_TENANT_CONTEXT_MISSING', 'VAULT_TENANT_CONTEXT_MISSING']);
    expect(await codeOf(vault.get(undefined as unknown as TenantDb, 'k'))).toBe('VAULT_TENANT_CONTEXT_MISSING');
    expect((await withTenant(db.appPool, a, (tx) => vault.get(tx, 'k')))?.text()).toBe('v');
  });

  it('validates names and sizes', async () => {
    const org = newOrg();
    const small = createVault({ pool: db.appPool, masterKeys: master.provider, maxSecretBytes: 10 });
    const codes = await withTenant(db.appPool, org, async (tx) => [
      await codeOf(vault.put(tx, '', 'v')),
      await codeOf(vault.put(tx, '../etc/passwd', 'v')),
      await codeOf(vault.put(tx, 'a'.repeat(201), 'v')),
      await codeOf(vault.put(tx, "x' OR 1=1 --", 'v')),
      await codeOf(vault.get(tx, 'name with space')),
      await codeOf(small.put(tx, 'big', 'x'.repeat(11))),
      await codeOf(vault.put(tx, 'n', 42 as unknown as string)),
    ]);
    expect(codes).toEqual([
      'VAULT_SECRET_NAME_INVALID',
      'VAULT_SECRET_NAME_INVALID',
      'VAULT_SECRET_NAME_INVALID',
      'VAULT_SECRET_NAME_INVALID',
      'VAULT_SECRET_NAME_INVALID',
      'INPUT_INVALID',
      'INPUT_INVALID',
    ]);
    expect(() => createVault({ pool: {} as never, masterKeys: master.provider })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('never shows secrets or master keys in errors, toString, JSON or inspect', async () => {
    const org = newOrg();
    const value = 'refresh-token-that-must-not-leak';
    await withTenant(db.appPool, org, (tx) => vault.put(tx, 'leak.check', value));
    const secret = await withTenant(db.appPool, org, (tx) => vault.get(tx, 'leak.check'));
    const masterKey = master.keys.get('m1')!;
    const shown = [
      String(secret),
      `${secret}`,
      JSON.stringify(secret),
      JSON.stringify({ secret }),
      inspect(secret, { showHidden: true, depth: 10 }),
      String(vault),
      JSON.stringify(vault),
      inspect(vault, { showHidden: true, depth: 10 }),
    ];
    for (const s of shown) {
      expect(s).not.toContain(value);
      expect(s).not.toContain(masterKey.slice(0, 16));
    }
    expect(secret?.text()).toBe(value);
    // Errors on the corrupt path carry ids, never values or keys.
    await db.pool.query(`UPDATE tenantguard.vault_secrets SET name = 'leak.other' WHERE org_id = $1 AND name = 'leak.check'`, [org]);
    let caught: unknown;
    try {
      await withTenant(db.appPool, org, (tx) => vault.get(tx, 'leak.other'));
    } catch (err) {
      caught = err;
    }
    expect(isTenantGuardError(caught, 'VAULT_SECRET_CORRUPT')).toBe(true);
    const text = `${String(caught)} ${JSON.stringify(caught)} ${inspect(caught, { depth: 10 })}`;
    expect(text).not.toContain(value);
    expect(text).not.toContain(masterKey.slice(0, 16));
  });

  it('creates exactly one data key under 20 concurrent first writes', async () => {
    const org = newOrg();
    const pool = db.createPool({ as: 'app', max: 20 });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => withTenant(pool, org, (tx) => vault.put(tx, `parallel.${i}`, `v${i}`))),
    );
    const keys = await db.pool.query('SELECT version FROM tenantguard.vault_org_keys WHERE org_id = $1', [org]);
    expect(keys.rowCount).toBe(1);
    const values = await withTenant(pool, org, async (tx) => {
      const out: Array<string | undefined> = [];
      for (let i = 0; i < 20; i += 1) out.push((await vault.get(tx, `parallel.${i}`))?.text());
      return out;
    });
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
  });

  it('behaves like a per-org map under random put/get/delete sequences (model-based property)', async () => {
    const orgs = [newOrg(), newOrg()];
    const model = new Map<string, string>(); // key: org|name
    const names = ['a', 'b', 'c.d', 'oauth/google'];
    const op = fc.record({
      kind: fc.constantFrom('put', 'get', 'delete'),
      org: fc.integer({ min: 0, max: 1 }),
      name: fc.constantFrom(...names),
      value: fc.string({ maxLength: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          const org = orgs[o.org]!;
          const key = `${org}|${o.name}`;
          if (o.kind === 'put') {
            await withTenant(db.appPool, org, (tx) => vault.put(tx, o.name, o.value));
            model.set(key, o.value);
          } else if (o.kind === 'delete') {
            const existed = await withTenant(db.appPool, org, (tx) => vault.delete(tx, o.name));
            if (existed !== model.has(key)) return false;
            model.delete(key);
          } else {
            const got = await withTenant(db.appPool, org, (tx) => vault.get(tx, o.name));
            if (got?.text() !== model.get(key)) return false;
          }
        }
        for (const org of orgs) {
          const listed = (await withTenant(db.appPool, org, (tx) => vault.list(tx))).map((x) => x.name);
          const expected = names.filter((n) => model.has(`${org}|${n}`)).sort();
          if (JSON.stringify(listed) !== JSON.stringify(expected)) return false;
        }
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it('reports a wrapped key under a master key the provider lacks', async () => {
    const org = newOrg();
    await withTenant(db.appPool, org, (tx) => vault.put(tx, 'k', 'v'));
    const other = mutableKeys('m-unrelated');
    const blind = createVault({ pool: db.appPool, masterKeys: other.provider });
    expect(await codeOf(withTenant(db.appPool, org, (tx) => blind.get(tx, 'k')))).toBe('VAULT_MASTER_KEY_UNKNOWN');
    // Same id, wrong key material: the unwrap fails closed.
    const impostor = createVault({ pool: db.appPool, masterKeys: mutableKeys('m1').provider });
    expect(await codeOf(withTenant(db.appPool, org, (tx) => impostor.get(tx, 'k')))).toBe('VAULT_KEY_CORRUPT');
  });

  it('caches master keys for keyCacheMs and reloads on demand', async () => {
    let calls = 0;
    const keys = mutableKeys('c1');
    const counted = createVault({
      pool: db.appPool,
      masterKeys: () => {
        calls += 1;
        return keys.provider();
      },
      keyCacheMs: 60_000,
    });
    const org = newOrg();
    await withTenant(db.appPool, org, async (tx) => {
      await counted.put(tx, 'a', '1');
      await counted.get(tx, 'a');
    });
    expect(calls).toBe(1);
    counted.reloadMasterKeys();
    await withTenant(db.appPool, org, (tx) => counted.get(tx, 'a'));
    expect(calls).toBe(2);
    // A provider that throws surfaces as VAULT_MASTER_KEYS_INVALID without its message (which could quote a key).
    const broken = createVault({
      pool: db.appPool,
      masterKeys: () => {
        throw new Error('Unexpected token in JSON: "cw_0x689RpI-jtRR7oE8h..."');
      },
    });
    let caught: unknown;
    try {
      await withTenant(db.appPool, org, (tx) => broken.get(tx, 'a'));
    } catch (err) {
      caught = err;
    }
    expect(isTenantGuardError(caught, 'VAULT_MASTER_KEYS_INVALID')).toBe(true);
    expect(`${String(caught)} ${JSON.stringify(caught)} ${inspect(caught)}`).not.toContain('cw_0x689');
  });
});
