/**
 * Every error tenantguard throws is a {@link TenantGuardError} with a stable
 * {@link ErrorCode}. Codes are part of the public contract: match on `code`,
 * never on `message` (messages may be reworded; codes are not).
 *
 * @module errors
 */

/**
 * All stable error codes, grouped by the module that raises them.
 * Adding a code is a minor change; renaming or removing one is breaking.
 */
export const ERROR_CODES = [
  // --- generic ---------------------------------------------------------------
  /** A configuration object failed validation. */
  'CONFIG_INVALID',
  /** An argument passed to a public function failed validation. */
  'INPUT_INVALID',

  // --- tenancy ---------------------------------------------------------------
  /** A value that should be an org id is not a canonical uuid. */
  'ORG_ID_INVALID',
  // @tenancy-codes

  // --- migrate ---------------------------------------------------------------
  // @migrate-codes

  // --- rbac ------------------------------------------------------------------
  // @rbac-codes

  // --- audit -----------------------------------------------------------------
  // @audit-codes

  // --- crypto ----------------------------------------------------------------
  // @crypto-codes

  // --- guards ----------------------------------------------------------------
  // @guards-codes

  // --- adapters --------------------------------------------------------------
  // @adapters-codes

  // --- testing ---------------------------------------------------------------
  // @testing-codes
] as const;

/** A stable, machine-readable error code. See {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** Options for {@link TenantGuardError}. */
export interface TenantGuardErrorOptions {
  /** The underlying error, kept for debugging; never contains secrets. */
  cause?: unknown;
  /** Structured, non-secret context (a file name, a field, a position). */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error class tenantguard throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   parseOrgId(req.params.org);
 * } catch (err) {
 *   if (isTenantGuardError(err, 'ORG_ID_INVALID')) return res.status(400).end();
 *   throw err;
 * }
 * ```
 */
export class TenantGuardError extends Error {
  /** Stable code: match on this, not on the message. */
  readonly code: ErrorCode;
  /** Structured, non-secret context. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: TenantGuardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TenantGuardError';
    this.code = code;
    this.details = options.details;
  }
}

/**
 * Narrows `err` to a {@link TenantGuardError}, optionally with a given code.
 * Works across duplicated package copies (ESM and CJS builds) by checking the
 * shape rather than relying on `instanceof` alone.
 */
export function isTenantGuardError(err: unknown, code?: ErrorCode): err is TenantGuardError {
  if (err instanceof TenantGuardError) return code === undefined || err.code === code;
  if (typeof err !== 'object' || err === null) return false;
  const candidate = err as { name?: unknown; code?: unknown };
  return (
    candidate.name === 'TenantGuardError' &&
    typeof candidate.code === 'string' &&
    CODE_SET.has(candidate.code) &&
    (code === undefined || candidate.code === code)
  );
}
