/**
 * Vault maintenance jobs: master-key rotation (re-wrap every org's data key),
 * org-key rotation (re-encrypt one org's secrets under a new data key) and
 * crypto-shredding. Each works in short withTenant transactions, so it can be
 * interrupted and run again, and reports progress as it goes.
 *
 * @module crypto/vault-maintenance
 * @internal
 */
import { TenantGuardError } from '../errors.js';
import { parseOrgId, type OrgId, type PoolLike, type QueryResultRow, type TenantDb } from '../tenancy/index.js';
import { Fernet } from './fernet.js';
import { openOrgKey, type OrgKeyRow, type VaultContext } from './vault-context.js';
import { newDataKey, resealSecret, unwrapDataKey, wrapDataKey } from './vault-format.js';

/** Progress of a rotation, reported after every committed step. */
export interface VaultRotationProgress {
  /** `rewrap`: data keys re-wrapped under the primary master key; `reencrypt`: secrets moved to the new data key. */
  readonly phase: 'rewrap' | 'reencrypt';
  /** Items done so far in this run. */
  readonly done: number;
  /** Items to do, as counted when this run started. */
  readonly total: number;
  /** The org of the step just committed. */
  readonly orgId: OrgId;
}

/** Options for {@link Vault.rotateMasterKey} and {@link Vault.rotateOrgKey}. */
export interface VaultRotationOptions {
  /** Orgs per listing query (master key) or secrets per transaction (org key). Default 100. */
  batchSize?: number;
  /** Called after each committed step; if it throws, the job stops there (and can be resumed). */
  onProgress?: (progress: VaultRotationProgress) => void | Promise<void>;
  /** Stops the job between steps. */
  signal?: AbortSignal;
}

/** What {@link Vault.rotateMasterKey} did. */
export interface MasterKeyRotationReport {
  /** The master key every data key is now wrapped under. */
  readonly primaryMasterKeyId: string;
  /** Data keys re-wrapped in this run. */
  readonly rewrapped: number;
  /** Orgs touched in this run. */
  readonly orgs: number;
  /** Data keys still under another master key when the run ended (0 unless other processes still wrap with an old primary). */
  readonly remaining: number;
}

/** What {@link Vault.rotateOrgKey} did. */
export interface OrgKeyRotationReport {
  /** The org. */
  readonly orgId: OrgId;
  /** The org's active data key version afterwards; null when the org has no vault key yet (nothing to rotate). */
  readonly keyVersion: number | null;
  /** True when this call finished an interrupted rotation instead of starting a new one. */
  readonly resumed: boolean;
  /** Secrets re-encrypted in this run. */
  readonly reencrypted: number;
  /** Old data key versions deleted at the end. */
  readonly retiredKeyVersions: readonly number[];
}

/** Options for {@link Vault.destroyOrgKeys}. */
export interface DestroyOrgKeysOptions {
  /** Why (goes into the audit event; not secret). */
  reason?: string;
}

/** What {@link Vault.destroyOrgKeys} did. */
export interface DestroyOrgKeysReport {
  /** The org. */
  readonly orgId: OrgId;
  /** Data keys deleted. */
  readonly keysDestroyed: number;
  /** Secret ciphertexts deleted. */
  readonly secretsDestroyed: number;
}

function batchSizeOf(options: VaultRotationOptions): number {
  const n = options.batchSize ?? 100;
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) {
    throw new TenantGuardError('INPUT_INVALID', 'batchSize must be an integer from 1 to 10000');
  }
  return n;
}

/** Runs one query outside any tenant (only the two index functions need it). */
async function queryPool<R extends QueryResultRow>(pool: PoolLike, text: string, values: unknown[]): Promise<R[]> {
  const client = await pool.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    client.release();
  }
}

function inTenant<T>(ctx: VaultContext, orgId: OrgId, fn: (db: TenantDb) => Promise<T>): Promise<T> {
  return ctx.withTenant(ctx.pool, orgId, fn, ctx.tenantOptions);
}

/** @internal */
export async function rotateMasterKey(ctx: VaultContext, options: VaultRotationOptions): Promise<MasterKeyRotationReport> {
  const batch = batchSizeOf(options);
  // Always ask the provider: a rotation is when the key list has just changed.
  const keys = await ctx.masterKeys(true);
  const primaryId = keys.primaryId;
  const primary = keys.byId.get(primaryId) as Fernet;
  const count = async (): Promise<number> =>
    Number(
      (await queryPool<{ n: string }>(ctx.pool, 'SELECT tenantguard.vault_keys_to_rewrap_count($1) AS n', [primaryId]))[0]
        ?.n ?? 0,
    );
  const total = await count();
  let done = 0;
  let orgs = 0;
  // Cursor over org ids: each org is visited once per run, so a failure can never loop.
  let after: string | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await queryPool<{ org_id: string }>(
      ctx.pool,
      'SELECT org_id::text AS org_id FROM tenantguard.vault_orgs_to_rewrap($1, $2, $3) AS org_id',
      [primaryId, after, batch],
    );
    if (page.length === 0) break;
    for (const { org_id } of page) {
      options.signal?.throwIfAborted();
      const orgId = parseOrgId(org_id);
      const n = await inTenant(ctx, orgId, async (db) => {
        const rows = (
          await db.query<OrgKeyRow>(
            `SELECT version, master_key_id, wrapped_key FROM tenantguard.vault_org_keys
             WHERE org_id = $1 AND master_key_id <> $2 ORDER BY version FOR UPDATE`,
            [orgId, primaryId],
          )
        ).rows;
        for (const row of rows) {
          const master = keys.byId.get(row.master_key_id);
          if (master === undefined) {
            throw new TenantGuardError(
              'VAULT_MASTER_KEY_UNKNOWN',
              'an org data key is wrapped under a master key the provider does not supply; add it to the provider (after the new primary) and run again',
              { details: { orgId, version: row.version, masterKeyId: row.master_key_id } },
            );
          }
          const { keyBytes, timestamp } = unwrapDataKey(master, orgId, row.version, row.wrapped_key);
          let rewrapped: string;
          try {
            rewrapped = wrapDataKey(primary, orgId, row.version, keyBytes, timestamp);
          } finally {
            keyBytes.fill(0);
          }
          await db.query(
            `UPDATE tenantguard.vault_org_keys SET master_key_id = $3, wrapped_key = $4, rewrapped_at = now()
             WHERE org_id = $1 AND version = $2`,
            [orgId, row.version, primaryId, rewrapped],
          );
        }
        if (rows.length > 0) {
          await ctx.onAudit?.(db, {
            action: 'vault.org_key_rewrapped',
            orgId,
            keyVersions: rows.map((r) => r.version),
            masterKeyId: primaryId,
          });
        }
        return rows.length;
      });
      done += n;
      orgs += 1;
      after = orgId;
      await options.onProgress?.({ phase: 'rewrap', done, total, orgId });
    }
  }
  return { primaryMasterKeyId: primaryId, rewrapped: done, orgs, remaining: await count() };
}

interface KeyStateRow extends OrgKeyRow {
  state: 'active' | 'retiring';
}

/** @internal */
export async function rotateOrgKey(
  ctx: VaultContext,
  orgId: OrgId,
  options: VaultRotationOptions,
): Promise<OrgKeyRotationReport> {
  const batch = batchSizeOf(options);
  const keys = await ctx.masterKeys();

  // Step 1: start a rotation (new active key, old one retiring) or find the unfinished one.
  const start = await inTenant(ctx, orgId, async (db) => {
    const rows = (
      await db.query<KeyStateRow>(
        `SELECT version, master_key_id, wrapped_key, state FROM tenantguard.vault_org_keys
         WHERE org_id = $1 ORDER BY version FOR UPDATE`,
        [orgId],
      )
    ).rows;
    const active = rows.find((r) => r.state === 'active');
    if (active === undefined) return undefined;
    const pending = Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM tenantguard.vault_secrets WHERE org_id = $1 AND key_version <> $2',
          [orgId, active.version],
        )
      ).rows[0]?.n ?? 0,
    );
    if (pending > 0 || rows.some((r) => r.state === 'retiring')) {
      return { version: active.version, total: pending, resumed: true };
    }
    const version = Math.max(...rows.map((r) => r.version)) + 1;
    const raw = newDataKey();
    let wrapped: string;
    try {
      wrapped = wrapDataKey(keys.byId.get(keys.primaryId) as Fernet, orgId, version, raw);
    } finally {
      raw.fill(0);
    }
    await db.query(`UPDATE tenantguard.vault_org_keys SET state = 'retiring' WHERE org_id = $1 AND state = 'active'`, [
      orgId,
    ]);
    await db.query(
      `INSERT INTO tenantguard.vault_org_keys (org_id, version, master_key_id, wrapped_key) VALUES ($1, $2, $3, $4)`,
      [orgId, version, keys.primaryId, wrapped],
    );
    const total = Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM tenantguard.vault_secrets WHERE org_id = $1', [orgId]))
        .rows[0]?.n ?? 0,
    );
    await ctx.onAudit?.(db, {
      action: 'vault.org_key_rotated',
      orgId,
      keyVersions: [active.version, version],
      masterKeyId: keys.primaryId,
      details: { secrets: total },
    });
    return { version, total, resumed: false };
  });
  if (start === undefined) {
    return { orgId, keyVersion: null, resumed: false, reencrypted: 0, retiredKeyVersions: [] };
  }

  // Step 2: move secrets to the new key, one batch per transaction.
  let done = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const n = await inTenant(ctx, orgId, async (db) => {
      const secrets = (
        await db.query<{ name: string; key_version: number; ciphertext: string }>(
          `SELECT name, key_version, ciphertext FROM tenantguard.vault_secrets
           WHERE org_id = $1 AND key_version <> $2 ORDER BY name LIMIT $3 FOR UPDATE`,
          [orgId, start.version, batch],
        )
      ).rows;
      if (secrets.length === 0) return 0;
      const versions = [...new Set(secrets.map((s) => s.key_version)), start.version];
      const keyRows = (
        await db.query<OrgKeyRow>(
          `SELECT version, master_key_id, wrapped_key FROM tenantguard.vault_org_keys
           WHERE org_id = $1 AND version = ANY($2::int[])`,
          [orgId, versions],
        )
      ).rows;
      const dataKeys = new Map(keyRows.map((r) => [r.version, openOrgKey(keys, orgId, r)]));
      const target = dataKeys.get(start.version);
      if (target === undefined) throw new TenantGuardError('VAULT_KEY_CORRUPT', 'the active data key disappeared', { details: { orgId } });
      const names: string[] = [];
      const ciphertexts: string[] = [];
      for (const s of secrets) {
        const from = dataKeys.get(s.key_version);
        if (from === undefined) {
          throw new TenantGuardError('VAULT_KEY_CORRUPT', 'a secret refers to a data key that does not exist', {
            details: { orgId, name: s.name },
          });
        }
        names.push(s.name);
        ciphertexts.push(resealSecret(from, target, s.name, s.ciphertext));
      }
      await db.query(
        `UPDATE tenantguard.vault_secrets AS s SET key_version = $2, ciphertext = u.ciphertext
         FROM unnest($3::text[], $4::text[]) AS u(name, ciphertext)
         WHERE s.org_id = $1 AND s.name = u.name`,
        [orgId, start.version, names, ciphertexts],
      );
      return secrets.length;
    });
    if (n === 0) break;
    done += n;
    await options.onProgress?.({ phase: 'reencrypt', done, total: start.total, orgId });
  }

  // Step 3: delete the retired keys no secret uses any more.
  const retired = await inTenant(ctx, orgId, async (db) => {
    const r = await db.query<{ version: number }>(
      `DELETE FROM tenantguard.vault_org_keys AS k
       WHERE k.org_id = $1 AND k.state = 'retiring'
         AND NOT EXISTS (SELECT 1 FROM tenantguard.vault_secrets s WHERE s.org_id = k.org_id AND s.key_version = k.version)
       RETURNING k.version`,
      [orgId],
    );
    const versions = r.rows.map((x) => x.version).sort((a, b) => a - b);
    if (versions.length > 0) {
      await ctx.onAudit?.(db, { action: 'vault.org_key_retired', orgId, keyVersions: versions, details: { reencrypted: done } });
    }
    return versions;
  });
  return { orgId, keyVersion: start.version, resumed: start.resumed, reencrypted: done, retiredKeyVersions: retired };
}

/** @internal */
export async function destroyOrgKeys(
  ctx: VaultContext,
  orgId: OrgId,
  options: DestroyOrgKeysOptions,
): Promise<DestroyOrgKeysReport> {
  const reason = options.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) {
    throw new TenantGuardError('INPUT_INVALID', 'reason must be a string of at most 500 characters');
  }
  return inTenant(ctx, orgId, async (db) => {
    // Lock the keys first: a concurrent put (FOR SHARE on the active key) finishes before, or waits and recreates.
    await db.query('SELECT version FROM tenantguard.vault_org_keys WHERE org_id = $1 FOR UPDATE', [orgId]);
    const secrets = await db.query('DELETE FROM tenantguard.vault_secrets WHERE org_id = $1', [orgId]);
    const keyRows = await db.query('DELETE FROM tenantguard.vault_org_keys WHERE org_id = $1', [orgId]);
    const report = { orgId, keysDestroyed: keyRows.rowCount ?? 0, secretsDestroyed: secrets.rowCount ?? 0 };
    await ctx.onAudit?.(db, {
      action: 'vault.org_keys_destroyed',
      orgId,
      details: {
        keysDestroyed: report.keysDestroyed,
        secretsDestroyed: report.secretsDestroyed,
        ...(reason === undefined ? {} : { reason }),
      },
    });
    return report;
  });
}
