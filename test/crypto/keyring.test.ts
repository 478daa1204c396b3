import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError, type ErrorCode } from '../../src/errors.js';
import { Fernet } from '../../src/crypto/fernet.js';
import { generateFernetKey } from '../../src/crypto/fernet-key.js';
import { Keyring } from '../../src/crypto/keyring.js';

const T0 = 1_700_000_000;
const at = (seconds: number): Date => new Date(seconds * 1000);
function codeOf(fn: () => unknown): ErrorCode | 'none' | 'foreign' {
  try {
    fn();
    return 'none';
  } catch (err) {
    return isTenantGuardError(err) ? err.code : 'foreign';
  }
}

describe('Keyring', () => {
  const oldKey = generateFernetKey();
  const newKey = generateFernetKey();
  const oldF = new Fernet(oldKey);
  const newF = new Fernet(newKey);

  it('encrypts with the primary key only and decrypts with any key', () => {
    const ring = new Keyring([newKey, oldF]);
    expect(ring.size).toBe(2);
    const t = ring.encrypt('from ring', { now: at(T0) });
    expect(newF.decrypt(t, { now: at(T0) }).toString()).toBe('from ring');
    expect(codeOf(() => oldF.decrypt(t, { now: at(T0) }))).toBe('FERNET_HMAC_INVALID');
    expect(ring.decrypt(oldF.encrypt('old', { now: at(T0) }), { now: at(T0) }).toString()).toBe('old');
    expect(ring.decrypt(newF.encrypt('new', { now: at(T0) }), { now: at(T0) }).toString()).toBe('new');
  });

  it('refuses tokens of keys outside the ring, and applies TTL and skew rules', () => {
    const ring = new Keyring([newKey, oldKey]);
    expect(codeOf(() => ring.decrypt(new Fernet(generateFernetKey()).encrypt('x')))).toBe('FERNET_HMAC_INVALID');
    const t = oldF.encrypt('x', { now: at(T0) });
    expect(codeOf(() => ring.decrypt(t, { now: at(T0 + 11), ttlSeconds: 10 }))).toBe('FERNET_TOKEN_EXPIRED');
    expect(codeOf(() => ring.decrypt(t, { now: at(T0 - 61) }))).toBe('FERNET_TOKEN_FROM_FUTURE');
    expect(codeOf(() => ring.decrypt('not a token'))).toBe('FERNET_TOKEN_MALFORMED');
  });

  it('rotate re-encrypts under the primary with a fresh IV and keeps the original timestamp', () => {
    const ring = new Keyring([newKey, oldKey]);
    const original = oldF.encrypt('refresh-token', { now: at(T0) });
    const rotated = ring.rotate(original, { now: at(T0 + 5000) });
    expect(rotated).not.toBe(original);
    expect(newF.extractTimestamp(rotated).getTime()).toBe(T0 * 1000);
    expect(newF.decrypt(rotated, { now: at(T0 + 5000) }).toString()).toBe('refresh-token');
    expect(codeOf(() => oldF.decrypt(rotated))).toBe('FERNET_HMAC_INVALID');
    // TTL still counts from the original creation time.
    expect(codeOf(() => newF.decrypt(rotated, { now: at(T0 + 5000), ttlSeconds: 3600 }))).toBe('FERNET_TOKEN_EXPIRED');
    // Rotating a token already under the primary gives a new token with the same content and timestamp.
    const again = ring.rotate(rotated);
    expect(again).not.toBe(rotated);
    expect(ring.extractTimestamp(again).getTime()).toBe(T0 * 1000);
    // Rotation does not launder tokens from outside the ring or from the future.
    expect(codeOf(() => ring.rotate(new Fernet(generateFernetKey()).encrypt('x')))).toBe('FERNET_HMAC_INVALID');
    expect(codeOf(() => ring.rotate(oldF.encrypt('x', { now: at(T0 + 1000) }), { now: at(T0) }))).toBe(
      'FERNET_TOKEN_FROM_FUTURE',
    );
  });

  it('rotation is a round trip for any plaintext and timestamp (property)', () => {
    const ring = new Keyring([newKey, oldKey, generateFernetKey()]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 2 ** 34 }), (data, seconds) => {
        const rotated = ring.rotate(oldF.encrypt(data, { now: at(seconds) }), { now: at(seconds) });
        return (
          Buffer.from(data).equals(newF.decrypt(rotated, { now: at(seconds) })) &&
          newF.extractTimestamp(rotated).getTime() === seconds * 1000
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('needs at least one valid key', () => {
    expect(codeOf(() => new Keyring([]))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new Keyring([newKey, 'bogus']))).toBe('FERNET_KEY_INVALID');
  });

  it('never shows its keys', () => {
    const ring = new Keyring([newKey, oldKey]);
    for (const s of [String(ring), JSON.stringify(ring), inspect(ring, { showHidden: true, depth: 10 })]) {
      expect(s).not.toContain(newKey.slice(0, 20));
      expect(s).not.toContain(oldKey.slice(0, 20));
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ type: 'Keyring', keys: 2 });
  });
});
