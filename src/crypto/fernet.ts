/**
 * Fernet symmetric encryption (https://github.com/fernet/spec) on node:crypto.
 *
 * @module crypto/fernet
 */
import { inspect } from 'node:util';
import { TenantGuardError } from '../errors.js';
import {
  FernetCore,
  checkTime,
  checkTtl,
  decodeToken,
  encodeToken,
  hmacInvalid,
  nowSeconds,
  plaintextBytes,
  readTimestamp,
} from './fernet-token.js';
import type { FernetKeyInput } from './fernet-key.js';

/** Options for {@link Fernet.encrypt}. */
export interface FernetEncryptOptions {
  /** The time written into the token: a Date or milliseconds since the epoch. Default: now. */
  now?: Date | number;
}

/** Options for {@link Fernet.decrypt}. */
export interface FernetDecryptOptions {
  /** Refuse tokens older than this many seconds (`FERNET_TOKEN_EXPIRED`). Default: no age limit. */
  ttlSeconds?: number;
  /** The time to check against: a Date or milliseconds since the epoch. Default: now. */
  now?: Date | number;
}

const cores = new WeakMap<object, FernetCore>();

/** The key-holding core behind a {@link Fernet}. @internal */
export function fernetCore(f: Fernet): FernetCore {
  const core = cores.get(f);
  if (core === undefined) throw new TypeError('not a tenantguard Fernet instance');
  return core;
}

/**
 * One Fernet key: authenticated symmetric encryption (AES-128-CBC + HMAC-SHA256)
 * with a timestamp, byte-compatible with Python's `cryptography` and the spec.
 *
 * Decryption refuses, each with a stable code: non-base64 input
 * (`FERNET_TOKEN_MALFORMED`), short tokens (`FERNET_TOKEN_TOO_SHORT`), a
 * version other than 0x80 (`FERNET_VERSION_UNSUPPORTED`), a partial AES block
 * (`FERNET_CIPHERTEXT_LENGTH_INVALID`), a wrong HMAC (`FERNET_HMAC_INVALID`,
 * compared in constant time), a timestamp more than 60 s ahead even without a
 * TTL (`FERNET_TOKEN_FROM_FUTURE`), an expired TTL (`FERNET_TOKEN_EXPIRED`) and
 * bad PKCS7 padding (`FERNET_PADDING_INVALID`). The HMAC is checked before
 * anything that depends on the token's contents.
 *
 * The key is never exposed: `toString`, `JSON.stringify` and `util.inspect`
 * print a redacted placeholder.
 *
 * @example
 * ```ts
 * import { Fernet, generateFernetKey } from 'tenantguard';
 * const f = new Fernet(process.env.FERNET_KEY ?? generateFernetKey());
 * const token = f.encrypt('ya29.a0AfH6SM...');
 * const plain = f.decrypt(token, { ttlSeconds: 3600 }).toString('utf8');
 * ```
 */
export class Fernet {
  /**
   * @param key - 32 bytes as url-safe base64 (44 characters, as Python's
   *   `Fernet.generate_key()` makes) or as raw bytes. Throws `FERNET_KEY_INVALID`.
   */
  constructor(key: FernetKeyInput) {
    cores.set(this, new FernetCore(key));
  }

  /** Encrypts `data` (a string is UTF-8 encoded) and returns the token string. */
  encrypt(data: string | Uint8Array, options: FernetEncryptOptions = {}): string {
    const core = fernetCore(this);
    return encodeToken(core.seal(plaintextBytes(data), nowSeconds(options.now)));
  }

  /** Verifies and decrypts a token; returns the plaintext bytes. */
  decrypt(token: string | Uint8Array, options: FernetDecryptOptions = {}): Buffer {
    const ttl = checkTtl(options.ttlSeconds);
    const bytes = decodeToken(token);
    const core = fernetCore(this);
    if (!core.verify(bytes)) throw hmacInvalid(1);
    checkTime(readTimestamp(bytes), nowSeconds(options.now), ttl);
    return core.open(bytes);
  }

  /**
   * The token's creation time, after verifying its HMAC (an unauthenticated
   * timestamp is worth nothing). Does not apply TTL or clock-skew rules.
   */
  extractTimestamp(token: string | Uint8Array): Date {
    const bytes = decodeToken(token);
    if (!fernetCore(this).verify(bytes)) throw hmacInvalid(1);
    return timestampDate(readTimestamp(bytes));
  }

  /** Redacted. */
  toString(): string {
    return '[Fernet key=<redacted>]';
  }

  /** Redacted: `JSON.stringify(fernet)` never contains the key. */
  toJSON(): {
    /** Always `'Fernet'`. */
    type: 'Fernet';
    /** Always `'<redacted>'`. */
    key: '<redacted>';
  } {
    return { type: 'Fernet', key: '<redacted>' };
  }

  /** Redacted `util.inspect` / `console.log` output. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A verified token timestamp as a Date (seconds beyond Date's range are refused). @internal */
export function timestampDate(seconds: number): Date {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) {
    // Only a key holder can make such a token; still, refuse rather than return Invalid Date.
    throw new TenantGuardError('FERNET_TOKEN_FROM_FUTURE', 'the Fernet token is dated beyond the representable range');
  }
  return d;
}
