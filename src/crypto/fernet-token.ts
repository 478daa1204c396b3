/**
 * The Fernet token format, byte for byte (https://github.com/fernet/spec):
 *
 * ```
 * Version (0x80, 1) ‖ Timestamp (uint64 BE seconds, 8) ‖ IV (16) ‖ Ciphertext (AES-128-CBC, PKCS7, n·16) ‖ HMAC-SHA256 (32)
 * ```
 *
 * encoded as url-safe base64 with padding. The HMAC covers everything before
 * it. This file holds the codec and the sealing/opening primitives shared by
 * {@link Fernet} and {@link Keyring}; it is not part of the public surface.
 *
 * @module crypto/fernet-token
 * @internal
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomFillSync,
  timingSafeEqual,
  type Cipher,
  type Decipher,
} from 'node:crypto';
import { TenantGuardError } from '../errors.js';
import { parseFernetKey, type FernetKeyInput, type FernetKeyPair } from './fernet-key.js';

/** The only version byte the spec defines. */
export const FERNET_VERSION = 0x80;
/** The clock-skew allowance of the spec and Python's `cryptography`, in seconds. */
export const MAX_CLOCK_SKEW_SECONDS = 60;

const HEADER = 1 + 8 + 16; // version, timestamp, IV
const HMAC_BYTES = 32;
const BLOCK = 16;
/** Shortest valid token: header, one ciphertext block (PKCS7 always pads), HMAC. */
export const MIN_TOKEN_BYTES = HEADER + BLOCK + HMAC_BYTES;
// Timestamps above 2^53 cannot be represented exactly; they are far in the future anyway.
const MAX_SAFE_HIGH_WORD = 0x1fffff;

const TOKEN_CHARS = /^[A-Za-z0-9_-]+={0,2}$/;

// IVs come from the CSPRNG in 4 KiB refills: one call per 256 tokens instead
// of one per token. Each slice is handed out once, then the pool is refilled.
const IV_POOL = Buffer.alloc(4096);
let ivOffset = IV_POOL.length;
function nextIv(target: Buffer, at: number): void {
  if (ivOffset + 16 > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  IV_POOL.copy(target, at, ivOffset, ivOffset + 16);
  ivOffset += 16;
}

/** Padded url-safe base64, as the spec and Python's `cryptography` emit it. */
export function encodeToken(bytes: Buffer): string {
  const s = bytes.toString('base64url');
  const pad = (4 - (s.length % 4)) % 4;
  return pad === 0 ? s : s + '='.repeat(pad);
}

function malformed(message: string): TenantGuardError {
  return new TenantGuardError('FERNET_TOKEN_MALFORMED', message);
}

/**
 * Decodes a token and checks everything that needs no key: url-safe base64
 * (padded, as the spec and Python require; non-canonical refused), minimum length,
 * version byte and whole-block ciphertext (at least one block: PKCS7 always pads).
 */
export function decodeToken(token: unknown): Buffer {
  let text: string;
  if (typeof token === 'string') text = token;
  else if (token instanceof Uint8Array) text = Buffer.from(token).toString('latin1');
  else throw malformed('a Fernet token must be a string');
  if (text.length === 0 || !TOKEN_CHARS.test(text)) throw malformed('the Fernet token is not url-safe base64');
  // Padding is required, as in the spec and Python's `cryptography`.
  if (text.length % 4 !== 0) throw malformed('the Fernet token is not padded url-safe base64');
  const eq = text.indexOf('=');
  const body = eq === -1 ? text : text.slice(0, eq);
  const bytes = Buffer.from(body, 'base64url');
  // Canonical form only: one token string per byte string.
  if (bytes.toString('base64url') !== body) throw malformed('the Fernet token is not canonical base64');
  if (bytes.length > 0 && bytes[0] !== FERNET_VERSION) {
    throw new TenantGuardError('FERNET_VERSION_UNSUPPORTED', 'the Fernet token version is not 0x80', {
      details: { version: bytes[0] },
    });
  }
  const ctLength = bytes.length - HEADER - HMAC_BYTES;
  if (ctLength > 0 && ctLength % BLOCK !== 0) {
    throw new TenantGuardError(
      'FERNET_CIPHERTEXT_LENGTH_INVALID',
      'the Fernet ciphertext is not a whole number of AES blocks',
      { details: { ciphertextBytes: ctLength } },
    );
  }
  if (ctLength <= 0) {
    throw new TenantGuardError('FERNET_TOKEN_TOO_SHORT', 'the Fernet token is too short', {
      details: { bytes: bytes.length, minimum: MIN_TOKEN_BYTES },
    });
  }
  return bytes;
}

/** The token's timestamp in Unix seconds, or Infinity when beyond 2^53. */
export function readTimestamp(bytes: Buffer): number {
  const hi = bytes.readUInt32BE(1);
  if (hi > MAX_SAFE_HIGH_WORD) return Number.POSITIVE_INFINITY;
  return hi * 0x1_0000_0000 + bytes.readUInt32BE(5);
}

/** Seconds since the epoch (floored, like Python's `int(time.time())`) from a `now` option. */
export function nowSeconds(now: Date | number | undefined): number {
  let ms: number;
  if (now === undefined) ms = Date.now();
  else if (now instanceof Date) ms = now.getTime();
  else if (typeof now === 'number') ms = now;
  else throw new TenantGuardError('INPUT_INVALID', '`now` must be a Date or milliseconds since the epoch');
  if (!Number.isFinite(ms) || ms < 0) {
    throw new TenantGuardError('INPUT_INVALID', '`now` must be a valid time at or after 1970-01-01');
  }
  return Math.floor(ms / 1000);
}

/**
 * The spec's time rules, applied after the HMAC has been verified. The
 * future-timestamp rule applies even without a TTL (stricter than Python's
 * `cryptography` and the npm `fernet` package, which skip it then).
 */
export function checkTime(timestamp: number, now: number, ttlSeconds: number | undefined): void {
  if (now + MAX_CLOCK_SKEW_SECONDS < timestamp) {
    throw new TenantGuardError(
      'FERNET_TOKEN_FROM_FUTURE',
      'the Fernet token is dated more than 60 seconds in the future (clock skew)',
    );
  }
  if (ttlSeconds !== undefined && timestamp + ttlSeconds < now) {
    throw new TenantGuardError('FERNET_TOKEN_EXPIRED', 'the Fernet token is older than its TTL', {
      details: { ttlSeconds },
    });
  }
}

/** Validates a `ttlSeconds` option. */
export function checkTtl(ttlSeconds: unknown): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (typeof ttlSeconds !== 'number' || !Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) {
    throw new TenantGuardError('INPUT_INVALID', '`ttlSeconds` must be a non-negative integer');
  }
  return ttlSeconds;
}

/** Normalises plaintext input to bytes. */
export function plaintextBytes(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TenantGuardError('INPUT_INVALID', 'Fernet plaintext must be a string or a Uint8Array');
}

/** A padding-free AES-128-CBC encryptor whose chaining value starts at `chain` (zeroed first). */
function newChainedCbc(keys: FernetKeyPair, chain: Buffer): Cipher {
  chain.fill(0);
  return createCipheriv('aes-128-cbc', keys.encryptionKey, chain).setAutoPadding(false);
}

/**
 * One key's sealing and opening operations. Key material lives only in
 * node:crypto KeyObjects held in private fields.
 * @internal
 */
export class FernetCore {
  readonly #keys: FernetKeyPair;
  // ECB over whole blocks without padding keeps no state between update() calls.
  readonly #ecb: Decipher;
  // Encryption reuses one CBC context per key; #chain mirrors its internal
  // chaining value (the last ciphertext block it produced).
  #cbc: Cipher;
  readonly #chain = Buffer.alloc(BLOCK);

  constructor(key: FernetKeyInput) {
    this.#keys = parseFernetKey(key);
    this.#ecb = createDecipheriv('aes-128-ecb', this.#keys.encryptionKey, null).setAutoPadding(false);
    this.#cbc = newChainedCbc(this.#keys, this.#chain);
  }

  /**
   * Builds the token bytes. `iv` is only for reproducing the spec's fixed
   * vectors; production callers leave it out and get 16 fresh CSPRNG bytes.
   */
  seal(plaintext: Buffer, timestamp: number, iv?: Uint8Array): Buffer {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new TenantGuardError('INPUT_INVALID', 'a Fernet timestamp must be a non-negative integer');
    }
    const ctLength = (Math.floor(plaintext.length / BLOCK) + 1) * BLOCK;
    const out = Buffer.allocUnsafe(HEADER + ctLength + HMAC_BYTES);
    out[0] = FERNET_VERSION;
    out.writeUInt32BE(Math.floor(timestamp / 0x1_0000_0000), 1);
    out.writeUInt32BE(timestamp >>> 0, 5);
    if (iv === undefined) nextIv(out, 9);
    else {
      if (iv.length !== 16) throw new TenantGuardError('INPUT_INVALID', 'a Fernet IV is 16 bytes');
      out.set(iv, 9);
    }
    // PKCS7-pad into a scratch buffer, then fold the chaining trick into block 1:
    // the long-lived CBC encryptor continues from its last ciphertext block
    // (#chain), so P1 ⊕ #chain ⊕ IV gives E(P1 ⊕ IV), exactly CBC under IV.
    const padded = Buffer.allocUnsafe(ctLength);
    plaintext.copy(padded, 0);
    padded.fill(ctLength - plaintext.length, plaintext.length);
    for (let i = 0; i < BLOCK; i += 1) padded[i]! ^= this.#chain[i]! ^ out[9 + i]!;
    const ciphertext = this.#cbc.update(padded);
    padded.fill(0);
    if (ciphertext.length !== ctLength) {
      // Cannot happen with whole blocks and padding off; never reuse a desynchronised chain.
      this.#cbc = newChainedCbc(this.#keys, this.#chain);
      throw new Error('tenantguard: unexpected AES-CBC output length');
    }
    ciphertext.copy(this.#chain, 0, ctLength - BLOCK);
    ciphertext.copy(out, HEADER);
    const at = HEADER + ctLength;
    createHmac('sha256', this.#keys.signingKey).update(out.subarray(0, at)).digest().copy(out, at);
    return out;
  }

  /** Constant-time check of the token's HMAC under this key. */
  verify(bytes: Buffer): boolean {
    const end = bytes.length - HMAC_BYTES;
    const mac = createHmac('sha256', this.#keys.signingKey).update(bytes.subarray(0, end)).digest();
    return timingSafeEqual(mac, bytes.subarray(end));
  }

  /**
   * Decrypts a token whose HMAC {@link verify} accepted. CBC decryption is
   * done as one AES-ECB pass over all blocks (a long-lived, stateless
   * decipher) XORed with the previous ciphertext block: the same result as
   * AES-128-CBC, without creating a cipher context per token.
   */
  open(bytes: Buffer): Buffer {
    const end = bytes.length - HMAC_BYTES;
    const ciphertext = bytes.subarray(HEADER, end);
    const plain = this.#ecb.update(ciphertext);
    if (plain.length !== ciphertext.length) throw new Error('tenantguard: unexpected AES-ECB output length');
    // Block i is XORed with ciphertext block i-1; block 0 with the IV (which directly precedes the ciphertext).
    const chain = bytes.subarray(9, end - BLOCK);
    for (let i = 0; i < plain.length; i += 1) plain[i]! ^= chain[i]!;
    const pad = plain[plain.length - 1]!;
    let bad = pad === 0 || pad > BLOCK ? 1 : 0;
    for (let i = plain.length - Math.min(pad, BLOCK); i < plain.length; i += 1) bad |= plain[i]! ^ pad;
    if (bad !== 0) {
      plain.fill(0);
      throw new TenantGuardError('FERNET_PADDING_INVALID', 'the Fernet token decrypts to invalid PKCS7 padding');
    }
    return plain.subarray(0, plain.length - pad);
  }
}

/** The error for a token no available key authenticates. */
export function hmacInvalid(keys: number): TenantGuardError {
  return new TenantGuardError('FERNET_HMAC_INVALID', 'the Fernet token was not signed with this key or was altered', {
    details: { keysTried: keys },
  });
}
