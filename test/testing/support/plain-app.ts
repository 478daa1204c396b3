/**
 * A tiny tenant-scoped app on node:http (no framework, no adapter), written
 * correctly, with switches that plant one classic leak each. The kit must
 * pass the correct app and name the endpoint of every planted leak.
 *
 * Tables (in their own schema per app): brands; channels under a brand;
 * posts that reference a channel in the body.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type pg from 'pg';
import { parseOrgId, withTenant, type OrgId, type TenantDb } from '../../../src/index.js';
import type { ConformanceResource } from '../../../src/testing/index.js';

export type PlantedLeak =
  | 'none'
  /** GET /brands/:id queries with the superuser pool, no tenant, no org filter. */
  | 'superuser-read'
  /** posts is created without enable_tenant_isolation (and the handler trusts RLS). */
  | 'unisolated-table'
  /** posts.channel_id is a single-column FK: the FK check ignores RLS, so B can point at A's channel. */
  | 'single-column-fk'
  /** GET /brands/:brandId/channels/:id answers 403 when the row exists in another org. */
  | 'forbidden-oracle'
  /** PATCH /brands/:id updates through the superuser pool, then answers 404 as if nothing happened. */
  | 'blind-update'
  /** POST /brands/:brandId/channels does not check the brand is visible; the single-column FK lets it through. */
  | 'unchecked-parent'
  /** GET /search searches brands with the superuser pool. */
  | 'search-superuser';

export interface PlainApp {
  readonly server: Server;
  readonly baseUrl: string;
  /** Tokens of two fresh orgs. */
  newOrg(): { token: string; orgId: OrgId };
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(body));
}

const notFound = (res: ServerResponse): void => json(res, 404, { type: 'about:blank', title: 'Not found', status: 404, code: 'RESOURCE_NOT_FOUND', detail: 'No such resource.', instance: randomUUID() });

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** A referenced row is not visible (FK violation): answered like any missing row. */
class Missing extends Error {}
const missing = (err: unknown): null => {
  if (err instanceof Missing) return null;
  throw err;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Creates the schema and starts the app on loopback. */
export async function startPlainApp(admin: pg.Pool, app: pg.Pool, schema: string, leak: PlantedLeak): Promise<PlainApp> {
  const s = schema;
  const singleFk = leak === 'single-column-fk' || leak === 'unchecked-parent';
  await admin.query(`
    CREATE SCHEMA ${s};
    GRANT USAGE ON SCHEMA ${s} TO tenantguard_app;
    CREATE TABLE ${s}.brands (org_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), name text NOT NULL,
      PRIMARY KEY (org_id, id), UNIQUE (id));
    CREATE TABLE ${s}.channels (org_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), brand_id uuid NOT NULL,
      handle text NOT NULL, PRIMARY KEY (org_id, id), UNIQUE (id),
      ${singleFk ? `FOREIGN KEY (brand_id) REFERENCES ${s}.brands (id)` : `FOREIGN KEY (org_id, brand_id) REFERENCES ${s}.brands (org_id, id)`} ON DELETE CASCADE);
    CREATE TABLE ${s}.posts (org_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), channel_id uuid NOT NULL,
      text text NOT NULL, PRIMARY KEY (org_id, id),
      ${singleFk ? `FOREIGN KEY (channel_id) REFERENCES ${s}.channels (id)` : `FOREIGN KEY (org_id, channel_id) REFERENCES ${s}.channels (org_id, id)`} ON DELETE CASCADE);
    SELECT tenantguard.enable_tenant_isolation('${s}.brands');
    SELECT tenantguard.enable_tenant_isolation('${s}.channels');
  `);
  if (leak === 'unisolated-table') await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.posts TO tenantguard_app`);
  else await admin.query(`SELECT tenantguard.enable_tenant_isolation('${s}.posts')`);

  const tokens = new Map<string, OrgId>();
  const tenant = <T>(orgId: OrgId, fn: (db: TenantDb) => Promise<T>): Promise<T> => withTenant(app, orgId, fn);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = req.headers.authorization ?? '';
    const orgId = tokens.get(auth.replace(/^Bearer /, ''));
    if (orgId === undefined) return json(res, 401, { status: 401, code: 'AUTH_TOKEN_MISSING', detail: 'token' });
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean);
    const m = req.method ?? 'GET';
    const body = m === 'GET' || m === 'DELETE' ? {} : await readBody(req);
    // Ids that are not uuids cannot exist: answer as for any missing row.
    if (parts.slice(1).some((p, i) => i % 2 === 0 && !UUID.test(p))) return notFound(res);

    if (parts[0] === 'search' && m === 'GET') {
      const q = `%${url.searchParams.get('q') ?? ''}%`;
      const sql = `SELECT id, name FROM ${s}.brands WHERE name ILIKE $1 ORDER BY id`;
      const rows = leak === 'search-superuser' ? (await admin.query(sql, [q])).rows : await tenant(orgId, async (db) => (await db.query(sql, [q])).rows);
      return json(res, 200, { items: rows });
    }
    if (parts[0] === 'brands' && parts.length <= 2) {
      const id = parts[1];
      if (id === undefined && m === 'POST') {
        const row = await tenant(orgId, async (db) => (await db.query(`INSERT INTO ${s}.brands (org_id, name) VALUES ($1, $2) RETURNING id, name`, [db.orgId, String(body.name)])).rows[0]);
        return json(res, 201, row);
      }
      if (id === undefined && m === 'GET') return json(res, 200, await tenant(orgId, async (db) => (await db.query(`SELECT id, name FROM ${s}.brands ORDER BY id`)).rows));
      if (id !== undefined && m === 'GET') {
        const row =
          leak === 'superuser-read'
            ? (await admin.query(`SELECT id, name FROM ${s}.brands WHERE id = $1`, [id])).rows[0]
            : await tenant(orgId, async (db) => (await db.query(`SELECT id, name FROM ${s}.brands WHERE id = $1`, [id])).rows[0]);
        return row === undefined ? notFound(res) : json(res, 200, row);
      }
      if (id !== undefined && m === 'PATCH') {
        if (leak === 'blind-update') {
          await admin.query(`UPDATE ${s}.brands SET name = $2 WHERE id = $1`, [id, String(body.name)]);
          const row = await tenant(orgId, async (db) => (await db.query(`SELECT id, name FROM ${s}.brands WHERE id = $1`, [id])).rows[0]);
          return row === undefined ? notFound(res) : json(res, 200, row);
        }
        const row = await tenant(orgId, async (db) => (await db.query(`UPDATE ${s}.brands SET name = $2 WHERE id = $1 RETURNING id, name`, [id, String(body.name)])).rows[0]);
        return row === undefined ? notFound(res) : json(res, 200, row);
      }
      if (id !== undefined && m === 'DELETE') {
        const n = await tenant(orgId, async (db) => (await db.query(`DELETE FROM ${s}.brands WHERE id = $1`, [id])).rowCount);
        return n === 0 ? notFound(res) : json(res, 200, { deleted: true });
      }
    }
    if (parts[0] === 'brands' && parts[2] === 'channels') {
      const brandId = parts[1] as string;
      const id = parts[3];
      if (leak === 'forbidden-oracle' && id !== undefined && m === 'GET') {
        const exists = (await admin.query(`SELECT org_id FROM ${s}.channels WHERE id = $1`, [id])).rows[0] as { org_id: string } | undefined;
        if (exists !== undefined && exists.org_id !== orgId) return json(res, 403, { status: 403, code: 'PERMISSION_DENIED', detail: 'Not your channel.' });
      }
      const result = await tenant(orgId, async (db) => {
        const brand = (await db.query(`SELECT 1 FROM ${s}.brands WHERE id = $1`, [brandId])).rowCount;
        if (brand === 0 && !(leak === 'unchecked-parent' && m === 'POST')) return undefined;
        if (id === undefined && m === 'POST') {
          try {
            return { status: 201, body: (await db.query(`INSERT INTO ${s}.channels (org_id, brand_id, handle) VALUES ($1, $2, $3) RETURNING id, brand_id, handle`, [db.orgId, brandId, String(body.handle)])).rows[0] };
          } catch (err) {
            // A failed statement dooms the transaction: leave it by throwing.
            if ((err as { code?: string }).code === '23503') throw new Missing();
            throw err;
          }
        }
        if (id === undefined && m === 'GET') return { status: 200, body: (await db.query(`SELECT id, brand_id, handle FROM ${s}.channels WHERE brand_id = $1 ORDER BY id`, [brandId])).rows };
        if (m === 'GET') {
          const row = (await db.query(`SELECT id, brand_id, handle FROM ${s}.channels WHERE brand_id = $1 AND id = $2`, [brandId, id])).rows[0];
          return row === undefined ? undefined : { status: 200, body: row };
        }
        if (m === 'PATCH') {
          const row = (await db.query(`UPDATE ${s}.channels SET handle = $3 WHERE brand_id = $1 AND id = $2 RETURNING id, brand_id, handle`, [brandId, id, String(body.handle)])).rows[0];
          return row === undefined ? undefined : { status: 200, body: row };
        }
        if (m === 'DELETE') {
          const n = (await db.query(`DELETE FROM ${s}.channels WHERE brand_id = $1 AND id = $2`, [brandId, id])).rowCount;
          return n === 0 ? undefined : { status: 200, body: { deleted: true } };
        }
        return undefined;
      }).catch(missing);
      return result === undefined || result === null ? notFound(res) : json(res, result.status, result.body);
    }
    if (parts[0] === 'posts') {
      const id = parts[1];
      const result = await tenant(orgId, async (db) => {
        if (id === undefined && m === 'POST') {
          if (typeof body.channelId !== 'string' || !UUID.test(body.channelId)) return undefined;
          try {
            return { status: 201, body: (await db.query(`INSERT INTO ${s}.posts (org_id, channel_id, text) VALUES ($1, $2, $3) RETURNING id, channel_id, text`, [db.orgId, body.channelId, String(body.text)])).rows[0] };
          } catch (err) {
            if ((err as { code?: string }).code === '23503') throw new Missing();
            throw err;
          }
        }
        if (id === undefined && m === 'GET') return { status: 200, body: (await db.query(`SELECT id, channel_id, text FROM ${s}.posts ORDER BY id`)).rows };
        if (m === 'GET') {
          const row = (await db.query(`SELECT id, channel_id, text FROM ${s}.posts WHERE id = $1`, [id])).rows[0];
          return row === undefined ? undefined : { status: 200, body: row };
        }
        if (m === 'DELETE') {
          const n = (await db.query(`DELETE FROM ${s}.posts WHERE id = $1`, [id])).rowCount;
          return n === 0 ? undefined : { status: 200, body: { deleted: true } };
        }
        return undefined;
      }).catch(missing);
      return result === undefined || result === null ? notFound(res) : json(res, result.status, result.body);
    }
    return notFound(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { status: 500, code: 'INTERNAL_ERROR', detail: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    baseUrl: `http://127.0.0.1:${String(port)}`,
    newOrg() {
      const token = `t-${randomUUID()}`;
      const orgId = parseOrgId(randomUUID());
      tokens.set(token, orgId);
      return { token, orgId };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The kit's resource list for the plain app. */
export const plainResources: readonly ConformanceResource[] = [
  {
    name: 'brands',
    create: { path: '/brands', body: { name: 'Brand {marker}' } },
    read: '/brands/{id}',
    list: '/brands',
    update: { method: 'PATCH' as const, path: '/brands/{id}', body: { name: 'renamed by B' } },
    delete: '/brands/{id}',
  },
  {
    name: 'channels',
    create: { path: '/brands/{brands}/channels', body: { handle: 'handle {marker}' } },
    read: '/brands/{brands}/channels/{id}',
    list: '/brands/{brands}/channels',
    update: { method: 'PATCH' as const, path: '/brands/{brands}/channels/{id}', body: { handle: 'changed by B' } },
    delete: '/brands/{brands}/channels/{id}',
  },
  {
    name: 'posts',
    create: { path: '/posts', body: { channelId: '{channels}', text: 'post {marker}' } },
    read: '/posts/{id}',
    list: '/posts',
    delete: '/posts/{id}',
  },
];
