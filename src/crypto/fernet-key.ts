/**
 * Fernet keys: parsing the 32-byte url-safe base64 key into its signing and
 * encryption halves, and generating new keys from the CSPRNG.
 *
 * @module crypto/fernet-key
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { TenantGuardError } from '../errors.js';

/** Length of a decoded Fernet key: 16 bytes signing key + 16 bytes encryption key. */
export const FERNET_KEY_BYTES = 32;

/**
 * A Fernet key as accepted by {@link Fernet} and {@link Keyring}: the url-safe
 * base64 string of 32 bytes (what {@link generateFernetKey} and Python's
 * `Fernet.generate_key()` return, padded or not), or the 32 raw bytes.
 */
export type FernetKeyInput = string | Uint8Array;

/** The two halves of a key as node:crypto key objects (never plain buffers kept around). @internal */
export interface FernetKeyPair {
  readonly signingKey: KeyObject;
  readonly encryptionKey: KeyObject;
}

const URLSAFE_B64 = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * Decodes and validates a Fernet key. Never echoes the key in the error.
 * @internal
 */
export function parseFernetKey(key: FernetKeyInput): FernetKeyPair {
  let raw: Buffer;
  if (typeof key === 'string') {
    if (!URLSAFE_B64.test(key)) {
      throw new TenantGuardError('FERNET_KEY_INVALID', 'Fernet key must be 32 bytes in url-safe base64 (44 characters)');
    }
    raw = Buffer.from(key, 'base64url');
    // Reject non-canonical encodings (stray low bits in the last character).
    if (raw.length !== FERNET_KEY_BYTES || raw.toString('base64url') !== key.replace(/=$/, '')) {
      throw new TenantGuardError('FERNET_KEY_INVALID', 'Fernet key must be 32 bytes in url-safe base64 (44 characters)');
    }
  } else if (key instanceof Uint8Array) {
    if (key.length !== FERNET_KEY_BYTES) {
      throw new TenantGuardError('FERNET_KEY_INVALID', 'a raw Fernet key must be exactly 32 bytes', {
        details: { length: key.length },
      });
    }
    raw = Buffer.from(key);
  } else {
    throw new TenantGuardError('FERNET_KEY_INVALID', 'Fernet key must be a url-safe base64 string or 32 bytes');
  }
  const pair = {
    signingKey: createSecretKey(raw.subarray(0, 16)),
    encryptionKey: createSecretKey(raw.subarray(16, 32)),
  };
  raw.fill(0);
  return pair;
}

/**
 * Generates a new random Fernet key (32 bytes from the CSPRNG) as padded
 * url-safe base64, the same format as Python's `Fernet.generate_key()`.
 *
 * @example
 * ```ts
 * const key = generateFernetKey(); // 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=' (random)
 * const f = new Fernet(key);
 * ```
 */
export function generateFernetKey(): string {
  return randomBytes(FERNET_KEY_BYTES).toString('base64url') + '=';
}
