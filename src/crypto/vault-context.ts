/**
 * What the vault's operations share: the validated options, the cached master
 * keys, the tenant-context check and data-key unwrapping.
 *
 * @module crypto/vault-context
 * @internal
 */
import { TenantGuardError } from '../errors.js';
import type { OrgId, PoolLike, QueryResultRow, TenantDb, WithTenant, WithTenantOptions } from '../tenancy/index.js';
import { Fernet } from './fernet.js';
import { loadMasterKeys, type LoadedMasterKeys, type MasterKeyProvider } from './key-provider.js';
import { unwrapDataKey } from './vault-format.js';

/**
 * An event the vault reports to {@link VaultOptions.onAudit}, inside the
 * transaction that made the change. Contains ids and counts only: never key
 * material or secret values. Secret names are identifiers, not secrets.
 */
export interface VaultAuditEvent {
  /** What happened. */
  readonly action:
    | 'vault.secret_written'
    | 'vault.secret_deleted'
    | 'vault.org_key_created'
    | 'vault.org_key_rotated'
    | 'vault.org_key_retired'
    | 'vault.org_key_rewrapped'
    | 'vault.org_keys_destroyed';
  /** The org whose vault changed. */
  readonly orgId: OrgId;
  /** The secret concerned (secret events). */
  readonly secretName?: string;
  /** Data key versions concerned. */
  readonly keyVersions?: readonly number[];
  /** The master key id now wrapping the data key(s) (creation, rewrap). */
  readonly masterKeyId?: string;
  /** Counts and the caller's reason, for destruction and rotation. */
  readonly details?: Readonly<Record<string, string | number>>;
}

/**
 * Called inside the same transaction as the change it reports; a returned
 * promise is awaited (its value ignored), and if it throws or rejects, the
 * change rolls back. Wire it to the audit log, e.g.
 * `onAudit: (db, e) => audit.record(db, { action: e.action, ... })`.
 */
export type VaultAuditHook = (db: TenantDb, event: VaultAuditEvent) => unknown;

/** Validated vault settings plus the master-key cache. @internal */
export interface VaultContext {
  readonly pool: PoolLike;
  readonly withTenant: WithTenant;
  readonly tenantOptions: WithTenantOptions | undefined;
  readonly onAudit: VaultAuditHook | undefined;
  readonly maxSecretBytes: number;
  /** The master keys, from cache unless `fresh`. */
  masterKeys(fresh?: boolean): Promise<LoadedMasterKeys>;
  /** Drops the cached master keys. */
  forgetMasterKeys(): void;
}

/** @internal */
export function createMasterKeyCache(
  provider: MasterKeyProvider,
  cacheMs: number,
): Pick<VaultContext, 'masterKeys' | 'forgetMasterKeys'> {
  let cached: { at: number; keys: Promise<LoadedMasterKeys> } | undefined;
  const load = async (): Promise<LoadedMasterKeys> => {
    let raw: unknown;
    try {
      raw = await provider();
    } catch (err) {
      if (err instanceof TenantGuardError) throw err;
      // The provider's own error is not attached: its message could quote key material.
      throw new TenantGuardError('VAULT_MASTER_KEYS_INVALID', 'the master key provider failed', {
        details: { errorName: err instanceof Error ? err.name : typeof err },
      });
    }
    return loadMasterKeys(raw);
  };
  return {
    masterKeys(fresh = false) {
      const now = Date.now();
      if (fresh || cached === undefined || now - cached.at >= cacheMs) {
        const keys = load();
        cached = { at: now, keys };
        // A failed load is not cached.
        keys.catch(() => {
          if (cached?.keys === keys) cached = undefined;
        });
      }
      return cached.keys;
    },
    forgetMasterKeys() {
      cached = undefined;
    },
  };
}

/**
 * Refuses a `db` that is not inside a withTenant transaction for its own org:
 * the vault must never run on a bare pool or under another org's context.
 * @internal
 */
export function assertTenantContext(db: TenantDb, ctx: unknown): void {
  if (ctx !== db.orgId) {
    throw new TenantGuardError(
      'VAULT_TENANT_CONTEXT_MISSING',
      'vault operations must run inside withTenant for the same org',
      { details: { orgId: db.orgId, transactionOrg: typeof ctx === 'string' ? ctx : null } },
    );
  }
}

/** Checks the tenant context with one query. @internal */
export async function checkTenantContext(db: TenantDb): Promise<void> {
  const r = await db.query<{ ctx: string | null }>('SELECT tenantguard.current_org_id()::text AS ctx');
  assertTenantContext(db, r.rows[0]?.ctx ?? null);
}

/** A row of `tenantguard.vault_org_keys`. @internal */
export interface OrgKeyRow extends QueryResultRow {
  version: number;
  master_key_id: string;
  wrapped_key: string;
}

/** Unwraps an org data key row into a Fernet. @internal */
export function openOrgKey(keys: LoadedMasterKeys, orgId: OrgId, row: OrgKeyRow): Fernet {
  const master = keys.byId.get(row.master_key_id);
  if (master === undefined) {
    throw new TenantGuardError(
      'VAULT_MASTER_KEY_UNKNOWN',
      'an org data key is wrapped under a master key the provider does not supply',
      { details: { orgId, version: row.version, masterKeyId: row.master_key_id } },
    );
  }
  const { keyBytes } = unwrapDataKey(master, orgId, row.version, row.wrapped_key);
  try {
    return new Fernet(keyBytes);
  } finally {
    keyBytes.fill(0);
  }
}
