/**
 * tenantguard for Express 5: authentication, tenant transactions, permission
 * checks with brand scope, request audit, RFC 9457 errors, the security
 * routes and a startup check that every mutating route is guarded.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { tenantGuardExpress, notFound } from 'tenantguard/express';
 *
 * const tg = tenantGuardExpress({ pool, sessions, permissions, audit });
 * const app = express();
 * app.use(express.json());
 * app.use(tg.authenticate());
 * app.get('/brands/:brandId', tg.requirePermission('brands.read', { brand: (req) => req.params.brandId }), async (req, res) => {
 *   const { rows } = await req.tenant.run((db) => db.query('SELECT * FROM brands WHERE id = $1', [req.params.brandId]));
 *   if (rows.length === 0) throw notFound('brand');
 *   res.json(rows[0]);
 * });
 * app.use(tg.securityRoutes());
 * app.use(tg.errorHandler());
 * tg.assertRouteCoverage(app); // refuses to start if a POST/PUT/PATCH/DELETE route has no permission check
 * ```
 *
 * @module adapters/express
 */
import './types.js';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { TenantGuardError } from '../../errors.js';
import type { Permission } from '../../rbac/index.js';
import type { Principal } from '../../tenancy/index.js';
import { createHttpGuard, notFound, type HttpGuard, type HttpGuardOptions, type RequestFacts } from '../core/guard.js';
import { PROBLEM_CONTENT_TYPE, problemForError, wwwAuthenticate, type ProblemDetails } from '../core/problem.js';
import { requestIdFrom } from '../core/request-id.js';
import { assertCoverage, type RouteCoverageEntry } from '../core/route-coverage.js';
import {
  SECURITY_ROUTES,
  auditLogBody,
  auditSummaryBody,
  exportContentType,
  exportFormat,
  isolationProofBody,
  postureBody,
  auditFilterFromQuery,
  type SecurityRoutesOptions,
} from '../core/security-routes.js';

export { notFound };
export type { HttpGuard, HttpGuardOptions, TenantHandle, AccessTokenVerifier, PermissionLoader, RequestAuditSink, RequestFacts, AuthResult } from '../core/guard.js';
export type { ProblemDetails } from '../core/problem.js';
export type { RouteCoverageEntry } from '../core/route-coverage.js';
export type { SecurityRoutesOptions, AuditReader } from '../core/security-routes.js';

const PERMISSION = Symbol.for('tenantguard.permission');
const PUBLIC = Symbol.for('tenantguard.public');
const FACTS = Symbol.for('tenantguard.facts');

type Marked = RequestHandler & { [PERMISSION]?: Permission; [PUBLIC]?: true };

/** Options for {@link tenantGuardExpress}. */
export type ExpressGuardOptions = HttpGuardOptions;

/** Options for {@link ExpressGuard.requirePermission}. */
export interface RequirePermissionOptions {
  /** Where the brand id is, for brand-level permissions: `(req) => req.params.brandId`. */
  readonly brand?: (req: Request) => string | undefined | null;
}

/** What {@link tenantGuardExpress} returns. */
export interface ExpressGuard {
  /** Verifies the bearer token; sets `req.principal`, `req.tenant`, `req.requestId`; audits refusals and mutations. */
  authenticate(): RequestHandler;
  /** 403 unless the principal holds `permission` (for `options.brand`'s brand when given). */
  requirePermission(permission: Permission, options?: RequirePermissionOptions): RequestHandler;
  /** Marks a route as deliberately reachable without a permission check (for route coverage). */
  publicRoute(): RequestHandler;
  /** The security routes as a router: isolation proof, posture, audit log, summary, export. */
  securityRoutes(options?: SecurityRoutesOptions): express.Router;
  /** Turns errors into RFC 9457 problem responses; mount last. */
  errorHandler(): ErrorRequestHandler;
  /** Every route of `app` with its method and permission. */
  routeCoverage(app: express.Application): RouteCoverageEntry[];
  /** Throws `ROUTE_UNGUARDED` when a POST, PUT, PATCH or DELETE route has no permission check. */
  assertRouteCoverage(app: express.Application): void;
  /** Waits for audit writes in flight. */
  flush(): Promise<void>;
  /** The framework-neutral guard underneath. */
  readonly guard: HttpGuard;
}

function sendProblem(res: Response, p: ProblemDetails): void {
  if (p.status === 401) res.setHeader('WWW-Authenticate', wwwAuthenticate(p));
  res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

function facts(req: Request): RequestFacts {
  const cached = (req as Request & { [FACTS]?: RequestFacts })[FACTS];
  const route = typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path}` : req.path;
  const f: RequestFacts = {
    key: cached?.key ?? {},
    method: req.method,
    route,
    ip: req.ip,
    userAgent: req.get('user-agent'),
    requestId: cached?.requestId ?? requestIdFrom(req.get('x-request-id')),
  };
  (req as Request & { [FACTS]?: RequestFacts })[FACTS] = f;
  return f;
}

function unauthenticated(): never {
  throw new TenantGuardError('AUTH_TOKEN_MISSING', 'this route did not authenticate the request (mount authenticate() before it)');
}

// Reading req.principal / req.tenant where authenticate() did not run is a
// wiring bug: answer 401 through the error handler instead of handing out
// undefined. Installed when the app creates the guard, not on import.
function installUnauthenticatedGetters(): void {
  for (const key of ['principal', 'tenant'] as const) {
    if (Object.getOwnPropertyDescriptor(express.request, key) === undefined) {
      Object.defineProperty(express.request, key, { get: unauthenticated, configurable: true });
    }
  }
}

interface LayerLike {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: Marked; method?: string }> };
  handle: { stack?: LayerLike[] } & Marked;
  rawPath?: string | RegExp | Array<string | RegExp>;
  path?: string;
}

function joinPath(prefix: string, path: string | RegExp | undefined): string {
  const p = path === undefined ? '' : typeof path === 'string' ? path : path.toString();
  if (p === '/' || p === '') return prefix === '' ? '/' : prefix;
  return `${prefix}${p}`.replace(/\/{2,}/g, '/');
}

function walk(stack: LayerLike[], prefix: string, inherited: { permission: Permission | null; public: boolean }, out: RouteCoverageEntry[]): void {
  let state = { ...inherited };
  for (const layer of stack) {
    if (layer.route !== undefined) {
      const route = layer.route;
      const marks = route.stack.map((l) => l.handle);
      const permission = marks.find((h) => h[PERMISSION] !== undefined)?.[PERMISSION] ?? state.permission;
      const isPublic = marks.some((h) => h[PUBLIC] === true) || state.public;
      for (const [method, on] of Object.entries(route.methods)) {
        if (!on) continue;
        out.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path: joinPath(prefix, route.path), permission, public: isPublic });
      }
    } else if (Array.isArray(layer.handle.stack)) {
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[0] : layer.rawPath;
      walk(layer.handle.stack, joinPath(prefix, raw), state, out);
    } else if (layer.handle[PERMISSION] !== undefined || layer.handle[PUBLIC] === true) {
      // router.use(requirePermission(...)) guards every route registered after it
      state = {
        permission: layer.handle[PERMISSION] ?? state.permission,
        public: layer.handle[PUBLIC] === true || state.public,
      };
    }
  }
}

/**
 * Creates the Express integration. See the module example for a whole app.
 *
 * @example
 * ```ts
 * const tg = tenantGuardExpress({ pool, sessions: createSessions({ pool, keys, issuer, audience }), permissions: createPermissionStore({ cache: true }), audit });
 * app.use(tg.authenticate());
 * app.patch('/brands/:brandId', tg.requirePermission('brands.update', { brand: (req) => req.params.brandId }), handler);
 * app.use(tg.errorHandler());
 * tg.assertRouteCoverage(app);
 * ```
 *
 * @throws TenantGuardError `CONFIG_INVALID` when pool, sessions or permissions are missing.
 */
export function tenantGuardExpress(options: ExpressGuardOptions): ExpressGuard {
  const guard = createHttpGuard(options);
  installUnauthenticatedGetters();

  const authenticate = (): RequestHandler =>
    async function tenantguardAuthenticate(req, res, next) {
      const f = facts(req);
      req.requestId = f.requestId;
      res.setHeader('X-Request-Id', f.requestId);
      let principal: Principal | null = null;
      // 'close' fires for finished and for aborted responses alike.
      res.on('close', () => guard.recordOutcome(principal, facts(req), res.statusCode));
      const auth = await guard.authenticate(req.headers.authorization, f);
      if (!auth.ok) {
        sendProblem(res, auth.problem);
        return;
      }
      principal = auth.principal;
      const smuggled = guard.checkClientInput(principal, { body: req.body, query: req.query, headers: req.headers }, f);
      if (smuggled !== undefined) {
        sendProblem(res, smuggled);
        return;
      }
      Object.defineProperty(req, 'principal', { value: auth.principal, configurable: true, enumerable: true });
      Object.defineProperty(req, 'tenant', { value: guard.tenant(auth.principal), configurable: true, enumerable: true });
      next();
    };

  const requirePermission = (permission: Permission, opts: RequirePermissionOptions = {}): RequestHandler => {
    const handler: Marked = async function tenantguardRequirePermission(req, res, next) {
      const f = facts(req);
      const principal = req.principal;
      const smuggled = guard.checkClientInput(principal, { params: req.params }, f);
      if (smuggled !== undefined) {
        sendProblem(res, smuggled);
        return;
      }
      const brand = opts.brand?.(req);
      const denied = await guard.authorize(principal, permission, brand, f);
      if (denied !== undefined) {
        sendProblem(res, denied);
        return;
      }
      next();
    };
    handler[PERMISSION] = permission;
    return handler;
  };

  const publicRoute = (): RequestHandler => {
    const handler: Marked = function tenantguardPublicRoute(req, res, next) {
      res.setHeader('X-Request-Id', facts(req).requestId);
      next();
    };
    handler[PUBLIC] = true;
    return handler;
  };

  const securityRoutes = (routeOptions: SecurityRoutesOptions = {}): express.Router => {
    const router = express.Router();
    const perm = (path: string): RequestHandler[] => {
      const p = SECURITY_ROUTES.find((r) => r.path === path)?.permission ?? null;
      return p === null ? [] : [requirePermission(p)];
    };
    router.get('/security/isolation-proof', ...perm('/security/isolation-proof'), async (req, res) => {
      res.json(await isolationProofBody(options.pool, req.principal, routeOptions));
    });
    router.get('/security/posture', ...perm('/security/posture'), async (req, res) => {
      res.json(await postureBody(options.pool, req.principal, routeOptions));
    });
    const audit = routeOptions.audit;
    if (audit !== undefined) {
      router.get('/audit/log', ...perm('/audit/log'), async (req, res) => {
        res.json(await auditLogBody(audit, req.principal, req.query));
      });
      router.get('/audit/log/summary', ...perm('/audit/log/summary'), async (req, res) => {
        res.json(await auditSummaryBody(audit, req.principal, req.query));
      });
      router.get('/audit/log/export', ...perm('/audit/log/export'), async (req, res) => {
        const format = exportFormat(req.query.format);
        const filter = auditFilterFromQuery(req.query);
        res.status(200).type(exportContentType(format));
        res.setHeader('Content-Disposition', `attachment; filename="audit-log.${format === 'ndjson' ? 'ndjson' : format}"`);
        await audit.export(req.principal.orgId, filter, { format, to: res });
      });
    }
    return router;
  };

  const errorHandler = (): ErrorRequestHandler =>
    function tenantguardErrorHandler(err, req, res, next) {
      if (res.headersSent) {
        // A streamed response failed midway: the client sees a truncated body.
        next(err);
        return;
      }
      // Errors raised before authenticate() (body parsing) still carry the id.
      const requestId = facts(req).requestId;
      res.setHeader('X-Request-Id', requestId);
      const p = problemForError(err, requestId);
      if (p.status === 500) console.error('tenantguard: unhandled error', err);
      sendProblem(res, p);
    };

  const routeCoverage = (app: express.Application): RouteCoverageEntry[] => {
    const router = (app as unknown as { router?: { stack: LayerLike[] }; _router?: { stack: LayerLike[] } }).router ??
      (app as unknown as { _router?: { stack: LayerLike[] } })._router;
    const out: RouteCoverageEntry[] = [];
    if (router !== undefined) walk(router.stack, '', { permission: null, public: false }, out);
    return out;
  };

  return {
    authenticate,
    requirePermission,
    publicRoute,
    securityRoutes,
    errorHandler,
    routeCoverage,
    assertRouteCoverage: (app) => assertCoverage(routeCoverage(app)),
    flush: () => guard.flush(),
    guard,
  };
}

