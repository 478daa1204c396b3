/**
 * The signed tenant context's proof: HMAC-SHA256 over the org, the key id,
 * the backend process id and a per-process strictly increasing issue time.
 * Computed by the application; verified by `tenantguard.enter_signed_tenant`
 * (migration 0040) from a copy of the key the application's database role
 * cannot read.
 *
 * @module tenancy
 */
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import type { OrgId } from './org-id.js';

/** A context key as the application holds it. */
export interface ContextKey {
  /** The key's id, 1 to 64 characters of `A-Z a-z 0-9 _ . -`; stored with the key in the database. */
  readonly id: string;
  /** 32 to 64 random bytes, or their base64 / base64url text. */
  readonly secret: Uint8Array | string;
}

/** A validated context key (the secret as bytes). */
export interface ParsedContextKey {
  /** The key id. */
  readonly id: string;
  /** The secret bytes (32 to 64). */
  readonly secret: Buffer;
}

/** What a proof covers. */
export interface ContextProofInput {
  /** The key id the proof is made with. */
  readonly keyId: string;
  /** The org entered. */
  readonly orgId: OrgId;
  /** The backend process the proof is for (`pg_backend_pid()`). */
  readonly pid: number;
  /** Issue time, microseconds since the Unix epoch; strictly increasing per backend. */
  readonly issuedAt: bigint;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const keySchema = z
  .object({
    id: z.string().regex(KEY_ID, 'key id must be 1 to 64 characters of A-Z a-z 0-9 _ . -'),
    secret: z.union([z.instanceof(Uint8Array), z.string().min(1)]),
  })
  .strict();

function secretBytes(secret: Uint8Array | string): Buffer {
  if (typeof secret !== 'string') return Buffer.from(secret);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret)) return Buffer.alloc(0);
  return Buffer.from(secret.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Validates a context key: an id of 1 to 64 `A-Z a-z 0-9 _ . -` characters
 * and a secret of 32 to 64 bytes. Throws `SIGNED_CONTEXT_KEY_INVALID`; the
 * secret never appears in the error.
 */
export function parseContextKey(key: ContextKey): ParsedContextKey {
  const parsed = keySchema.safeParse(key);
  if (!parsed.success) {
    throw new TenantGuardError('SIGNED_CONTEXT_KEY_INVALID', 'a context key needs an id (A-Z a-z 0-9 _ . -, 1 to 64) and a secret', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`) },
    });
  }
  const secret = secretBytes(parsed.data.secret);
  if (secret.length < 32 || secret.length > 64) {
    throw new TenantGuardError('SIGNED_CONTEXT_KEY_INVALID', 'a context key secret must be 32 to 64 bytes (raw, base64 or base64url)', {
      details: { keyId: parsed.data.id, bytes: secret.length },
    });
  }
  return { id: parsed.data.id, secret };
}

/**
 * A fresh random context key secret: 32 bytes as base64url.
 *
 * @example
 * ```ts
 * const secret = generateContextKeySecret(); // keep it in the app's secret store
 * await installContextKey(adminPool, { id: 'ctx-2026-11', secret });
 * ```
 */
export function generateContextKeySecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The exact bytes the proof's HMAC covers (mirrors migration 0040). */
export function contextProofMessage(input: ContextProofInput): string {
  return `tenantguard-context-v1|${input.keyId}|${input.orgId}|${input.pid}|${input.issuedAt}`;
}

/** HMAC-SHA256 of {@link contextProofMessage} under `secret`: the 32-byte proof. */
export function computeContextProof(secret: Uint8Array, input: ContextProofInput): Buffer {
  return createHmac('sha256', secret).update(contextProofMessage(input), 'utf8').digest();
}

let lastIssuedAt = 0n;

/**
 * The next issue time: microseconds since the epoch, strictly increasing in
 * this process (the database accepts each backend's proofs only in
 * increasing order, which is what makes a proof single-use).
 */
export function nextIssuedAt(): bigint {
  const now = BigInt(Date.now()) * 1000n;
  lastIssuedAt = now > lastIssuedAt ? now : lastIssuedAt + 1n;
  return lastIssuedAt;
}
