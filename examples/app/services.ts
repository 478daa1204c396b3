/**
 * The example app's tenantguard services, made once and shared by the
 * Express and the Fastify binding: sessions (JWT), MFA, the permission
 * store, the audit log, the token vault, and the two text guards.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import {
  createAuditLog,
  createMfa,
  createPermissionStore,
  createPiiRedactor,
  createPromptGuard,
  createSessions,
  createVault,
  generateFernetKey,
  type AuditLog,
  type Mfa,
  type PermissionStore,
  type PiiRedactor,
  type PromptGuard,
  type Sessions,
  type Vault,
} from '../../src/index.js';

/** Everything the routes need. */
export interface AppServices {
  /** The app pool: a NOSUPERUSER NOBYPASSRLS login role, member of tenantguard_app. */
  readonly pool: pg.Pool;
  readonly sessions: Sessions;
  readonly mfa: Mfa;
  readonly permissions: PermissionStore;
  readonly audit: AuditLog;
  readonly vault: Vault;
  readonly promptGuard: PromptGuard;
  /** A fresh redactor per call: pseudonym sessions must not span users. */
  redactor(): PiiRedactor;
}

/**
 * Builds the services. Secrets are random per run here; a real app reads
 * them from its secret store (JWT keys, MFA keys, vault master keys).
 */
export function createAppServices(pool: pg.Pool, adminPool: pg.Pool): AppServices {
  const sessions = createSessions({
    pool,
    keys: [{ kid: 'example-1', secret: randomBytes(32).toString('base64url') }],
    issuer: 'https://tenantguard.example',
    audience: 'tenantguard-example',
    // The default: owners and admins need a second factor (the seed uses MFA).
    mfa: { requiredForRoles: ['owner', 'admin'] },
  });
  const mfa = createMfa({ pool, keys: [{ id: 'm1', secret: randomBytes(32).toString('base64url') }], issuer: 'tenantguard example' });
  const masterKey = { id: 'example-master-1', key: generateFernetKey() };
  const audit = createAuditLog({ pool, adminPool });
  const vault = createVault({
    pool,
    masterKeys: () => [masterKey],
    // Vault changes are audited in the same transaction as the change.
    onAudit: (db, e) =>
      audit.record(db, {
        action: e.action,
        resourceType: 'vault',
        ...(e.secretName !== undefined ? { resourceId: e.secretName } : {}),
        details: { keyVersions: e.keyVersions, masterKeyId: e.masterKeyId, ...e.details },
      }),
  });
  return {
    pool,
    sessions,
    mfa,
    permissions: createPermissionStore({ cache: true }),
    audit,
    vault,
    promptGuard: createPromptGuard(),
    redactor: () => createPiiRedactor({ mode: 'mask' }),
  };
}
