/**
 * Org ids: the one value that decides which tenant's rows a transaction sees.
 * An {@link OrgId} exists only through {@link parseOrgId}, so nothing in
 * tenantguard accepts a raw string where an org is meant.
 *
 * @module tenancy
 */
import { TenantGuardError } from '../errors.js';

declare const orgIdBrand: unique symbol;

/**
 * A canonical, lowercase uuid (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`) that
 * has been validated by {@link parseOrgId}. The brand is compile-time only;
 * at run time it is a plain string.
 */
export type OrgId = string & {
  /** Compile-time brand only; never present at run time. */
  readonly [orgIdBrand]: 'OrgId';
};

// Canonical 8-4-4-4-12 hex only: no braces, no urn:uuid: prefix, no missing
// hyphens, no surrounding whitespace. PostgreSQL's uuid input accepts all of
// those, which is exactly why we do not hand it anything but this form.
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `value` is a canonical uuid string in lowercase, i.e. exactly
 * what {@link parseOrgId} returns. Uppercase input is not an `OrgId` until
 * parsed (parsing normalises it).
 */
export function isOrgId(value: unknown): value is OrgId {
  return typeof value === 'string' && value.length === 36 && CANONICAL_UUID.test(value) && value === value.toLowerCase();
}

/**
 * Validates an org id and returns it as a branded {@link OrgId}, normalised
 * to lowercase. Anything that is not a canonical uuid string throws
 * `TenantGuardError('ORG_ID_INVALID')` before any SQL is sent. The rejected
 * value is never echoed into the message (it may be attacker-controlled).
 *
 * @example
 * ```ts
 * const orgId = parseOrgId(claims.org_id); // from the verified token only
 * await withTenant(pool, orgId, (db) => db.query('SELECT * FROM brands'));
 * ```
 */
export function parseOrgId(value: unknown): OrgId {
  if (typeof value !== 'string' || value.length !== 36 || !CANONICAL_UUID.test(value)) {
    throw new TenantGuardError('ORG_ID_INVALID', 'org id must be a canonical uuid (8-4-4-4-12 hexadecimal digits)', {
      details: { type: value === null ? 'null' : typeof value },
    });
  }
  return value.toLowerCase() as OrgId;
}
