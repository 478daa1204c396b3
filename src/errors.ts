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
  /** A nested withTenant asked for another org than the transaction already open on that pool. */
  'TENANT_MISMATCH',
  /** A nested withTenant asked for a role, readOnly or isolation level different from the open transaction. */
  'TENANT_OPTIONS_CONFLICT',
  /** A TenantDb handle was used after its withTenant callback had settled. */
  'TENANT_CONTEXT_CLOSED',
  /** BEGIN, the tenant setting or SET LOCAL ROLE failed; nothing ran (see `cause`). */
  'TENANT_ENTRY_FAILED',
  /** COMMIT answered ROLLBACK because a statement in the transaction had failed: nothing was saved. */
  'TENANT_COMMIT_FAILED',
  /** The isolation proof could not read the catalog or its result failed its own schema. */
  'ISOLATION_PROOF_FAILED',
  // tenancy (issue 7): signed tenant context
  /** A context key is malformed: bad id, or a secret that is not 32 to 64 bytes. */
  'SIGNED_CONTEXT_KEY_INVALID',
  /** The signed entry named a context key that is not installed or was retired (SQLSTATE TG001). */
  'SIGNED_CONTEXT_KEY_UNKNOWN',
  /** The signed entry's proof does not verify: forged, altered, or made with another key (TG002). */
  'SIGNED_CONTEXT_PROOF_INVALID',
  /** The signed entry's proof was issued for another backend process (TG003). */
  'SIGNED_CONTEXT_WRONG_BACKEND',
  /** The signed entry's proof is older than the allowed age, or dated in the future (TG004). */
  'SIGNED_CONTEXT_EXPIRED',
  /** The signed entry's proof was already used on this backend (TG005). */
  'SIGNED_CONTEXT_REPLAYED',
  /** The signed entry is not installed in this database (migration 0040) or the role may not run it. */
  'SIGNED_CONTEXT_UNAVAILABLE',
  /** Installing or retiring a context key, or turning the signed context on or off, failed (see `cause`). */
  'SIGNED_CONTEXT_ADMIN_FAILED',
  // tenancy (issue 7): dedicated placement
  /** A tenant placement is malformed (unknown kind, bad schema name, unknown target). */
  'PLACEMENT_INVALID',
  /** Provisioning a dedicated placement (schema or database, and its migrations) failed (see `cause`). */
  'PLACEMENT_PROVISION_FAILED',
  /** Moving an org between placements was refused or failed before the switch; the source is unchanged. */
  'ORG_MOVE_FAILED',
  /** The copy of an org did not match its source (row counts or checksums); nothing was switched. */
  'ORG_MOVE_VERIFY_FAILED',

  // --- migrate ---------------------------------------------------------------
  // @migrate-codes
  /** A migration file name or directory is not usable (bad name, duplicate version, unreadable). */
  'MIGRATION_INVALID',
  /** A migration failed; it was rolled back (unless it opted out of the transaction). */
  'MIGRATION_FAILED',
  /** An applied migration's file has changed since it was applied. */
  'MIGRATION_CHECKSUM_MISMATCH',
  /** An applied migration's file is no longer there. */
  'MIGRATION_MISSING',
  /** A pending migration sorts before one that is already applied (merged late). */
  'MIGRATION_OUT_OF_ORDER',
  /** Another runner holds the migration lock (fail-fast mode). */
  'MIGRATION_LOCK_BUSY',
  /** The migration lock was not obtained within the timeout. */
  'MIGRATION_LOCK_TIMEOUT',

  // --- rbac ------------------------------------------------------------------
  // @rbac-codes
  /** A permission pattern is malformed (empty segment, partial wildcard, bad character). */
  'RBAC_PATTERN_INVALID',
  /** A permission or pattern matches no catalog entry (a typo, or a row from an older catalog). */
  'RBAC_PERMISSION_UNKNOWN',
  /** A role name is neither a built-in role, an alias, nor a known custom role. */
  'RBAC_ROLE_UNKNOWN',
  /** A permission override is malformed (effect, brand or expiry). */
  'RBAC_OVERRIDE_INVALID',
  /** A custom role is invalid: bad name, unknown or cyclic base, or it reaches an owner-only permission. */
  'RBAC_CUSTOM_ROLE_INVALID',
  /** Creating or changing a custom role would grant a permission its creator does not hold. */
  'RBAC_ESCALATION',
  /** The user is not a member of the org (no membership row), so no permissions can be loaded. */
  'RBAC_MEMBER_NOT_FOUND',

  // --- audit -----------------------------------------------------------------
  // @audit-codes
  /** An audit event failed validation (missing field, too long, details too large, org supplied). */
  'AUDIT_EVENT_INVALID',
  /** record(db, ...) ran outside a tenant transaction: there is no org to write the row for. */
  'AUDIT_NO_TENANT',
  /** An audit query, summary or export filter failed validation. */
  'AUDIT_QUERY_INVALID',
  /** A pagination cursor is malformed or belongs to another org or order. */
  'AUDIT_CURSOR_INVALID',
  /** An export failed while streaming (the destination or the database failed). */
  'AUDIT_EXPORT_FAILED',
  /** The retention job stopped; nothing of the failing partition was dropped. */
  'AUDIT_RETENTION_FAILED',
  /** An archive file does not match its manifest, its anchors or its own hash chain. */
  'AUDIT_ARCHIVE_INVALID',

  // --- crypto ----------------------------------------------------------------
  // @crypto-codes
  // crypto: JWT sessions
  /** A JWT key is unusable: HS256 secret under 32 bytes, bad or duplicate kid, malformed or mismatched key. */
  'JWT_KEY_INVALID',
  /** A JWT is not a compact JWS (three base64url parts with a JSON header and payload). */
  'JWT_MALFORMED',
  /** A JWT is longer than the configured maximum. */
  'JWT_TOO_LARGE',
  /** A JWT is unsecured (`alg: none`). */
  'JWT_UNSECURED',
  /** A JWT's algorithm is not allowed for its key (e.g. HS256 presented for an asymmetric kid). */
  'JWT_ALG_NOT_ALLOWED',
  /** A JWT's `kid` is missing or names no configured key. */
  'JWT_KID_UNKNOWN',
  /** A JWT's signature does not verify (tampered header, payload or signature). */
  'JWT_SIGNATURE_INVALID',
  /** A JWT has expired. */
  'JWT_EXPIRED',
  /** A JWT is not valid yet (`nbf` or `iat` in the future beyond the clock tolerance). */
  'JWT_NOT_YET_VALID',
  /** A JWT's issuer is not the configured one. */
  'JWT_ISSUER_INVALID',
  /** A JWT's audience is not the configured one. */
  'JWT_AUDIENCE_INVALID',
  /** A JWT's type is missing or wrong (an access token used as a refresh token, or the reverse). */
  'JWT_TYPE_INVALID',
  /** A JWT's lifetime (exp - iat) is longer than the configured one. */
  'JWT_LIFETIME_EXCEEDED',
  /** A JWT's claims are missing or invalid (sub, org_id, role, sid, jti, amr). */
  'JWT_CLAIMS_INVALID',
  /** The session does not exist (in the token's org). */
  'SESSION_NOT_FOUND',
  /** The session was revoked; its refresh tokens are useless. */
  'SESSION_REVOKED',
  /** An already-rotated refresh token was presented: the whole session family is now revoked. */
  'SESSION_REFRESH_REUSED',
  /** The immediately previous refresh token, within the grace window: refused, the session stays alive. */
  'SESSION_REFRESH_SUPERSEDED',
  /** The MFA policy requires a second factor for this role and none was proven. */
  'SESSION_MFA_REQUIRED',
  /** An MFA proof passed to sessions is not genuine, already used, expired or for another user. */
  'SESSION_MFA_PROOF_INVALID',
  // crypto: MFA
  /** The user has no (confirmed) TOTP enrolment. */
  'MFA_NOT_ENROLLED',
  /** The user already has a confirmed TOTP enrolment. */
  'MFA_ALREADY_ENROLLED',
  /** The TOTP code is wrong (or outside the accepted window). */
  'MFA_CODE_INVALID',
  /** The TOTP code's time step was already used (replay). */
  'MFA_CODE_REPLAYED',
  /** Too many failed second-factor attempts for this user; retry later. */
  'MFA_RATE_LIMITED',
  /** The recovery code is wrong or was already used. */
  'MFA_RECOVERY_CODE_INVALID',
  /** A stored MFA secret cannot be decrypted (unknown key id or tampered row). */
  'MFA_SECRET_UNREADABLE',
  // crypto: Fernet and keyring
  /** A Fernet key is not 32 bytes of url-safe base64 (or 32 raw bytes). */
  'FERNET_KEY_INVALID',
  /** A Fernet token is not a string of canonical url-safe base64. */
  'FERNET_TOKEN_MALFORMED',
  /** A Fernet token is shorter than version, timestamp, IV, one block and HMAC. */
  'FERNET_TOKEN_TOO_SHORT',
  /** A Fernet token's version byte is not 0x80. */
  'FERNET_VERSION_UNSUPPORTED',
  /** A Fernet token's ciphertext is not a whole number of 16-byte AES blocks. */
  'FERNET_CIPHERTEXT_LENGTH_INVALID',
  /** A Fernet token's HMAC does not verify under any available key (wrong key or tampered). */
  'FERNET_HMAC_INVALID',
  /** A Fernet token is dated more than 60 seconds in the future (clock skew). */
  'FERNET_TOKEN_FROM_FUTURE',
  /** A Fernet token is older than the TTL the caller asked for. */
  'FERNET_TOKEN_EXPIRED',
  /** An authenticated Fernet token decrypts to invalid PKCS7 padding (e.g. a wrong IV). */
  'FERNET_PADDING_INVALID',
  // crypto: token vault
  /** The master key provider failed or returned an invalid key list (bad id, bad key, duplicate id, none). */
  'VAULT_MASTER_KEYS_INVALID',
  /** A data key is wrapped under a master key id the provider does not supply. */
  'VAULT_MASTER_KEY_UNKNOWN',
  /** A wrapped org data key does not unwrap, or belongs to another org or version. */
  'VAULT_KEY_CORRUPT',
  /** A stored secret does not decrypt under its org data key, or was sealed under another name. */
  'VAULT_SECRET_CORRUPT',
  /** A secret name is not 1-200 characters of A-Z a-z 0-9 . _ : / @ - starting with a letter or digit. */
  'VAULT_SECRET_NAME_INVALID',
  /** A vault secret operation ran outside withTenant, or under another org's transaction. */
  'VAULT_TENANT_CONTEXT_MISSING',

  // --- guards ----------------------------------------------------------------
  // @guards-codes
  /** PII redactor: the text is longer than the redactor's maxInputLength; it was refused, not truncated. */
  'PII_INPUT_TOO_LARGE',
  /** PII redactor: the pseudonym session holds maxSessionEntries values; create a new redactor or reset(). */
  'PII_SESSION_LIMIT',
  /** The text given to the prompt guard exceeds its configured `maxInputLength` (it is refused, never truncated). */
  'PROMPT_INPUT_TOO_LARGE',

  // --- adapters --------------------------------------------------------------
  // @adapters-codes
  /** An HTTP request carried no bearer access token (401). */
  'AUTH_TOKEN_MISSING',
  /** An HTTP request's bearer token failed verification (401; the reason is a JWT_ or SESSION_ code). */
  'AUTH_TOKEN_INVALID',
  /** The principal lacks the route's permission (403). */
  'PERMISSION_DENIED',
  /** The resource does not exist for this org, or belongs to another one (404: existence never leaks). */
  'RESOURCE_NOT_FOUND',
  /** Client input (body, query, params or headers) tried to carry an org id (400 in strict mode). */
  'ORG_ID_IN_CLIENT_INPUT',
  /** A mutating route (POST, PUT, PATCH, DELETE) has no permission check and is not marked public. */
  'ROUTE_UNGUARDED',
  /** A request's parameters are malformed (400). */
  'REQUEST_INVALID',
  /** An unexpected error; details are logged, never sent to the client (500). */
  'INTERNAL_ERROR',

  // --- testing ---------------------------------------------------------------
  // @testing-codes
  /** The conformance kit found a leak (or could not seed org A, so nothing was proven); the message is the readable report. */
  'CONFORMANCE_FAILED',
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
