/**
 * The example app's one route table. Both bindings (Express and Fastify)
 * register exactly these routes with exactly these permissions, so the two
 * frameworks cannot drift: a route, its permission, its brand scope and its
 * handler are written once, here.
 *
 * Every handler works inside `tenant.run` (withTenant for the verified
 * principal's org): RLS filters every statement, and a row of another org
 * looks exactly like a row that does not exist (404).
 */
import { z } from 'zod';
import { TenantGuardError, type Permission, type Principal, type TenantDb } from '../../src/index.js';
import type { AppServices } from './services.js';

/** What a handler gets, whichever framework called it. */
export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly principal: Principal;
  /** withTenant for the principal's org. */
  readonly tenant: { run<T>(fn: (db: TenantDb) => Promise<T>): Promise<T> };
  readonly services: AppServices;
}

/** What a handler answers. */
export interface RouteReply {
  readonly status: number;
  readonly body: unknown;
}

/** One route. */
export interface AppRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path with `:params` (the same syntax in Express and Fastify). */
  readonly path: string;
  readonly permission: Permission;
  /** The path parameter holding the brand id, for brand-scoped permissions. */
  readonly brandParam?: string;
  readonly summary: string;
  handle(ctx: RouteContext): Promise<RouteReply>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuid = z.string().regex(UUID, 'a uuid');

/** The 404 every invisible row gets: another org's row and no row answer the same. */
function notFound(what: string): TenantGuardError {
  return new TenantGuardError('RESOURCE_NOT_FOUND', `No such ${what}.`);
}

function badRequest(detail: string): TenantGuardError {
  return new TenantGuardError('REQUEST_INVALID', detail);
}

/** A path id that is not a uuid cannot name a row: 404, like any missing row. */
function idParam(ctx: RouteContext, name: string, what: string): string {
  const v = ctx.params[name];
  if (v === undefined || !UUID.test(v)) throw notFound(what);
  return v;
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw badRequest(`Invalid body: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`).join('; ')}`);
  return r.data;
}

/**
 * Runs SQL that may hit a foreign key. A composite FK (org_id, x_id) fails
 * for another org's id exactly as for an id that exists nowhere; both become
 * the same 404. The statement failed, so the transaction is left by throwing.
 */
async function guardedWrite<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '23503' || code === '23001') throw notFound(what);
    if (code === '23505') throw new TenantGuardError('REQUEST_INVALID', `That ${what} already exists.`);
    if (code === '23514' || code === '22001') throw badRequest(`Invalid ${what}.`);
    throw err;
  }
}

async function brandVisible(db: TenantDb, brandId: string): Promise<void> {
  const r = await db.query('SELECT 1 FROM brands WHERE id = $1', [brandId]);
  if (r.rowCount === 0) throw notFound('brand');
}

/** A table whose rows live under a brand, with its columns and permissions. */
interface BrandChild {
  /** URL segment and table name. */
  readonly table: string;
  readonly what: string;
  /** Columns answered (never secrets). */
  readonly columns: string;
  readonly read: Permission;
  readonly create: Permission;
  readonly update?: Permission;
  readonly delete?: Permission;
  /** Body schema of a create: keys are column names in camelCase. */
  readonly createBody: z.ZodObject;
  readonly updateBody?: z.ZodObject;
  /** camelCase body key -> column. */
  readonly fields: Readonly<Record<string, string>>;
}

const CHILDREN: readonly BrandChild[] = [
  {
    table: 'content_queue',
    what: 'content',
    columns: 'id, brand_id, channel_id, body, status, scheduled_at',
    read: 'content.read',
    create: 'content.create',
    update: 'content.update',
    delete: 'content.delete',
    createBody: z.strictObject({ channelId: uuid, body: z.string().min(1).max(10_000), scheduledAt: z.iso.datetime().optional() }),
    updateBody: z.strictObject({ body: z.string().min(1).max(10_000).optional(), status: z.enum(['draft', 'approved', 'scheduled']).optional() }),
    fields: { channelId: 'channel_id', body: 'body', scheduledAt: 'scheduled_at', status: 'status' },
  },
  {
    table: 'published_posts',
    what: 'post',
    columns: 'id, brand_id, content_id, url, published_at',
    read: 'posts.read',
    create: 'posts.publish',
    update: 'posts.publish',
    delete: 'posts.delete',
    createBody: z.strictObject({ contentId: uuid, url: z.url().max(2000).optional() }),
    updateBody: z.strictObject({ url: z.url().max(2000) }),
    fields: { contentId: 'content_id', url: 'url' },
  },
  {
    table: 'email_subscribers',
    what: 'subscriber',
    columns: 'id, brand_id, email, name, status',
    read: 'email.subscribers.read',
    create: 'email.subscribers.import',
    update: 'email.subscribers.import',
    delete: 'email.subscribers.delete',
    createBody: z.strictObject({ email: z.email().max(320), name: z.string().max(200).optional() }),
    updateBody: z.strictObject({ name: z.string().max(200).optional(), status: z.enum(['subscribed', 'unsubscribed']).optional() }),
    fields: { email: 'email', name: 'name', status: 'status' },
  },
  {
    table: 'email_campaigns',
    what: 'campaign',
    columns: 'id, brand_id, subject, body, status',
    read: 'email.campaigns.read',
    create: 'email.campaigns.create',
    update: 'email.campaigns.update',
    delete: 'email.campaigns.delete',
    createBody: z.strictObject({ subject: z.string().min(1).max(300), body: z.string().max(100_000).optional() }),
    updateBody: z.strictObject({ subject: z.string().min(1).max(300).optional(), body: z.string().max(100_000).optional() }),
    fields: { subject: 'subject', body: 'body' },
  },
  {
    // Sends are a delivery record: created by sending, never edited or deleted by hand.
    table: 'email_sends',
    what: 'send',
    columns: 'id, brand_id, campaign_id, subscriber_id, status',
    read: 'email.sends.read',
    create: 'email.campaigns.send',
    createBody: z.strictObject({ campaignId: uuid, subscriberId: uuid }),
    fields: { campaignId: 'campaign_id', subscriberId: 'subscriber_id' },
  },
  {
    // Mentions arrive from the channels; recording and replying need mentions.reply.
    table: 'mentions',
    what: 'mention',
    columns: 'id, brand_id, channel_id, author, body, reply',
    read: 'mentions.read',
    create: 'mentions.reply',
    update: 'mentions.reply',
    createBody: z.strictObject({ channelId: uuid, author: z.string().min(1).max(200), body: z.string().min(1).max(10_000) }),
    updateBody: z.strictObject({ reply: z.string().min(1).max(10_000) }),
    fields: { channelId: 'channel_id', author: 'author', body: 'body', reply: 'reply' },
  },
  {
    table: 'presence_incidents',
    what: 'incident',
    columns: 'id, brand_id, kind, severity, status',
    read: 'presence.incidents.read',
    create: 'presence.incidents.resolve',
    update: 'presence.incidents.resolve',
    createBody: z.strictObject({ kind: z.string().min(1).max(100), severity: z.enum(['low', 'medium', 'high']).optional() }),
    updateBody: z.strictObject({ status: z.enum(['open', 'resolved']) }),
    fields: { kind: 'kind', severity: 'severity', status: 'status' },
  },
];

function columnsAndValues(child: BrandChild, data: Record<string, unknown>): { cols: string[]; values: unknown[] } {
  const cols: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const col = child.fields[key];
    if (col === undefined) throw badRequest(`Unknown field ${key}.`);
    cols.push(col);
    values.push(value);
  }
  return { cols, values };
}

function childRoutes(child: BrandChild): AppRoute[] {
  const base = `/brands/:brandId/${child.table}`;
  const routes: AppRoute[] = [
    {
      method: 'GET',
      path: base,
      permission: child.read,
      brandParam: 'brandId',
      summary: `list ${child.table}`,
      handle: async (ctx) => {
        const brandId = idParam(ctx, 'brandId', 'brand');
        const rows = await ctx.tenant.run(async (db) => {
          await brandVisible(db, brandId);
          return (await db.query(`SELECT ${child.columns} FROM ${child.table} WHERE brand_id = $1 ORDER BY id LIMIT 500`, [brandId])).rows;
        });
        return { status: 200, body: { items: rows } };
      },
    },
    {
      method: 'POST',
      path: base,
      permission: child.create,
      brandParam: 'brandId',
      summary: `create ${child.what}`,
      handle: async (ctx) => {
        const brandId = idParam(ctx, 'brandId', 'brand');
        const data = parseBody(child.createBody, ctx.body) as Record<string, unknown>;
        const { cols, values } = columnsAndValues(child, data);
        const row = await ctx.tenant.run(async (db) => {
          await brandVisible(db, brandId);
          const params = values.map((_, i) => `$${String(i + 3)}`);
          // org_id comes from the tenant context, never from the request.
          const sql = `INSERT INTO ${child.table} (org_id, brand_id${cols.map((c) => `, ${c}`).join('')}) VALUES ($1, $2${params.map((p) => `, ${p}`).join('')}) RETURNING ${child.columns}`;
          return guardedWrite(child.what, async () => (await db.query(sql, [db.orgId, brandId, ...values])).rows[0]);
        });
        return { status: 201, body: row };
      },
    },
    {
      method: 'GET',
      path: `${base}/:id`,
      permission: child.read,
      brandParam: 'brandId',
      summary: `read ${child.what}`,
      handle: async (ctx) => {
        const brandId = idParam(ctx, 'brandId', 'brand');
        const id = idParam(ctx, 'id', child.what);
        const row = await ctx.tenant.run(async (db) => (await db.query(`SELECT ${child.columns} FROM ${child.table} WHERE brand_id = $1 AND id = $2`, [brandId, id])).rows[0]);
        if (row === undefined) throw notFound(child.what);
        return { status: 200, body: row };
      },
    },
  ];
  if (child.update !== undefined && child.updateBody !== undefined) {
    const schema = child.updateBody;
    routes.push({
      method: 'PATCH',
      path: `${base}/:id`,
      permission: child.update,
      brandParam: 'brandId',
      summary: `update ${child.what}`,
      handle: async (ctx) => {
        const brandId = idParam(ctx, 'brandId', 'brand');
        const id = idParam(ctx, 'id', child.what);
        const { cols, values } = columnsAndValues(child, parseBody(schema, ctx.body) as Record<string, unknown>);
        if (cols.length === 0) throw badRequest('Nothing to change.');
        const sets = cols.map((c, i) => `${c} = $${String(i + 3)}`).join(', ');
        const row = await ctx.tenant.run(async (db) =>
          guardedWrite(child.what, async () => (await db.query(`UPDATE ${child.table} SET ${sets} WHERE brand_id = $1 AND id = $2 RETURNING ${child.columns}`, [brandId, id, ...values])).rows[0]),
        );
        if (row === undefined) throw notFound(child.what);
        return { status: 200, body: row };
      },
    });
  }
  if (child.delete !== undefined) {
    routes.push({
      method: 'DELETE',
      path: `${base}/:id`,
      permission: child.delete,
      brandParam: 'brandId',
      summary: `delete ${child.what}`,
      handle: async (ctx) => {
        const brandId = idParam(ctx, 'brandId', 'brand');
        const id = idParam(ctx, 'id', child.what);
        const n = await ctx.tenant.run(async (db) => (await db.query(`DELETE FROM ${child.table} WHERE brand_id = $1 AND id = $2`, [brandId, id])).rowCount);
        if (n === 0) throw notFound(child.what);
        return { status: 204, body: undefined };
      },
    });
  }
  return routes;
}

const BRAND_COLUMNS = 'id, name, website, created_at';
const brandCreate = z.strictObject({ name: z.string().min(1).max(200), website: z.url().max(2000).optional() });
const brandUpdate = z.strictObject({ name: z.string().min(1).max(200).optional(), website: z.url().max(2000).optional() });

const brandRoutes: AppRoute[] = [
  {
    method: 'GET',
    path: '/brands',
    permission: 'brands.read',
    summary: 'list brands',
    handle: async (ctx) => {
      const rows = await ctx.tenant.run(async (db) => (await db.query(`SELECT ${BRAND_COLUMNS} FROM brands ORDER BY created_at, id LIMIT 500`)).rows);
      return { status: 200, body: { items: rows } };
    },
  },
  {
    method: 'POST',
    path: '/brands',
    permission: 'brands.create',
    summary: 'create a brand',
    handle: async (ctx) => {
      const b = parseBody(brandCreate, ctx.body);
      const row = await ctx.tenant.run(async (db) =>
        guardedWrite('brand', async () => (await db.query(`INSERT INTO brands (org_id, name, website) VALUES ($1, $2, $3) RETURNING ${BRAND_COLUMNS}`, [db.orgId, b.name, b.website ?? null])).rows[0]),
      );
      return { status: 201, body: row };
    },
  },
  {
    method: 'GET',
    path: '/brands/:brandId',
    permission: 'brands.read',
    brandParam: 'brandId',
    summary: 'read a brand',
    handle: async (ctx) => {
      const id = idParam(ctx, 'brandId', 'brand');
      const row = await ctx.tenant.run(async (db) => (await db.query(`SELECT ${BRAND_COLUMNS} FROM brands WHERE id = $1`, [id])).rows[0]);
      if (row === undefined) throw notFound('brand');
      return { status: 200, body: row };
    },
  },
  {
    method: 'PATCH',
    path: '/brands/:brandId',
    permission: 'brands.update',
    brandParam: 'brandId',
    summary: 'update a brand',
    handle: async (ctx) => {
      const id = idParam(ctx, 'brandId', 'brand');
      const b = parseBody(brandUpdate, ctx.body);
      const row = await ctx.tenant.run(async (db) =>
        guardedWrite('brand', async () => (await db.query(`UPDATE brands SET name = COALESCE($2, name), website = COALESCE($3, website) WHERE id = $1 RETURNING ${BRAND_COLUMNS}`, [id, b.name ?? null, b.website ?? null])).rows[0]),
      );
      if (row === undefined) throw notFound('brand');
      return { status: 200, body: row };
    },
  },
  {
    method: 'DELETE',
    path: '/brands/:brandId',
    permission: 'brands.delete',
    brandParam: 'brandId',
    summary: 'delete a brand and its data',
    handle: async (ctx) => {
      const id = idParam(ctx, 'brandId', 'brand');
      const n = await ctx.tenant.run(async (db) => (await db.query('DELETE FROM brands WHERE id = $1', [id])).rowCount);
      if (n === 0) throw notFound('brand');
      return { status: 204, body: undefined };
    },
  },
];

// Channels: the OAuth token goes to the vault in the same transaction as the
// row; responses say whether a token is stored, never what it is.
const CHANNEL_COLUMNS = 'id, brand_id, platform, handle, (token_secret IS NOT NULL) AS has_token';
const channelCreate = z.strictObject({
  platform: z.enum(['x', 'linkedin', 'instagram', 'facebook', 'email']),
  handle: z.string().min(1).max(200),
  accessToken: z.string().min(1).max(8192).optional(),
});
const channelUpdate = z.strictObject({ handle: z.string().min(1).max(200).optional(), accessToken: z.string().min(1).max(8192).optional() });
const secretName = (channelId: string): string => `channels/${channelId}/oauth`;

const channelRoutes: AppRoute[] = [
  {
    method: 'GET',
    path: '/brands/:brandId/channels',
    permission: 'channels.read',
    brandParam: 'brandId',
    summary: 'list channels',
    handle: async (ctx) => {
      const brandId = idParam(ctx, 'brandId', 'brand');
      const rows = await ctx.tenant.run(async (db) => {
        await brandVisible(db, brandId);
        return (await db.query(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE brand_id = $1 ORDER BY created_at, id`, [brandId])).rows;
      });
      return { status: 200, body: { items: rows } };
    },
  },
  {
    method: 'POST',
    path: '/brands/:brandId/channels',
    permission: 'channels.connect',
    brandParam: 'brandId',
    summary: 'connect a channel (OAuth token into the vault)',
    handle: async (ctx) => {
      const brandId = idParam(ctx, 'brandId', 'brand');
      const b = parseBody(channelCreate, ctx.body);
      const row = await ctx.tenant.run(async (db) => {
        await brandVisible(db, brandId);
        const inserted = await guardedWrite('channel', async () => (await db.query<{ id: string }>('INSERT INTO channels (org_id, brand_id, platform, handle) VALUES ($1, $2, $3, $4) RETURNING id', [db.orgId, brandId, b.platform, b.handle])).rows[0]);
        const id = (inserted as { id: string }).id;
        if (b.accessToken !== undefined) {
          await ctx.services.vault.put(db, secretName(id), b.accessToken);
          await db.query('UPDATE channels SET token_secret = $2 WHERE id = $1', [id, secretName(id)]);
        }
        return (await db.query(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = $1`, [id])).rows[0];
      });
      return { status: 201, body: row };
    },
  },
  {
    method: 'GET',
    path: '/brands/:brandId/channels/:id',
    permission: 'channels.read',
    brandParam: 'brandId',
    summary: 'read a channel',
    handle: async (ctx) => {
      const brandId = idParam(ctx, 'brandId', 'brand');
      const id = idParam(ctx, 'id', 'channel');
      const row = await ctx.tenant.run(async (db) => (await db.query(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE brand_id = $1 AND id = $2`, [brandId, id])).rows[0]);
      if (row === undefined) throw notFound('channel');
      return { status: 200, body: row };
    },
  },
  {
    method: 'PATCH',
    path: '/brands/:brandId/channels/:id',
    permission: 'channels.connect',
    brandParam: 'brandId',
    summary: 'change a channel or replace its token',
    handle: async (ctx) => {
      const brandId = idParam(ctx, 'brandId', 'brand');
      const id = idParam(ctx, 'id', 'channel');
      const b = parseBody(channelUpdate, ctx.body);
      const row = await ctx.tenant.run(async (db) => {
        const found = await db.query('UPDATE channels SET handle = COALESCE($3, handle) WHERE brand_id = $1 AND id = $2 RETURNING id', [brandId, id, b.handle ?? null]);
        if (found.rowCount === 0) throw notFound('channel');
        if (b.accessToken !== undefined) {
          await ctx.services.vault.put(db, secretName(id), b.accessToken);
          await db.query('UPDATE channels SET token_secret = $2 WHERE id = $1', [id, secretName(id)]);
        }
        return (await db.query(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = $1`, [id])).rows[0];
      });
      return { status: 200, body: row };
    },
  },
  {
    method: 'DELETE',
    path: '/brands/:brandId/channels/:id',
    permission: 'channels.disconnect',
    brandParam: 'brandId',
    summary: 'disconnect a channel (its token is deleted from the vault)',
    handle: async (ctx) => {
      const brandId = idParam(ctx, 'brandId', 'brand');
      const id = idParam(ctx, 'id', 'channel');
      await ctx.tenant.run(async (db) => {
        const n = (await db.query('DELETE FROM channels WHERE brand_id = $1 AND id = $2', [brandId, id])).rowCount;
        if (n === 0) throw notFound('channel');
        await ctx.services.vault.delete(db, secretName(id));
      });
      return { status: 204, body: undefined };
    },
  },
];

// The assistant: text goes through the prompt guard, then the PII redactor,
// before it would reach a model; the reply is redacted again on the way out.
const assistantBody = z.strictObject({ message: z.string().min(1).max(20_000) });

const assistantRoute: AppRoute = {
  method: 'POST',
  path: '/brands/:brandId/assistant',
  permission: 'content.create',
  brandParam: 'brandId',
  summary: 'ask the content assistant (prompt guard + PII redaction)',
  handle: async (ctx) => {
    const brandId = idParam(ctx, 'brandId', 'brand');
    const { message } = parseBody(assistantBody, ctx.body);
    const brand = await ctx.tenant.run(async (db) => (await db.query<{ name: string }>('SELECT name FROM brands WHERE id = $1', [brandId])).rows[0]);
    if (brand === undefined) throw notFound('brand');
    const scan = ctx.services.promptGuard.scan(message);
    if (scan.flagged) {
      return {
        status: 422,
        body: {
          type: 'urn:tenantguard-example:problem:prompt-refused',
          title: 'Message refused',
          status: 422,
          detail: 'The message looks like a prompt-injection attempt and was not sent to the model.',
          code: 'REQUEST_INVALID',
          score: Number(scan.score.toFixed(3)),
          categories: [...new Set(scan.findings.map((f) => f.category))],
        },
      };
    }
    const redactor = ctx.services.redactor();
    const input = redactor.redact(message);
    // Stand-in for the model call: it only ever sees `input.text`.
    const modelReply = `Draft for ${brand.name}: "${input.text.slice(0, 200)}"`;
    const output = redactor.redact(modelReply);
    return {
      status: 200,
      body: { reply: output.text, sentToModel: input.text, redacted: input.findings.map((f) => f.type), promptScore: Number(scan.score.toFixed(3)) },
    };
  },
};

/** Every route of the example app, in registration order. */
export const ROUTES: readonly AppRoute[] = [...brandRoutes, ...channelRoutes, ...CHILDREN.flatMap(childRoutes), assistantRoute];

/** The brand-child tables (for the conformance resource list and the docs). */
export const CHILD_TABLES: readonly string[] = CHILDREN.map((c) => c.table);
