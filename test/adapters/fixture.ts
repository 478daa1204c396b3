/**
 * One app, two frameworks: the same routes over a `brands` table, bound to
 * Express and to Fastify, served on loopback, with two orgs and five users.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyContextConfig, type FastifyInstance } from 'fastify';
import { createAuditLog, type AuditLog } from '../../src/audit/index.js';
import { createSessions, type Sessions } from '../../src/crypto/sessions.js';
import { createPermissionStore, type PermissionStore, type Permission } from '../../src/rbac/index.js';
import { parseOrgId, withTenant, type OrgId } from '../../src/tenancy/index.js';
import { notFound, tenantGuardExpress, type AccessTokenVerifier, type ExpressGuard } from '../../src/adapters/express/index.js';
import { tenantGuardFastify } from '../../src/adapters/fastify/index.js';
import { TenantGuardError } from '../../src/errors.js';
import type { TestDatabase } from '../support/db.js';

export const SECRET = 'adapter-tests-secret-0123456789abcdef-0123456789';
export const ISSUER = 'https://tests.tenantguard.local';
export const AUDIENCE = 'tenantguard-tests';

export interface World {
  orgA: OrgId;
  orgB: OrgId;
  users: Record<'ownerA' | 'adminA' | 'managerA' | 'editorA' | 'viewerA' | 'ownerB', { id: string; token: string }>;
  brandX: string; // org A, granted to managerA
  brandY: string; // org A, not granted
  brandB: string; // org B
  sessions: Sessions;
  permissions: PermissionStore;
  audit: AuditLog;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function buildWorld(db: TestDatabase): Promise<World> {
  await db.pool.query(`
    CREATE TABLE public.brands (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL,
      name text NOT NULL
    );
    CREATE INDEX ON public.brands (org_id, id);
    SELECT tenantguard.enable_tenant_isolation('public.brands');
  `);
  const pool = db.appPool;
  const sessions = createSessions({ pool, keys: [{ kid: 'k1', secret: SECRET }], issuer: ISSUER, audience: AUDIENCE });
  const permissions = createPermissionStore({ cache: false });
  const audit = createAuditLog({ pool, adminPool: db.pool });
  const orgA = parseOrgId(randomUUID());
  const orgB = parseOrgId(randomUUID());
  const brandX = randomUUID();
  const brandY = randomUUID();
  const brandB = randomUUID();
  const roles = { ownerA: 'owner', adminA: 'admin', managerA: 'manager', editorA: 'editor', viewerA: 'viewer', ownerB: 'owner' } as const;
  const users = {} as World['users'];
  for (const [key, role] of Object.entries(roles) as Array<[keyof typeof roles, (typeof roles)[keyof typeof roles]]>) {
    const id = randomUUID();
    const org = key === 'ownerB' ? orgB : orgA;
    await withTenant(pool, org, (t) => permissions.setMemberRole(t, id, role));
    const { accessToken } = await sessions.issue({ userId: id, orgId: org, role });
    users[key] = { id, token: accessToken };
  }
  await withTenant(pool, orgA, async (t) => {
    await t.query('INSERT INTO public.brands (id, org_id, name) VALUES ($1, $3, $4), ($2, $3, $5)', [brandX, brandY, orgA, 'X', 'Y']);
    await permissions.grantBrands(t, users.managerA.id, [brandX]);
  });
  await withTenant(pool, orgB, (t) => t.query('INSERT INTO public.brands (id, org_id, name) VALUES ($1, $2, $3)', [brandB, orgB, 'B']));
  return { orgA, orgB, users, brandX, brandY, brandB, sessions, permissions, audit };
}

/** The routes both frameworks serve: one table, so they cannot drift. */
interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string; // express-style
  permission?: Permission;
  brandParam?: string;
  public?: true;
  handler: (ctx: { params: Record<string, string>; body: unknown; run: <T>(fn: (q: { query: (t: string, v?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }> }) => Promise<T>) => Promise<T> }) => Promise<{ status: number; body?: unknown }>;
}

function brandIdOf(params: Record<string, string>): string {
  const id = params.brandId ?? '';
  // A malformed id cannot name a visible row: answer as for any invisible one.
  if (!UUID.test(id)) throw notFound('brand');
  return id;
}

export const ROUTES: RouteDef[] = [
  { method: 'GET', path: '/health', public: true, handler: async () => ({ status: 200, body: { ok: true } }) },
  {
    method: 'GET',
    path: '/brands',
    permission: 'brands.read',
    handler: async ({ run }) => ({ status: 200, body: (await run((db) => db.query('SELECT id, name FROM public.brands ORDER BY name'))).rows }),
  },
  {
    method: 'GET',
    path: '/brands/:brandId',
    permission: 'brands.read',
    brandParam: 'brandId',
    handler: async ({ params, run }) => {
      const r = await run((db) => db.query('SELECT id, name FROM public.brands WHERE id = $1', [brandIdOf(params)]));
      if (r.rows.length === 0) throw notFound('brand');
      return { status: 200, body: r.rows[0] };
    },
  },
  {
    method: 'POST',
    path: '/brands',
    permission: 'brands.create',
    handler: async ({ body, run }) => {
      const name = (body as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || name.length === 0) throw new TenantGuardError('REQUEST_INVALID', 'name is required');
      const r = await run((db) =>
        db.query('INSERT INTO public.brands (org_id, name) VALUES (tenantguard.current_org_id(), $1) RETURNING id, name', [name]),
      );
      return { status: 201, body: r.rows[0] };
    },
  },
  {
    method: 'PATCH',
    path: '/brands/:brandId',
    permission: 'brands.update',
    brandParam: 'brandId',
    handler: async ({ params, body, run }) => {
      const name = (body as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') throw new TenantGuardError('REQUEST_INVALID', 'name is required');
      const r = await run((db) => db.query('UPDATE public.brands SET name = $2 WHERE id = $1 RETURNING id, name', [brandIdOf(params), name]));
      if (r.rows.length === 0) throw notFound('brand');
      return { status: 200, body: r.rows[0] };
    },
  },
  {
    method: 'DELETE',
    path: '/brands/:brandId',
    permission: 'brands.delete',
    brandParam: 'brandId',
    handler: async ({ params, run }) => {
      const r = await run((db) => db.query('DELETE FROM public.brands WHERE id = $1', [brandIdOf(params)]));
      if (r.rowCount === 0) throw notFound('brand');
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/boom',
    permission: 'brands.read',
    handler: async () => {
      throw new Error('secret internal detail: password=hunter2');
    },
  },
];

export interface RunningApp {
  name: 'express' | 'fastify';
  url: string;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Replacements for the world's dependencies (e.g. a slow token verifier). */
export interface AppOverrides {
  sessions?: AccessTokenVerifier;
}

export async function startExpress(db: TestDatabase, w: World, overrides: AppOverrides = {}): Promise<RunningApp & { tg: ExpressGuard; app: express.Express }> {
  const tg = tenantGuardExpress({
    pool: db.appPool,
    sessions: overrides.sessions ?? w.sessions,
    permissions: w.permissions,
    audit: w.audit,
    onAuditError: () => undefined,
  });
  const app = express();
  app.use(express.json());
  for (const r of ROUTES.filter((x) => x.public === true)) {
    app[r.method.toLowerCase() as 'get'](r.path, tg.publicRoute(), async (req, res) => {
      const out = await r.handler({ params: req.params as Record<string, string>, body: req.body, run: () => Promise.reject(new Error('public')) });
      res.status(out.status).json(out.body);
    });
  }
  app.use(tg.authenticate());
  for (const r of ROUTES.filter((x) => x.public !== true)) {
    const guard = tg.requirePermission(r.permission as Permission, r.brandParam !== undefined ? { brand: (req) => req.params[r.brandParam as string] as string } : {});
    app[r.method.toLowerCase() as 'get'](r.path, guard, async (req, res) => {
      const out = await r.handler({ params: req.params as Record<string, string>, body: req.body, run: (fn) => req.tenant.run(fn) });
      if (out.body === undefined) res.status(out.status).end();
      else res.status(out.status).json(out.body);
    });
  }
  app.use(tg.securityRoutes({ audit: w.audit }));
  app.use(tg.errorHandler());
  tg.assertRouteCoverage(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: 'express',
    url: `http://127.0.0.1:${port}`,
    tg,
    app,
    flush: () => tg.flush(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startFastify(db: TestDatabase, w: World, overrides: AppOverrides = {}): Promise<RunningApp & { app: FastifyInstance }> {
  const app = Fastify();
  await app.register(tenantGuardFastify, {
    pool: db.appPool,
    sessions: overrides.sessions ?? w.sessions,
    permissions: w.permissions,
    audit: w.audit,
    securityRoutes: { audit: w.audit },
    onAuditError: () => undefined,
  });
  for (const r of ROUTES) {
    const config: FastifyContextConfig = r.public === true
      ? { public: true }
      : {
          permission: r.permission as Permission,
          ...(r.brandParam !== undefined ? { brand: (req) => (req.params as Record<string, string>)[r.brandParam as string] } : {}),
        };
    app.route({
      method: r.method,
      url: r.path,
      config,
      handler: async (req, reply) => {
        const out = await r.handler({ params: req.params as Record<string, string>, body: req.body, run: (fn) => req.tenant.run(fn) });
        reply.code(out.status);
        return out.body === undefined ? reply.send() : reply.send(out.body);
      },
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    name: 'fastify',
    url: `http://127.0.0.1:${port}`,
    app,
    flush: () => app.tenantGuard.flush(),
    close: () => app.close(),
  };
}
