import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMfa, type Mfa } from '../../src/crypto/mfa.js';
import { createSessions, type Sessions, type SessionsOptions } from '../../src/crypto/sessions.js';
import { base32Decode } from '../../src/crypto/totp-base32.js';
import { hotp, totpStep } from '../../src/crypto/totp.js';
import { useTestDatabase } from '../support/db.js';
import { AUDIENCE, ISSUER, KID, ORG_A, ORG_B, SECRET, expectCode } from './sessions-helpers.js';

describe('MFA policy: owner and admin need a second factor (real PostgreSQL)', () => {
  const db = useTestDatabase();
  let clock = Date.now();
  const base = (extra: Partial<SessionsOptions> = {}): Sessions =>
    createSessions({ pool: db.appPool, keys: [{ kid: KID, secret: SECRET }], issuer: ISSUER, audience: AUDIENCE, now: () => clock, ...extra });
  let sessions: Sessions;
  let noPolicy: Sessions;
  let mfa: Mfa;
  const secrets = new Map<string, string>();

  beforeAll(() => {
    sessions = base({ mfa: { requiredForRoles: ['owner', 'admin'] } });
    noPolicy = base();
    mfa = createMfa({ pool: db.appPool, keys: [{ id: 'k', secret: randomBytes(32) }], issuer: 'Acme', now: () => clock });
  });

  async function proofFor(userId: string, orgId = ORG_A) {
    let secret = secrets.get(`${orgId}/${userId}`);
    if (secret === undefined) {
      secret = (await mfa.enroll({ orgId, userId, label: userId })).secret;
      secrets.set(`${orgId}/${userId}`, secret);
      clock += 30_000;
      return (await mfa.confirmEnrollment({ orgId, userId, code: hotp(base32Decode(secret), totpStep(clock)) })).proof;
    }
    clock += 30_000;
    return mfa.verify({ orgId, userId, code: hotp(base32Decode(secret), totpStep(clock)) });
  }

  it('refuses a full session to an owner or admin without MFA; other roles are unaffected', async () => {
    await expectCode(sessions.issue({ userId: 'o1', orgId: ORG_A, role: 'owner' }), 'SESSION_MFA_REQUIRED');
    await expectCode(sessions.issue({ userId: 'a1', orgId: ORG_A, role: 'admin' }), 'SESSION_MFA_REQUIRED');
    // Claiming mfa in amr does not count: only a proof does.
    await expectCode(sessions.issue({ userId: 'o1', orgId: ORG_A, role: 'owner', amr: ['pwd', 'mfa'] }), 'SESSION_MFA_REQUIRED');
    const e = await sessions.issue({ userId: 'e1', orgId: ORG_A, role: 'editor' });
    expect(e.principal.mfa).toBe(false);
    const n = await db.pool.query("SELECT count(*)::int AS n FROM tenantguard.sessions WHERE user_id IN ('o1', 'a1')");
    expect(n.rows[0].n).toBe(0); // nothing half-written
  });

  it('after a TOTP proof the access token carries amr mfa and the principal says mfa: true', async () => {
    const proof = await proofFor('o2');
    const t = await sessions.issue({ userId: 'o2', orgId: ORG_A, role: 'owner', mfa: proof });
    expect(decodeJwt(t.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(await sessions.verifyAccessToken(t.accessToken)).toEqual({ userId: 'o2', orgId: ORG_A, role: 'owner', sessionId: t.sessionId, mfa: true });
    // Refresh keeps the factor.
    const t2 = await sessions.refresh(t.refreshToken);
    expect(decodeJwt(t2.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('a proof is single-use, bound to its user and org, short-lived and cannot be forged', async () => {
    const proof = await proofFor('a2');
    await sessions.issue({ userId: 'a2', orgId: ORG_A, role: 'admin', mfa: proof });
    await expectCode(sessions.issue({ userId: 'a2', orgId: ORG_A, role: 'admin', mfa: proof }), 'SESSION_MFA_PROOF_INVALID');
    const p2 = await proofFor('a2');
    await expectCode(sessions.issue({ userId: 'someone-else', orgId: ORG_A, role: 'admin', mfa: p2 }), 'SESSION_MFA_PROOF_INVALID');
    const p3 = await proofFor('a2');
    await expectCode(sessions.issue({ userId: 'a2', orgId: ORG_B, role: 'admin', mfa: p3 }), 'SESSION_MFA_PROOF_INVALID');
    const p4 = await proofFor('a2');
    clock += 5 * 60_000 + 1;
    await expectCode(sessions.issue({ userId: 'a2', orgId: ORG_A, role: 'admin', mfa: p4 }), 'SESSION_MFA_PROOF_INVALID');
    const forged = { ...(await proofFor('a2')) };
    await expectCode(sessions.issue({ userId: 'a2', orgId: ORG_A, role: 'admin', mfa: forged }), 'SESSION_MFA_PROOF_INVALID');
  });

  it('recovery-code proofs count as MFA', async () => {
    await mfa.enroll({ orgId: ORG_A, userId: 'o3', label: 'o3' }).then(async (e) => {
      clock += 30_000;
      const { recoveryCodes } = await mfa.confirmEnrollment({ orgId: ORG_A, userId: 'o3', code: hotp(base32Decode(e.secret), totpStep(clock)) });
      const proof = await mfa.verifyRecoveryCode({ orgId: ORG_A, userId: 'o3', code: recoveryCodes[0]! });
      const t = await sessions.issue({ userId: 'o3', orgId: ORG_A, role: 'owner', mfa: proof });
      expect(decodeJwt(t.accessToken).amr).toEqual(['pwd', 'rec', 'mfa']);
    });
  });

  it('tokens and sessions minted without MFA (before the policy) are refused once it is on', async () => {
    const old = await noPolicy.issue({ userId: 'o4', orgId: ORG_A, role: 'owner' });
    await expect(noPolicy.verifyAccessToken(old.accessToken)).resolves.toMatchObject({ mfa: false });
    await expectCode(sessions.verifyAccessToken(old.accessToken), 'SESSION_MFA_REQUIRED');
    await expectCode(sessions.refresh(old.refreshToken), 'SESSION_MFA_REQUIRED');
    const r = await db.pool.query('SELECT revoked_reason FROM tenantguard.sessions WHERE session_id = $1', [old.sessionId]);
    expect(r.rows[0].revoked_reason).toBe('mfa_policy');
  });

  it('step-up mode issues the session with mfa: false for the application to gate on', async () => {
    const stepUp = base({ mfa: { requiredForRoles: ['owner'], enforcement: 'step-up' } });
    const t = await stepUp.issue({ userId: 'o5', orgId: ORG_A, role: 'owner' });
    expect(await stepUp.verifyAccessToken(t.accessToken)).toMatchObject({ role: 'owner', mfa: false });
    const proof = await proofFor('o5');
    const t2 = await stepUp.issue({ userId: 'o5', orgId: ORG_A, role: 'owner', mfa: proof });
    expect(await stepUp.verifyAccessToken(t2.accessToken)).toMatchObject({ role: 'owner', mfa: true });
  });

  it('custom roles: the policy applies to the configured role list', async () => {
    const custom = base({ roles: ['superadmin', 'reader'], mfa: { requiredForRoles: ['superadmin'] } });
    await expectCode(custom.issue({ userId: 'x', orgId: ORG_A, role: 'superadmin' }), 'SESSION_MFA_REQUIRED');
    await expectCode(custom.issue({ userId: 'x', orgId: ORG_A, role: 'owner' }), 'INPUT_INVALID');
    await expect(custom.issue({ userId: 'x', orgId: ORG_A, role: 'reader' })).resolves.toBeDefined();
  });
});
