/**
 * JWT sessions: short access tokens, rotating refresh tokens with reuse
 * detection, revocation, and an MFA policy for privileged roles.
 *
 * @module crypto
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { parseOrgId, withTenant as defaultWithTenant, type OrgId, type PoolLike, type Principal, type WithTenant } from '../tenancy/index.js';
import { accessClaimsSchema, ACCESS_TOKEN_TYP, amrValue, BUILT_IN_ROLES, REFRESH_TOKEN_TYP, refreshClaimsSchema } from './jwt-claims.js';
import { loadJwtKeys, publicJwks, type JsonWebKeySet, type JwtKeyInput, type JwtKeySet } from './jwt-keys.js';
import { verifyJwt, type JwtVerifyPolicy } from './jwt-verify.js';
import { consumeMfaProof, type MfaProof } from './mfa-proof.js';
import { SessionStore } from './sessions-store.js';

/** What the MFA policy does when a privileged role has no second factor. */
export type MfaEnforcement = 'refuse' | 'step-up';

/** MFA policy of a session configuration. */
export interface SessionMfaPolicy {
  /** Roles that need a second factor. Default `['owner', 'admin']`. */
  requiredForRoles?: readonly string[];
  /**
   * `refuse` (default): `issue` throws `SESSION_MFA_REQUIRED` for these roles
   * without an MFA proof, and `verifyAccessToken`/`refresh` refuse such a
   * token or session too (defence in depth). `step-up`: the session is issued
   * with `mfa: false` and the application must demand a second factor before
   * privileged actions (check `principal.mfa`).
   */
  enforcement?: MfaEnforcement;
}

/** Options of {@link createSessions}. */
export interface SessionsOptions {
  /** The application's pool (its login role should be subject to RLS). */
  pool: PoolLike;
  /** Signing and verification keys; the first key that can sign signs, all verify. */
  keys: readonly JwtKeyInput[];
  /** Extra verification-only public keys (EdDSA / ES256), e.g. of a previous deployment. */
  jwks?: JsonWebKeySet;
  /** `iss` of issued tokens, required on verification. */
  issuer: string;
  /** `aud` of issued tokens, required on verification. */
  audience: string;
  /** Access-token lifetime in seconds. Default 900 (15 min); 60..3600. */
  accessTokenTtlSeconds?: number;
  /** Refresh-token lifetime in seconds. Default 2,592,000 (30 days); at most 90 days. */
  refreshTokenTtlSeconds?: number;
  /** Clock tolerance for exp/nbf/iat in seconds. Default 5; 0..60. */
  clockToleranceSeconds?: number;
  /**
   * For this many seconds after a rotation, presenting the immediately
   * previous refresh token is refused with `SESSION_REFRESH_SUPERSEDED`
   * without revoking the family (two tabs racing). Never older tokens, never
   * a success. Default 10; 0..60; 0 treats every replay as theft.
   */
  reuseGraceSeconds?: number;
  /** Longest accepted token in characters. Default 8192. */
  maxTokenBytes?: number;
  /** Allowed role names. Default: owner, admin, manager, editor, viewer, member. */
  roles?: readonly string[];
  /** Require a second factor for some roles (see {@link SessionMfaPolicy}). */
  mfa?: SessionMfaPolicy;
  /** The tenant transaction runner (default: tenancy's `withTenant`). */
  withTenant?: WithTenant;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** Input of {@link Sessions.issue}. */
export interface IssueInput {
  /** The user (becomes `sub`). */
  userId: string;
  /** The org the session is for (becomes `org_id`; must be a canonical uuid). */
  orgId: OrgId | string;
  /** The user's role in that org. */
  role: string;
  /** First-factor methods (RFC 8176), default `['pwd']`. `mfa` and `otp` are ignored here: only a proof adds them. */
  amr?: readonly string[];
  /** An MFA proof from `mfa.verify(...)`, single use: adds `otp`/`mfa` to amr. */
  mfa?: MfaProof;
}

/** Tokens handed to the client. */
export interface SessionTokens {
  /** Short-lived access token (`typ: at+jwt`). */
  accessToken: string;
  /** Rotating refresh token (`typ: rt+jwt`); every refresh returns a new one. */
  refreshToken: string;
  /** The session (family) id, `sid` in both tokens. */
  sessionId: string;
  /** Access-token expiry (seconds since the epoch). */
  accessTokenExpiresAt: number;
  /** Refresh-token expiry (seconds since the epoch). */
  refreshTokenExpiresAt: number;
  /** The principal the access token stands for. */
  principal: Principal;
}

/** Options of {@link Sessions.verifyAccessToken}. */
export interface VerifyAccessOptions {
  /** Also check the session row is not revoked (one indexed read in the token's org). Default false. */
  checkRevocation?: boolean;
}

/** The session service returned by {@link createSessions}. */
export interface Sessions {
  /** Starts a session; returns an access and a refresh token. */
  issue(input: IssueInput): Promise<SessionTokens>;
  /** Verifies an access token (signature, alg, iss, aud, typ, exp, lifetime, claims) and returns its principal. */
  verifyAccessToken(token: string, options?: VerifyAccessOptions): Promise<Principal>;
  /** Rotates a refresh token: new access and refresh tokens; a replayed token revokes the family. */
  refresh(refreshToken: string): Promise<SessionTokens>;
  /**
   * Revokes a session: its refresh tokens stop working at once (access tokens
   * within their ≤15 min lifetime unless verified with `checkRevocation`).
   * Needs the org because session rows are tenant-scoped. Returns true when a
   * live session was revoked.
   */
  revoke(sessionId: string, orgId: OrgId | string): Promise<boolean>;
  /** Same as `revoke(principal.sessionId, principal.orgId)`. */
  revoke(principal: Pick<Principal, 'orgId' | 'sessionId'>): Promise<boolean>;
  /** Revokes every live session of a user in an org; returns how many. */
  revokeAllForUser(userId: string, orgId: OrgId | string): Promise<number>;
  /** Verifies a refresh token and revokes its session (logout with only the refresh token). */
  revokeByRefreshToken(refreshToken: string): Promise<boolean>;
  /**
   * Deletes an org's session rows whose refresh tokens have all expired
   * (more than a minute plus the clock tolerance ago): such rows can no longer
   * detect a replay, because every token of the family is refused as expired
   * before any SQL. Returns how many rows were deleted. Run it per org from a
   * scheduled job.
   */
  purgeExpired(orgId: OrgId | string): Promise<number>;
  /** Public JWKS of the asymmetric keys (empty for HS256-only setups). */
  jwks(): JsonWebKeySet;
}

const DAY = 86_400;

const optionsSchema = z.object({
  pool: z.custom<PoolLike>((v) => typeof v === 'object' && v !== null && typeof (v as PoolLike).connect === 'function', 'pool needs connect()'),
  keys: z.array(z.unknown()).min(1),
  jwks: z.unknown().optional(),
  issuer: z.string().min(1).max(512),
  audience: z.string().min(1).max(512),
  accessTokenTtlSeconds: z.number().int().min(60).max(3600).default(900),
  refreshTokenTtlSeconds: z.number().int().min(300).max(90 * DAY).default(30 * DAY),
  clockToleranceSeconds: z.number().int().min(0).max(60).default(5),
  reuseGraceSeconds: z.number().int().min(0).max(60).default(10),
  maxTokenBytes: z.number().int().min(512).max(65_536).default(8192),
  roles: z.array(z.string().min(1).max(64)).min(1).optional(),
  mfa: z
    .object({
      requiredForRoles: z.array(z.string().min(1).max(64)).default(['owner', 'admin']),
      enforcement: z.enum(['refuse', 'step-up']).default('refuse'),
    })
    .strict()
    .optional(),
  withTenant: z.custom<WithTenant>((v) => typeof v === 'function').optional(),
  now: z.custom<() => number>((v) => typeof v === 'function').optional(),
}).strict();

const issueSchema = z.object({
  userId: z.string().min(1).max(256),
  orgId: z.string(),
  role: z.string().min(1).max(64),
  amr: z.array(amrValue).min(1).max(6).optional(),
  mfa: z.unknown().optional(),
}).strict();

const sessionIdSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

function invalid(code: 'CONFIG_INVALID' | 'INPUT_INVALID', what: string, error: z.ZodError): TenantGuardError {
  return new TenantGuardError(code, `invalid ${what}`, {
    details: { issues: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
  });
}

/**
 * Creates the session service. Keys are checked now (an HS256 secret under
 * 32 bytes throws `JWT_KEY_INVALID`) and imported once per kid.
 *
 * @example
 * ```ts
 * const sessions = createSessions({
 *   pool,
 *   keys: [{ kid: '2026-11', secret: process.env.JWT_SECRET! }], // >= 32 bytes
 *   issuer: 'https://api.example.com',
 *   audience: 'example-app',
 *   mfa: { requiredForRoles: ['owner', 'admin'] },
 * });
 * const { accessToken, refreshToken } = await sessions.issue({ userId, orgId, role: 'editor' });
 * const principal = await sessions.verifyAccessToken(accessToken); // { userId, orgId, role, sessionId, mfa }
 * const next = await sessions.refresh(refreshToken);               // rotate; the old one is now spent
 * await sessions.revoke(principal);                                // logout
 * ```
 */
export function createSessions(options: SessionsOptions): Sessions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('CONFIG_INVALID', 'createSessions options', parsed.error);
  const cfg = parsed.data;
  const keys: JwtKeySet = loadJwtKeys(options.keys, options.jwks);
  const roles = new Set(cfg.roles ?? BUILT_IN_ROLES);
  const mfaRoles = new Set(cfg.mfa?.requiredForRoles ?? []);
  for (const r of mfaRoles) {
    if (!roles.has(r)) throw new TenantGuardError('CONFIG_INVALID', 'mfa.requiredForRoles names an unknown role', { details: { role: r } });
  }
  const refuseWithoutMfa = cfg.mfa !== undefined && cfg.mfa.enforcement === 'refuse';
  const now = cfg.now ?? Date.now;
  const store = new SessionStore(cfg.pool, cfg.withTenant ?? defaultWithTenant);

  const accessPolicy: JwtVerifyPolicy = {
    issuer: cfg.issuer,
    audience: cfg.audience,
    typ: ACCESS_TOKEN_TYP,
    maxLifetimeSeconds: cfg.accessTokenTtlSeconds,
    clockToleranceSeconds: cfg.clockToleranceSeconds,
    maxTokenBytes: cfg.maxTokenBytes,
  };
  const refreshPolicy: JwtVerifyPolicy = { ...accessPolicy, typ: REFRESH_TOKEN_TYP, maxLifetimeSeconds: cfg.refreshTokenTtlSeconds };

  const mfaMissing = (role: string, mfa: boolean): boolean => refuseWithoutMfa && mfaRoles.has(role) && !mfa;
  const mfaRequired = (): TenantGuardError =>
    new TenantGuardError('SESSION_MFA_REQUIRED', 'this role needs a second factor before a session is issued');

  async function sign(typ: string, claims: Record<string, unknown>, iat: number, ttl: number): Promise<string> {
    const signer = keys.signer;
    const key = await (signer.signKeyPromise as Promise<Parameters<SignJWT['sign']>[0]>);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ })
      .setIssuer(cfg.issuer)
      .setAudience(cfg.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(key);
  }

  async function mint(
    s: { userId: string; orgId: OrgId; role: string; amr: readonly string[]; sessionId: string; refreshJti: string },
    nowMs: number,
  ): Promise<SessionTokens> {
    const iat = Math.floor(nowMs / 1000);
    const [accessToken, refreshToken] = await Promise.all([
      sign(
        ACCESS_TOKEN_TYP,
        { sub: s.userId, org_id: s.orgId, role: s.role, sid: s.sessionId, jti: randomUUID(), amr: [...s.amr] },
        iat,
        cfg.accessTokenTtlSeconds,
      ),
      sign(REFRESH_TOKEN_TYP, { sub: s.userId, org_id: s.orgId, sid: s.sessionId, jti: s.refreshJti }, iat, cfg.refreshTokenTtlSeconds),
    ]);
    return {
      accessToken,
      refreshToken,
      sessionId: s.sessionId,
      accessTokenExpiresAt: iat + cfg.accessTokenTtlSeconds,
      refreshTokenExpiresAt: iat + cfg.refreshTokenTtlSeconds,
      principal: { userId: s.userId, orgId: s.orgId, role: s.role, sessionId: s.sessionId, mfa: s.amr.includes('mfa') },
    };
  }

  async function verifyRefresh(token: string, nowMs: number) {
    const { payload } = await verifyJwt(token, keys, refreshPolicy, nowMs);
    const claims = refreshClaimsSchema.safeParse(payload);
    if (!claims.success) throw new TenantGuardError('JWT_CLAIMS_INVALID', 'refresh token claims are invalid');
    return { ...claims.data, orgId: parseOrgId(claims.data.org_id) };
  }

  async function revokeOne(sessionId: string, orgIdInput: string): Promise<boolean> {
    if (!sessionIdSchema.safeParse(sessionId).success) throw new TenantGuardError('INPUT_INVALID', 'sessionId must be a lowercase uuid');
    return store.revoke(parseOrgId(orgIdInput), sessionId, 'revoked', new Date(now()));
  }

  return {
    async issue(input) {
      const p = issueSchema.safeParse(input);
      if (!p.success) throw invalid('INPUT_INVALID', 'issue input', p.error);
      const orgId = parseOrgId(p.data.orgId);
      const { userId, role } = p.data;
      if (!roles.has(role)) throw new TenantGuardError('INPUT_INVALID', 'role is not an allowed role', { details: { role } });
      const nowMs = now();
      const amr = new Set((p.data.amr ?? ['pwd']).filter((m) => m !== 'mfa' && m !== 'otp'));
      if (input.mfa !== undefined) {
        const proof = consumeMfaProof(input.mfa, orgId, userId, nowMs);
        amr.add(proof.method === 'totp' ? 'otp' : 'rec');
        amr.add('mfa');
      }
      if (amr.size === 0) amr.add('pwd');
      const amrList = [...amr];
      if (mfaMissing(role, amr.has('mfa'))) throw mfaRequired();
      const sessionId = randomUUID();
      const refreshJti = randomUUID();
      const nowDate = new Date(nowMs);
      await store.create({
        orgId,
        sessionId,
        userId,
        role,
        amr: amrList,
        jti: refreshJti,
        now: nowDate,
        expiresAt: new Date(nowMs + cfg.refreshTokenTtlSeconds * 1000),
      });
      return mint({ userId, orgId, role, amr: amrList, sessionId, refreshJti }, nowMs);
    },

    async verifyAccessToken(token, verifyOptions = {}) {
      const nowMs = now();
      const { payload } = await verifyJwt(token, keys, accessPolicy, nowMs);
      const claims = accessClaimsSchema.safeParse(payload);
      if (!claims.success) {
        throw new TenantGuardError('JWT_CLAIMS_INVALID', 'access token claims are invalid', {
          details: { claims: [...new Set(claims.error.issues.map((i) => String(i.path[0])))] },
        });
      }
      const c = claims.data;
      if (!roles.has(c.role)) throw new TenantGuardError('JWT_CLAIMS_INVALID', 'access token role is not an allowed role', { details: { claims: ['role'] } });
      const mfa = c.amr.includes('mfa');
      if (mfaMissing(c.role, mfa)) throw mfaRequired();
      const orgId = parseOrgId(c.org_id);
      if (verifyOptions.checkRevocation === true) {
        const state = await store.state(orgId, c.sid);
        if (state === 'missing') throw new TenantGuardError('SESSION_NOT_FOUND', 'session not found');
        if (state === 'revoked') throw new TenantGuardError('SESSION_REVOKED', 'session was revoked');
      }
      return { userId: c.sub, orgId, role: c.role, sessionId: c.sid, mfa };
    },

    async refresh(refreshToken) {
      const nowMs = now();
      const claims = await verifyRefresh(refreshToken, nowMs);
      const newJti = randomUUID();
      const outcome = await store.rotate({
        orgId: claims.orgId,
        sessionId: claims.sid,
        userId: claims.sub,
        jti: claims.jti,
        newJti,
        now: new Date(nowMs),
        graceMs: cfg.reuseGraceSeconds * 1000,
        expiresAt: new Date(nowMs + cfg.refreshTokenTtlSeconds * 1000),
        refusal: (row) => (!roles.has(row.role) ? 'role' : mfaMissing(row.role, row.amr.includes('mfa')) ? 'mfa' : undefined),
      });
      switch (outcome.kind) {
        case 'rotated':
          return mint(
            { userId: claims.sub, orgId: claims.orgId, role: outcome.role, amr: outcome.amr, sessionId: claims.sid, refreshJti: newJti },
            nowMs,
          );
        case 'missing':
          throw new TenantGuardError('SESSION_NOT_FOUND', 'session not found');
        case 'revoked':
          throw new TenantGuardError('SESSION_REVOKED', 'session was revoked');
        case 'superseded':
          throw new TenantGuardError('SESSION_REFRESH_SUPERSEDED', 'this refresh token was just rotated; use the newer one');
        case 'reused':
          throw new TenantGuardError('SESSION_REFRESH_REUSED', 'refresh token was already used; the session is revoked');
        case 'policy':
          if (outcome.reason === 'mfa') throw mfaRequired();
          throw new TenantGuardError('SESSION_REVOKED', 'the session role is no longer an allowed role; the session is revoked', {
            details: { reason: 'role_not_allowed' },
          });
      }
    },

    revoke(target: string | Pick<Principal, 'orgId' | 'sessionId'>, orgId?: OrgId | string): Promise<boolean> {
      if (typeof target === 'object' && target !== null) {
        if (target.sessionId === undefined) return Promise.reject(new TenantGuardError('INPUT_INVALID', 'principal has no sessionId'));
        return revokeOne(target.sessionId, target.orgId);
      }
      if (typeof target !== 'string' || orgId === undefined) {
        return Promise.reject(new TenantGuardError('INPUT_INVALID', 'revoke needs (sessionId, orgId) or a principal'));
      }
      return revokeOne(target, orgId);
    },

    async revokeAllForUser(userId, orgIdInput) {
      if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) throw new TenantGuardError('INPUT_INVALID', 'userId is invalid');
      return store.revokeUser(parseOrgId(orgIdInput), userId, new Date(now()));
    },

    async revokeByRefreshToken(refreshToken) {
      const nowMs = now();
      const claims = await verifyRefresh(refreshToken, nowMs);
      return store.revoke(claims.orgId, claims.sid, 'user', new Date(nowMs));
    },

    async purgeExpired(orgIdInput) {
      const margin = (cfg.clockToleranceSeconds + 60) * 1000;
      return store.purgeExpired(parseOrgId(orgIdInput), new Date(now() - margin));
    },

    jwks() {
      return publicJwks(keys);
    },
  };
}
