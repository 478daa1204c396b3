/**
 * The example app on Express 5: the shared route table bound with
 * tenantguard's Express middleware.
 */
import express from 'express';
import { tenantGuardExpress } from '../../src/adapters/express/index.js';
import { ROUTES, type AppRoute } from './routes.js';
import type { AppServices } from './services.js';

/** Builds the Express app (tests pass a modified route table); refuses to build when a mutating route has no permission. */
export function buildExpressApp(services: AppServices, routes: readonly AppRoute[] = ROUTES): express.Express {
  const tg = tenantGuardExpress({
    pool: services.pool,
    sessions: services.sessions,
    permissions: services.permissions,
    audit: services.audit,
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));
  app.get('/health', tg.publicRoute(), (_req, res) => {
    res.json({ ok: true });
  });
  app.use(tg.authenticate());
  for (const route of routes) {
    const brandParam = route.brandParam;
    const check = tg.requirePermission(route.permission, brandParam !== undefined ? { brand: (req) => (req.params as Record<string, string | undefined>)[brandParam] } : {});
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    app[method](route.path, check, async (req, res) => {
      const reply = await route.handle({
        params: req.params as Record<string, string>,
        body: req.body as unknown,
        principal: req.principal,
        tenant: req.tenant,
        services,
      });
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    });
  }
  app.use(tg.securityRoutes({ audit: services.audit }));
  app.use(tg.errorHandler());
  tg.assertRouteCoverage(app);
  // The route list, for the conformance kit's coverage report.
  app.locals.routeCoverage = tg.routeCoverage(app);
  return app;
}
