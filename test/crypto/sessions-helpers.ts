/** Shared fixtures for the session tests: orgs, keys and a forger. */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, base64url, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';

export const ORG_A = '0a0a0a0a-0000-4000-8000-00000000000a';
export const ORG_B = '0b0b0b0b-0000-4000-8000-00000000000b';
export const ISSUER = 'https://auth.test.example';
export const AUDIENCE = 'tenantguard-tests';
export const SECRET = randomBytes(32);
export const KID = 'k-2026-11';

/** Expects a promise to reject with a TenantGuardError of `code`. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  expect(isTenantGuardError(caught) ? caught.code : `not a TenantGuardError: ${String(caught)}`).toBe(code);
}

/** Standard valid access-token claims for ORG_A. */
export function accessClaims(overrides: JWTPayload = {}): JWTPayload {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    org_id: ORG_A,
    role: 'editor',
    sid: randomUUID(),
    jti: randomUUID(),
    amr: ['pwd'],
    iat,
    exp: iat + 900,
    ...overrides,
  };
}

/** Signs arbitrary claims/header with a key (HS256 by default), bypassing the service's checks. */
export async function forge(
  claims: JWTPayload,
  header: Record<string, unknown> = {},
  key: Uint8Array | CryptoKeyLike = SECRET,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: KID, typ: 'at+jwt', ...header } as never).sign(key as Uint8Array);
}

/** Any key type jose can sign with. */
export type CryptoKeyLike = Parameters<SignJWT['sign']>[0];

/** Replaces one segment of a compact JWT with base64url of a JSON value. */
export function withSegment(token: string, index: 0 | 1, value: unknown): string {
  const parts = token.split('.');
  parts[index] = base64url.encode(JSON.stringify(value));
  return parts.join('.');
}
