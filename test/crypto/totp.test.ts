import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from '../../src/crypto/totp-base32.js';
import { generateTotpSecret, hotp, totp, totpStep, totpUri, verifyTotp, type TotpAlgorithm } from '../../src/crypto/totp.js';

// RFC 6238 Appendix B: the seeds and 8-digit codes for SHA1, SHA256 and SHA512.
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};
const VECTORS: [number, string, TotpAlgorithm][] = [
  [59, '94287082', 'SHA1'],
  [59, '46119246', 'SHA256'],
  [59, '90693936', 'SHA512'],
  [1111111109, '07081804', 'SHA1'],
  [1111111109, '68084774', 'SHA256'],
  [1111111109, '25091201', 'SHA512'],
  [1111111111, '14050471', 'SHA1'],
  [1111111111, '67062674', 'SHA256'],
  [1111111111, '99943326', 'SHA512'],
  [1234567890, '89005924', 'SHA1'],
  [1234567890, '91819424', 'SHA256'],
  [1234567890, '93441116', 'SHA512'],
  [2000000000, '69279037', 'SHA1'],
  [2000000000, '90698825', 'SHA256'],
  [2000000000, '38618901', 'SHA512'],
  [20000000000, '65353130', 'SHA1'],
  [20000000000, '77737706', 'SHA256'],
  [20000000000, '47863826', 'SHA512'],
];

// RFC 4226 Appendix D: HOTP values for counters 0..9 with the SHA1 seed.
const HOTP_VECTORS = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('TOTP (RFC 6238) core', () => {
  it.each(VECTORS)('RFC 6238 vector T=%i -> %s (%s)', (t, code, algorithm) => {
    expect(totp(SEEDS[algorithm], { now: t * 1000, digits: 8, algorithm })).toBe(code);
    expect(verifyTotp(SEEDS[algorithm], code, { now: t * 1000, digits: 8, algorithm, window: 0 })).toBe(Math.floor(t / 30));
  });

  it('RFC 4226 HOTP vectors', () => {
    HOTP_VECTORS.forEach((code, counter) => expect(hotp(SEEDS.SHA1, counter)).toBe(code));
  });

  it('accepts one step either side by default, not two, and reports the matched step', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    const at = (s: number): string => hotp(SEEDS.SHA1, s);
    expect(verifyTotp(SEEDS.SHA1, at(step), { now })).toBe(step);
    expect(verifyTotp(SEEDS.SHA1, at(step - 1), { now })).toBe(step - 1);
    expect(verifyTotp(SEEDS.SHA1, at(step + 1), { now })).toBe(step + 1);
    expect(verifyTotp(SEEDS.SHA1, at(step - 2), { now })).toBeNull();
    expect(verifyTotp(SEEDS.SHA1, at(step + 2), { now })).toBeNull();
    // afterStep refuses the used step and anything before it.
    expect(verifyTotp(SEEDS.SHA1, at(step), { now, afterStep: step })).toBeNull();
    expect(verifyTotp(SEEDS.SHA1, at(step - 1), { now, afterStep: step })).toBeNull();
    expect(verifyTotp(SEEDS.SHA1, at(step + 1), { now, afterStep: step })).toBe(step + 1);
  });

  it('refuses malformed codes without throwing', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 345', '１２３４５６', '123456\n']) {
      expect(verifyTotp(SEEDS.SHA1, bad, { now: 59_000 })).toBeNull();
    }
    expect(verifyTotp(SEEDS.SHA1, 123456 as unknown as string)).toBeNull();
  });

  it('agrees with the otpauth package for random secrets, times and algorithms (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 10, maxLength: 64 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.constantFrom<TotpAlgorithm>('SHA1', 'SHA256', 'SHA512'),
        fc.integer({ min: 6, max: 8 }),
        (secret, t, algorithm, digits) => {
          const peer = new OTPAuth.TOTP({ secret: new OTPAuth.Secret({ buffer: Uint8Array.from(secret).buffer }), algorithm, digits, period: 30 });
          expect(totp(secret, { now: t * 1000, algorithm, digits })).toBe(peer.generate({ timestamp: t * 1000 }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('base32 round-trips and matches RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, enc] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(enc);
      expect(base32Decode(enc).toString()).toBe(plain);
    }
    expect(base32Decode('mzxw 6ytb-oi======').toString()).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        expect([...base32Decode(base32Encode(b))]).toEqual([...b]);
      }),
    );
  });

  it('builds otpauth:// URIs that the otpauth package parses back to the same generator', () => {
    const secret = generateTotpSecret('SHA256');
    expect(secret).toHaveLength(32);
    const uri = totpUri(secret, { issuer: 'Acme Corp', label: 'ada@example.com', algorithm: 'SHA256', digits: 8, period: 30 });
    expect(uri).toMatch(/^otpauth:\/\/totp\/Acme%20Corp:ada%40example\.com\?secret=[A-Z2-7]+&issuer=Acme%20Corp&algorithm=SHA256&digits=8&period=30$/);
    const parsed = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    expect(parsed.issuer).toBe('Acme Corp');
    expect(parsed.label).toBe('ada@example.com');
    expect(parsed.generate({ timestamp: 1_234_567_890_000 })).toBe(totp(secret, { now: 1_234_567_890_000, algorithm: 'SHA256', digits: 8 }));
    expect(() => totpUri(secret, { issuer: 'a:b', label: 'x' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });

  it('validates parameters', () => {
    expect(() => totp(SEEDS.SHA1, { digits: 5 })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => totp(SEEDS.SHA1, { algorithm: 'MD5' as TotpAlgorithm })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => verifyTotp(SEEDS.SHA1, '123456', { window: 11 })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});
