import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError, type ErrorCode } from '../../src/errors.js';
import { Fernet } from '../../src/crypto/fernet.js';
import { generateFernetKey } from '../../src/crypto/fernet-key.js';
import { FernetCore, encodeToken } from '../../src/crypto/fernet-token.js';
import { npmFernet } from './fernet-npm-peer.js';

// Known-answer vectors made by Python's `cryptography` 48.0.0
// (`Fernet(key)._encrypt_from_parts(plaintext, timestamp, iv)`), independent of
// this implementation. Key = bytes 0..31, IV = bytes 0xa0..0xaf.
const KAT_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const KAT_IV = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const KATS: ReadonlyArray<{ plaintext: string; timestamp: number; token: string }> = [
  { plaintext: '', timestamp: 1700000000, token: 'gAAAAABlU_EAoKGio6SlpqeoqaqrrK2ur9O7erZFnrP5QdmHcSLL6VFXYIixxl1AmTRA6zW1v27gD2v8Il0NNOcHT_InaMMxDQ==' },
  { plaintext: 'a', timestamp: 1700000000, token: 'gAAAAABlU_EAoKGio6SlpqeoqaqrrK2ur9_FNdr1G00OWeg9H2lYNAOebEFB_1VlpXQKRLI07C0m7FAJ8OhxAv_ryCXH3jnDRg==' },
  { plaintext: '0123456789abcde', timestamp: 1, token: 'gAAAAAAAAAABoKGio6SlpqeoqaqrrK2ur8hJoI3lWwysSWdNyMwYTxZbFBevEytHZzYduqYPkgkFNw10UdITqJrlQHs04jsbBQ==' },
  { plaintext: '0123456789abcdef', timestamp: 1700000123, token: 'gAAAAABlU_F7oKGio6SlpqeoqaqrrK2urynNqNPaVpvoj53cifbv3U7vIS3mPVH4s4-IuMvWgTxT1r0_U1jv3gCZvXbh5tRLEZxLXg7BF9m-kNf-gSi9R9k=' },
  {
    plaintext: 'ya29.' + 'x'.repeat(195),
    timestamp: 2 ** 33 + 5,
    token:
      'gAAAAAIAAAAFoKGio6SlpqeoqaqrrK2ur-SSZmKf6L47xe2qPbGBmD4tlBeyTTlPeflb2rKLBR2oi1fXIHjfOEY7UOou6GbVDbXgZXAvZ0Y30Oe8DI8t2LJLk_eGuReGLPYjhv30HUBh3cQrI08s_HKVLP56KQ9ZYUUzAZob8QBXkF67sVttp6XuKoZ4J-q3sEwoPIQ33Py_LnYIzKLggmaCQ1UbjjBzilrs-KL9MRJMVZjnmCiwAlRMKqnZPuWBXm2CYIBvAxuXxwvY9i5Eu1Nplw2_UqFbanAuBgjBAgtmfJSL-C9-ID2LkG9H5WZVT7RlfLUgkvcC3CWqPnhQdc2U1YnKz8Khrg==',
  },
  { plaintext: 'héllo wörld ✓', timestamp: 1234567890, token: 'gAAAAABJlgLSoKGio6SlpqeoqaqrrK2ur8DPB6DuEyHgZIvZ7noaxXY36EHQbOXZc989WNnOW0Vp5oguYc0RkyM3tXDsjHKTUNqoAY6RPGyknoszc0SRDfc=' },
];

const KEY_BYTES = Buffer.from(KAT_KEY, 'base64url');
const SIGN = KEY_BYTES.subarray(0, 16);
const ENC = KEY_BYTES.subarray(16);
const T0 = 1_700_000_000;
const at = (seconds: number): Date => new Date(seconds * 1000);

/** Builds a token by hand from raw parts, with a correct HMAC, so malformed payloads reach the checks after it. */
function forge(parts: { version?: number; timestamp?: number; iv?: Buffer; ciphertext: Buffer }): string {
  const head = Buffer.alloc(25);
  head[0] = parts.version ?? 0x80;
  head.writeBigUInt64BE(BigInt(parts.timestamp ?? T0), 1);
  (parts.iv ?? Buffer.from(KAT_IV)).copy(head, 9);
  const body = Buffer.concat([head, parts.ciphertext]);
  return encodeToken(Buffer.concat([body, createHmac('sha256', SIGN).update(body).digest()]));
}
function aesRaw(blocks: Buffer, iv: Buffer = Buffer.from(KAT_IV)): Buffer {
  const c = createCipheriv('aes-128-cbc', ENC, iv).setAutoPadding(false);
  return Buffer.concat([c.update(blocks), c.final()]);
}
function codeOf(fn: () => unknown): ErrorCode | 'none' | 'foreign' {
  try {
    fn();
    return 'none';
  } catch (err) {
    return isTenantGuardError(err) ? err.code : 'foreign';
  }
}

describe('Fernet: spec format', () => {
  it('reproduces Python cryptography tokens byte for byte and decrypts them', () => {
    const core = new FernetCore(KAT_KEY);
    const f = new Fernet(KAT_KEY);
    for (const v of KATS) {
      expect(encodeToken(core.seal(Buffer.from(v.plaintext, 'utf8'), v.timestamp, KAT_IV))).toBe(v.token);
      expect(f.decrypt(v.token, { now: at(v.timestamp) }).toString('utf8')).toBe(v.plaintext);
      expect(f.extractTimestamp(v.token).getTime()).toBe(v.timestamp * 1000);
    }
  });

  it('lays out version, BE timestamp, random IV, CBC ciphertext and HMAC as the spec says', () => {
    const f = new Fernet(KAT_KEY);
    const plaintext = 'oauth-refresh-token-'.repeat(10);
    const a = f.encrypt(plaintext, { now: at(T0) });
    const b = f.encrypt(plaintext, { now: at(T0) });
    expect(a).not.toBe(b);
    for (const token of [a, b]) {
      expect(token).toMatch(/^[A-Za-z0-9_-]+={0,2}$/);
      expect(token.length % 4).toBe(0);
      const bytes = Buffer.from(token, 'base64url');
      expect(bytes[0]).toBe(0x80);
      expect(bytes.readBigUInt64BE(1)).toBe(BigInt(T0));
      const ct = bytes.subarray(25, bytes.length - 32);
      expect(ct.length).toBe(Math.floor(200 / 16) * 16 + 16);
      // Decrypt and authenticate with raw node:crypto, independent of the implementation.
      const mac = createHmac('sha256', SIGN).update(bytes.subarray(0, bytes.length - 32)).digest();
      expect(mac.equals(bytes.subarray(bytes.length - 32))).toBe(true);
      const d = createDecipheriv('aes-128-cbc', ENC, bytes.subarray(9, 25));
      expect(Buffer.concat([d.update(ct), d.final()]).toString()).toBe(plaintext);
    }
    expect(Buffer.from(a, 'base64url').subarray(9, 25).equals(Buffer.from(b, 'base64url').subarray(9, 25))).toBe(false);
  });

  it('uses the current time by default and accepts milliseconds for now', () => {
    const f = new Fernet(KAT_KEY);
    const before = Math.floor(Date.now() / 1000);
    const t = f.extractTimestamp(f.encrypt('x')).getTime() / 1000;
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(f.extractTimestamp(f.encrypt('x', { now: T0 * 1000 + 999 })).getTime()).toBe(T0 * 1000);
  });

  it('accepts padded tokens as strings or bytes; refuses unpadded and non-canonical base64', () => {
    const f = new Fernet(KAT_KEY);
    const token = f.encrypt('hello', { now: at(T0) });
    expect(token).toMatch(/=$/);
    expect(f.decrypt(Buffer.from(token, 'latin1'), { now: at(T0) }).toString()).toBe('hello');
    expect(codeOf(() => f.decrypt(token.replace(/=+$/, ''), { now: at(T0) }))).toBe('FERNET_TOKEN_MALFORMED');
    // The KAT tokens end in "==": one 4-bit group carries no data; setting it is non-canonical.
    const v = KATS[0]!.token;
    const last = v[v.length - 3]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bumped = v.slice(0, -3) + alphabet[alphabet.indexOf(last) + 1] + '==';
    expect(Buffer.from(bumped, 'base64url').equals(Buffer.from(v, 'base64url'))).toBe(true);
    expect(codeOf(() => f.decrypt(bumped, { now: at(T0) }))).toBe('FERNET_TOKEN_MALFORMED');
    expect(codeOf(() => f.decrypt(token + '=', { now: at(T0) }))).toBe('FERNET_TOKEN_MALFORMED');
    expect(codeOf(() => f.decrypt(token.replace(/-/g, '+').replace(/_/g, '/') + 'A/+', { now: at(T0) }))).toBe(
      'FERNET_TOKEN_MALFORMED',
    );
    expect(codeOf(() => f.decrypt(' ' + token, { now: at(T0) }))).toBe('FERNET_TOKEN_MALFORMED');
    expect(codeOf(() => f.decrypt('', { now: at(T0) }))).toBe('FERNET_TOKEN_MALFORMED');
    expect(codeOf(() => f.decrypt(42 as unknown as string))).toBe('FERNET_TOKEN_MALFORMED');
  });
});

describe('Fernet: refusals, each with a stable code', () => {
  const f = new Fernet(KAT_KEY);
  const good = forge({ ciphertext: aesRaw(Buffer.alloc(16, 16)) });
  const now = at(T0 + 1);

  it('accepts the hand-forged baseline (so each refusal below is caused by its one defect)', () => {
    expect(f.decrypt(good, { now, ttlSeconds: 60 }).length).toBe(0);
  });

  it('refuses the spec invalid-token categories and more', () => {
    const raw = Buffer.from(good, 'base64url');
    const flipped = Buffer.from(raw);
    flipped[raw.length - 1]! ^= 1;
    const cases: Array<[string, () => unknown, ErrorCode]> = [
      ['incorrect mac', () => f.decrypt(encodeToken(flipped), { now, ttlSeconds: 60 }), 'FERNET_HMAC_INVALID'],
      ['too short', () => f.decrypt(encodeToken(raw.subarray(0, 40)), { now, ttlSeconds: 60 }), 'FERNET_TOKEN_TOO_SHORT'],
      ['header and hmac only', () => f.decrypt(forge({ ciphertext: Buffer.alloc(0) }), { now }), 'FERNET_TOKEN_TOO_SHORT'],
      ['invalid base64', () => f.decrypt('%%%%' + good.slice(4), { now, ttlSeconds: 60 }), 'FERNET_TOKEN_MALFORMED'],
      ['payload not a block multiple', () => f.decrypt(forge({ ciphertext: Buffer.alloc(15, 1) }), { now }), 'FERNET_CIPHERTEXT_LENGTH_INVALID'],
      ['payload padding error', () => f.decrypt(forge({ ciphertext: aesRaw(Buffer.alloc(16, 0x41)) }), { now }), 'FERNET_PADDING_INVALID'],
      ['inconsistent padding bytes', () => f.decrypt(forge({ ciphertext: aesRaw(Buffer.from([...Buffer.alloc(13, 7), 3, 2, 3])) }), { now }), 'FERNET_PADDING_INVALID'],
      ['far-future timestamp', () => f.decrypt(forge({ timestamp: T0 + 62, ciphertext: aesRaw(Buffer.alloc(16, 16)) }), { now, ttlSeconds: 60 }), 'FERNET_TOKEN_FROM_FUTURE'],
      ['expired TTL', () => f.decrypt(good, { now: at(T0 + 61), ttlSeconds: 60 }), 'FERNET_TOKEN_EXPIRED'],
      ['incorrect IV (padding error)', () => f.decrypt(forge({ iv: Buffer.alloc(16, 5), ciphertext: aesRaw(Buffer.alloc(16, 16)) }), { now }), 'FERNET_PADDING_INVALID'],
      ['version 0x81', () => f.decrypt(forge({ version: 0x81, ciphertext: aesRaw(Buffer.alloc(16, 16)) }), { now }), 'FERNET_VERSION_UNSUPPORTED'],
      ['wrong key', () => new Fernet(generateFernetKey()).decrypt(good, { now }), 'FERNET_HMAC_INVALID'],
      ['negative ttl', () => f.decrypt(good, { now, ttlSeconds: -1 }), 'INPUT_INVALID'],
      ['invalid now', () => f.decrypt(good, { now: new Date(Number.NaN) }), 'INPUT_INVALID'],
    ];
    for (const [name, run, code] of cases) expect([name, codeOf(run)]).toEqual([name, code]);
  });

  it('applies the 60-second clock-skew rule even without a TTL, at the exact boundary', () => {
    const token = f.encrypt('x', { now: at(T0) });
    expect(f.decrypt(token, { now: at(T0 - 60) }).toString()).toBe('x');
    expect(codeOf(() => f.decrypt(token, { now: at(T0 - 61) }))).toBe('FERNET_TOKEN_FROM_FUTURE');
    // Timestamps beyond 2^53 seconds are simply far future.
    const huge = forge({ timestamp: 2 ** 60, ciphertext: aesRaw(Buffer.alloc(16, 16)) });
    expect(codeOf(() => f.decrypt(huge))).toBe('FERNET_TOKEN_FROM_FUTURE');
    expect(codeOf(() => f.extractTimestamp(huge))).toBe('FERNET_TOKEN_FROM_FUTURE');
  });

  it('expires at timestamp + ttl < now, like the spec and Python', () => {
    const token = f.encrypt('x', { now: at(T0) });
    expect(f.decrypt(token, { now: at(T0 + 100), ttlSeconds: 100 }).toString()).toBe('x');
    expect(codeOf(() => f.decrypt(token, { now: at(T0 + 101), ttlSeconds: 100 }))).toBe('FERNET_TOKEN_EXPIRED');
    expect(f.decrypt(token, { now: at(T0 + 10 ** 9) }).toString()).toBe('x'); // no TTL: no age limit
  });

  it('checks the HMAC before time rules and before padding (no oracle on unauthenticated input)', () => {
    const raw = Buffer.from(forge({ timestamp: T0 + 10_000, ciphertext: aesRaw(Buffer.alloc(16, 0x41)) }), 'base64url');
    raw[raw.length - 5]! ^= 0x10;
    expect(codeOf(() => f.decrypt(encodeToken(raw), { now, ttlSeconds: 1 }))).toBe('FERNET_HMAC_INVALID');
  });

  it('extractTimestamp verifies the HMAC first', () => {
    const token = f.encrypt('x', { now: at(T0) });
    expect(f.extractTimestamp(token).getTime()).toBe(T0 * 1000);
    const raw = Buffer.from(token, 'base64url');
    raw.writeUInt32BE(T0 - 1000, 5); // backdate without re-signing
    expect(codeOf(() => f.extractTimestamp(encodeToken(raw)))).toBe('FERNET_HMAC_INVALID');
    expect(codeOf(() => new Fernet(generateFernetKey()).extractTimestamp(token))).toBe('FERNET_HMAC_INVALID');
  });

  it('unpads exactly like OpenSSL AES-128-CBC for any authenticated ciphertext (differential property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 64 }).map((a) => Buffer.from(a.subarray(0, a.length - (a.length % 16)))),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        (blocks, padValue, padRun) => {
          // Bias towards near-valid padding: set the last `padRun` bytes to `padValue`.
          blocks.fill(padValue, blocks.length - padRun);
          const iv = Buffer.alloc(16, 9);
          const ciphertext = aesRaw(blocks, iv);
          const token = forge({ iv, ciphertext });
          const d = createDecipheriv('aes-128-cbc', ENC, iv);
          let expected: Buffer | 'refused';
          try {
            expected = Buffer.concat([d.update(ciphertext), d.final()]);
          } catch {
            expected = 'refused';
          }
          let got: Buffer | 'refused';
          try {
            got = f.decrypt(token, { now: at(T0) });
          } catch (err) {
            if (!isTenantGuardError(err, 'FERNET_PADDING_INVALID')) throw err;
            got = 'refused';
          }
          return expected === 'refused' ? got === 'refused' : got !== 'refused' && got.equals(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('encrypts exactly like one-shot OpenSSL AES-128-CBC across long runs of tokens (differential property)', () => {
    // The sealer reuses one CBC context per key and folds the IV into the first block;
    // every token must still equal a fresh CBC encryption under its own IV.
    const core = new FernetCore(KAT_KEY);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), { minLength: 1, maxLength: 20 }), (items) =>
        items.every(([plain, iv]) => {
          const token = core.seal(Buffer.from(plain), T0, iv);
          const c = createCipheriv('aes-128-cbc', ENC, iv);
          const expectedCt = Buffer.concat([c.update(plain), c.final()]);
          return token.subarray(25, token.length - 32).equals(expectedCt) && token.subarray(9, 25).equals(Buffer.from(iv));
        }),
      ),
      { numRuns: 300 },
    );
  });

  it('refuses every single-bit flip of a token (property)', () => {
    const token = f.encrypt('a typical oauth token value', { now: at(T0) });
    const raw = Buffer.from(token, 'base64url');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: raw.length * 8 - 1 }), (bit) => {
        const t = Buffer.from(raw);
        t[bit >> 3]! ^= 1 << (bit & 7);
        const code = codeOf(() => f.decrypt(encodeToken(t), { now: at(T0) }));
        return code === (bit < 8 ? 'FERNET_VERSION_UNSUPPORTED' : 'FERNET_HMAC_INVALID');
      }),
      { numRuns: raw.length * 8 },
    );
  });
});

describe('Fernet: keys', () => {
  it('generates 32-byte url-safe base64 keys in Python format, all distinct', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateFernetKey()));
    expect(keys.size).toBe(200);
    for (const k of keys) {
      expect(k).toMatch(/^[A-Za-z0-9_-]{43}=$/);
      expect(Buffer.from(k, 'base64url').length).toBe(32);
    }
  });

  it('accepts the same key as string (padded or not) and as raw bytes', () => {
    const token = new Fernet(KEY_BYTES).encrypt('same', { now: at(T0) });
    expect(new Fernet(KAT_KEY).decrypt(token, { now: at(T0) }).toString()).toBe('same');
    expect(new Fernet(KAT_KEY.slice(0, -1)).decrypt(token, { now: at(T0) }).toString()).toBe('same');
  });

  it('refuses malformed keys with FERNET_KEY_INVALID and never echoes them', () => {
    const bad: unknown[] = [
      '',
      'short',
      KAT_KEY + 'A',
      KAT_KEY.replace(/-/g, '+').replace('A', '/'),
      KAT_KEY.slice(0, 42) + 'B=', // non-canonical last character
      new Uint8Array(31),
      new Uint8Array(33),
      undefined,
      42,
    ];
    for (const key of bad) {
      let caught: unknown;
      try {
        new Fernet(key as string);
      } catch (err) {
        caught = err;
      }
      expect(isTenantGuardError(caught, 'FERNET_KEY_INVALID')).toBe(true);
      if (typeof key === 'string' && key.length > 4) expect(JSON.stringify(caught) + String(caught)).not.toContain(key);
    }
  });

  it('never shows the key or plaintext in toString, JSON, inspect or errors', () => {
    const key = generateFernetKey();
    const f = new Fernet(key);
    const secretText = 'super-secret-oauth-token-value';
    const shown = [String(f), JSON.stringify(f), inspect(f), inspect(f, { showHidden: true, depth: 10 }), JSON.stringify({ f })];
    for (const s of shown) {
      expect(s).not.toContain(key);
      expect(s).not.toContain(key.slice(0, 20));
      expect(s).not.toContain(Buffer.from(key, 'base64url').toString('hex').slice(0, 16));
    }
    const token = f.encrypt(secretText, { now: at(T0) });
    const failures: unknown[] = [];
    for (const attempt of [
      () => f.decrypt(token, { now: at(T0 + 100), ttlSeconds: 1 }),
      () => new Fernet(generateFernetKey()).decrypt(token),
      () => f.decrypt(token.slice(0, 60)),
    ]) {
      try {
        attempt();
      } catch (err) {
        failures.push(err);
      }
    }
    expect(failures).toHaveLength(3);
    for (const err of failures) {
      const text = `${String(err)} ${JSON.stringify(err)} ${inspect(err, { depth: 10 })}`;
      expect(text).not.toContain(secretText);
      expect(text).not.toContain(key);
      expect(text).not.toContain(token.slice(10, 40));
    }
  });
});

describe('Fernet: properties', () => {
  const f = new Fernet(generateFernetKey());

  it('round-trips arbitrary bytes and strings with their timestamp', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 2 ** 40 }), (data, seconds) => {
        const token = f.encrypt(data, { now: at(seconds) });
        const opened = f.decrypt(token, { now: at(seconds) });
        const bytes = Buffer.from(token, 'base64url');
        return (
          Buffer.from(data).equals(opened) &&
          f.extractTimestamp(token).getTime() === seconds * 1000 &&
          bytes.length === 25 + (Math.floor(data.length / 16) + 1) * 16 + 32
        );
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => f.decrypt(f.encrypt(text)).toString('utf8') === text),
      { numRuns: 1000 },
    );
  });

  it('never decrypts under another key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string(), (key, text) => {
        const other = new Fernet(key);
        return codeOf(() => other.decrypt(f.encrypt(text))) === 'FERNET_HMAC_INVALID';
      }),
      { numRuns: 300 },
    );
  });

  it('turns arbitrary strings into a TenantGuardError, never a crash or a plaintext', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^gAAAAA[A-Za-z0-9_-]{60,200}={0,2}$/)), (s) => {
        const code = codeOf(() => f.decrypt(s));
        return code !== 'none' && code !== 'foreign';
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Fernet: interop with the npm `fernet` package (crypto-js)', () => {
  const key = generateFernetKey();
  const secret = new npmFernet.Secret(key);
  const f = new Fernet(key);

  it('decrypts tokens the npm package made', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 300 }), (text) => {
        const token = new npmFernet.Token({ secret, ttl: 0 }).encode(text);
        return f.decrypt(token, { ttlSeconds: 120 }).toString('utf8') === text;
      }),
      { numRuns: 300 },
    );
    const dated = new npmFernet.Token({ secret, ttl: 0, time: new Date(T0 * 1000).toUTCString() }).encode('dated');
    expect(f.extractTimestamp(dated).getTime()).toBe(T0 * 1000);
  });

  it('makes tokens the npm package decrypts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 300 }), (text) => {
        const token = f.encrypt(text);
        return new npmFernet.Token({ secret, ttl: 0 }).decode(token) === text;
      }),
      { numRuns: 300 },
    );
    const oauth = 'ya29.' + 'A0AfH6SMC'.repeat(21);
    expect(new npmFernet.Token({ secret, ttl: 60 }).decode(f.encrypt(oauth))).toBe(oauth);
  });

  it('refuses forged tokens the npm package accepts (bad padding, wrong IV)', () => {
    const peer = new npmFernet.Token({ secret: new npmFernet.Secret(KAT_KEY), ttl: 0 });
    const mine = new Fernet(KAT_KEY);
    const nowDate = at(Math.floor(Date.now() / 1000));
    const badPadding = forge({ timestamp: Math.floor(Date.now() / 1000), ciphertext: aesRaw(Buffer.alloc(16, 0x41)) });
    const wrongIv = forge({ timestamp: Math.floor(Date.now() / 1000), iv: Buffer.alloc(16, 5), ciphertext: aesRaw(Buffer.alloc(16, 16)) });
    for (const token of [badPadding, wrongIv]) {
      expect(() => peer.decode(token)).not.toThrow();
      expect(codeOf(() => mine.decrypt(token, { now: nowDate }))).toBe('FERNET_PADDING_INVALID');
    }
  });
});
