/**
 * The authenticated caller, as every module sees it.
 *
 * @module tenancy
 */
import type { OrgId } from './org-id.js';

/**
 * Who is calling, taken from a verified token (never from the body, query or
 * headers). Kept deliberately small: rbac, sessions and the adapters all
 * depend on this shape, so fields are only ever added as optional.
 */
export interface Principal {
  /** The user's id, as issued by the identity provider or session store. */
  userId: string;
  /** The org the token was issued for; the only source of the tenant. */
  orgId: OrgId;
  /** The user's role name in that org (e.g. `owner`, `admin`, `member`). */
  role: string;
  /** The session the token belongs to, when sessions are tracked. */
  sessionId?: string;
  /** True when the session passed a second factor. */
  mfa?: boolean;
}
