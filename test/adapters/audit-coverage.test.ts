/**
 * What each request leaves in the audit log, the security routes' streaming
 * export, and startup refusal when a mutating route has no permission check.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { tenantGuardExpress } from '../../src/adapters/express/index.js';
import { tenantGuardFastify } from '../../src/adapters/fastify/index.js';
import { withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { buildWorld, startExpress, startFastify, type RunningApp, type World } from './fixture.js';

const db = useTestDatabase();
let world: World;
const apps: RunningApp[] = [];

beforeAll(async () => {
  world = await buildWorld(db);
  apps.push(await startExpress(db, world), await startFastify(db, world));
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

interface Row {
  org_id: string | null;
  action: string;
  user_id: string | null;
  details: Record<string, unknown>;
  ip_address: string | null;
  user_agent: string | null;
  resource_id: string | null;
}

async function rowsFor(app: RunningApp, requestId: string): Promise<Row[]> {
  await app.flush();
  const r = await db.pool.query<Row>(
    'SELECT org_id, action, user_id, details, host(ip_address) AS ip_address, user_agent, resource_id FROM tenantguard.security_audit_log WHERE request_id = $1',
    [requestId],
  );
  return r.rows;
}

async function call(app: RunningApp, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; requestId: string; text: string; type: string | null }> {
  const requestId = randomUUID();
  const headers: Record<string, string> = { 'x-request-id': requestId, 'user-agent': 'tenantguard-tests/1' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${app.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, requestId, text: await res.text(), type: res.headers.get('content-type') };
}

describe.each(['express', 'fastify'])('%s: audit rows per request', (name) => {
  const app = (): RunningApp => apps.find((a) => a.name === name) as RunningApp;

  it('a 401 leaves an auth.denied row with no org and the verifier reason', async () => {
    const r = await call(app(), 'GET', '/brands', 'not-a-token');
    expect(r.status).toBe(401);
    const rows = await rowsFor(app(), r.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ org_id: null, action: 'auth.denied', user_agent: 'tenantguard-tests/1', resource_id: 'GET /brands' });
    expect(rows[0]?.details).toMatchObject({ status: 401, outcome: 'denied', reason: 'JWT_MALFORMED' });
    expect(rows[0]?.ip_address).toMatch(/127\.0\.0\.1/);
  });

  it('a 403 leaves a permission.denied row in the org, with the engine reason', async () => {
    const r = await call(app(), 'GET', `/brands/${world.brandY}`, world.users.managerA.token);
    expect(r.status).toBe(403);
    const rows = await rowsFor(app(), r.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ org_id: world.orgA, action: 'permission.denied', user_id: world.users.managerA.id });
    expect(rows[0]?.details).toMatchObject({ permission: 'brands.read', brandId: world.brandY, status: 403 });
    expect(String(rows[0]?.details.reason)).not.toBe('');
  });

  it('a successful mutation leaves a success row; reads leave none', async () => {
    const created = await call(app(), 'POST', '/brands', world.users.ownerA.token, { name: `${name}-audited` });
    expect(created.status).toBe(201);
    expect(await rowsFor(app(), created.requestId)).toEqual([
      expect.objectContaining({ org_id: world.orgA, action: 'http.post', user_id: world.users.ownerA.id, details: expect.objectContaining({ status: 201, outcome: 'success' }) }),
    ]);
    const read = await call(app(), 'GET', '/brands', world.users.ownerA.token);
    expect(read.status).toBe(200);
    expect(await rowsFor(app(), read.requestId)).toEqual([]);
  });

  it("a failed mutation (org B patching A's brand) leaves the failure, not a success", async () => {
    const r = await call(app(), 'PATCH', `/brands/${world.brandX}`, world.users.ownerB.token, { name: 'pwned' });
    expect(r.status).toBe(404);
    const rows = await rowsFor(app(), r.requestId);
    expect(rows).toEqual([expect.objectContaining({ org_id: world.orgB, action: 'http.patch', details: expect.objectContaining({ status: 404, outcome: 'failure' }) })]);
    const still = await db.pool.query('SELECT name FROM public.brands WHERE id = $1', [world.brandX]);
    expect(still.rows[0].name).toBe('X');
  });

  it('an org id smuggled in the body is refused and recorded with where it was', async () => {
    const r = await call(app(), 'POST', '/brands', world.users.ownerB.token, { name: 'n', data: { tenant_id: world.orgA } });
    expect(r.status).toBe(400);
    const rows = await rowsFor(app(), r.requestId);
    expect(rows).toEqual([
      expect.objectContaining({ org_id: world.orgB, action: 'request.org_id_rejected', details: expect.objectContaining({ locations: ['body.data.tenant_id'] }) }),
    ]);
  });

  it('a user id that is not a uuid still leaves its row, with the id in details', async () => {
    const userId = `auth0|${name}-${randomUUID().slice(0, 8)}`;
    await withTenant(db.appPool, world.orgA, (t) => world.permissions.setMemberRole(t, userId, 'viewer'));
    const { accessToken } = await world.sessions.issue({ userId, orgId: world.orgA, role: 'viewer' });
    const r = await call(app(), 'POST', '/brands', accessToken, { name: 'nope' });
    expect(r.status).toBe(403);
    const rows = await rowsFor(app(), r.requestId);
    expect(rows).toEqual([
      expect.objectContaining({ org_id: world.orgA, action: 'permission.denied', user_id: null, details: expect.objectContaining({ userRef: userId }) }),
    ]);
  });

  it('the owner streams the audit log export as CSV and as NDJSON, only their org', async () => {
    const csv = await call(app(), 'GET', '/audit/log/export?format=csv', world.users.ownerA.token);
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/action/);
    const nd = await call(app(), 'GET', '/audit/log/export?format=ndjson', world.users.ownerA.token);
    expect(nd.status).toBe(200);
    const rows = nd.text.trim().split('\n').map((l) => JSON.parse(l) as { orgId?: string; org_id?: string });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.orgId ?? row.org_id).toBe(world.orgA);
    const bad = await call(app(), 'GET', '/audit/log/export?format=xlsx', world.users.ownerA.token);
    expect(bad.status).toBe(400);
  });

  it('the audit log route pages through the org rows only', async () => {
    const r = await call(app(), 'GET', '/audit/log?limit=2', world.users.adminA.token);
    expect(r.status).toBe(200);
    const page = JSON.parse(r.text) as { items: Array<{ orgId: string }>; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(2);
    for (const item of page.items) expect(item.orgId).toBe(world.orgA);
  });
});

describe.each(['express', 'fastify'] as const)('%s: a client-chosen request id cannot suppress an audit row', (name) => {
  it('an aborted refusal and a later POST with the same X-Request-Id: the POST is still audited', async () => {
    // A verifier that is slow for one token, so the client can abort mid-verification.
    const sessions = {
      verifyAccessToken: async (t: string) => {
        if (t === 'slow-bad') await sleep(150);
        return world.sessions.verifyAccessToken(t);
      },
    };
    const started =
      name === 'express'
        ? await startExpress(db, world, { sessions })
        : await startFastify(db, world, { sessions });
    try {
      const requestId = `planted-${randomUUID()}`;
      await new Promise<void>((resolve) => {
        const req = http.request(`${started.url}/brands`, { headers: { authorization: 'Bearer slow-bad', 'x-request-id': requestId } });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 30);
      });
      await sleep(300);
      await started.flush();
      const res = await fetch(`${started.url}/brands`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.users.ownerA.token}`, 'x-request-id': requestId, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${name}-after-abort` }),
      });
      expect(res.status).toBe(201);
      await started.flush();
      const rows = await db.pool.query<{ action: string }>('SELECT action FROM tenantguard.security_audit_log WHERE request_id = $1 AND action = $2', [
        requestId,
        'http.post',
      ]);
      expect(rows.rows).toHaveLength(1);
    } finally {
      await started.close();
    }
  });
});

describe('route coverage: startup refuses an unguarded mutating route', () => {
  const deps = (): Parameters<typeof tenantGuardExpress>[0] => ({ pool: db.appPool, sessions: world.sessions, permissions: world.permissions });

  it('express: lists every route with its permission and refuses the unguarded POST', () => {
    const tg = tenantGuardExpress(deps());
    const app = express();
    const api = express.Router();
    api.post('/things', tg.requirePermission('content.create'), (_req, res) => res.end());
    api.delete('/things/:id', (_req, res) => res.end());
    app.use('/api', api);
    app.get('/open', (_req, res) => res.end());
    app.post('/login', tg.publicRoute(), (_req, res) => res.end());
    expect(tg.routeCoverage(app)).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/api/things', permission: 'content.create', public: false },
        { method: 'DELETE', path: '/api/things/:id', permission: null, public: false },
        { method: 'GET', path: '/open', permission: null, public: false },
        { method: 'POST', path: '/login', permission: null, public: true },
      ]),
    );
    try {
      tg.assertRouteCoverage(app);
      expect.unreachable();
    } catch (err) {
      expect(isTenantGuardError(err, 'ROUTE_UNGUARDED')).toBe(true);
      expect((err as Error).message).toContain('DELETE /api/things/:id');
      expect((err as Error).message).not.toContain('/login');
    }
  });

  it('express: a router-level requirePermission guards the routes after it', () => {
    const tg = tenantGuardExpress(deps());
    const app = express();
    const admin = express.Router();
    admin.use(tg.requirePermission('settings.update'));
    admin.put('/settings', (_req, res) => res.end());
    app.use('/admin', admin);
    expect(tg.routeCoverage(app)).toEqual([{ method: 'PUT', path: '/admin/settings', permission: 'settings.update', public: false }]);
    expect(() => tg.assertRouteCoverage(app)).not.toThrow();
  });

  it('fastify: ready() rejects with ROUTE_UNGUARDED; permission or public config passes', async () => {
    const bad = Fastify();
    await bad.register(tenantGuardFastify, deps());
    bad.post('/things', async () => 'x');
    bad.get('/things', async () => 'x');
    await expect(bad.ready()).rejects.toMatchObject({ code: 'ROUTE_UNGUARDED', message: expect.stringContaining('POST /things') });
    await bad.close().catch(() => undefined);

    const good = Fastify();
    await good.register(tenantGuardFastify, deps());
    good.post('/things', { config: { permission: 'content.create' } }, async () => 'x');
    good.post('/login', { config: { public: true } }, async () => 'x');
    await expect(good.ready()).resolves.toBeDefined();
    expect(good.tenantGuard.routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/things', permission: 'content.create', public: false },
        { method: 'POST', path: '/login', permission: null, public: true },
      ]),
    );
    await good.close();
  });

  it('unknown permissions do not compile (checked by tsc --noEmit on this file)', () => {
    const tg = tenantGuardExpress(deps());
    // @ts-expect-error 'brands.updat' is not in the catalog
    expect(() => tg.requirePermission('brands.updat')).not.toThrow();
    const f = Fastify();
    // @ts-expect-error 'email.campaigns.sned' is not in the catalog
    f.post('/x', { config: { permission: 'email.campaigns.sned' } }, async () => 'x');
    expect(true).toBe(true);
  });
});
