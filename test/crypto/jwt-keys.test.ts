import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { loadJwtKeys, publicJwks } from '../../src/crypto/jwt-keys.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isTenantGuardError(err) ? err.code : `not a TenantGuardError: ${String(err)}`;
  }
}

describe('JWT key loading', () => {
  it('refuses an HS256 secret shorter than 32 bytes (jose itself accepts 1 byte)', async () => {
    expect(code(() => loadJwtKeys([{ kid: 'k', secret: randomBytes(31) }]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([{ kid: 'k', secret: 'x'.repeat(31) }]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([{ kid: 'k', secret: randomBytes(32) }]))).toBeUndefined();
    // The anchor's behaviour this check exists for:
    const weak = new Uint8Array([7]);
    const t = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(weak);
    await expect(jwtVerify(t, weak)).resolves.toBeDefined();
  });

  it('refuses bad, path-like and duplicate kids, empty key lists and unsupported algorithms', () => {
    const s = randomBytes(32);
    expect(code(() => loadJwtKeys([{ kid: '../../etc/passwd', secret: s }]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([{ kid: '', secret: s }]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([{ kid: 'a', secret: s }, { kid: 'a', secret: randomBytes(32) }]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([{ kid: 'a', alg: 'RS256' as 'ES256', publicKey: 'x' }]))).toBe('JWT_KEY_INVALID');
  });

  it('loads EdDSA and ES256 keys, checks curves and that public matches private', () => {
    const ed = generateKeyPairSync('ed25519');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const set = loadJwtKeys([
      { kid: 'ed', alg: 'EdDSA', privateKey: ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
      { kid: 'ec', alg: 'ES256', privateKey: ec.privateKey.export({ format: 'jwk' }) },
    ]);
    expect(set.signer.kid).toBe('ed');
    expect([...set.algorithms].sort()).toEqual(['ES256', 'EdDSA']);
    const jwks = publicJwks(set);
    expect(jwks.keys.map((k) => k.kid)).toEqual(['ed', 'ec']);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    expect(code(() => loadJwtKeys([{ kid: 'x', alg: 'ES256', privateKey: ec384.privateKey }]))).toBe('JWT_KEY_INVALID');
    expect(code(() => loadJwtKeys([{ kid: 'x', alg: 'EdDSA', privateKey: ec.privateKey }]))).toBe('JWT_KEY_INVALID');
    expect(
      code(() => loadJwtKeys([{ kid: 'x', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: generateKeyPairSync('ed25519').publicKey }])),
    ).toBe('JWT_KEY_INVALID');
  });

  it('takes verify-only keys from a JWKS and refuses private or RSA keys there', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const s = randomBytes(32);
    const set = loadJwtKeys([{ kid: 'h', secret: s }], { keys: [{ ...ed.publicKey.export({ format: 'jwk' }), kid: 'old' }] });
    expect(set.byKid.get('old')?.alg).toBe('EdDSA');
    expect(set.signer.kid).toBe('h');
    expect(code(() => loadJwtKeys([{ kid: 'h', secret: s }], { keys: [{ ...ed.privateKey.export({ format: 'jwk' }), kid: 'p' }] }))).toBe(
      'JWT_KEY_INVALID',
    );
    expect(code(() => loadJwtKeys([{ kid: 'h', secret: s }], { keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'r' }] }))).toBe(
      'JWT_KEY_INVALID',
    );
    // A verify-only configuration cannot sign.
    expect(code(() => loadJwtKeys([{ kid: 'v', alg: 'EdDSA', publicKey: ed.publicKey }]))).toBe('JWT_KEY_INVALID');
  });

  it('imports each key to a CryptoKey once', async () => {
    const set = loadJwtKeys([{ kid: 'k', secret: randomBytes(32) }]);
    const k = set.byKid.get('k')!;
    const a = await k.verifyKeyPromise;
    expect(a.type).toBe('secret');
    expect(k.verifyKey).toBe(a);
    expect(await k.verifyKeyPromise).toBe(a);
  });
});
