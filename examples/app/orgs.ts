/**
 * Provisioning a demo org: an owner in the permission store, a confirmed
 * TOTP factor (owners need MFA by default), and a session. A real app does
 * this at sign-up and login; the example does it to get tokens.
 */
import { randomUUID } from 'node:crypto';
import { parseOrgId, totp, withTenant, type MemberRole, type OrgId } from '../../src/index.js';
import { base32Decode } from '../../src/crypto/totp-base32.js';
import type { AppServices } from './services.js';

/** A member with a live access token. */
export interface DemoMember {
  readonly orgId: OrgId;
  readonly userId: string;
  readonly role: string;
  readonly accessToken: string;
}

/** Adds a member (optionally granted some brands) and logs them in. */
export async function addMember(
  services: AppServices,
  orgId: OrgId,
  role: MemberRole & string,
  brands: readonly string[] = [],
): Promise<DemoMember> {
  const userId = randomUUID(); // the audit log records user ids as uuids
  await withTenant(services.pool, orgId, async (db) => {
    await services.permissions.setMemberRole(db, userId, role);
    if (brands.length > 0) await services.permissions.grantBrands(db, userId, brands);
  });
  let proof;
  if (role === 'owner' || role === 'admin') {
    // Enrol TOTP and confirm it with the current code: the confirmation is the second factor.
    const enrollment = await services.mfa.enroll({ orgId, userId, label: `${userId}@example.com` });
    const code = totp(base32Decode(enrollment.secret), { digits: enrollment.digits, period: enrollment.period, algorithm: enrollment.algorithm });
    proof = (await services.mfa.confirmEnrollment({ orgId, userId, code })).proof;
  }
  const tokens = await services.sessions.issue({ userId, orgId, role, ...(proof !== undefined ? { mfa: proof } : {}) });
  return { orgId, userId, role, accessToken: tokens.accessToken };
}

/** A fresh org with its owner. */
export async function provisionOrg(services: AppServices): Promise<DemoMember> {
  return addMember(services, parseOrgId(randomUUID()), 'owner');
}
