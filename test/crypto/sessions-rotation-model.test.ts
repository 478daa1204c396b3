import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSessions } from '../../src/crypto/sessions.js';
import { isTenantGuardError } from '../../src/errors.js';
import type { PoolLike } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { AUDIENCE, ISSUER, KID, ORG_A, SECRET, accessClaims, expectCode, forge } from './sessions-helpers.js';

/**
 * Model-based property test of refresh rotation: random sequences of
 * refreshes presenting ANY token issued so far in the family, with random
 * clock moves, against a ten-line model of the rules in the guide.
 */
describe('refresh rotation follows its model (fast-check, real PostgreSQL)', () => {
  const db = useTestDatabase();
  const GRACE_MS = 10_000;

  it('every outcome matches the model', async () => {
    let clock = Date.now();
    const sessions = createSessions({
      pool: db.appPool,
      keys: [{ kid: KID, secret: SECRET }],
      issuer: ISSUER,
      audience: AUDIENCE,
      reuseGraceSeconds: GRACE_MS / 1000,
      now: () => clock,
    });
    const step = fc.record({ pick: fc.nat(), advanceMs: fc.constantFrom(0, 1_000, 9_000, 10_001, 60_000) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        clock = Date.now();
        const first = await sessions.issue({ userId: 'model', orgId: ORG_A, role: 'viewer' });
        const tokens = [first.refreshToken];
        // The model.
        let current = 0;
        let previous: number | undefined;
        let rotatedAt = 0;
        let revoked = false;
        for (const { pick, advanceMs } of steps) {
          clock += advanceMs;
          const i = pick % tokens.length;
          let expected: string;
          if (revoked) expected = 'SESSION_REVOKED';
          else if (i === current) expected = 'ok';
          else if (i === previous && clock - rotatedAt <= GRACE_MS) expected = 'SESSION_REFRESH_SUPERSEDED';
          else expected = 'SESSION_REFRESH_REUSED';
          let actual: string;
          try {
            const next = await sessions.refresh(tokens[i]!);
            tokens.push(next.refreshToken);
            actual = 'ok';
          } catch (err) {
            actual = isTenantGuardError(err) ? err.code : String(err);
          }
          expect(actual).toBe(expected);
          if (expected === 'ok') {
            previous = current;
            current = tokens.length - 1;
            rotatedAt = clock;
          } else if (expected === 'SESSION_REFRESH_REUSED') {
            revoked = true;
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('verification and refusals of bad refresh tokens never touch the database', async () => {
    let connects = 0;
    const pool: PoolLike = {
      connect: () => {
        connects += 1;
        return Promise.reject(new Error('no database'));
      },
    };
    const sessions = createSessions({ pool, keys: [{ kid: KID, secret: SECRET }], issuer: ISSUER, audience: AUDIENCE });
    await expect(sessions.verifyAccessToken(await forge(accessClaims()))).resolves.toMatchObject({ orgId: ORG_A });
    const asRefresh = await forge(accessClaims(), { typ: 'rt+jwt' }); // a refresh-typed token with a tampered signature
    const flipAt = asRefresh.length - 5;
    const tampered = asRefresh.slice(0, flipAt) + (asRefresh[flipAt] === 'A' ? 'B' : 'A') + asRefresh.slice(flipAt + 1);
    await expectCode(sessions.refresh(tampered), 'JWT_SIGNATURE_INVALID');
    await expectCode(sessions.refresh(await forge(accessClaims())), 'JWT_TYPE_INVALID');
    await expectCode(sessions.revokeByRefreshToken('x.y.z'), 'JWT_MALFORMED');
    expect(connects).toBe(0);
  });
});
