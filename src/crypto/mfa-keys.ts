/**
 * MFA keys: each configured key (at least 32 bytes) is expanded with HKDF
 * into an AES-256-GCM key that encrypts TOTP secrets and an HMAC pepper
 * that hashes recovery codes. The first key writes; every key reads, so keys
 * rotate without a migration.
 *
 * @module crypto
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { TenantGuardError } from '../errors.js';

/** One MFA key: an id stored next to what it protects, and its secret. */
export interface MfaKeyInput {
  /** Key id (1-64 of A-Z a-z 0-9 . _ -), stored in each row. */
  id: string;
  /** At least 32 bytes (a string is taken as UTF-8). */
  secret: string | Uint8Array;
}

interface DerivedKey {
  readonly id: string;
  readonly enc: Buffer;
  readonly pepper: Buffer;
}

/** The loaded MFA keys. Internal to the crypto module. */
export class MfaKeys {
  private readonly byId = new Map<string, DerivedKey>();
  private readonly primary: DerivedKey;

  constructor(keys: readonly MfaKeyInput[]) {
    if (!Array.isArray(keys) || keys.length === 0) throw new TenantGuardError('CONFIG_INVALID', 'MFA needs at least one key');
    for (const k of keys) {
      if (typeof k !== 'object' || k === null || typeof k.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(k.id)) {
        throw new TenantGuardError('CONFIG_INVALID', 'MFA key id must be 1-64 of A-Z a-z 0-9 . _ -');
      }
      const bytes = typeof k.secret === 'string' ? Buffer.from(k.secret, 'utf8') : k.secret instanceof Uint8Array ? Buffer.from(k.secret) : undefined;
      if (bytes === undefined || bytes.length < 32) {
        throw new TenantGuardError('CONFIG_INVALID', 'MFA key secret must be at least 32 bytes', { details: { id: k.id } });
      }
      if (this.byId.has(k.id)) throw new TenantGuardError('CONFIG_INVALID', 'duplicate MFA key id', { details: { id: k.id } });
      const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), info, 32));
      this.byId.set(k.id, { id: k.id, enc: derive('tenantguard/mfa/totp-secret/v1'), pepper: derive('tenantguard/mfa/recovery-pepper/v1') });
      bytes.fill(0);
    }
    this.primary = this.byId.get(keys[0]!.id)!;
  }

  /** Id of the key new rows are written with. */
  get primaryId(): string {
    return this.primary.id;
  }

  /** Encrypts a TOTP secret bound to (org, user): iv(12) || ciphertext || tag(16). */
  seal(secret: Uint8Array, aad: string): { box: Buffer; keyId: string } {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.primary.enc, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const box = Buffer.concat([iv, c.update(secret), c.final(), c.getAuthTag()]);
    return { box, keyId: this.primary.id };
  }

  /** Decrypts a sealed secret; a wrong key, org, user or any flipped bit throws `MFA_SECRET_UNREADABLE`. */
  open(box: Buffer, keyId: string, aad: string): Buffer {
    const key = this.byId.get(keyId);
    if (key === undefined || box.length < 12 + 16 + 1) throw new TenantGuardError('MFA_SECRET_UNREADABLE', 'stored MFA secret cannot be read', { details: { keyId } });
    try {
      const d = createDecipheriv('aes-256-gcm', key.enc, box.subarray(0, 12));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(box.subarray(box.length - 16));
      return Buffer.concat([d.update(box.subarray(12, box.length - 16)), d.final()]);
    } catch (err) {
      throw new TenantGuardError('MFA_SECRET_UNREADABLE', 'stored MFA secret cannot be read', { details: { keyId }, cause: err });
    }
  }

  /** HMAC-SHA256 of a recovery code under a key's pepper; undefined for an unknown key id. */
  hashRecoveryCode(keyId: string, context: string, code: string): Buffer | undefined {
    const key = this.byId.get(keyId);
    if (key === undefined) return undefined;
    return createHmac('sha256', key.pepper).update(`${context}\u0000${code}`, 'utf8').digest();
  }
}
