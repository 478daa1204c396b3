/**
 * tenantguard for Fastify 5, as an encapsulation-free plugin (fastify-plugin):
 * authentication in onRequest, the route's permission (route `config`) in
 * preHandler, request audit in onResponse, RFC 9457 errors, the security
 * routes, and route coverage checked in onReady (startup fails when a
 * mutating route has no permission).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { tenantGuardFastify, notFound } from 'tenantguard/fastify';
 *
 * const app = Fastify();
 * await app.register(tenantGuardFastify, { pool, sessions, permissions, audit, securityRoutes: { audit } });
 * app.get<{ Params: { brandId: string } }>('/brands/:brandId', {
 *   config: { permission: 'brands.read', brand: (req) => (req.params as { brandId: string }).brandId },
 * }, async (req) => {
 *   const { rows } = await req.tenant.run((db) => db.query('SELECT * FROM brands WHERE id = $1', [req.params.brandId]));
 *   if (rows.length === 0) throw notFound('brand');
 *   return rows[0];
 * });
 * await app.ready(); // rejects with ROUTE_UNGUARDED if a POST/PUT/PATCH/DELETE route has no permission
 * ```
 *
 * @module adapters/fastify
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TenantGuardError } from '../../errors.js';
import type { Permission } from '../../rbac/index.js';
import type { Principal } from '../../tenancy/index.js';
import { createHttpGuard, notFound, type HttpGuard, type HttpGuardOptions, type RequestFacts, type TenantHandle } from '../core/guard.js';
import { PROBLEM_CONTENT_TYPE, problemForError, wwwAuthenticate, type ProblemDetails } from '../core/problem.js';
import { requestIdFrom } from '../core/request-id.js';
import { assertCoverage, type RouteCoverageEntry } from '../core/route-coverage.js';
import {
  SECURITY_ROUTES,
  auditFilterFromQuery,
  auditLogBody,
  auditSummaryBody,
  exportContentType,
  exportFormat,
  isolationProofBody,
  postureBody,
  type SecurityRoutesOptions,
} from '../core/security-routes.js';

export { notFound };
export type { HttpGuard, HttpGuardOptions, TenantHandle, AccessTokenVerifier, PermissionLoader, RequestAuditSink, RequestFacts, AuthResult } from '../core/guard.js';
export type { ProblemDetails } from '../core/problem.js';
export type { RouteCoverageEntry } from '../core/route-coverage.js';
export type { SecurityRoutesOptions, AuditReader } from '../core/security-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified principal. Reading it on a `public` route throws `AUTH_TOKEN_MISSING`. */
    principal: Principal;
    /** withTenant for the principal's org: `await req.tenant.run(async (db) => ...)`. */
    tenant: TenantHandle;
  }
  interface FastifyContextConfig {
    /** The permission this route requires (checked in preHandler). Unknown permissions do not compile. */
    permission?: Permission;
    /** Where the brand id is, for brand-level permissions. */
    brand?: (req: FastifyRequest) => string | undefined | null;
    /** Reachable without authentication or permission, on purpose. */
    public?: boolean;
  }
  interface FastifyInstance {
    /** tenantguard's state on this instance. */
    tenantGuard: FastifyGuardHandle;
  }
}

/** What the plugin decorates the instance with. */
export interface FastifyGuardHandle {
  /** The framework-neutral guard. */
  readonly guard: HttpGuard;
  /** Every route seen since the plugin was registered, with its permission. */
  readonly routes: readonly RouteCoverageEntry[];
  /** Waits for audit writes in flight. */
  flush(): Promise<void>;
}

/** Options for {@link tenantGuardFastify}. */
export interface FastifyGuardOptions extends HttpGuardOptions {
  /** Fail `ready()` when a POST, PUT, PATCH or DELETE route has no permission and is not public. Default true. */
  readonly requireGuardedRoutes?: boolean;
  /** Register the security routes (with these options). Default: not registered. */
  readonly securityRoutes?: boolean | SecurityRoutesOptions;
  /** Install tenantguard's RFC 9457 error handler on the instance. Default true. */
  readonly errorHandler?: boolean;
}

const STATE = Symbol('tenantguard.request');

interface RequestState {
  principal: Principal | null;
  tenant: TenantHandle | null;
  facts: RequestFacts;
}

function stateOf(req: FastifyRequest): RequestState {
  const r = req as FastifyRequest & { [STATE]?: RequestState };
  let s = r[STATE];
  if (s === undefined) {
    s = {
      principal: null,
      tenant: null,
      facts: {
        key: {},
        method: req.method,
        route: req.routeOptions.url ?? req.url.split('?')[0] ?? req.url,
        ip: req.ip,
        userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
        requestId: requestIdFrom(req.headers['x-request-id']),
      },
    };
    r[STATE] = s;
  }
  return s;
}

function sendProblem(reply: FastifyReply, p: ProblemDetails): FastifyReply {
  if (p.status === 401) reply.header('WWW-Authenticate', wwwAuthenticate(p));
  return reply.code(p.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

function unauthenticated(): never {
  throw new TenantGuardError('AUTH_TOKEN_MISSING', 'this route is public: it has no principal or tenant');
}

const plugin: FastifyPluginAsync<FastifyGuardOptions> = async (app: FastifyInstance, options: FastifyGuardOptions) => {
  const guard = createHttpGuard(options);
  const routes: RouteCoverageEntry[] = [];

  app.decorate('tenantGuard', { guard, routes, flush: () => guard.flush() });
  app.decorateRequest('principal', {
    getter(this: FastifyRequest) {
      return stateOf(this).principal ?? unauthenticated();
    },
  });
  app.decorateRequest('tenant', {
    getter(this: FastifyRequest) {
      return stateOf(this).tenant ?? unauthenticated();
    },
  });

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = (route.config ?? {}) as { permission?: Permission; public?: boolean };
    for (const method of methods) {
      if (method === 'HEAD' && route.prefixTrailingSlash === undefined && routes.some((r) => r.method === 'GET' && r.path === route.url)) continue;
      routes.push({ method: String(method).toUpperCase(), path: route.url, permission: config.permission ?? null, public: config.public === true });
    }
  });
  if (options.requireGuardedRoutes !== false) {
    app.addHook('onReady', async () => {
      assertCoverage(routes);
    });
  }

  app.addHook('onRequest', async (req, reply) => {
    const s = stateOf(req);
    reply.header('X-Request-Id', s.facts.requestId);
    if (req.routeOptions.config?.public === true) return;
    const auth = await guard.authenticate(req.headers.authorization, s.facts);
    if (!auth.ok) return sendProblem(reply, auth.problem);
    s.principal = auth.principal;
    s.tenant = guard.tenant(auth.principal);
    return undefined;
  });

  app.addHook('preHandler', async (req, reply) => {
    const s = stateOf(req);
    if (s.principal === null) return undefined;
    const smuggled = guard.checkClientInput(s.principal, { body: req.body, query: req.query, params: req.params, headers: req.headers }, s.facts);
    if (smuggled !== undefined) return sendProblem(reply, smuggled);
    const permission = req.routeOptions.config?.permission;
    if (permission === undefined) return undefined;
    const brand = req.routeOptions.config?.brand?.(req);
    const denied = await guard.authorize(s.principal, permission, brand, s.facts);
    if (denied !== undefined) return sendProblem(reply, denied);
    return undefined;
  });

  app.addHook('onResponse', async (req, reply) => {
    const s = stateOf(req);
    guard.recordOutcome(s.principal, s.facts, reply.statusCode);
  });

  if (options.errorHandler !== false) {
    app.setErrorHandler((err, req, reply) => {
      const p = problemForError(err, stateOf(req).facts.requestId);
      if (p.status === 500) req.log.error({ err }, 'tenantguard: unhandled error');
      return sendProblem(reply, p);
    });
  }

  if (options.securityRoutes !== undefined && options.securityRoutes !== false) {
    const routeOptions: SecurityRoutesOptions = options.securityRoutes === true ? {} : options.securityRoutes;
    const perm = (path: string): { permission?: Permission } => {
      const p = SECURITY_ROUTES.find((r) => r.path === path)?.permission ?? null;
      return p === null ? {} : { permission: p };
    };
    app.get('/security/isolation-proof', { config: perm('/security/isolation-proof') }, async (req) =>
      isolationProofBody(options.pool, req.principal, routeOptions),
    );
    app.get('/security/posture', { config: perm('/security/posture') }, async (req) => postureBody(options.pool, req.principal, routeOptions));
    const audit = routeOptions.audit;
    if (audit !== undefined) {
      app.get('/audit/log', { config: perm('/audit/log') }, async (req) =>
        auditLogBody(audit, req.principal, req.query as Record<string, unknown>),
      );
      app.get('/audit/log/summary', { config: perm('/audit/log/summary') }, async (req) =>
        auditSummaryBody(audit, req.principal, req.query as Record<string, unknown>),
      );
      app.get('/audit/log/export', { config: perm('/audit/log/export') }, async (req, reply) => {
        const q = req.query as Record<string, unknown>;
        const format = exportFormat(q.format);
        const filter = auditFilterFromQuery(q);
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': exportContentType(format),
          'content-disposition': `attachment; filename="audit-log.${format}"`,
          'x-request-id': stateOf(req).facts.requestId,
        });
        await audit.export(req.principal.orgId, filter, { format, to: reply.raw });
      });
    }
  }
};

/**
 * The Fastify plugin. Register it before your routes so route coverage sees them.
 *
 * @example
 * ```ts
 * await app.register(tenantGuardFastify, { pool, sessions, permissions, audit });
 * app.patch('/brands/:brandId', { config: { permission: 'brands.update', brand: (req) => (req.params as { brandId: string }).brandId } }, handler);
 * await app.ready(); // rejects with ROUTE_UNGUARDED if a mutating route has no permission
 * ```
 */
export const tenantGuardFastify = fp(plugin, { fastify: '5.x', name: 'tenantguard' });
