import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSessions, type Sessions, type SessionsOptions } from '../../src/crypto/sessions.js';
import { parseOrgId, withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { AUDIENCE, ISSUER, KID, ORG_A, ORG_B, SECRET, expectCode } from './sessions-helpers.js';

describe('sessions: issue, refresh rotation, reuse detection, revocation (real PostgreSQL)', () => {
  const db = useTestDatabase();
  let clock = Date.now();
  const make = (extra: Partial<SessionsOptions> = {}): Sessions =>
    createSessions({
      pool: db.appPool,
      keys: [{ kid: KID, secret: SECRET }],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
      ...extra,
    });
  let sessions: Sessions;
  beforeAll(() => {
    sessions = make();
  });

  const row = async (orgId: string, sessionId: string) =>
    (
      await db.pool.query<{ revoked_reason: string | null; generation: number; user_id: string }>(
        'SELECT revoked_reason, generation, user_id FROM tenantguard.sessions WHERE org_id = $1 AND session_id = $2',
        [orgId, sessionId],
      )
    ).rows[0];

  it('issues 15-minute access and 30-day refresh tokens with the documented claims, stored in a session row', async () => {
    const t = await sessions.issue({ userId: 'alice', orgId: ORG_A, role: 'editor' });
    const a = decodeJwt(t.accessToken);
    const r = decodeJwt(t.refreshToken);
    expect(a.exp! - a.iat!).toBe(900);
    expect(r.exp! - r.iat!).toBe(30 * 86_400);
    expect(a).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', org_id: ORG_A, role: 'editor', sid: t.sessionId, amr: ['pwd'] });
    expect(r).toMatchObject({ sub: 'alice', org_id: ORG_A, sid: t.sessionId });
    expect(r.role).toBeUndefined();
    expect(a.jti).not.toBe(r.jti);
    expect(t.principal).toEqual({ userId: 'alice', orgId: ORG_A, role: 'editor', sessionId: t.sessionId, mfa: false });
    expect(await row(ORG_A, t.sessionId)).toEqual({ revoked_reason: null, generation: 0, user_id: 'alice' });
    expect(await sessions.verifyAccessToken(t.accessToken)).toEqual(t.principal);
  });

  it('refuses bad issue input: unknown role, non-uuid org, forged amr mfa', async () => {
    await expectCode(sessions.issue({ userId: 'a', orgId: ORG_A, role: 'root' }), 'INPUT_INVALID');
    await expectCode(sessions.issue({ userId: 'a', orgId: 'org-a', role: 'viewer' }), 'ORG_ID_INVALID');
    await expectCode(sessions.issue({ userId: '', orgId: ORG_A, role: 'viewer' }), 'INPUT_INVALID');
    const t = await sessions.issue({ userId: 'a', orgId: ORG_A, role: 'viewer', amr: ['pwd', 'mfa', 'otp'] });
    expect(decodeJwt(t.accessToken).amr).toEqual(['pwd']);
    expect(t.principal.mfa).toBe(false);
    await expectCode(sessions.issue({ userId: 'a', orgId: ORG_A, role: 'viewer', mfa: { orgId: ORG_A, userId: 'a', method: 'totp', verifiedAt: clock } as never }), 'SESSION_MFA_PROOF_INVALID');
  });

  it('refuses a weak key and bad options at config load', () => {
    expect(() => make({ keys: [{ kid: 'k', secret: randomBytes(16) }] })).toThrow(expect.objectContaining({ code: 'JWT_KEY_INVALID' }));
    expect(() => make({ reuseGraceSeconds: 600 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => make({ accessTokenTtlSeconds: 86_400 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => make({ issuer: '' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => make({ mfa: { requiredForRoles: ['wizard'] } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('rotates: each refresh returns a new refresh token and the old one is spent', async () => {
    const t0 = await sessions.issue({ userId: 'bob', orgId: ORG_A, role: 'manager' });
    const t1 = await sessions.refresh(t0.refreshToken);
    expect(t1.sessionId).toBe(t0.sessionId);
    expect(t1.refreshToken).not.toBe(t0.refreshToken);
    expect(decodeJwt(t1.refreshToken).jti).not.toBe(decodeJwt(t0.refreshToken).jti);
    expect(await sessions.verifyAccessToken(t1.accessToken)).toEqual(t0.principal);
    const t2 = await sessions.refresh(t1.refreshToken);
    expect((await row(ORG_A, t0.sessionId))?.generation).toBe(2);
    expect(await sessions.verifyAccessToken(t2.accessToken)).toMatchObject({ userId: 'bob', role: 'manager' });
  });

  it('a replayed refresh token after the grace window revokes the whole family, including the newest token', async () => {
    const t0 = await sessions.issue({ userId: 'carol', orgId: ORG_A, role: 'viewer' });
    const t1 = await sessions.refresh(t0.refreshToken);
    clock += 11_000; // past the 10 s grace
    try {
      await expectCode(sessions.refresh(t0.refreshToken), 'SESSION_REFRESH_REUSED');
    } finally {
      clock = Date.now();
    }
    expect((await row(ORG_A, t0.sessionId))?.revoked_reason).toBe('reuse');
    await expectCode(sessions.refresh(t1.refreshToken), 'SESSION_REVOKED');
    await expect(sessions.verifyAccessToken(t1.accessToken, { checkRevocation: true })).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
  });

  it('grace window: the immediately previous token is refused without revoking; older tokens revoke even inside it', async () => {
    const t0 = await sessions.issue({ userId: 'dave', orgId: ORG_A, role: 'viewer' });
    const t1 = await sessions.refresh(t0.refreshToken);
    await expectCode(sessions.refresh(t0.refreshToken), 'SESSION_REFRESH_SUPERSEDED');
    expect((await row(ORG_A, t0.sessionId))?.revoked_reason).toBeNull();
    const t2 = await sessions.refresh(t1.refreshToken); // the family lives on
    // t0 is now two generations old: theft, even within seconds.
    await expectCode(sessions.refresh(t0.refreshToken), 'SESSION_REFRESH_REUSED');
    await expectCode(sessions.refresh(t2.refreshToken), 'SESSION_REVOKED');
  });

  it('with grace 0 every replay is treated as theft', async () => {
    const strict = make({ reuseGraceSeconds: 0 });
    const t0 = await strict.issue({ userId: 'erin', orgId: ORG_A, role: 'viewer' });
    await strict.refresh(t0.refreshToken);
    clock += 1;
    try {
      await expectCode(strict.refresh(t0.refreshToken), 'SESSION_REFRESH_REUSED');
    } finally {
      clock = Date.now();
    }
  });

  for (const grace of [10, 0]) {
    it(`100 parallel refreshes of the same token: exactly one succeeds (grace ${grace} s)`, async () => {
      const pool = db.createPool({ as: 'app', max: 20 });
      const s = make({ pool, reuseGraceSeconds: grace });
      const t0 = await s.issue({ userId: `par-${grace}`, orgId: ORG_A, role: 'editor' });
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => s.refresh(t0.refreshToken)));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code] : []));
      expect(ok).toHaveLength(1);
      expect(codes).toHaveLength(99);
      const expected = grace > 0 ? 'SESSION_REFRESH_SUPERSEDED' : 'SESSION_REFRESH_REUSED';
      // Under grace 0 the first loser revokes the family; later losers then see it revoked.
      expect(codes.every((c) => c === expected || (grace === 0 && c === 'SESSION_REVOKED'))).toBe(true);
      expect(codes).toContain(expected);
      expect((await row(ORG_A, t0.sessionId))?.generation).toBe(1);
    });
  }

  it('revoke makes the refresh tokens useless and is visible to checkRevocation', async () => {
    const t = await sessions.issue({ userId: 'frank', orgId: ORG_A, role: 'editor' });
    const p = await sessions.verifyAccessToken(t.accessToken, { checkRevocation: true });
    expect(await sessions.revoke(p)).toBe(true);
    expect(await sessions.revoke(t.sessionId, ORG_A)).toBe(false);
    await expectCode(sessions.refresh(t.refreshToken), 'SESSION_REVOKED');
    await expectCode(sessions.verifyAccessToken(t.accessToken, { checkRevocation: true }), 'SESSION_REVOKED');
    // Stateless verification still accepts the access token until it expires (documented).
    await expect(sessions.verifyAccessToken(t.accessToken)).resolves.toMatchObject({ userId: 'frank' });
    await expectCode(sessions.revoke('not-a-uuid', ORG_A), 'INPUT_INVALID');
  });

  it('revokeAllForUser and revokeByRefreshToken', async () => {
    const a = await sessions.issue({ userId: 'gina', orgId: ORG_A, role: 'viewer' });
    const b = await sessions.issue({ userId: 'gina', orgId: ORG_A, role: 'viewer' });
    const other = await sessions.issue({ userId: 'gina', orgId: ORG_B, role: 'viewer' });
    expect(await sessions.revokeAllForUser('gina', ORG_A)).toBe(2);
    await expectCode(sessions.refresh(a.refreshToken), 'SESSION_REVOKED');
    await expectCode(sessions.refresh(b.refreshToken), 'SESSION_REVOKED');
    const o2 = await sessions.refresh(other.refreshToken); // another org's session is untouched
    expect(await sessions.revokeByRefreshToken(o2.refreshToken)).toBe(true);
    await expectCode(sessions.refresh(o2.refreshToken), 'SESSION_REVOKED');
  });

  it('session rows are tenant-scoped: the app role sees none without a tenant and only its own org with one', async () => {
    const a = await sessions.issue({ userId: 'hank', orgId: ORG_A, role: 'viewer' });
    const b = await sessions.issue({ userId: 'hank', orgId: ORG_B, role: 'viewer' });
    const none = await db.appPool.query('SELECT count(*)::int AS n FROM tenantguard.sessions');
    expect(none.rows[0].n).toBe(0);
    const seen = await withTenant(db.appPool, parseOrgId(ORG_B), async (tx) =>
      (await tx.query<{ session_id: string; org_id: string }>('SELECT session_id, org_id FROM tenantguard.sessions')).rows,
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.org_id === ORG_B)).toBe(true);
    expect(seen.map((r) => r.session_id)).toContain(b.sessionId);
    expect(seen.map((r) => r.session_id)).not.toContain(a.sessionId);
    // Org B cannot revoke (or even find) org A's session by id.
    expect(await sessions.revoke(a.sessionId, ORG_B)).toBe(false);
    await expect(sessions.refresh(a.refreshToken)).resolves.toBeDefined();
    // Nor write a row into org A from org B's transaction.
    await expect(
      withTenant(db.appPool, parseOrgId(ORG_B), (tx) =>
        tx.query(
          `INSERT INTO tenantguard.sessions (org_id, session_id, user_id, role, amr, current_jti, created_at, expires_at)
           VALUES ($1, gen_random_uuid(), 'x', 'owner', '{mfa}', gen_random_uuid(), now(), now())`,
          [ORG_A],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('a refresh token whose session row is missing, or whose user does not match, is refused', async () => {
    const t = await sessions.issue({ userId: 'ivy', orgId: ORG_A, role: 'viewer' });
    await db.pool.query("UPDATE tenantguard.sessions SET user_id = 'mallory' WHERE session_id = $1", [t.sessionId]);
    await expectCode(sessions.refresh(t.refreshToken), 'SESSION_NOT_FOUND');
    await db.pool.query('DELETE FROM tenantguard.sessions WHERE session_id = $1', [t.sessionId]);
    await expectCode(sessions.refresh(t.refreshToken), 'SESSION_NOT_FOUND');
  });

  it('a session whose role was removed from the configuration cannot be refreshed', async () => {
    const wide = make({ roles: ['viewer', 'auditor'] });
    const t = await wide.issue({ userId: 'kim', orgId: ORG_A, role: 'auditor' });
    const narrow = make({ roles: ['viewer'] });
    await expectCode(narrow.refresh(t.refreshToken), 'SESSION_REVOKED');
    await expectCode(narrow.verifyAccessToken(t.accessToken), 'JWT_CLAIMS_INVALID');
    expect((await row(ORG_A, t.sessionId))?.revoked_reason).toBe('revoked');
  });

  it('purgeExpired deletes only rows whose refresh tokens have all expired, in that org only', async () => {
    const svc = make({ refreshTokenTtlSeconds: 3600 });
    try {
      const old = await svc.issue({ userId: 'purge', orgId: ORG_A, role: 'viewer' });
      const extended = await svc.issue({ userId: 'purge', orgId: ORG_A, role: 'viewer' });
      const otherOrg = await svc.issue({ userId: 'purge', orgId: ORG_B, role: 'viewer' });
      clock += 3_000_000;
      await svc.refresh(extended.refreshToken); // rotation extends the family to t+6600 s
      clock += 600_000 + 66_000; // t+3666 s: old (and B's) tokens expired more than the margin ago
      expect(await svc.purgeExpired(ORG_A)).toBe(1);
      expect(await row(ORG_A, old.sessionId)).toBeUndefined();
      expect(await row(ORG_A, extended.sessionId)).toBeDefined();
      expect(await row(ORG_B, otherOrg.sessionId)).toBeDefined();
      clock += 3_000_000;
      expect(await svc.purgeExpired(ORG_A)).toBe(1);
      expect(await row(ORG_A, extended.sessionId)).toBeUndefined();
      expect(await row(ORG_B, otherOrg.sessionId)).toBeDefined();
    } finally {
      clock = Date.now();
    }
  });

  it('an expired refresh token is refused before any SQL', async () => {
    const t = await sessions.issue({ userId: 'jack', orgId: ORG_A, role: 'viewer' });
    clock += 30 * 86_400_000 + 6_000;
    try {
      await expectCode(sessions.refresh(t.refreshToken), 'JWT_EXPIRED');
    } finally {
      clock = Date.now();
    }
  });
});
