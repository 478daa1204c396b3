/**
 * The claims of tenantguard's access and refresh tokens, validated with zod
 * after the signature and the registered claims have been checked.
 *
 * @module crypto
 */
import { z } from 'zod';

/** `typ` header of an access token (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** `typ` header of a refresh token. Distinct, so neither can stand in for the other. */
export const REFRESH_TOKEN_TYP = 'rt+jwt';

/** The five built-in roles plus `member`; used when no `roles` option is given. */
export const BUILT_IN_ROLES: readonly string[] = ['owner', 'admin', 'manager', 'editor', 'viewer', 'member'];

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const userId = z.string().min(1).max(256);
/** RFC 8176 authentication method references: short lowercase names. */
export const amrValue = z.string().regex(/^[a-z0-9_-]{1,32}$/);

/** Claims every access token carries beyond iss/aud/iat/exp. */
export const accessClaimsSchema = z.object({
  sub: userId,
  org_id: uuid,
  role: z.string().min(1).max(64),
  sid: uuid,
  jti: uuid,
  amr: z.array(amrValue).min(1).max(8),
});

/** Claims every refresh token carries beyond iss/aud/iat/exp. */
export const refreshClaimsSchema = z.object({
  sub: userId,
  org_id: uuid,
  sid: uuid,
  jti: uuid,
});

/** Validated access-token claims. */
export type AccessClaims = z.infer<typeof accessClaimsSchema>;
/** Validated refresh-token claims. */
export type RefreshClaims = z.infer<typeof refreshClaimsSchema>;
