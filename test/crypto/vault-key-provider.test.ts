import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isTenantGuardError, type ErrorCode } from '../../src/errors.js';
import { generateFernetKey } from '../../src/crypto/fernet-key.js';
import { envMasterKeys, fileMasterKeys, loadMasterKeys, type MasterKeyProvider } from '../../src/crypto/key-provider.js';

async function load(provider: MasterKeyProvider): Promise<{ primaryId: string; ids: string[] } | ErrorCode | 'foreign'> {
  try {
    const keys = loadMasterKeys(await provider());
    return { primaryId: keys.primaryId, ids: [...keys.byId.keys()] };
  } catch (err) {
    return isTenantGuardError(err) ? err.code : 'foreign';
  }
}

describe('master key providers', () => {
  const k1 = generateFernetKey();
  const k2 = generateFernetKey();
  const dir = mkdtempSync(join(tmpdir(), 'tg-vault-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads id:key pairs from an environment variable, primary first', async () => {
    const env = { TENANTGUARD_MASTER_KEYS: `2026-11:${k1}, 2026-05:${k2}` };
    expect(await load(envMasterKeys({ env }))).toEqual({ primaryId: '2026-11', ids: ['2026-11', '2026-05'] });
    expect(await load(envMasterKeys({ env: { OTHER: `a:${k1}` }, variable: 'OTHER' }))).toEqual({ primaryId: 'a', ids: ['a'] });
    expect(await load(envMasterKeys({ env: {} }))).toBe('VAULT_MASTER_KEYS_INVALID');
    expect(await load(envMasterKeys({ env: { TENANTGUARD_MASTER_KEYS: k1 } }))).toBe('VAULT_MASTER_KEYS_INVALID');
  });

  it('reads a key file, refusing one that other users can read', async () => {
    const path = join(dir, 'master.keys');
    writeFileSync(path, `# rotated 2026-11\nnew:${k1}\nold:${k2}\n`);
    chmodSync(path, 0o600);
    expect(await load(fileMasterKeys(path))).toEqual({ primaryId: 'new', ids: ['new', 'old'] });
    chmodSync(path, 0o640);
    expect(await load(fileMasterKeys(path))).toEqual({ primaryId: 'new', ids: ['new', 'old'] });
    if (process.platform !== 'win32') {
      chmodSync(path, 0o644);
      expect(await load(fileMasterKeys(path))).toBe('VAULT_MASTER_KEYS_INVALID');
      expect(await load(fileMasterKeys(path, { allowInsecurePermissions: true }))).toEqual({ primaryId: 'new', ids: ['new', 'old'] });
    }
    expect(await load(fileMasterKeys(join(dir, 'absent')))).toBe('VAULT_MASTER_KEYS_INVALID');
    expect(() => fileMasterKeys('')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('accepts an application function (KMS/HSM) and validates what it returns', async () => {
    expect(await load(async () => [{ id: 'kms-1', key: k1 }, { id: 'kms-0', key: Buffer.from(k2, 'base64url') }])).toEqual({
      primaryId: 'kms-1',
      ids: ['kms-1', 'kms-0'],
    });
    const bad: unknown[] = [
      [],
      [{ id: 'has space', key: k1 }],
      [{ id: 'x'.repeat(65), key: k1 }],
      [{ id: 'a', key: 'not a key' }],
      [
        { id: 'a', key: k1 },
        { id: 'a', key: k2 },
      ],
      'a:b',
      null,
    ];
    for (const value of bad) expect(await load(() => value as never)).toBe('VAULT_MASTER_KEYS_INVALID');
  });

  it('never puts key material into its errors', async () => {
    const secretish = generateFernetKey();
    const attempts: MasterKeyProvider[] = [
      () => [{ id: 'a', key: secretish.slice(0, 40) }],
      () => [{ id: secretish, key: secretish }],
      envMasterKeys({ env: { TENANTGUARD_MASTER_KEYS: secretish } }),
    ];
    for (const p of attempts) {
      let caught: unknown;
      try {
        loadMasterKeys(await p());
      } catch (err) {
        caught = err;
      }
      expect(isTenantGuardError(caught, 'VAULT_MASTER_KEYS_INVALID')).toBe(true);
      expect(`${String(caught)} ${JSON.stringify(caught)} ${inspect(caught, { depth: 10 })}`).not.toContain(secretish.slice(0, 30));
    }
  });
});
