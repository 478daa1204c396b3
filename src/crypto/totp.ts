/**
 * TOTP (RFC 6238) on node:crypto: code generation, windowed verification
 * that reports the matched time step (so callers can refuse replays), and
 * `otpauth://` enrolment URIs. Stateless; the replay and rate-limit rules
 * that need storage live in {@link createMfa}.
 *
 * @module crypto
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TenantGuardError } from '../errors.js';
import { base32Encode } from './totp-base32.js';

/** HMAC hash of a TOTP secret (RFC 6238 allows SHA1, SHA256 and SHA512). */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** The parameters of a TOTP secret. Defaults: SHA1, 6 digits, 30 s. */
export interface TotpParams {
  /** HMAC hash; `SHA1` (the default) is what every authenticator app supports. */
  algorithm?: TotpAlgorithm;
  /** Code length, 6 to 8 (default 6). */
  digits?: number;
  /** Step length in seconds (default 30). */
  period?: number;
}

const NODE_HASH: Record<TotpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
/** Secret sizes RFC 6238's reference uses: the hash's output length. */
const DEFAULT_SECRET_BYTES: Record<TotpAlgorithm, number> = { SHA1: 20, SHA256: 32, SHA512: 64 };

function resolve(params: TotpParams = {}): Required<TotpParams> {
  const algorithm = params.algorithm ?? 'SHA1';
  const digits = params.digits ?? 6;
  const period = params.period ?? 30;
  if (!(algorithm in NODE_HASH)) throw new TenantGuardError('INPUT_INVALID', 'TOTP algorithm must be SHA1, SHA256 or SHA512');
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new TenantGuardError('INPUT_INVALID', 'TOTP digits must be 6, 7 or 8');
  if (!Number.isInteger(period) || period < 1 || period > 300) throw new TenantGuardError('INPUT_INVALID', 'TOTP period must be 1..300 seconds');
  return { algorithm, digits, period };
}

/** The time step (RFC 6238 `T`) that `timeMs` falls into. */
export function totpStep(timeMs: number, period = 30): number {
  return Math.floor(timeMs / 1000 / period);
}

/**
 * HOTP (RFC 4226) value for one counter: HMAC, dynamic truncation, modulo
 * 10^digits, left-padded with zeros.
 */
export function hotp(secret: Uint8Array, counter: number, params: TotpParams = {}): string {
  const { algorithm, digits } = resolve(params);
  if (!Number.isSafeInteger(counter) || counter < 0) throw new TenantGuardError('INPUT_INVALID', 'HOTP counter must be a non-negative integer');
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(NODE_HASH[algorithm], secret).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The TOTP code for a moment (default: now).
 *
 * @example
 * ```ts
 * const code = totp(secretBytes, { now: Date.now() }); // '287082'
 * ```
 */
export function totp(secret: Uint8Array, options: TotpParams & { now?: number } = {}): string {
  const p = resolve(options);
  return hotp(secret, totpStep(options.now ?? Date.now(), p.period), p);
}

/** Options for {@link verifyTotp}. */
export interface VerifyTotpOptions extends TotpParams {
  /** The moment to check against, in ms since the epoch (default: now). */
  now?: number;
  /** Steps accepted either side of the current one (default 1, at most 10). */
  window?: number;
  /**
   * The last step already accepted for this secret: codes of that step or
   * earlier are refused (RFC 6238 §5.2: one code, one use).
   */
  afterStep?: number;
}

/**
 * Checks a code against the steps `now ± window` and returns the matched
 * step, or `null`. Every candidate is compared in constant time and the loop
 * does not stop early, so timing says nothing about which step matched.
 * A code for a step at or before `afterStep` is not a match.
 */
export function verifyTotp(secret: Uint8Array, code: string, options: VerifyTotpOptions = {}): number | null {
  const p = resolve(options);
  const window = options.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > 10) throw new TenantGuardError('INPUT_INVALID', 'TOTP window must be 0..10');
  if (typeof code !== 'string' || code.length !== p.digits || !/^[0-9]+$/.test(code)) return null;
  const current = totpStep(options.now ?? Date.now(), p.period);
  const given = Buffer.from(code, 'utf8');
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step += 1) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(secret, step, p), 'utf8');
    const equal = timingSafeEqual(expected, given);
    if (equal && matched === null && (options.afterStep === undefined || step > options.afterStep)) matched = step;
  }
  return matched;
}

/** A fresh random TOTP secret, sized for the algorithm (20/32/64 bytes). */
export function generateTotpSecret(algorithm: TotpAlgorithm = 'SHA1'): Buffer {
  return randomBytes(DEFAULT_SECRET_BYTES[algorithm]);
}

/** Options for {@link totpUri}. */
export interface TotpUriOptions extends TotpParams {
  /** Who issues the code, shown by the authenticator app (e.g. `Acme`). */
  issuer: string;
  /** The account, shown under the issuer (e.g. the user's email). */
  label: string;
}

/**
 * The `otpauth://totp/...` enrolment URI (the Key Uri Format understood by
 * authenticator apps), usually rendered as a QR code.
 */
export function totpUri(secret: Uint8Array, options: TotpUriOptions): string {
  const p = resolve(options);
  if (options.issuer.includes(':') || options.label.includes(':')) {
    throw new TenantGuardError('INPUT_INVALID', 'TOTP issuer and label must not contain ":"');
  }
  const path = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.label)}`;
  // encodeURIComponent, not URLSearchParams: apps show a `+` for a space literally.
  const query = [
    `secret=${base32Encode(secret)}`,
    `issuer=${encodeURIComponent(options.issuer)}`,
    `algorithm=${p.algorithm}`,
    `digits=${p.digits}`,
    `period=${p.period}`,
  ].join('&');
  return `otpauth://totp/${path}?${query}`;
}
