/**
 * The token vault: OAuth tokens and other third-party secrets, stored per org
 * with envelope encryption. Each org has its own random data key, stored
 * wrapped (Fernet) under a master key in `tenantguard.vault_org_keys`; each
 * secret is stored encrypted (Fernet) under that data key in
 * `tenantguard.vault_secrets`. Both tables are tenant-scoped (RLS): reads and
 * writes happen only inside `withTenant`.
 *
 * @module crypto/vault
 */
import { inspect } from 'node:util';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { parseOrgId, withTenant as defaultWithTenant } from '../tenancy/index.js';
import type { OrgId, PoolLike, TenantDb, WithTenant, WithTenantOptions } from '../tenancy/index.js';
import type { MasterKeyProvider } from './key-provider.js';
import {
  assertTenantContext,
  checkTenantContext,
  createMasterKeyCache,
  openOrgKey,
  type OrgKeyRow,
  type VaultAuditHook,
  type VaultContext,
} from './vault-context.js';
import { newDataKey, openSecret, sealSecret, wrapDataKey } from './vault-format.js';
import {
  destroyOrgKeys,
  rotateMasterKey,
  rotateOrgKey,
  type DestroyOrgKeysOptions,
  type DestroyOrgKeysReport,
  type MasterKeyRotationReport,
  type OrgKeyRotationReport,
  type VaultRotationOptions,
} from './vault-maintenance.js';
import { SecretValue } from './vault-secret.js';

/** Options for {@link createVault}. */
export interface VaultOptions {
  /** The application's pool (used by the rotation and destruction jobs, which open their own withTenant transactions). */
  pool: PoolLike;
  /** Where master keys come from: {@link envMasterKeys}, {@link fileMasterKeys} or your KMS/HSM function. */
  masterKeys: MasterKeyProvider;
  /** Audit hook, called inside the transaction of each change (see {@link VaultAuditEvent}). */
  onAudit?: VaultAuditHook;
  /** The withTenant to use (e.g. one made by `createWithTenant`). Default: tenancy's `withTenant`. */
  withTenant?: WithTenant;
  /** Options for the vault's own withTenant calls (e.g. `{ role: 'tenantguard_app' }`). */
  tenantOptions?: WithTenantOptions;
  /** How long master keys from the provider are cached, in ms. Default 300000 (5 minutes). */
  keyCacheMs?: number;
  /** Largest secret value accepted, in bytes. Default 65536. */
  maxSecretBytes?: number;
}

/** A stored secret's metadata (never its value). */
export interface VaultSecretInfo {
  /** The secret's name. */
  readonly name: string;
  /** The org data key version it is encrypted under. */
  readonly keyVersion: number;
  /** When it was first stored. */
  readonly createdAt: Date;
  /** When its value was last written. */
  readonly updatedAt: Date;
}

/**
 * The vault. Secret operations take the `db` handle of the caller's
 * `withTenant` transaction, so they commit or roll back with the caller's
 * work; maintenance jobs take an org id (or nothing) and open their own
 * transactions, one per org or batch, which makes them resumable.
 */
export interface Vault {
  /** Stores (or replaces) a secret for `db.orgId`; creates the org's data key on first use. */
  put(db: TenantDb, name: string, value: string | Uint8Array): Promise<void>;
  /** Reads and decrypts a secret, or `undefined` when there is none. */
  get(db: TenantDb, name: string): Promise<SecretValue | undefined>;
  /** Deletes a secret; true if it existed. */
  delete(db: TenantDb, name: string): Promise<boolean>;
  /** The org's secrets' names and dates (no values), by name. */
  list(db: TenantDb): Promise<VaultSecretInfo[]>;
  /**
   * Re-wraps every org's data key under the current primary master key
   * (secrets are untouched). One transaction per org: if interrupted, run it
   * again and it continues with the orgs not yet done.
   */
  rotateMasterKey(options?: VaultRotationOptions): Promise<MasterKeyRotationReport>;
  /**
   * Gives the org a new data key and re-encrypts its secrets under it in
   * batches (one transaction each), then deletes the old key. If interrupted,
   * calling it again finishes the same rotation instead of starting another.
   */
  rotateOrgKey(orgId: OrgId, options?: VaultRotationOptions): Promise<OrgKeyRotationReport>;
  /**
   * Crypto-shredding: deletes the org's data keys and ciphertexts in one
   * transaction (audited through `onAudit` in that transaction). Afterwards
   * no key anywhere decrypts the org's old ciphertexts.
   */
  destroyOrgKeys(orgId: OrgId, options?: DestroyOrgKeysOptions): Promise<DestroyOrgKeysReport>;
  /** Drops cached master keys; the next operation asks the provider again. */
  reloadMasterKeys(): void;
}

const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/;

const optionsSchema = z.object({
  pool: z.custom<PoolLike>(
    (p) => typeof p === 'object' && p !== null && typeof (p as { connect?: unknown }).connect === 'function',
    'pool must have connect()',
  ),
  masterKeys: z.custom<MasterKeyProvider>((f) => typeof f === 'function', 'masterKeys must be a provider function'),
  onAudit: z.custom<VaultAuditHook>((f) => typeof f === 'function', 'onAudit must be a function').optional(),
  withTenant: z.custom<WithTenant>((f) => typeof f === 'function', 'withTenant must be a function').optional(),
  tenantOptions: z.custom<WithTenantOptions>((o) => typeof o === 'object' && o !== null).optional(),
  keyCacheMs: z.number().int().min(0).max(86_400_000).optional(),
  maxSecretBytes: z.number().int().min(1).max(16 * 1024 * 1024).optional(),
});

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
    throw new TenantGuardError(
      'VAULT_SECRET_NAME_INVALID',
      'a secret name is 1-200 characters of A-Z a-z 0-9 . _ : / @ -, starting with a letter or digit',
    );
  }
  return name;
}

function checkDb(db: unknown): TenantDb {
  const d = db as Partial<TenantDb> | null;
  if (typeof d !== 'object' || d === null || typeof d.query !== 'function') {
    throw new TenantGuardError('VAULT_TENANT_CONTEXT_MISSING', 'vault operations need the db handle of withTenant');
  }
  parseOrgId(d.orgId);
  return db as TenantDb;
}

class TokenVault implements Vault {
  readonly #ctx: VaultContext;

  constructor(ctx: VaultContext) {
    this.#ctx = ctx;
  }

  async put(dbIn: TenantDb, nameIn: string, value: string | Uint8Array): Promise<void> {
    const db = checkDb(dbIn);
    const name = checkName(nameIn);
    let bytes: Buffer;
    if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
    else if (value instanceof Uint8Array) bytes = Buffer.from(value);
    else throw new TenantGuardError('INPUT_INVALID', 'a secret value must be a string or a Uint8Array');
    if (bytes.length > this.#ctx.maxSecretBytes) {
      throw new TenantGuardError('INPUT_INVALID', 'the secret value is larger than maxSecretBytes', {
        details: { bytes: bytes.length, max: this.#ctx.maxSecretBytes },
      });
    }
    try {
      const keys = await this.#ctx.masterKeys();
      const { row, created } = await this.#activeKey(db, keys.primaryId);
      const dataKey = openOrgKey(keys, db.orgId, row);
      const ciphertext = sealSecret(dataKey, name, bytes);
      await db.query(
        `INSERT INTO tenantguard.vault_secrets (org_id, name, key_version, ciphertext) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, name) DO UPDATE
           SET key_version = EXCLUDED.key_version, ciphertext = EXCLUDED.ciphertext, updated_at = now()`,
        [db.orgId, name, row.version, ciphertext],
      );
      if (created) {
        await this.#ctx.onAudit?.(db, {
          action: 'vault.org_key_created',
          orgId: db.orgId,
          keyVersions: [row.version],
          masterKeyId: row.master_key_id,
        });
      }
      await this.#ctx.onAudit?.(db, {
        action: 'vault.secret_written',
        orgId: db.orgId,
        secretName: name,
        keyVersions: [row.version],
      });
    } finally {
      bytes.fill(0);
    }
  }

  /**
   * The org's active data key row, locked FOR SHARE so a concurrent
   * rotateOrgKey or destroyOrgKeys waits for this transaction. Creates the
   * key (version max+1, wrapped under the primary master key) on first use.
   */
  async #activeKey(db: TenantDb, primaryId: string): Promise<{ row: OrgKeyRow; created: boolean }> {
    const select = async (): Promise<(OrgKeyRow & { ctx: string | null }) | undefined> => {
      const r = await db.query<OrgKeyRow & { ctx: string | null }>(
        `SELECT version, master_key_id, wrapped_key, tenantguard.current_org_id()::text AS ctx
         FROM tenantguard.vault_org_keys WHERE org_id = $1 AND state = 'active' FOR SHARE`,
        [db.orgId],
      );
      return r.rows[0];
    };
    const found = await select();
    if (found !== undefined) {
      assertTenantContext(db, found.ctx);
      return { row: found, created: false };
    }
    await checkTenantContext(db);
    const keys = await this.#ctx.masterKeys();
    const primary = keys.byId.get(primaryId);
    if (primary === undefined) throw new Error('tenantguard: primary master key missing from its own key set');
    const next = await db.query<{ version: number }>(
      'SELECT coalesce(max(version), 0) + 1 AS version FROM tenantguard.vault_org_keys WHERE org_id = $1',
      [db.orgId],
    );
    const version = next.rows[0]?.version ?? 1;
    const raw = newDataKey();
    let wrapped: string;
    try {
      wrapped = wrapDataKey(primary, db.orgId, version, raw);
    } finally {
      raw.fill(0);
    }
    // A concurrent first write for the same org may win: then use its key.
    const inserted = await db.query<OrgKeyRow>(
      `INSERT INTO tenantguard.vault_org_keys (org_id, version, master_key_id, wrapped_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING version, master_key_id, wrapped_key`,
      [db.orgId, version, primaryId, wrapped],
    );
    const row = inserted.rows[0];
    if (row !== undefined) return { row, created: true };
    const winner = await select();
    if (winner === undefined) {
      throw new TenantGuardError('VAULT_KEY_CORRUPT', 'the org has data keys but none is active', {
        details: { orgId: db.orgId },
      });
    }
    return { row: winner, created: false };
  }

  async get(dbIn: TenantDb, nameIn: string): Promise<SecretValue | undefined> {
    const db = checkDb(dbIn);
    const name = checkName(nameIn);
    const r = await db.query<{
      ctx: string | null;
      ciphertext: string | null;
      version: number | null;
      master_key_id: string | null;
      wrapped_key: string | null;
    }>(
      `SELECT tenantguard.current_org_id()::text AS ctx, s.ciphertext, k.version, k.master_key_id, k.wrapped_key
       FROM (SELECT 1) AS one
       LEFT JOIN tenantguard.vault_secrets s ON s.org_id = $1 AND s.name = $2
       LEFT JOIN tenantguard.vault_org_keys k ON k.org_id = s.org_id AND k.version = s.key_version`,
      [db.orgId, name],
    );
    const row = r.rows[0];
    assertTenantContext(db, row?.ctx ?? null);
    if (row === undefined || row.ciphertext === null) return undefined;
    if (row.version === null || row.master_key_id === null || row.wrapped_key === null) {
      throw new TenantGuardError('VAULT_KEY_CORRUPT', 'a secret refers to a data key that does not exist', {
        details: { orgId: db.orgId, name },
      });
    }
    const keys = await this.#ctx.masterKeys();
    const dataKey = openOrgKey(keys, db.orgId, {
      version: row.version,
      master_key_id: row.master_key_id,
      wrapped_key: row.wrapped_key,
    });
    return new SecretValue(name, openSecret(dataKey, name, row.ciphertext));
  }

  async delete(dbIn: TenantDb, nameIn: string): Promise<boolean> {
    const db = checkDb(dbIn);
    const name = checkName(nameIn);
    await checkTenantContext(db);
    const r = await db.query('DELETE FROM tenantguard.vault_secrets WHERE org_id = $1 AND name = $2', [db.orgId, name]);
    const deleted = (r.rowCount ?? 0) > 0;
    if (deleted) await this.#ctx.onAudit?.(db, { action: 'vault.secret_deleted', orgId: db.orgId, secretName: name });
    return deleted;
  }

  async list(dbIn: TenantDb): Promise<VaultSecretInfo[]> {
    const db = checkDb(dbIn);
    await checkTenantContext(db);
    const r = await db.query<{ name: string; key_version: number; created_at: Date; updated_at: Date }>(
      `SELECT name, key_version, created_at, updated_at FROM tenantguard.vault_secrets
       WHERE org_id = $1 ORDER BY name`,
      [db.orgId],
    );
    return r.rows.map((x) => ({
      name: x.name,
      keyVersion: x.key_version,
      createdAt: new Date(x.created_at),
      updatedAt: new Date(x.updated_at),
    }));
  }

  async rotateMasterKey(options: VaultRotationOptions = {}): Promise<MasterKeyRotationReport> {
    return rotateMasterKey(this.#ctx, options);
  }

  async rotateOrgKey(orgId: OrgId, options: VaultRotationOptions = {}): Promise<OrgKeyRotationReport> {
    return rotateOrgKey(this.#ctx, parseOrgId(orgId), options);
  }

  async destroyOrgKeys(orgId: OrgId, options: DestroyOrgKeysOptions = {}): Promise<DestroyOrgKeysReport> {
    return destroyOrgKeys(this.#ctx, parseOrgId(orgId), options);
  }

  reloadMasterKeys(): void {
    this.#ctx.forgetMasterKeys();
  }

  /** Redacted. */
  toString(): string {
    return '[Vault <master keys redacted>]';
  }

  /** Redacted: `JSON.stringify(vault)` shows no keys. */
  toJSON(): { type: 'Vault' } {
    return { type: 'Vault' };
  }

  /** Redacted `util.inspect` / `console.log` output. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Creates the token vault. Needs migration `0030_vault` applied.
 *
 * @example
 * ```ts
 * import { createVault, envMasterKeys, withTenant, parseOrgId } from 'tenantguard';
 *
 * const vault = createVault({ pool, masterKeys: envMasterKeys(), onAudit: (db, e) => audit.record(db, e) });
 * const orgId = parseOrgId(principal.orgId);
 * await withTenant(pool, orgId, (db) => vault.put(db, 'google.refresh_token', refreshToken));
 * const secret = await withTenant(pool, orgId, (db) => vault.get(db, 'google.refresh_token'));
 * secret?.text(); // the token; String(secret) and JSON.stringify(secret) are redacted
 * ```
 */
export function createVault(options: VaultOptions): Vault {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TenantGuardError('CONFIG_INVALID', 'invalid vault options', {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
    });
  }
  const o = parsed.data;
  const cache = createMasterKeyCache(o.masterKeys, o.keyCacheMs ?? 300_000);
  return new TokenVault({
    pool: o.pool,
    withTenant: o.withTenant ?? defaultWithTenant,
    tenantOptions: o.tenantOptions,
    onAudit: o.onAudit,
    maxSecretBytes: o.maxSecretBytes ?? 65_536,
    ...cache,
  });
}
