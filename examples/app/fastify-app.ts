/**
 * The example app on Fastify 5: the same route table, bound with
 * tenantguard's Fastify plugin (permission in route config).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { tenantGuardFastify } from '../../src/adapters/fastify/index.js';
import { ROUTES, type AppRoute } from './routes.js';
import type { AppServices } from './services.js';

/** Builds the Fastify app (tests pass a modified route table); `ready()` fails when a mutating route has no permission. */
export async function buildFastifyApp(services: AppServices, routes: readonly AppRoute[] = ROUTES): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 100 * 1024 });
  await app.register(tenantGuardFastify, {
    pool: services.pool,
    sessions: services.sessions,
    permissions: services.permissions,
    audit: services.audit,
    requireGuardedRoutes: true,
    securityRoutes: { audit: services.audit },
  });
  app.get('/health', { config: { public: true } }, () => ({ ok: true }));
  for (const route of routes) {
    const brandParam = route.brandParam;
    app.route({
      method: route.method,
      url: route.path,
      config: {
        permission: route.permission,
        ...(brandParam !== undefined ? { brand: (req) => (req.params as Record<string, string>)[brandParam] } : {}),
      },
      handler: async (req, reply) => {
        const out = await route.handle({
          params: req.params as Record<string, string>,
          body: req.body,
          principal: req.principal,
          tenant: req.tenant,
          services,
        });
        reply.code(out.status);
        return out.body === undefined ? reply.send() : reply.send(out.body);
      },
    });
  }
  await app.ready();
  return app;
}
