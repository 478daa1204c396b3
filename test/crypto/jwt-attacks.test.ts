import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT, base64url, createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSessions, type Sessions } from '../../src/crypto/sessions.js';
import { isTenantGuardError } from '../../src/errors.js';
import { useTestDatabase } from '../support/db.js';
import { AUDIENCE, ISSUER, KID, ORG_A, SECRET, accessClaims, expectCode, forge, withSegment } from './sessions-helpers.js';

describe('access-token verification refuses every attack with a clear code', () => {
  const db = useTestDatabase();
  let sessions: Sessions;
  // Real time unless a test freezes it (so slow, loaded machines cannot make timing cases flaky).
  let frozen: number | undefined;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let good: { accessToken: string; refreshToken: string };

  beforeAll(async () => {
    sessions = createSessions({
      pool: db.appPool,
      keys: [
        { kid: KID, secret: SECRET },
        { kid: 'ec-1', alg: 'ES256', privateKey: ec.privateKey },
      ],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => frozen ?? Date.now(),
    });
    good = await sessions.issue({ userId: 'user-1', orgId: ORG_A, role: 'editor' });
  });
  afterEach(() => {
    frozen = undefined;
  });
  afterAll(() => {
    frozen = undefined;
  });

  it('accepts a genuine token and returns the principal', async () => {
    const p = await sessions.verifyAccessToken(good.accessToken);
    expect(p).toEqual({ userId: 'user-1', orgId: ORG_A, role: 'editor', sessionId: expect.any(String), mfa: false });
    // And a hand-made token with every required claim verifies too (the forger below is faithful).
    await expect(sessions.verifyAccessToken(await forge(accessClaims()))).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('alg none', async () => {
    const unsecured = new UnsecuredJWT(accessClaims()).encode();
    await expectCode(sessions.verifyAccessToken(unsecured), 'JWT_UNSECURED');
    const withKid = withSegment(unsecured, 0, { alg: 'none', kid: KID, typ: 'at+jwt' });
    await expectCode(sessions.verifyAccessToken(withKid), 'JWT_UNSECURED');
    const noneSigned = `${withSegment(good.accessToken, 0, { alg: 'none', kid: KID, typ: 'at+jwt' })}`;
    await expectCode(sessions.verifyAccessToken(noneSigned), 'JWT_UNSECURED');
  });

  it('HS/RS (HS/EC) confusion: HS256 signed with the public key of an ES256 kid', async () => {
    const pem = ec.publicKey.export({ format: 'pem', type: 'spki' });
    const token = await forge(accessClaims(), { alg: 'HS256', kid: 'ec-1' }, createSecretKey(Buffer.from(pem)).export());
    await expectCode(sessions.verifyAccessToken(token), 'JWT_ALG_NOT_ALLOWED');
    const jwkBytes = Buffer.from(JSON.stringify(ec.publicKey.export({ format: 'jwk' })));
    const token2 = await forge(accessClaims(), { alg: 'HS256', kid: 'ec-1' }, jwkBytes);
    await expectCode(sessions.verifyAccessToken(token2), 'JWT_ALG_NOT_ALLOWED');
  });

  it('algorithms outside the allow-list (RS256, HS512) or not the algorithm of the kid', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = await new SignJWT(accessClaims()).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'at+jwt' }).sign(rsa.privateKey);
    await expectCode(sessions.verifyAccessToken(rs), 'JWT_ALG_NOT_ALLOWED');
    const hs512 = await forge(accessClaims(), { alg: 'HS512' }, randomBytes(64));
    await expectCode(sessions.verifyAccessToken(hs512), 'JWT_ALG_NOT_ALLOWED');
    // ES256 is allowed (a configured key uses it) but not for the HS256 kid.
    const es = await new SignJWT(accessClaims()).setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'at+jwt' }).sign(ec.privateKey);
    await expectCode(sessions.verifyAccessToken(es), 'JWT_ALG_NOT_ALLOWED');
  });

  it('tampered payload, header or signature', async () => {
    const payload = decodeJwt(good.accessToken);
    await expectCode(sessions.verifyAccessToken(withSegment(good.accessToken, 1, { ...payload, role: 'owner' })), 'JWT_SIGNATURE_INVALID');
    await expectCode(sessions.verifyAccessToken(withSegment(good.accessToken, 1, { ...payload, org_id: '0b0b0b0b-0000-4000-8000-00000000000b' })), 'JWT_SIGNATURE_INVALID');
    const [h, p, s] = good.accessToken.split('.') as [string, string, string];
    const sig = base64url.decode(s);
    sig[0] = sig[0]! ^ 1;
    await expectCode(sessions.verifyAccessToken(`${h}.${p}.${base64url.encode(sig)}`), 'JWT_SIGNATURE_INVALID');
    await expectCode(sessions.verifyAccessToken(`${h}.${p}.`), 'JWT_SIGNATURE_INVALID');
    await expectCode(sessions.verifyAccessToken(withSegment(good.accessToken, 0, { alg: 'HS256', kid: KID, typ: 'at+jwt', x: 1 })), 'JWT_SIGNATURE_INVALID');
  });

  it('a signed token tampered anywhere never verifies (property)', async () => {
    const token = good.accessToken;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const decodeAll = (t: string): string => t.split('.').map((x) => { try { return Buffer.from(base64url.decode(x)).toString('hex'); } catch { return '!'; } }).join('.');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), async (pos, ch) => {
        if (token[pos] === '.' || token[pos] === ch) return;
        const mutated = token.slice(0, pos) + ch + token.slice(pos + 1);
        try {
          await sessions.verifyAccessToken(mutated);
          // Only a change in base64url's unused trailing bits can leave the bytes identical.
          expect(decodeAll(mutated)).toBe(decodeAll(token));
        } catch (err) {
          expect(isTenantGuardError(err) && err.code.startsWith('JWT_')).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('expired and not yet valid (with a small clock tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    frozen = now * 1000;
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iat: now - 1000, exp: now - 100 }))), 'JWT_EXPIRED');
    // 3 s past exp is inside the 5 s tolerance; 6 s is not.
    await expect(sessions.verifyAccessToken(await forge(accessClaims({ iat: now - 903, exp: now - 3 })))).resolves.toBeDefined();
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iat: now - 906, exp: now - 6 }))), 'JWT_EXPIRED');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ nbf: now + 60 }))), 'JWT_NOT_YET_VALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iat: now + 60, exp: now + 900 }))), 'JWT_NOT_YET_VALID');
    // The service's own token, 15 min + tolerance later.
    frozen = Date.now() + 906_000;
    try {
      await expectCode(sessions.verifyAccessToken(good.accessToken), 'JWT_EXPIRED');
    } finally {
      frozen = undefined;
    }
  });

  it('wrong issuer or audience', async () => {
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iss: 'https://evil.example' }))), 'JWT_ISSUER_INVALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ aud: 'other-app' }))), 'JWT_AUDIENCE_INVALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ aud: undefined }))), 'JWT_CLAIMS_INVALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iss: undefined }))), 'JWT_CLAIMS_INVALID');
  });

  it('unknown or missing kid, and a kid that looks like a path', async () => {
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { kid: 'nope' })), 'JWT_KID_UNKNOWN');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { kid: undefined })), 'JWT_KID_UNKNOWN');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { kid: '../../../dev/null' })), 'JWT_KID_UNKNOWN');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { kid: '__proto__' })), 'JWT_KID_UNKNOWN');
    // A key we do not have, under an unknown kid, is refused before any signature math.
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { kid: 'k-other' }, randomBytes(32))), 'JWT_KID_UNKNOWN');
  });

  it('access token used as a refresh token, and the reverse; a missing type', async () => {
    await expectCode(sessions.refresh(good.accessToken), 'JWT_TYPE_INVALID');
    await expectCode(sessions.verifyAccessToken(good.refreshToken), 'JWT_TYPE_INVALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { typ: undefined })), 'JWT_TYPE_INVALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims(), { typ: 'JWT' })), 'JWT_TYPE_INVALID');
  });

  it('malformed and oversized tokens', async () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', 'ä.b.c', '.x.', `${base64url.encode('not json')}.${base64url.encode('{}')}.abc`]) {
      await expectCode(sessions.verifyAccessToken(bad), 'JWT_MALFORMED');
    }
    await expectCode(sessions.verifyAccessToken(withSegment(good.accessToken, 0, [1, 2])), 'JWT_MALFORMED');
    await expectCode(sessions.verifyAccessToken(42 as unknown as string), 'JWT_MALFORMED');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ pad: 'x'.repeat(9000) }))), 'JWT_TOO_LARGE');
    await expectCode(sessions.verifyAccessToken('a'.repeat(1_000_000)), 'JWT_TOO_LARGE');
  });

  it('a lifetime (exp - iat) longer than configured', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iat: now, exp: now + 901 }))), 'JWT_LIFETIME_EXCEEDED');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iat: now - 10, exp: now + 86_400 * 365 }))), 'JWT_LIFETIME_EXCEEDED');
    await expect(sessions.verifyAccessToken(await forge(accessClaims({ iat: now, exp: now + 900 })))).resolves.toBeDefined();
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ iat: undefined }))), 'JWT_CLAIMS_INVALID');
    await expectCode(sessions.verifyAccessToken(await forge(accessClaims({ exp: undefined }))), 'JWT_CLAIMS_INVALID');
  });

  it('claims that fail validation (org_id, role, sid, jti, sub, amr)', async () => {
    const cases = [
      { org_id: 'not-a-uuid' },
      { org_id: ORG_A.toUpperCase() },
      { org_id: undefined },
      { role: 'superuser' },
      { role: 7 },
      { sid: undefined },
      { sid: 'abc' },
      { jti: undefined },
      { sub: '' },
      { sub: undefined },
      { amr: undefined },
      { amr: 'mfa' },
      { amr: ['MFA; drop'] },
    ];
    for (const c of cases) {
      await expectCode(sessions.verifyAccessToken(await forge(accessClaims(c))), 'JWT_CLAIMS_INVALID');
    }
  });

  it('rotating keys: tokens of a key that moved to second place still verify; dropped keys do not', async () => {
    const older = createSessions({ pool: db.appPool, keys: [{ kid: 'old', secret: randomBytes(32) }], issuer: ISSUER, audience: AUDIENCE });
    const t = await older.issue({ userId: 'u', orgId: ORG_A, role: 'viewer' });
    const oldSecret = randomBytes(32);
    const a = createSessions({ pool: db.appPool, keys: [{ kid: 'old', secret: oldSecret }], issuer: ISSUER, audience: AUDIENCE });
    const b = createSessions({ pool: db.appPool, keys: [{ kid: 'new', secret: randomBytes(32) }, { kid: 'old', secret: oldSecret }], issuer: ISSUER, audience: AUDIENCE });
    const c = createSessions({ pool: db.appPool, keys: [{ kid: 'new', secret: randomBytes(32) }], issuer: ISSUER, audience: AUDIENCE });
    const fromA = await a.issue({ userId: 'u', orgId: ORG_A, role: 'viewer' });
    await expect(b.verifyAccessToken(fromA.accessToken)).resolves.toMatchObject({ userId: 'u' });
    const fromB = await b.issue({ userId: 'u', orgId: ORG_A, role: 'viewer' });
    expect(JSON.parse(Buffer.from(fromB.accessToken.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid: 'new', alg: 'HS256', typ: 'at+jwt' });
    await expectCode(c.verifyAccessToken(fromA.accessToken), 'JWT_KID_UNKNOWN');
    // Same kid, different secret: a signature failure, not a silent accept.
    await expectCode(a.verifyAccessToken(t.accessToken), 'JWT_SIGNATURE_INVALID');
  });

  it('errors never carry token bytes (message, details, cause chain)', async () => {
    const payload = decodeJwt(good.accessToken);
    const bad = [
      withSegment(good.accessToken, 1, { ...payload, role: 'owner' }),
      await forge(accessClaims({ iss: 'https://evil.example' })),
      await forge(accessClaims(), { kid: 'nope' }),
      await forge(accessClaims({ org_id: 'SECRET-LOOKING-VALUE' })),
      good.refreshToken,
      new UnsecuredJWT(accessClaims()).encode(),
    ];
    for (const token of bad) {
      const err = await sessions.verifyAccessToken(token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTenantGuardError(err)).toBe(true);
      const e = err as Error & { details?: unknown };
      const visible = `${e.message} ${JSON.stringify(e.details ?? {})}`;
      for (const segment of token.split('.').filter((x) => x.length >= 8)) {
        for (let i = 0; i + 8 <= segment.length; i += 8) expect(visible).not.toContain(segment.slice(i, i + 8));
      }
      expect(visible).not.toContain('SECRET-LOOKING-VALUE');
      expect(e.cause).toBeUndefined(); // jose's errors carry the claims set; they are not chained
    }
  });

  it('EdDSA and ES256 sessions with a published JWKS', async () => {
    const ed = generateKeyPairSync('ed25519');
    const signer = createSessions({ pool: db.appPool, keys: [{ kid: 'ed-1', alg: 'EdDSA', privateKey: ed.privateKey }], issuer: ISSUER, audience: AUDIENCE });
    const jwks = signer.jwks();
    expect(jwks.keys).toHaveLength(1);
    const verifier = createSessions({
      pool: db.appPool,
      keys: [{ kid: 'h', secret: randomBytes(32) }],
      jwks,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const t = await signer.issue({ userId: 'u-ed', orgId: ORG_A, role: 'admin' });
    await expect(verifier.verifyAccessToken(t.accessToken)).resolves.toMatchObject({ userId: 'u-ed', role: 'admin' });
    // A third party verifies with the published JWKS and plain jose.
    const third = await jwtVerify(t.accessToken, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' });
    expect(third.payload.sub).toBe('u-ed');
    const es = createSessions({ pool: db.appPool, keys: [{ kid: 'ec-1', alg: 'ES256', privateKey: ec.privateKey }], issuer: ISSUER, audience: AUDIENCE });
    const te = await es.issue({ userId: 'u-es', orgId: ORG_A, role: 'viewer' });
    await expect(sessions.verifyAccessToken(te.accessToken)).resolves.toMatchObject({ userId: 'u-es' });
    // HS256 token naming the EdDSA kid: refused.
    await expectCode(verifier.verifyAccessToken(await forge(accessClaims(), { kid: 'ed-1' }, randomBytes(32))), 'JWT_ALG_NOT_ALLOWED');
  });
});
