/**
 * A keyring of Fernet keys in the manner of Python's `MultiFernet`.
 *
 * @module crypto/keyring
 */
import { inspect } from 'node:util';
import { TenantGuardError } from '../errors.js';
import { Fernet, fernetCore, timestampDate, type FernetDecryptOptions, type FernetEncryptOptions } from './fernet.js';
import type { FernetKeyInput } from './fernet-key.js';
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

/** Options for {@link Keyring.rotate}. */
export interface KeyringRotateOptions {
  /** The time for the clock-skew check: a Date or milliseconds since the epoch. Default: now. */
  now?: Date | number;
}

/**
 * Several Fernet keys, for rotation without downtime: {@link Keyring.encrypt}
 * uses the first (primary) key, {@link Keyring.decrypt} accepts a token from
 * any of them, and {@link Keyring.rotate} re-encrypts a token under the primary
 * key while keeping its original timestamp (so TTLs still count from the
 * original creation). Add the new key first, rotate stored tokens, then drop
 * the old key.
 *
 * @example
 * ```ts
 * const ring = new Keyring([newKey, oldKey]);
 * const fresh = ring.rotate(storedToken); // now under newKey, same timestamp
 * ring.decrypt(fresh).toString('utf8');
 * ```
 */
export class Keyring {
  readonly #cores: readonly FernetCore[];

  /**
   * @param keys - at least one key (string, raw bytes, or a {@link Fernet});
   *   the first is the primary. Throws `FERNET_KEY_INVALID` / `CONFIG_INVALID`.
   */
  constructor(keys: ReadonlyArray<FernetKeyInput | Fernet>) {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new TenantGuardError('CONFIG_INVALID', 'a Keyring needs at least one key');
    }
    this.#cores = keys.map((k: FernetKeyInput | Fernet) => (k instanceof Fernet ? fernetCore(k) : new FernetCore(k)));
  }

  /** How many keys the ring holds. */
  get size(): number {
    return this.#cores.length;
  }

  /** Encrypts with the primary key. */
  encrypt(data: string | Uint8Array, options: FernetEncryptOptions = {}): string {
    return encodeToken(this.#primary().seal(plaintextBytes(data), nowSeconds(options.now)));
  }

  /** Decrypts a token made with any key of the ring. */
  decrypt(token: string | Uint8Array, options: FernetDecryptOptions = {}): Buffer {
    const ttl = checkTtl(options.ttlSeconds);
    const bytes = decodeToken(token);
    const core = this.#find(bytes);
    checkTime(readTimestamp(bytes), nowSeconds(options.now), ttl);
    return core.open(bytes);
  }

  /**
   * Re-encrypts a token (from any key of the ring) under the primary key with
   * a fresh IV, keeping its original timestamp. No TTL applies (as in
   * `MultiFernet.rotate`), but a token dated more than 60 s ahead is refused.
   */
  rotate(token: string | Uint8Array, options: KeyringRotateOptions = {}): string {
    const bytes = decodeToken(token);
    const core = this.#find(bytes);
    const timestamp = readTimestamp(bytes);
    checkTime(timestamp, nowSeconds(options.now), undefined);
    return encodeToken(this.#primary().seal(core.open(bytes), timestamp));
  }

  /** The token's creation time after verifying its HMAC under one of the keys. */
  extractTimestamp(token: string | Uint8Array): Date {
    const bytes = decodeToken(token);
    this.#find(bytes);
    return timestampDate(readTimestamp(bytes));
  }

  /** Redacted. */
  toString(): string {
    return `[Keyring keys=${this.#cores.length} <redacted>]`;
  }

  /** Redacted: `JSON.stringify(keyring)` never contains a key. */
  toJSON(): {
    /** Always `'Keyring'`. */
    type: 'Keyring';
    /** How many keys the ring holds. */
    keys: number;
  } {
    return { type: 'Keyring', keys: this.#cores.length };
  }

  /** Redacted `util.inspect` / `console.log` output. */
  [inspect.custom](): string {
    return this.toString();
  }

  #primary(): FernetCore {
    return this.#cores[0] as FernetCore;
  }

  #find(bytes: Buffer): FernetCore {
    for (const core of this.#cores) if (core.verify(bytes)) return core;
    throw hmacInvalid(this.#cores.length);
  }
}
