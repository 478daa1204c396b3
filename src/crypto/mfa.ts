/**
 * TOTP MFA with storage: enrolment, confirmation, verification with replay
 * refusal and a per-user rate limit held in PostgreSQL, and single-use
 * recovery codes. A successful second factor yields an {@link MfaProof} that
 * `sessions.issue` exchanges for a session whose `amr` contains `mfa`.
 *
 * @module crypto
 */
import { z } from 'zod';
import { TenantGuardError, type ErrorCode } from '../errors.js';
import { parseOrgId, withTenant as defaultWithTenant, type OrgId, type PoolLike, type TenantDb, type WithTenant } from '../tenancy/index.js';
import { MfaKeys, type MfaKeyInput } from './mfa-keys.js';
import { mintMfaProof, type MfaProof } from './mfa-proof.js';
import { findHash, generateRecoveryCode, normaliseRecoveryCode } from './mfa-recovery-codes.js';
import { base32Encode } from './totp-base32.js';
import { generateTotpSecret, totpUri, verifyTotp, type TotpAlgorithm } from './totp.js';

/** Options of {@link createMfa}. */
export interface MfaOptions {
  /** The application's pool (its login role should be subject to RLS). */
  pool: PoolLike;
  /** Keys protecting TOTP secrets and recovery-code hashes; the first writes, all read. Each at least 32 bytes. */
  keys: readonly MfaKeyInput[];
  /** Issuer shown by authenticator apps (e.g. your product name). No `:`. */
  issuer: string;
  /** TOTP hash for new enrolments. Default `SHA1` (universally supported). */
  algorithm?: TotpAlgorithm;
  /** Code length for new enrolments, 6-8. Default 6. */
  digits?: number;
  /** Step length in seconds for new enrolments. Default 30. */
  period?: number;
  /** Steps accepted either side of now, 0-2. Default 1. */
  window?: number;
  /** Failed attempts allowed per user per rate window. Default 5. */
  maxFailedAttempts?: number;
  /** Rate window in seconds. Default 300. */
  rateWindowSeconds?: number;
  /** How many recovery codes to issue. Default 10. */
  recoveryCodeCount?: number;
  /** The tenant transaction runner (default: tenancy's `withTenant`). */
  withTenant?: WithTenant;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** Identifies a user in an org. */
export interface MfaUser {
  /** The org (a canonical uuid). */
  orgId: OrgId | string;
  /** The user id. */
  userId: string;
}

/** A user and the code they typed. */
export interface MfaCodeInput extends MfaUser {
  /** The 6-8 digit TOTP code, or a recovery code (`xxxxx-xxxxx`, case and spaces ignored). */
  code: string;
}

/** Input of {@link Mfa.enroll}. */
export interface MfaEnrollInput extends MfaUser {
  /** The account name shown by the authenticator app (e.g. the email). No `:`. */
  label: string;
  /** Replace a confirmed factor (require a fresh proof or re-authentication first). */
  replace?: boolean;
}

/** What {@link Mfa.confirmEnrollment} returns. */
export interface MfaConfirmation {
  /** Fresh recovery codes: show them once; only their hashes are stored. */
  recoveryCodes: string[];
  /** A single-use proof for `sessions.issue` (the confirmation was a second factor). */
  proof: MfaProof;
}

/** What {@link Mfa.enroll} returns: show the URI as a QR code, never store it client-side. */
export interface TotpEnrollment {
  /** The secret in base32 (for manual entry). */
  secret: string;
  /** `otpauth://totp/...` for authenticator apps. */
  uri: string;
  /** TOTP parameters of this enrolment. */
  algorithm: TotpAlgorithm;
  /** Code length. */
  digits: number;
  /** Step length in seconds. */
  period: number;
}

/** Where a user's MFA stands. */
export interface MfaStatus {
  /** A TOTP factor exists (confirmed or pending). */
  enrolled: boolean;
  /** The factor was confirmed with a first valid code. */
  confirmed: boolean;
  /** Unused recovery codes. */
  recoveryCodesLeft: number;
}

/** The MFA service returned by {@link createMfa}. */
export interface Mfa {
  /**
   * Starts (or, while unconfirmed, restarts) a TOTP enrolment. A confirmed
   * factor is only replaced with `replace: true`.
   */
  enroll(input: MfaEnrollInput): Promise<TotpEnrollment>;
  /** Confirms an enrolment with a first code; returns fresh recovery codes (shown once) and a proof. */
  confirmEnrollment(input: MfaCodeInput): Promise<MfaConfirmation>;
  /** Verifies a TOTP code: one step either side, no replay, rate limited. Returns a single-use proof. */
  verify(input: MfaCodeInput): Promise<MfaProof>;
  /** Verifies and spends a recovery code (rate limited). Returns a single-use proof. */
  verifyRecoveryCode(input: MfaCodeInput): Promise<MfaProof>;
  /** Replaces all recovery codes; returns the new ones (shown once). Needs a confirmed factor. */
  regenerateRecoveryCodes(input: MfaUser): Promise<string[]>;
  /** Removes the factor and the recovery codes. Returns true when there was one. */
  disable(input: MfaUser): Promise<boolean>;
  /** Enrolment state of a user. */
  status(input: MfaUser): Promise<MfaStatus>;
}

const optionsSchema = z
  .object({
    pool: z.custom<PoolLike>((v) => typeof v === 'object' && v !== null && typeof (v as PoolLike).connect === 'function', 'pool needs connect()'),
    keys: z.array(z.unknown()).min(1),
    issuer: z.string().min(1).max(128).refine((s) => !s.includes(':'), 'issuer must not contain ":"'),
    algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
    digits: z.number().int().min(6).max(8).default(6),
    period: z.number().int().min(15).max(120).default(30),
    window: z.number().int().min(0).max(2).default(1),
    maxFailedAttempts: z.number().int().min(1).max(100).default(5),
    rateWindowSeconds: z.number().int().min(10).max(86_400).default(300),
    recoveryCodeCount: z.number().int().min(1).max(32).default(10),
    withTenant: z.custom<WithTenant>((v) => typeof v === 'function').optional(),
    now: z.custom<() => number>((v) => typeof v === 'function').optional(),
  })
  .strict();

const userSchema = z.object({ orgId: z.string(), userId: z.string().min(1).max(256) });

interface TotpRow {
  secret_box: Buffer;
  key_id: string;
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  confirmed_at: Date | null;
  last_used_step: string | null;
  failed_attempts: number;
  window_started_at: Date | null;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> };

/**
 * Creates the MFA service.
 *
 * @example
 * ```ts
 * const mfa = createMfa({ pool, keys: [{ id: 'm1', secret: process.env.MFA_KEY! }], issuer: 'Acme' });
 * const { uri } = await mfa.enroll({ orgId, userId, label: 'ada@example.com' }); // show as QR
 * const { recoveryCodes } = await mfa.confirmEnrollment({ orgId, userId, code: '123456' });
 * // at login, after the password:
 * const proof = await mfa.verify({ orgId, userId, code: req.body.code });
 * const tokens = await sessions.issue({ userId, orgId, role: 'owner', mfa: proof }); // amr: pwd, otp, mfa
 * ```
 */
export function createMfa(options: MfaOptions): Mfa {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TenantGuardError('CONFIG_INVALID', 'invalid createMfa options', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  const cfg = parsed.data;
  const keys = new MfaKeys(options.keys);
  const now = cfg.now ?? Date.now;
  const run = cfg.withTenant ?? defaultWithTenant;
  const inOrg = <T>(orgId: OrgId, fn: (db: TenantDb) => Promise<T>): Promise<T> => run(cfg.pool, orgId, fn);
  const aad = (orgId: OrgId, userId: string): string => `tenantguard/mfa/totp\u0000${orgId}\u0000${userId}`;

  function user(input: MfaUser): { orgId: OrgId; userId: string } {
    const p = userSchema.safeParse(input);
    if (!p.success) throw new TenantGuardError('INPUT_INVALID', 'invalid MFA user (orgId, userId)');
    return { orgId: parseOrgId(p.data.orgId), userId: p.data.userId };
  }

  function unwrap<T>(o: Outcome<T>): T {
    if (o.ok) return o.value;
    throw new TenantGuardError(o.code, o.message, { details: o.details });
  }

  async function lockRow(db: TenantDb, orgId: OrgId, userId: string): Promise<TotpRow | undefined> {
    const { rows } = await db.query<TotpRow & Record<string, unknown>>(
      `SELECT secret_box, key_id, algorithm, digits, period, confirmed_at, last_used_step::text, failed_attempts, window_started_at
       FROM tenantguard.mfa_totp WHERE org_id = $1 AND user_id = $2 FOR UPDATE`,
      [orgId, userId],
    );
    return rows[0];
  }

  /** Checks the rate limit; returns an outcome to refuse with, or undefined to go on. */
  function limited(row: TotpRow, nowMs: number): Outcome<never> | undefined {
    const start = row.window_started_at?.getTime();
    const windowMs = cfg.rateWindowSeconds * 1000;
    if (start !== undefined && nowMs - start < windowMs && row.failed_attempts >= cfg.maxFailedAttempts) {
      return {
        ok: false,
        code: 'MFA_RATE_LIMITED',
        message: 'too many failed second-factor attempts; retry later',
        details: { retryAfterSeconds: Math.ceil((start + windowMs - nowMs) / 1000) },
      };
    }
    return undefined;
  }

  async function recordFailure(db: TenantDb, orgId: OrgId, userId: string, row: TotpRow, nowMs: number): Promise<void> {
    const start = row.window_started_at?.getTime();
    const fresh = start === undefined || nowMs - start >= cfg.rateWindowSeconds * 1000;
    await db.query(
      `UPDATE tenantguard.mfa_totp SET failed_attempts = $3, window_started_at = $4 WHERE org_id = $1 AND user_id = $2`,
      [orgId, userId, fresh ? 1 : row.failed_attempts + 1, fresh ? new Date(nowMs) : row.window_started_at],
    );
  }

  /** TOTP check inside a locked row: success updates the last used step and clears failures. */
  async function checkTotp(db: TenantDb, orgId: OrgId, userId: string, row: TotpRow, code: unknown, nowMs: number): Promise<Outcome<true>> {
    const stop = limited(row, nowMs);
    if (stop !== undefined) return stop;
    const secret = keys.open(row.secret_box, row.key_id, aad(orgId, userId));
    const typed = typeof code === 'string' ? code.replace(/\s/g, '') : '';
    const params = { algorithm: row.algorithm, digits: row.digits, period: row.period, window: cfg.window, now: nowMs };
    const last = row.last_used_step === null ? undefined : Number(row.last_used_step);
    const step = verifyTotp(secret, typed, { ...params, afterStep: last });
    if (step === null) {
      const replay = last !== undefined && verifyTotp(secret, typed, params) !== null;
      secret.fill(0);
      await recordFailure(db, orgId, userId, row, nowMs);
      return replay
        ? { ok: false, code: 'MFA_CODE_REPLAYED', message: 'this code was already used; wait for the next one' }
        : { ok: false, code: 'MFA_CODE_INVALID', message: 'the code is not valid' };
    }
    secret.fill(0);
    await db.query(
      `UPDATE tenantguard.mfa_totp SET last_used_step = $3, failed_attempts = 0, window_started_at = NULL WHERE org_id = $1 AND user_id = $2`,
      [orgId, userId, step],
    );
    return { ok: true, value: true };
  }

  async function writeRecoveryCodes(db: TenantDb, orgId: OrgId, userId: string, nowMs: number): Promise<string[]> {
    const codes = Array.from({ length: cfg.recoveryCodeCount }, generateRecoveryCode);
    await db.query('DELETE FROM tenantguard.mfa_recovery_codes WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    const context = `${orgId}\u0000${userId}`;
    await db.query(
      `INSERT INTO tenantguard.mfa_recovery_codes (org_id, user_id, code_no, code_hash, key_id, created_at)
       SELECT $1, $2, n - 1, h, $4, $5 FROM unnest($3::bytea[]) WITH ORDINALITY AS t(h, n)`,
      [orgId, userId, codes.map((c) => keys.hashRecoveryCode(keys.primaryId, context, normaliseRecoveryCode(c)!)), keys.primaryId, new Date(nowMs)],
    );
    return codes;
  }

  return {
    async enroll(input) {
      const { orgId, userId } = user(input);
      if (typeof input.label !== 'string' || input.label.length === 0 || input.label.length > 128 || input.label.includes(':')) {
        throw new TenantGuardError('INPUT_INVALID', 'label must be 1-128 characters without ":"');
      }
      const nowMs = now();
      const secret = generateTotpSecret(cfg.algorithm);
      const { box, keyId } = keys.seal(secret, aad(orgId, userId));
      const result: TotpEnrollment = {
        secret: base32Encode(secret),
        uri: totpUri(secret, { issuer: cfg.issuer, label: input.label, algorithm: cfg.algorithm, digits: cfg.digits, period: cfg.period }),
        algorithm: cfg.algorithm,
        digits: cfg.digits,
        period: cfg.period,
      };
      secret.fill(0);
      return unwrap(
        await inOrg(orgId, async (db): Promise<Outcome<TotpEnrollment>> => {
          const row = await lockRow(db, orgId, userId);
          if (row?.confirmed_at != null && input.replace !== true) {
            return { ok: false, code: 'MFA_ALREADY_ENROLLED', message: 'a confirmed TOTP factor exists; pass replace: true to replace it' };
          }
          // Upsert keeps the failure counter: re-enrolling must not reset the rate limit.
          await db.query(
            `INSERT INTO tenantguard.mfa_totp (org_id, user_id, secret_box, key_id, algorithm, digits, period, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (org_id, user_id) DO UPDATE SET secret_box = EXCLUDED.secret_box, key_id = EXCLUDED.key_id,
               algorithm = EXCLUDED.algorithm, digits = EXCLUDED.digits, period = EXCLUDED.period,
               created_at = EXCLUDED.created_at, confirmed_at = NULL, last_used_step = NULL`,
            [orgId, userId, box, keyId, cfg.algorithm, cfg.digits, cfg.period, new Date(nowMs)],
          );
          if (row !== undefined) {
            await db.query('DELETE FROM tenantguard.mfa_recovery_codes WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
          }
          return { ok: true, value: result };
        }),
      );
    },

    async confirmEnrollment(input) {
      const { orgId, userId } = user(input);
      const nowMs = now();
      const codes = unwrap(
        await inOrg(orgId, async (db): Promise<Outcome<string[]>> => {
          const row = await lockRow(db, orgId, userId);
          if (row === undefined) return { ok: false, code: 'MFA_NOT_ENROLLED', message: 'no TOTP enrolment to confirm' };
          if (row.confirmed_at !== null) return { ok: false, code: 'MFA_ALREADY_ENROLLED', message: 'the TOTP factor is already confirmed' };
          const checked = await checkTotp(db, orgId, userId, row, input.code, nowMs);
          if (!checked.ok) return checked;
          await db.query('UPDATE tenantguard.mfa_totp SET confirmed_at = $3 WHERE org_id = $1 AND user_id = $2', [orgId, userId, new Date(nowMs)]);
          return { ok: true, value: await writeRecoveryCodes(db, orgId, userId, nowMs) };
        }),
      );
      return { recoveryCodes: codes, proof: mintMfaProof(orgId, userId, 'totp', nowMs) };
    },

    async verify(input) {
      const { orgId, userId } = user(input);
      const nowMs = now();
      unwrap(
        await inOrg(orgId, async (db): Promise<Outcome<true>> => {
          const row = await lockRow(db, orgId, userId);
          if (row === undefined || row.confirmed_at === null) return { ok: false, code: 'MFA_NOT_ENROLLED', message: 'no confirmed TOTP factor' };
          return checkTotp(db, orgId, userId, row, input.code, nowMs);
        }),
      );
      return mintMfaProof(orgId, userId, 'totp', nowMs);
    },

    async verifyRecoveryCode(input) {
      const { orgId, userId } = user(input);
      const nowMs = now();
      const typed = normaliseRecoveryCode(input.code);
      unwrap(
        await inOrg(orgId, async (db): Promise<Outcome<true>> => {
          const row = await lockRow(db, orgId, userId);
          if (row === undefined || row.confirmed_at === null) return { ok: false, code: 'MFA_NOT_ENROLLED', message: 'no confirmed TOTP factor' };
          const stop = limited(row, nowMs);
          if (stop !== undefined) return stop;
          const { rows } = await db.query<{ code_no: number; code_hash: Buffer; key_id: string }>(
            `SELECT code_no, code_hash, key_id FROM tenantguard.mfa_recovery_codes
             WHERE org_id = $1 AND user_id = $2 AND used_at IS NULL ORDER BY code_no`,
            [orgId, userId],
          );
          const context = `${orgId}\u0000${userId}`;
          const candidates = rows.map((r) => (typed === undefined ? undefined : keys.hashRecoveryCode(r.key_id, context, typed)));
          const hit = findHash(
            rows.map((r) => r.code_hash),
            candidates,
          );
          const matched = hit >= 0 ? rows[hit] : undefined;
          if (matched === undefined) {
            await recordFailure(db, orgId, userId, row, nowMs);
            return { ok: false, code: 'MFA_RECOVERY_CODE_INVALID', message: 'the recovery code is wrong or already used' };
          }
          await db.query(
            'UPDATE tenantguard.mfa_recovery_codes SET used_at = $4 WHERE org_id = $1 AND user_id = $2 AND code_no = $3 AND used_at IS NULL',
            [orgId, userId, matched.code_no, new Date(nowMs)],
          );
          await db.query(
            'UPDATE tenantguard.mfa_totp SET failed_attempts = 0, window_started_at = NULL WHERE org_id = $1 AND user_id = $2',
            [orgId, userId],
          );
          return { ok: true, value: true };
        }),
      );
      return mintMfaProof(orgId, userId, 'recovery_code', nowMs);
    },

    async regenerateRecoveryCodes(input) {
      const { orgId, userId } = user(input);
      const nowMs = now();
      return unwrap(
        await inOrg(orgId, async (db): Promise<Outcome<string[]>> => {
          const row = await lockRow(db, orgId, userId);
          if (row === undefined || row.confirmed_at === null) return { ok: false, code: 'MFA_NOT_ENROLLED', message: 'no confirmed TOTP factor' };
          return { ok: true, value: await writeRecoveryCodes(db, orgId, userId, nowMs) };
        }),
      );
    },

    async disable(input) {
      const { orgId, userId } = user(input);
      return inOrg(orgId, async (db) => {
        await db.query('DELETE FROM tenantguard.mfa_recovery_codes WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
        const res = await db.query('DELETE FROM tenantguard.mfa_totp WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
        return (res.rowCount ?? 0) > 0;
      });
    },

    async status(input) {
      const { orgId, userId } = user(input);
      return inOrg(orgId, async (db) => {
        const { rows } = await db.query<{ confirmed: boolean | null; left: number }>(
          `SELECT (SELECT confirmed_at IS NOT NULL FROM tenantguard.mfa_totp WHERE org_id = $1 AND user_id = $2) AS confirmed,
                  (SELECT count(*)::int FROM tenantguard.mfa_recovery_codes WHERE org_id = $1 AND user_id = $2 AND used_at IS NULL) AS left`,
          [orgId, userId],
        );
        const r = rows[0];
        return { enrolled: r?.confirmed != null, confirmed: r?.confirmed === true, recoveryCodesLeft: r?.left ?? 0 };
      });
    },
  };
}
