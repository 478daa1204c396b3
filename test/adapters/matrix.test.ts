/**
 * The same attack and access matrix against Express and Fastify: real
 * servers on loopback, real HTTP, real PostgreSQL. Both must answer every
 * case with the same status, problem code and headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessions } from '../../src/crypto/sessions.js';
import { useTestDatabase } from '../support/db.js';
import { AUDIENCE, ISSUER, SECRET, buildWorld, startExpress, startFastify, type RunningApp, type World } from './fixture.js';

const db = useTestDatabase();
let world: World;
const apps: RunningApp[] = [];
let expiredToken: string;

beforeAll(async () => {
  world = await buildWorld(db);
  apps.push(await startExpress(db, world), await startFastify(db, world));
  const past = createSessions({
    pool: db.appPool,
    keys: [{ kid: 'k1', secret: SECRET }],
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => Date.now() - 2 * 3600_000,
  });
  expiredToken = (await past.issue({ userId: world.users.ownerA.id, orgId: world.orgA, role: 'owner' })).accessToken;
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

interface Case {
  name: string;
  method?: string;
  path: (w: World) => string;
  token?: (w: World) => string | undefined;
  authorization?: (w: World) => string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  status: number;
  code?: string;
  reason?: string;
  check?: (body: unknown, w: World) => void;
}

const CASES: Case[] = [
  { name: 'no token', path: () => '/brands', status: 401, code: 'AUTH_TOKEN_MISSING' },
  { name: 'garbage bearer token', path: () => '/brands', authorization: () => 'Bearer not.a.jwt', status: 401, code: 'AUTH_TOKEN_INVALID', reason: 'JWT_MALFORMED' },
  { name: 'Basic scheme', path: () => '/brands', authorization: () => 'Basic dXNlcjpwYXNz', status: 401, code: 'AUTH_TOKEN_INVALID', reason: 'JWT_MALFORMED' },
  {
    name: 'tampered signature',
    path: () => '/brands',
    authorization: (w) => {
      const [h, p, s] = w.users.ownerA.token.split('.') as [string, string, string];
      const mid = Math.floor(s.length / 2);
      return `Bearer ${h}.${p}.${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`;
    },
    status: 401,
    code: 'AUTH_TOKEN_INVALID',
    reason: 'JWT_SIGNATURE_INVALID',
  },
  {
    name: 'tampered payload (org switched to B)',
    path: () => '/brands',
    authorization: (w) => {
      const [h, p, s] = w.users.ownerA.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      claims.org_id = w.orgB;
      return `Bearer ${h}.${b64url(JSON.stringify(claims))}.${s}`;
    },
    status: 401,
    code: 'AUTH_TOKEN_INVALID',
    reason: 'JWT_SIGNATURE_INVALID',
  },
  {
    name: 'alg none',
    path: () => '/brands',
    authorization: (w) => {
      const [h, p] = w.users.ownerA.token.split('.') as [string, string];
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
      return `Bearer ${b64url(JSON.stringify({ ...header, alg: 'none' }))}.${p}.`;
    },
    status: 401,
    code: 'AUTH_TOKEN_INVALID',
  },
  { name: 'expired token', path: () => '/brands', authorization: () => `Bearer ${expiredToken}`, status: 401, code: 'AUTH_TOKEN_INVALID', reason: 'JWT_EXPIRED' },
  {
    name: "org B reads A's brand by id",
    path: (w) => `/brands/${w.brandX}`,
    token: (w) => w.users.ownerB.token,
    status: 404,
    code: 'RESOURCE_NOT_FOUND',
  },
  { name: "org B updates A's brand", method: 'PATCH', path: (w) => `/brands/${w.brandX}`, token: (w) => w.users.ownerB.token, body: { name: 'pwned' }, status: 404, code: 'RESOURCE_NOT_FOUND' },
  { name: "org B deletes A's brand", method: 'DELETE', path: (w) => `/brands/${w.brandY}`, token: (w) => w.users.ownerB.token, status: 404, code: 'RESOURCE_NOT_FOUND' },
  {
    name: "org B lists brands: none of A's",
    path: () => '/brands',
    token: (w) => w.users.ownerB.token,
    status: 200,
    check: (body) => expect((body as Array<{ name: string }>).map((b) => b.name)).toEqual(['B']),
  },
  { name: 'a malformed id is a 404, not a 500', path: () => '/brands/not-a-uuid', token: (w) => w.users.ownerA.token, status: 404, code: 'RESOURCE_NOT_FOUND' },
  { name: 'org_id in the body', method: 'POST', path: () => '/brands', token: (w) => w.users.ownerB.token, body: (null as unknown), status: 400, code: 'ORG_ID_IN_CLIENT_INPUT' },
  { name: 'org_id in the query', path: (w) => `/brands?org_id=${w.orgA}`, token: (w) => w.users.ownerB.token, status: 400, code: 'ORG_ID_IN_CLIENT_INPUT' },
  { name: 'X-Org-Id header', path: () => '/brands', token: (w) => w.users.ownerB.token, headers: { 'X-Org-Id': '00000000-0000-0000-0000-000000000000' }, status: 400, code: 'ORG_ID_IN_CLIENT_INPUT' },
  { name: 'manager reads a granted brand', path: (w) => `/brands/${w.brandX}`, token: (w) => w.users.managerA.token, status: 200 },
  { name: 'manager reads a brand outside the grant', path: (w) => `/brands/${w.brandY}`, token: (w) => w.users.managerA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'manager updates a brand outside the grant', method: 'PATCH', path: (w) => `/brands/${w.brandY}`, token: (w) => w.users.managerA.token, body: { name: 'z' }, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'manager probing org B\'s brand gets the same 403 as any ungranted brand', path: (w) => `/brands/${w.brandB}`, token: (w) => w.users.managerA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'viewer cannot create', method: 'POST', path: () => '/brands', token: (w) => w.users.viewerA.token, body: { name: 'v' }, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'editor on an admin route (posture)', path: () => '/security/posture', token: (w) => w.users.editorA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'editor on the audit log', path: () => '/audit/log', token: (w) => w.users.editorA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'manager on the audit export', path: () => '/audit/log/export?format=csv', token: (w) => w.users.managerA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'manager on the audit log (owner and admin only)', path: () => '/audit/log', token: (w) => w.users.managerA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'admin on the audit export (owner only)', path: () => '/audit/log/export?format=csv', token: (w) => w.users.adminA.token, status: 403, code: 'PERMISSION_DENIED' },
  { name: 'admin reads the audit log', path: () => '/audit/log', token: (w) => w.users.adminA.token, status: 200 },
  {
    name: 'any member reads the isolation proof of their own org',
    path: () => '/security/isolation-proof',
    token: (w) => w.users.viewerA.token,
    status: 200,
    check: (body, w) => {
      const proof = body as { orgId: string; databaseLayer: { status: string } };
      expect(proof.orgId).toBe(w.orgA);
      expect(proof.databaseLayer.status).toBe('active');
    },
  },
  { name: 'admin reads the posture', path: () => '/security/posture', token: (w) => w.users.adminA.token, status: 200, check: (b) => expect(b).toHaveProperty('findingsBySeverity') },
  { name: 'owner reads the audit summary', path: () => '/audit/log/summary', token: (w) => w.users.ownerA.token, status: 200 },
  { name: 'bad audit query parameter', path: () => '/audit/log?from=yesterday', token: (w) => w.users.ownerA.token, status: 400, code: 'REQUEST_INVALID' },
  { name: 'malformed JSON body', method: 'POST', path: () => '/brands', token: (w) => w.users.ownerA.token, rawBody: '{"name": ', status: 400, code: 'REQUEST_INVALID' },
  { name: 'missing field', method: 'POST', path: () => '/brands', token: (w) => w.users.ownerA.token, body: { nom: 'x' }, status: 400, code: 'REQUEST_INVALID' },
  { name: 'unexpected error: 500 without the message', path: () => '/boom', token: (w) => w.users.ownerA.token, status: 500, code: 'INTERNAL_ERROR', check: (b) => expect(JSON.stringify(b)).not.toContain('hunter2') },
  { name: 'public route without a token', path: () => '/health', status: 200 },
];
// The org_id-in-body case carries A's org id, set once the world exists.
const bodyCase = CASES.find((c) => c.name === 'org_id in the body') as Case;

async function send(app: RunningApp, c: Case): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  const auth = c.authorization?.(world) ?? (c.token?.(world) !== undefined ? `Bearer ${c.token(world) as string}` : undefined);
  if (auth !== undefined) headers.authorization = auth;
  let payload: string | undefined;
  if (c === bodyCase) payload = JSON.stringify({ name: 'smuggled', org_id: world.orgA });
  else if (c.rawBody !== undefined) payload = c.rawBody;
  else if (c.body !== undefined) payload = JSON.stringify(c.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${app.url}${c.path(world)}`, { method: c.method ?? 'GET', headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // csv or empty
  }
  return { status: res.status, body, headers: res.headers };
}

describe.each(['express', 'fastify'])('%s adapter: attack and access matrix', (name) => {
  it('has at least 20 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const app = apps.find((a) => a.name === name) as RunningApp;
    const r = await send(app, c);
    expect(r.status, JSON.stringify(r.body)).toBe(c.status);
    if (c.code !== undefined) {
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ code: c.code, status: c.status, type: `urn:tenantguard:problem:${c.code.toLowerCase().replace(/_/g, '-')}` });
    }
    if (c.reason !== undefined) expect(r.body).toMatchObject({ reason: c.reason });
    if (c.status === 401) {
      const www = r.headers.get('www-authenticate');
      expect(www).toEqual(c.code === 'AUTH_TOKEN_MISSING' ? 'Bearer' : expect.stringMatching(/^Bearer error="invalid_token"/));
    }
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    c.check?.(r.body, world);
  });
});

describe('both adapters answer identically', () => {
  it('same status, code and reason for every case', async () => {
    for (const c of CASES.filter((x) => x.method === undefined || x.method === 'GET')) {
      const [e, f] = await Promise.all(apps.map((a) => send(a, c)));
      const pick = (r: { status: number; body: unknown }) => ({
        status: r.status,
        code: (r.body as { code?: string } | null)?.code,
        reason: (r.body as { reason?: string } | null)?.reason,
      });
      expect(pick(f as { status: number; body: unknown }), c.name).toEqual(pick(e as { status: number; body: unknown }));
    }
  });
});
