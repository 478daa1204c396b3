/**
 * SQL for `tenantguard.sessions`. Every statement runs inside a tenant
 * transaction for the session's org (RLS applies), so the org always comes
 * from a verified source: the caller of `issue`/`revoke`, or the verified
 * refresh token.
 *
 * @module crypto
 */
import type { OrgId, PoolLike, TenantDb, WithTenant } from '../tenancy/index.js';

/** Why a session was revoked (the `revoked_reason` column). */
export type RevokeReason = 'revoked' | 'reuse' | 'user' | 'mfa_policy';

/** Result of one rotation attempt. */
export type RotateOutcome =
  | { kind: 'rotated'; role: string; amr: string[] }
  | { kind: 'missing' }
  | { kind: 'revoked' }
  | { kind: 'superseded' }
  | { kind: 'reused' }
  | { kind: 'policy'; reason: 'mfa' | 'role' };

interface SessionRow {
  user_id: string;
  role: string;
  amr: string[];
  current_jti: string;
  previous_jti: string | null;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

/** Data access for session families. Internal to the crypto module. */
export class SessionStore {
  constructor(
    private readonly pool: PoolLike,
    private readonly withTenant: WithTenant,
  ) {}

  private run<T>(orgId: OrgId, fn: (db: TenantDb) => Promise<T>): Promise<T> {
    return this.withTenant(this.pool, orgId, fn);
  }

  /** Inserts a new session family. */
  create(s: {
    orgId: OrgId;
    sessionId: string;
    userId: string;
    role: string;
    amr: readonly string[];
    jti: string;
    now: Date;
    expiresAt: Date;
  }): Promise<void> {
    return this.run(s.orgId, async (db) => {
      await db.query(
        `INSERT INTO tenantguard.sessions (org_id, session_id, user_id, role, amr, current_jti, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [s.orgId, s.sessionId, s.userId, s.role, s.amr, s.jti, s.now, s.expiresAt],
      );
    });
  }

  /**
   * One rotation, atomically: the row is locked (`FOR UPDATE`), so of N
   * concurrent refreshes with the same token exactly one sees its jti as
   * current; the others see it as previous once the winner commits.
   * A family revocation on reuse is committed before the caller throws.
   */
  rotate(r: {
    orgId: OrgId;
    sessionId: string;
    userId: string;
    jti: string;
    newJti: string;
    now: Date;
    graceMs: number;
    expiresAt: Date;
    /** Why the stored session may no longer be refreshed under the current configuration, if so. */
    refusal: (row: { role: string; amr: string[] }) => 'mfa' | 'role' | undefined;
  }): Promise<RotateOutcome> {
    return this.run(r.orgId, async (db): Promise<RotateOutcome> => {
      const { rows } = await db.query<SessionRow & Record<string, unknown>>(
        `SELECT user_id, role, amr, current_jti::text, previous_jti::text, rotated_at, revoked_at
         FROM tenantguard.sessions WHERE org_id = $1 AND session_id = $2 FOR UPDATE`,
        [r.orgId, r.sessionId],
      );
      const row = rows[0];
      if (row === undefined || row.user_id !== r.userId) return { kind: 'missing' };
      if (row.revoked_at !== null) return { kind: 'revoked' };
      if (row.current_jti !== r.jti) {
        const inGrace =
          r.graceMs > 0 &&
          row.previous_jti === r.jti &&
          row.rotated_at !== null &&
          r.now.getTime() - row.rotated_at.getTime() <= r.graceMs;
        if (inGrace) return { kind: 'superseded' };
        await this.markRevoked(db, r.orgId, r.sessionId, 'reuse', r.now);
        return { kind: 'reused' };
      }
      const refusal = r.refusal({ role: row.role, amr: row.amr });
      if (refusal !== undefined) {
        await this.markRevoked(db, r.orgId, r.sessionId, refusal === 'mfa' ? 'mfa_policy' : 'revoked', r.now);
        return { kind: 'policy', reason: refusal };
      }
      await db.query(
        `UPDATE tenantguard.sessions
         SET previous_jti = current_jti, current_jti = $3, rotated_at = $4, generation = generation + 1, expires_at = $5
         WHERE org_id = $1 AND session_id = $2`,
        [r.orgId, r.sessionId, r.newJti, r.now, r.expiresAt],
      );
      return { kind: 'rotated', role: row.role, amr: row.amr };
    });
  }

  private async markRevoked(db: TenantDb, orgId: OrgId, sessionId: string, reason: RevokeReason, now: Date): Promise<number> {
    const res = await db.query(
      `UPDATE tenantguard.sessions SET revoked_at = $3, revoked_reason = $4
       WHERE org_id = $1 AND session_id = $2 AND revoked_at IS NULL`,
      [orgId, sessionId, now, reason],
    );
    return res.rowCount ?? 0;
  }

  /** Revokes one session; true when it was live. */
  revoke(orgId: OrgId, sessionId: string, reason: RevokeReason, now: Date): Promise<boolean> {
    return this.run(orgId, async (db) => (await this.markRevoked(db, orgId, sessionId, reason, now)) > 0);
  }

  /** Revokes every live session of a user; returns how many. */
  revokeUser(orgId: OrgId, userId: string, now: Date): Promise<number> {
    return this.run(orgId, async (db) => {
      const res = await db.query(
        `UPDATE tenantguard.sessions SET revoked_at = $3, revoked_reason = 'revoked'
         WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
        [orgId, userId, now],
      );
      return res.rowCount ?? 0;
    });
  }

  /** Deletes session rows whose every refresh token has expired before `before`; returns how many. */
  purgeExpired(orgId: OrgId, before: Date): Promise<number> {
    return this.run(orgId, async (db) => {
      const res = await db.query('DELETE FROM tenantguard.sessions WHERE org_id = $1 AND expires_at < $2', [orgId, before]);
      return res.rowCount ?? 0;
    });
  }

  /** Whether a session is live, revoked or unknown (in that org). */
  state(orgId: OrgId, sessionId: string): Promise<'live' | 'revoked' | 'missing'> {
    return this.run(orgId, async (db) => {
      const { rows } = await db.query<{ revoked: boolean }>(
        'SELECT revoked_at IS NOT NULL AS revoked FROM tenantguard.sessions WHERE org_id = $1 AND session_id = $2',
        [orgId, sessionId],
      );
      const row = rows[0];
      return row === undefined ? 'missing' : row.revoked ? 'revoked' : 'live';
    });
  }
}
