/**
 * One error format for both frameworks: RFC 9457 problem details, with the
 * stable tenantguard `code` as an extension member.
 */
import { isTenantGuardError, type ErrorCode } from '../../errors.js';

/** An RFC 9457 problem details body, as sent with `application/problem+json`. */
export interface ProblemDetails {
  /** `urn:tenantguard:problem:<code>`: stable, dereferencing not required (RFC 9457 §3.1.1). */
  readonly type: string;
  /** Short, human-readable summary of the problem type. */
  readonly title: string;
  /** The HTTP status code. */
  readonly status: number;
  /** What went wrong with this request; never secrets or other orgs' data. */
  readonly detail: string;
  /** The stable tenantguard error code. */
  readonly code: ErrorCode;
  /** For 401s: the token verifier's own code (e.g. `JWT_EXPIRED`), so clients know to refresh. */
  readonly reason?: string;
  /** The request id, to find the audit row. */
  readonly instance?: string;
}

/** The content type of {@link ProblemDetails}. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Partial<Record<ErrorCode, string>> = {
  AUTH_TOKEN_MISSING: 'Authentication required',
  AUTH_TOKEN_INVALID: 'Invalid access token',
  PERMISSION_DENIED: 'Permission denied',
  RESOURCE_NOT_FOUND: 'Not found',
  ORG_ID_IN_CLIENT_INPUT: 'Org id not accepted from the client',
  REQUEST_INVALID: 'Invalid request',
  INTERNAL_ERROR: 'Internal error',
};

/** A problem for a code and status. */
export function problem(status: number, code: ErrorCode, detail: string, extra: { reason?: string; instance?: string } = {}): ProblemDetails {
  return {
    type: `urn:tenantguard:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[code] ?? code,
    status,
    detail,
    code,
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    ...(extra.instance !== undefined ? { instance: extra.instance } : {}),
  };
}

// Errors a handler may let escape that are the client's fault, by code.
const CLIENT_ERRORS: Partial<Record<ErrorCode, number>> = {
  INPUT_INVALID: 400,
  REQUEST_INVALID: 400,
  ORG_ID_INVALID: 400,
  ORG_ID_IN_CLIENT_INPUT: 400,
  AUDIT_QUERY_INVALID: 400,
  AUDIT_CURSOR_INVALID: 400,
  AUDIT_EVENT_INVALID: 400,
  RBAC_PATTERN_INVALID: 400,
  RBAC_PERMISSION_UNKNOWN: 400,
  RBAC_ROLE_UNKNOWN: 400,
  RBAC_OVERRIDE_INVALID: 400,
  RBAC_CUSTOM_ROLE_INVALID: 400,
  PROMPT_INPUT_TOO_LARGE: 413,
  PII_INPUT_TOO_LARGE: 413,
  AUTH_TOKEN_MISSING: 401,
  AUTH_TOKEN_INVALID: 401,
  PERMISSION_DENIED: 403,
  RBAC_ESCALATION: 403,
  RBAC_MEMBER_NOT_FOUND: 403,
  RESOURCE_NOT_FOUND: 404,
};

/**
 * The problem to send for an error that reached the adapter. Unknown errors
 * become a bare 500: their message may hold SQL or data and is not sent.
 */
export function problemForError(err: unknown, instance?: string): ProblemDetails {
  if (isTenantGuardError(err)) {
    const status = CLIENT_ERRORS[err.code];
    if (status !== undefined) {
      const reason = typeof err.details?.reason === 'string' ? err.details.reason : undefined;
      return problem(status, err.code, err.message, { ...(reason !== undefined ? { reason } : {}), ...(instance !== undefined ? { instance } : {}) });
    }
  }
  // The framework's own client errors (malformed JSON, body too large,
  // schema validation) keep their 4xx status, in the same problem format.
  const e = err as { status?: unknown; statusCode?: unknown; message?: unknown } | null;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.status === 'number' ? e.status : undefined;
  if (!isTenantGuardError(err) && status !== undefined && status >= 400 && status < 500) {
    const detail = typeof e?.message === 'string' && e.message.length <= 300 ? e.message : 'The request is malformed.';
    return { ...problem(400, 'REQUEST_INVALID', detail, instance !== undefined ? { instance } : {}), status };
  }
  return problem(500, 'INTERNAL_ERROR', 'The server could not complete the request.', instance !== undefined ? { instance } : {});
}

/** The `WWW-Authenticate` header value for a 401 (RFC 6750 §3). */
export function wwwAuthenticate(p: ProblemDetails): string {
  return p.code === 'AUTH_TOKEN_MISSING' ? 'Bearer' : `Bearer error="invalid_token", error_description="${p.reason ?? 'invalid'}"`;
}
