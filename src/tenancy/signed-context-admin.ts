/**
 * Administering the signed tenant context: installing and retiring context
 * keys (rotation without downtime), turning the signed context on and off,
 * and reading its status. Run these with the migration (owner) role, never
 * with the application's role (which cannot run them).
 *
 * @module tenancy
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import type { Queryable } from './pg-types.js';
import { parseContextKey, type ContextKey } from './signed-context-proof.js';

/** The signed context as the live database has it. */
export interface SignedContextStatus {
  /** The settings row says the signed context is required. */
  readonly enabled: boolean;
  /** The live `current_org_id()` actually delegates to the signed check (what RLS uses). */
  readonly enforced: boolean;
  /** A proof older than this is refused. */
  readonly maxAgeSeconds: number;
  /** A proof dated further ahead than this is refused (clock skew). */
  readonly maxFutureSeconds: number;
  /** Keys proofs may be made with. */
  readonly activeKeys: number;
  /** Keys no longer accepted. */
  readonly retiredKeys: number;
  /** Contexts seen that were not entered through the signed entry (counted even when rolled back). */
  readonly tamperEvents: number;
}

const statusRow = z.object({
  enabled: z.boolean(),
  enforced: z.boolean(),
  max_age_seconds: z.number().int(),
  max_future_seconds: z.number().int(),
  active_keys: z.number().int(),
  retired_keys: z.number().int(),
  tamper_events: z.union([z.string(), z.number()]),
});

function adminError(action: string, err: unknown): TenantGuardError {
  const message = err instanceof Error ? err.message : String(err);
  return new TenantGuardError('SIGNED_CONTEXT_ADMIN_FAILED', `${action}: ${message}`, { cause: err });
}

/**
 * Installs a context key in the database (idempotent for the same id and
 * secret). The secret is sent as a bind parameter and stored only as HMAC
 * pads in a table the application's role cannot read.
 *
 * @example
 * ```ts
 * await installContextKey(adminPool, { id: 'ctx-2', secret: newSecret });
 * // deploy the app signing with ctx-2, then:
 * await retireContextKey(adminPool, 'ctx-1');
 * ```
 */
export async function installContextKey(admin: Queryable, key: ContextKey): Promise<void> {
  const parsed = parseContextKey(key);
  try {
    await admin.query('SELECT tenantguard.install_context_key($1, $2)', [parsed.id, parsed.secret]);
  } catch (err) {
    throw adminError(`installing context key ${parsed.id}`, err);
  }
}

/** Retires a context key: proofs made with it are refused from now on. Refuses the last active key while enabled. */
export async function retireContextKey(admin: Queryable, keyId: string): Promise<void> {
  try {
    await admin.query('SELECT tenantguard.retire_context_key($1)', [keyId]);
  } catch (err) {
    throw adminError('retiring a context key', err);
  }
}

/** Options for {@link enableSignedContext}. */
export interface EnableSignedContextOptions {
  /** Refuse proofs older than this (1 to 3600 s; default 30). */
  readonly maxAgeSeconds?: number;
  /** Refuse proofs dated further ahead than this (0 to 600 s; default 5). */
  readonly maxFutureSeconds?: number;
}

const enableSchema = z
  .object({
    maxAgeSeconds: z.number().int().min(1).max(3600).optional(),
    maxFutureSeconds: z.number().int().min(0).max(600).optional(),
  })
  .strict();

/**
 * Requires the signed context from now on: `current_org_id()` is replaced by
 * the signed check, so a plain `set_config` yields no rows. Needs an active
 * key installed first. Run as the role that owns `current_org_id()`.
 */
export async function enableSignedContext(admin: Queryable, options: EnableSignedContextOptions = {}): Promise<void> {
  const parsed = enableSchema.safeParse(options);
  if (!parsed.success) {
    throw new TenantGuardError('INPUT_INVALID', 'invalid enableSignedContext options', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  try {
    await admin.query('SELECT tenantguard.enable_signed_context($1, $2)', [
      parsed.data.maxAgeSeconds ?? null,
      parsed.data.maxFutureSeconds ?? null,
    ]);
  } catch (err) {
    throw adminError('enabling the signed context', err);
  }
}

/** Back to the plain context: restores `current_org_id()`'s previous definition. */
export async function disableSignedContext(admin: Queryable): Promise<void> {
  try {
    await admin.query('SELECT tenantguard.disable_signed_context()');
  } catch (err) {
    throw adminError('disabling the signed context', err);
  }
}

/**
 * Reads the signed context's status from the live database (any role that
 * belongs to `tenantguard_app` may); `undefined` when migration 0040 is not
 * installed there.
 */
export async function readSignedContextStatus(db: Queryable): Promise<SignedContextStatus | undefined> {
  const present = await db.query<{ ok: boolean }>(
    "SELECT pg_catalog.to_regprocedure('tenantguard.signed_context_status()') IS NOT NULL AS ok",
  );
  if (present.rows[0]?.ok !== true) return undefined;
  const { rows } = await db.query('SELECT * FROM tenantguard.signed_context_status()');
  const row = statusRow.parse(rows[0]);
  return {
    enabled: row.enabled,
    enforced: row.enforced,
    maxAgeSeconds: row.max_age_seconds,
    maxFutureSeconds: row.max_future_seconds,
    activeKeys: row.active_keys,
    retiredKeys: row.retired_keys,
    tamperEvents: Number(row.tamper_events),
  };
}
