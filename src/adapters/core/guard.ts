/**
 * The framework-neutral request guard both adapters are thin shells over:
 * authenticate a bearer token, check a permission (with brand scope), give
 * the handler a tenant transaction, and audit what happened.
 */
import type { AuditEvent, AuditLog } from '../../audit/index.js';
import { TenantGuardError, isTenantGuardError } from '../../errors.js';
import type { CompiledPrincipal, PermissionEngine } from '../../rbac/index.js';
import type { Permission } from '../../rbac/index.js';
import {
  parseOrgId,
  withTenant as defaultWithTenant,
  type OrgId,
  type PoolLike,
  type Principal,
  type TenantDb,
  type WithTenant,
  type WithTenantOptions,
} from '../../tenancy/index.js';
import { bearerToken } from './bearer.js';
import { findOrgIdInInput } from './org-smuggling.js';
import { problem, type ProblemDetails } from './problem.js';

/** Verifies access tokens; `createSessions(...)` satisfies it. */
export interface AccessTokenVerifier {
  /** Verifies a bearer access token and returns its principal; rejects with a `TenantGuardError` when it does not verify. */
  verifyAccessToken(token: string): Promise<Principal>;
}

/** Loads a member's compiled permissions; `createPermissionStore(...)` satisfies it. */
export interface PermissionLoader {
  /** The engine that answers `can()` / `explain()` for loaded principals. */
  readonly engine: PermissionEngine;
  /** Loads and compiles the member's permissions in their org (inside a tenant transaction on `pool`). */
  load(pool: PoolLike, principal: { orgId: OrgId; userId: string }): Promise<CompiledPrincipal>;
}

/** The audit event the adapters write. */
export type HttpAuditEvent = AuditEvent;

/** Writes audit rows outside a tenant transaction; `createAuditLog(...)` satisfies it. */
export type RequestAuditSink = Pick<AuditLog, 'recordStandalone'>;

/** Options shared by the Express and Fastify adapters. */
export interface HttpGuardOptions {
  /** The application's pool; its login role should be a member of tenantguard_app. */
  readonly pool: PoolLike;
  /** Verifies bearer access tokens (e.g. `createSessions(...)`). */
  readonly sessions: AccessTokenVerifier;
  /** Loads compiled permissions (e.g. `createPermissionStore({ cache: true })`). */
  readonly permissions: PermissionLoader;
  /** Where request audit rows go (e.g. `createAuditLog(...)`). Without it nothing is audited. */
  readonly audit?: RequestAuditSink;
  /** The withTenant to run `req.tenant.run` in (a tenant router's, say). */
  readonly withTenant?: WithTenant;
  /** Options for every tenant transaction, e.g. `{ role: 'tenantguard_app' }`. */
  readonly tenantOptions?: WithTenantOptions;
  /**
   * Answer 400 (and audit the attempt) when body, query, params or headers
   * carry an org id. Default true. The org id is never read from them either way.
   */
  readonly strictOrgId?: boolean;
  /** Called when an audit write fails (the response is not affected). Default: console.error. */
  readonly onAuditError?: (err: unknown) => void;
}

/** How a route's brand is found: a function of the framework's request. */
export type BrandSelector<Req> = (req: Req) => string | undefined | null;

/** What a permission check needs to know. */
export interface PermissionRequirement<Req> {
  readonly permission: Permission;
  readonly brand?: BrandSelector<Req> | undefined;
}

/** The per-request tenant handle: `req.tenant.run(db => ...)`. */
export interface TenantHandle {
  /** The org of the verified principal. */
  readonly orgId: OrgId;
  /** withTenant for the principal's org: one transaction, RLS-scoped. */
  run<T>(fn: (db: TenantDb) => Promise<T> | T, options?: WithTenantOptions): Promise<T>;
}

/** The framework-neutral facts about one request. */
export interface RequestFacts {
  /** An object unique to this request (never the client-chosen id): refusal bookkeeping is keyed by it. */
  readonly key: object;
  /** The HTTP method, as the framework reports it. */
  readonly method: string;
  /** The route pattern (`/brands/:id`), or the path when none. */
  readonly route: string;
  /** The client address the framework reports (audited as `ip_address`). */
  readonly ip?: string | undefined;
  /** The User-Agent header (audited, truncated to 500 characters). */
  readonly userAgent?: string | undefined;
  /** The id the request's audit rows carry (a sane client X-Request-Id, else a uuid). */
  readonly requestId: string;
}

/** Outcome of authentication: a principal, or the problem to answer. */
export type AuthResult =
  | {
      /** Verified. */
      ok: true;
      /** Who is calling, with the org from the token. */
      principal: Principal;
    }
  | {
      /** Refused. */
      ok: false;
      /** The 401 to answer. */
      problem: ProblemDetails;
    };

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for POST, PUT, PATCH and DELETE. */
export function isMutating(method: string): boolean {
  return MUTATING.has(method.toUpperCase());
}

/** The guard. */
export interface HttpGuard {
  /** The options it was built with. */
  readonly options: HttpGuardOptions;
  /** Verifies the Authorization header. */
  authenticate(authorization: string | readonly string[] | undefined, facts: RequestFacts): Promise<AuthResult>;
  /** Finds org ids in client input; returns the problem to answer in strict mode. */
  checkClientInput(
    principal: Principal | null,
    input: { body?: unknown; query?: unknown; params?: unknown; headers?: Readonly<Record<string, unknown>> },
    facts: RequestFacts,
  ): ProblemDetails | undefined;
  /** Checks a permission for a principal; returns the problem to answer when denied. */
  authorize(principal: Principal, permission: Permission, brandId: string | undefined | null, facts: RequestFacts): Promise<ProblemDetails | undefined>;
  /** The tenant handle for a principal. */
  tenant(principal: Principal): TenantHandle;
  /** Records the outcome of a finished request when it should be audited. */
  recordOutcome(principal: Principal | null, facts: RequestFacts, status: number, extra?: Record<string, unknown>): void;
  /** Waits for audit writes in flight (tests, graceful shutdown). */
  flush(): Promise<void>;
}

/** Builds the framework-neutral guard. Adapters call this; applications use the adapters. */
export function createHttpGuard(options: HttpGuardOptions): HttpGuard {
  if (typeof options.pool?.connect !== 'function') throw new TenantGuardError('CONFIG_INVALID', 'adapter: pool must have connect()');
  if (typeof options.sessions?.verifyAccessToken !== 'function') {
    throw new TenantGuardError('CONFIG_INVALID', 'adapter: sessions must have verifyAccessToken()');
  }
  if (typeof options.permissions?.load !== 'function' || typeof options.permissions.engine?.can !== 'function') {
    throw new TenantGuardError('CONFIG_INVALID', 'adapter: permissions must have load() and engine');
  }
  const run: WithTenant = options.withTenant ?? defaultWithTenant;
  const strict = options.strictOrgId !== false;
  const onAuditError = options.onAuditError ?? ((err: unknown) => console.error('tenantguard: audit write failed', err));
  const inFlight = new Set<Promise<unknown>>();
  // Requests whose refusal (401/403/400 org id) already has its row: their
  // outcome is not recorded a second time when the response finishes.
  // Keyed by a per-request object, not by the request id: that id may come
  // from the client, and a reused one must not suppress another request's row.
  const refused = new WeakSet<object>();

  const write = (orgId: OrgId | null, event: HttpAuditEvent): void => {
    if (options.audit === undefined) return;
    const p = options.audit
      .recordStandalone(event, { orgId })
      .catch(onAuditError)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const baseEvent = (principal: Principal | null, facts: RequestFacts, action: string, details: Record<string, unknown>): HttpAuditEvent => ({
    action,
    resourceType: 'http_route',
    resourceId: `${facts.method.toUpperCase()} ${facts.route}`.slice(0, 200),
    // The audit log's user_id is a uuid; other user ids go into details so
    // the row is still written (a refused audit write would lose the event).
    ...(principal !== null
      ? UUID.test(principal.userId)
        ? { userId: principal.userId, userRole: principal.role }
        : { userRole: principal.role }
      : {}),
    ...(principal?.sessionId !== undefined ? { sessionId: principal.sessionId } : {}),
    ...(facts.ip !== undefined ? { ipAddress: facts.ip } : {}),
    ...(facts.userAgent !== undefined ? { userAgent: facts.userAgent.slice(0, 500) } : {}),
    requestId: facts.requestId,
    details: principal !== null && !UUID.test(principal.userId) ? { ...details, userRef: principal.userId.slice(0, 200) } : details,
  });

  return {
    options,
    async authenticate(authorization, facts) {
      const token = bearerToken(authorization);
      if (token === undefined || token === null) {
        const p =
          token === undefined
            ? problem(401, 'AUTH_TOKEN_MISSING', 'Send an access token as "Authorization: Bearer <token>".', { instance: facts.requestId })
            : problem(401, 'AUTH_TOKEN_INVALID', 'The Authorization header is not a single well-formed bearer token.', {
                reason: 'JWT_MALFORMED',
                instance: facts.requestId,
              });
        refused.add(facts.key);
        write(null, baseEvent(null, facts, 'auth.denied', { status: 401, outcome: 'denied', code: p.code, reason: p.reason ?? null }));
        return { ok: false, problem: p };
      }
      try {
        const principal = await options.sessions.verifyAccessToken(token);
        return { ok: true, principal };
      } catch (err) {
        if (!isTenantGuardError(err)) throw err;
        const p = problem(401, 'AUTH_TOKEN_INVALID', 'The access token was refused.', { reason: err.code, instance: facts.requestId });
        refused.add(facts.key);
        write(null, baseEvent(null, facts, 'auth.denied', { status: 401, outcome: 'denied', code: p.code, reason: err.code }));
        return { ok: false, problem: p };
      }
    },

    checkClientInput(principal, input, facts) {
      const found = findOrgIdInInput(input);
      if (found.length === 0 || !strict) return undefined;
      refused.add(facts.key);
      write(
        principal === null ? null : principal.orgId,
        baseEvent(principal, facts, 'request.org_id_rejected', { status: 400, outcome: 'denied', locations: found }),
      );
      return problem(400, 'ORG_ID_IN_CLIENT_INPUT', `The org comes from the access token only; remove ${found.join(', ')}.`, {
        instance: facts.requestId,
      });
    },

    async authorize(principal, permission, brandId, facts) {
      let compiled: CompiledPrincipal;
      try {
        compiled = await options.permissions.load(options.pool, { orgId: principal.orgId, userId: principal.userId });
      } catch (err) {
        if (!isTenantGuardError(err, 'RBAC_MEMBER_NOT_FOUND')) throw err;
        refused.add(facts.key);
        write(principal.orgId, baseEvent(principal, facts, 'permission.denied', { status: 403, outcome: 'denied', permission, reason: 'not a member' }));
        return problem(403, 'PERMISSION_DENIED', `Not allowed: ${permission}.`, { instance: facts.requestId });
      }
      const scope = brandId === undefined || brandId === null || brandId === '' ? { orgId: principal.orgId } : { orgId: principal.orgId, brandId };
      if (options.permissions.engine.can(compiled, permission, scope)) return undefined;
      const why = options.permissions.engine.explain(compiled, permission, scope);
      refused.add(facts.key);
      write(
        principal.orgId,
        baseEvent(principal, facts, 'permission.denied', {
          status: 403,
          outcome: 'denied',
          permission,
          brandId: scope.brandId ?? null,
          reason: why.reason,
        }),
      );
      return problem(403, 'PERMISSION_DENIED', `Not allowed: ${permission}.`, { instance: facts.requestId });
    },

    tenant(principal) {
      const orgId = parseOrgId(principal.orgId);
      return {
        orgId,
        run: (fn, extra) => run(options.pool, orgId, fn, { ...options.tenantOptions, ...extra }),
      };
    },

    recordOutcome(principal, facts, status, extra = {}) {
      // Refusals were recorded where they happened; otherwise every
      // mutating request's outcome, success or failure.
      if (refused.delete(facts.key)) return;
      if (!isMutating(facts.method)) return;
      write(
        principal === null ? null : principal.orgId,
        baseEvent(principal, facts, `http.${facts.method.toLowerCase()}`, {
          status,
          outcome: status < 400 ? 'success' : 'failure',
          ...extra,
        }),
      );
    },

    async flush() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** Error to throw from a handler when a row is not visible (another org's, or absent): answers 404. */
export function notFound(what = 'resource'): TenantGuardError {
  return new TenantGuardError('RESOURCE_NOT_FOUND', `No such ${what}.`);
}
