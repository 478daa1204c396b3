/**
 * MFA proofs: the only way to get `amr: ['mfa']` into a session. A proof is
 * minted by {@link createMfa} after a successful second factor and consumed
 * once by `sessions.issue`; an application cannot fabricate one by building
 * an object of the same shape (it is checked by identity in a registry).
 *
 * @module crypto
 */
import { TenantGuardError } from '../errors.js';
import type { OrgId } from '../tenancy/index.js';

/** How the second factor was proven. */
export type MfaMethod = 'totp' | 'recovery_code';

/** Evidence that a user passed a second factor just now. Single use. */
export interface MfaProof {
  /** The org the factor was verified in. */
  readonly orgId: OrgId;
  /** The user who passed it. */
  readonly userId: string;
  /** TOTP code or recovery code. */
  readonly method: MfaMethod;
  /** When it was verified (ms since the epoch). */
  readonly verifiedAt: number;
}

/** How long a proof may wait before it is exchanged for a session. */
export const MFA_PROOF_TTL_MS = 5 * 60 * 1000;

// Identity registry: only objects minted here are proofs. A WeakMap so an
// unused proof does not leak. (One registry per loaded copy of the package.)
const minted = new WeakMap<object, { used: boolean }>();

/** Mints a proof (called by the MFA service only). */
export function mintMfaProof(orgId: OrgId, userId: string, method: MfaMethod, now: number): MfaProof {
  const proof: MfaProof = Object.freeze({ orgId, userId, method, verifiedAt: now });
  minted.set(proof, { used: false });
  return proof;
}

/**
 * Consumes a proof for `orgId`/`userId`: it must be genuine, unused, at most
 * {@link MFA_PROOF_TTL_MS} old and for that user; otherwise throws
 * `SESSION_MFA_PROOF_INVALID`.
 */
export function consumeMfaProof(proof: unknown, orgId: OrgId, userId: string, now: number): MfaProof {
  const state = typeof proof === 'object' && proof !== null ? minted.get(proof) : undefined;
  const p = proof as MfaProof;
  const reason =
    state === undefined
      ? 'not issued by the MFA service'
      : state.used
        ? 'already used'
        : now - p.verifiedAt > MFA_PROOF_TTL_MS || p.verifiedAt - now > 60_000
          ? 'expired'
          : p.orgId !== orgId || p.userId !== userId
            ? 'for another user'
            : undefined;
  if (reason !== undefined || state === undefined) {
    throw new TenantGuardError('SESSION_MFA_PROOF_INVALID', `MFA proof refused: ${reason ?? 'invalid'}`, { details: { reason } });
  }
  state.used = true;
  return p;
}
