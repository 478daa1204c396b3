/** Shared fixtures for the vault tests. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { parseOrgId, type OrgId } from '../../src/tenancy/index.js';
import { generateFernetKey } from '../../src/crypto/fernet-key.js';
import type { MasterKey, MasterKeyProvider } from '../../src/crypto/key-provider.js';
import type { VaultAuditEvent } from '../../src/crypto/vault-context.js';

/** A fresh random org id. */
export function newOrg(): OrgId {
  return parseOrgId(randomUUID());
}

/** A master key provider whose key list the test changes between steps. */
export function mutableKeys(...ids: string[]): { provider: MasterKeyProvider; keys: Map<string, string>; use(...ids: string[]): void } {
  const keys = new Map<string, string>();
  let order: string[] = [];
  const use = (...list: string[]): void => {
    for (const id of list) if (!keys.has(id)) keys.set(id, generateFernetKey());
    order = list;
  };
  use(...ids);
  const provider: MasterKeyProvider = () => order.map((id): MasterKey => ({ id, key: keys.get(id) as string }));
  return { provider, keys, use };
}

/**
 * A tenant-scoped audit probe table the onAudit hook writes into with the
 * vault's own `db`: a row exists only if the hook ran inside the committed
 * transaction.
 */
export async function createAuditProbe(admin: pg.Pool): Promise<void> {
  await admin.query(`
    CREATE TABLE vault_audit_probe (
      org_id uuid NOT NULL DEFAULT tenantguard.current_org_id(),
      id serial NOT NULL,
      action text NOT NULL,
      event jsonb NOT NULL,
      PRIMARY KEY (org_id, id)
    );
    SELECT tenantguard.enable_tenant_isolation('vault_audit_probe');`);
}

/** Events as the probe recorded them, for one org, in order. */
export async function probeEvents(admin: pg.Pool, org: OrgId): Promise<VaultAuditEvent[]> {
  const r = await admin.query<{ event: VaultAuditEvent }>('SELECT event FROM vault_audit_probe WHERE org_id = $1 ORDER BY id', [org]);
  return r.rows.map((x) => x.event);
}
