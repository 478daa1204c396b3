/**
 * The JWT verification core: size and shape first, then jose with the
 * key looked up by `kid` (imported once), an algorithm allow-list, issuer,
 * audience, type, expiry and clock tolerance; then the lifetime rule. Every
 * failure is a {@link TenantGuardError} with a stable `JWT_*` code.
 *
 * @module crypto
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { TenantGuardError, type ErrorCode } from '../errors.js';
import type { JwtKeySet } from './jwt-keys.js';

/** What {@link verifyJwt} checks besides the signature. */
export interface JwtVerifyPolicy {
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud` (the token's `aud` must contain it). */
  readonly audience: string;
  /** Required `typ` header. */
  readonly typ: string;
  /** Longest accepted `exp - iat`, in seconds. */
  readonly maxLifetimeSeconds: number;
  /** Clock tolerance for exp/nbf/iat, in seconds. */
  readonly clockToleranceSeconds: number;
  /** Longest accepted token, in characters. */
  readonly maxTokenBytes: number;
}

/** A verified token: its header and payload. */
export interface VerifiedJwt {
  /** The protected header. */
  readonly header: JWTHeaderParameters;
  /** The verified claims (not yet zod-validated). */
  readonly payload: JWTPayload;
}

// Three base64url segments; the signature may be empty so `alg: none` reaches
// the algorithm check and gets its own code.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function fail(code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): TenantGuardError {
  return new TenantGuardError(code, message, { details, cause });
}

// The alg goes into error details, so only a short, plain name is echoed.
function algOf(token: string): string | undefined {
  try {
    const alg = decodeProtectedHeader(token).alg;
    return typeof alg === 'string' && /^[A-Za-z0-9+_-]{1,32}$/.test(alg) ? alg : undefined;
  } catch {
    return undefined;
  }
}

// jose errors are not kept as `cause`: some carry the decoded claims set, and
// an application logging the cause would log token contents.
function mapJoseError(err: unknown, token: string): TenantGuardError {
  if (err instanceof TenantGuardError) return err;
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    const alg = algOf(token);
    if (alg !== undefined && alg.toLowerCase() === 'none') return fail('JWT_UNSECURED', 'unsecured JWT (alg none) refused');
    return fail('JWT_ALG_NOT_ALLOWED', 'JWT algorithm not allowed', { alg });
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return fail('JWT_SIGNATURE_INVALID', 'JWT signature does not verify');
  if (err instanceof joseErrors.JWTExpired) {
    // jose reports an iat older than maxTokenAge as JWTExpired too.
    return fail('JWT_EXPIRED', 'JWT has expired', { claim: err.claim });
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
      case 'iat':
        return err.reason === 'check_failed'
          ? fail('JWT_NOT_YET_VALID', 'JWT is not valid yet', { claim: err.claim })
          : fail('JWT_CLAIMS_INVALID', 'JWT time claim is missing or not a number', { claim: err.claim });
      case 'iss':
        return err.reason === 'missing'
          ? fail('JWT_CLAIMS_INVALID', 'JWT has no issuer', { claim: 'iss' })
          : fail('JWT_ISSUER_INVALID', 'JWT issuer is not accepted');
      case 'aud':
        return err.reason === 'missing'
          ? fail('JWT_CLAIMS_INVALID', 'JWT has no audience', { claim: 'aud' })
          : fail('JWT_AUDIENCE_INVALID', 'JWT audience is not accepted');
      case 'typ':
        return fail('JWT_TYPE_INVALID', 'JWT type is missing or not the expected one');
      default:
        return fail('JWT_CLAIMS_INVALID', 'JWT claim is missing or invalid', { claim: err.claim });
    }
  }
  if (err instanceof joseErrors.JOSEError) return fail('JWT_MALFORMED', 'JWT is malformed', { joseCode: err.code });
  // Not a jose error (e.g. a runtime failure): kept as cause for debugging.
  return fail('JWT_MALFORMED', 'JWT is malformed', undefined, err);
}

/**
 * Verifies a compact JWT against a key set and a policy. Never touches a
 * database; the key is found by `kid` in an in-memory map and must be of the
 * algorithm the header names (no HS/RS or HS/EdDSA confusion).
 *
 * @param now - current time in ms (tests); defaults to `Date.now()`.
 */
export async function verifyJwt(token: unknown, keys: JwtKeySet, policy: JwtVerifyPolicy, now?: number): Promise<VerifiedJwt> {
  if (typeof token !== 'string') throw fail('JWT_MALFORMED', 'JWT must be a string');
  if (token.length > policy.maxTokenBytes) throw fail('JWT_TOO_LARGE', 'JWT is longer than allowed', { max: policy.maxTokenBytes });
  if (!COMPACT.test(token)) throw fail('JWT_MALFORMED', 'JWT is not three base64url segments');
  let result;
  try {
    result = await jwtVerify(
      token,
      (header) => {
        const kid = header.kid;
        const key = typeof kid === 'string' ? keys.byKid.get(kid) : undefined;
        if (key === undefined) throw fail('JWT_KID_UNKNOWN', 'JWT kid is missing or unknown');
        if (header.alg !== key.alg) throw fail('JWT_ALG_NOT_ALLOWED', 'JWT algorithm does not match its key', { alg: header.alg, kid: key.kid });
        return key.verifyKey ?? key.verifyKeyPromise;
      },
      {
        algorithms: keys.algorithms as string[],
        issuer: policy.issuer,
        audience: policy.audience,
        typ: policy.typ,
        clockTolerance: policy.clockToleranceSeconds,
        maxTokenAge: policy.maxLifetimeSeconds + policy.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'iss', 'aud'],
        currentDate: now === undefined ? undefined : new Date(now),
      },
    );
  } catch (err) {
    throw mapJoseError(err, token);
  }
  const { exp, iat } = result.payload;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw fail('JWT_CLAIMS_INVALID', 'JWT needs numeric exp and iat');
  if (exp - iat > policy.maxLifetimeSeconds) {
    throw fail('JWT_LIFETIME_EXCEEDED', 'JWT lifetime is longer than allowed', { max: policy.maxLifetimeSeconds });
  }
  return { header: result.protectedHeader, payload: result.payload };
}
