/**
 * tenantguard: the security layer for multi-tenant Node.js services on
 * PostgreSQL. This file only re-exports; each module documents itself.
 *
 * @packageDocumentation
 */

export { ERROR_CODES, TenantGuardError, isTenantGuardError } from './errors.js';
export type { ErrorCode, TenantGuardErrorOptions } from './errors.js';

// @tenancy-exports

// @migrate-exports

// @rbac-exports

// @audit-exports

// @crypto-exports

// @guards-exports
