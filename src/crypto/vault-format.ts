/**
 * What the vault puts inside its Fernet tokens. Each plaintext binds the
 * context it belongs to, so rows copied between orgs, versions or names are
 * detected instead of silently decrypting to the wrong thing:
 *
 * - wrapped data key: org uuid (16) ‖ version (uint32 BE) ‖ data key (32)
 * - secret: 0x01 ‖ name length (uint16 BE) ‖ name (UTF-8) ‖ value
 *
 * @module crypto/vault-format
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { TenantGuardError } from '../errors.js';
import { Fernet, fernetCore } from './fernet.js';
import { encodeToken } from './fernet-token.js';

const SECRET_FORMAT = 0x01;

function uuidBytes(orgId: string): Buffer {
  return Buffer.from(orgId.replace(/-/g, ''), 'hex');
}

/** A fresh random data key (32 bytes: a Fernet key). */
export function newDataKey(): Buffer {
  return randomBytes(32);
}

/** Wraps a data key under a master key; `timestamp` (seconds) keeps the original date on re-wrap. */
export function wrapDataKey(master: Fernet, orgId: string, version: number, dataKey: Buffer, timestamp?: number): string {
  const plain = Buffer.alloc(16 + 4 + 32);
  uuidBytes(orgId).copy(plain, 0);
  plain.writeUInt32BE(version, 16);
  dataKey.copy(plain, 20);
  try {
    if (timestamp === undefined) return master.encrypt(plain);
    return encodeToken(fernetCore(master).seal(plain, timestamp));
  } finally {
    plain.fill(0);
  }
}

/** Unwraps and checks the binding; returns the raw data key (callers wipe it). Failures are `VAULT_KEY_CORRUPT`. */
export function unwrapDataKey(
  master: Fernet,
  orgId: string,
  version: number,
  wrapped: string,
): { keyBytes: Buffer; timestamp: number } {
  let plain: Buffer;
  let timestamp: number;
  try {
    plain = master.decrypt(wrapped);
    timestamp = master.extractTimestamp(wrapped).getTime() / 1000;
  } catch (err) {
    throw new TenantGuardError('VAULT_KEY_CORRUPT', 'an org data key does not unwrap under its master key', {
      details: { orgId, version, reason: (err as { code?: unknown }).code },
    });
  }
  try {
    if (plain.length !== 52 || !plain.subarray(0, 16).equals(uuidBytes(orgId)) || plain.readUInt32BE(16) !== version) {
      throw new TenantGuardError('VAULT_KEY_CORRUPT', 'a wrapped data key belongs to another org or version', {
        details: { orgId, version },
      });
    }
    return { keyBytes: Buffer.from(plain.subarray(20)), timestamp };
  } finally {
    plain.fill(0);
  }
}

/** The plaintext a secret is sealed as: format byte, name length (uint16 BE), name, value. */
function frameSecret(name: string, value: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const plain = Buffer.alloc(3 + nameBytes.length + value.length);
  plain[0] = SECRET_FORMAT;
  plain.writeUInt16BE(nameBytes.length, 1);
  nameBytes.copy(plain, 3);
  value.copy(plain, 3 + nameBytes.length);
  return plain;
}

/** Encrypts a secret value bound to its name. */
export function sealSecret(dataKey: Fernet, name: string, value: Buffer): string {
  const plain = frameSecret(name, value);
  try {
    return dataKey.encrypt(plain);
  } finally {
    plain.fill(0);
  }
}

/** Re-encrypts a sealed secret under another data key, keeping its Fernet timestamp. */
export function resealSecret(from: Fernet, to: Fernet, name: string, ciphertext: string): string {
  const value = openSecret(from, name, ciphertext);
  const timestamp = from.extractTimestamp(ciphertext).getTime() / 1000;
  const plain = frameSecret(name, value);
  try {
    return encodeToken(fernetCore(to).seal(plain, timestamp));
  } finally {
    plain.fill(0);
    value.fill(0);
  }
}

/** Decrypts a secret and checks it was stored under `name`; failures are `VAULT_SECRET_CORRUPT`. */
export function openSecret(dataKey: Fernet, name: string, ciphertext: string): Buffer {
  let plain: Buffer;
  try {
    plain = dataKey.decrypt(ciphertext);
  } catch (err) {
    throw new TenantGuardError('VAULT_SECRET_CORRUPT', 'a stored secret does not decrypt under its org data key', {
      details: { name, reason: (err as { code?: unknown }).code },
    });
  }
  const nameBytes = Buffer.from(name, 'utf8');
  const ok =
    plain.length >= 3 &&
    plain[0] === SECRET_FORMAT &&
    plain.readUInt16BE(1) === nameBytes.length &&
    plain.length >= 3 + nameBytes.length &&
    plain.subarray(3, 3 + nameBytes.length).equals(nameBytes);
  if (!ok) {
    plain.fill(0);
    throw new TenantGuardError('VAULT_SECRET_CORRUPT', 'a stored secret was sealed under another name', {
      details: { name },
    });
  }
  const value = Buffer.from(plain.subarray(3 + nameBytes.length));
  plain.fill(0);
  return value;
}
