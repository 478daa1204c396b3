/**
 * withTenant: run work inside one transaction scoped to one org, so that
 * PostgreSQL's RLS policies (from `tenantguard.enable_tenant_isolation`)
 * filter every row by that org.
 *
 * @module tenancy
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { parseOrgId, type OrgId } from './org-id.js';
import type { PoolClientLike, PoolLike, QueryResult, TenantDb } from './pg-types.js';

/** A transaction isolation level PostgreSQL accepts in `BEGIN ISOLATION LEVEL`. */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** What the "enter tenant" step needs to know. */
export interface TenantEntryContext {
  /** The validated org. */
  readonly orgId: OrgId;
  /** Begin the transaction READ ONLY. */
  readonly readOnly: boolean;
  /** `BEGIN ISOLATION LEVEL ...`; undefined keeps the server default. */
  readonly isolationLevel: IsolationLevel | undefined;
  /** A role to drop to with `SET LOCAL ROLE`; undefined keeps the login role. */
  readonly role: string | undefined;
}

/**
 * The step that opens the transaction on a freshly checked-out client and
 * enters the tenant. It MUST begin a transaction and MUST leave the tenant
 * visible to `tenantguard.current_org_id()` only for that transaction. The
 * default is {@link enterTenantDefault}; issue 7's signed SECURITY DEFINER
 * entry replaces it through {@link WithTenantOptions.enter} without touching
 * withTenant. If it throws, withTenant rolls back and releases the client.
 */
export type EnterTenant = (client: PoolClientLike, ctx: TenantEntryContext) => Promise<void>;

/**
 * Picks the pool that serves an org (a tenant router: shared pool, dedicated
 * database, ...). The default serves every org from the pool passed in.
 */
export type RouteTenant = (orgId: OrgId, pool: PoolLike) => PoolLike | Promise<PoolLike>;

/** Options for {@link withTenant}. */
export interface WithTenantOptions {
  /**
   * Drop to this role for the transaction (`SET LOCAL ROLE`), e.g.
   * `'tenantguard_app'`, so a pool that logs in as a table owner or
   * superuser is still subject to RLS. This guards against mistakes, not
   * against hostile SQL inside `fn` (which could `RESET ROLE`).
   */
  role?: string;
  /** Begin the transaction READ ONLY (writes fail with 25006). */
  readOnly?: boolean;
  /** Transaction isolation level; default: the server's default. */
  isolationLevel?: IsolationLevel;
  /** Replace the "enter tenant" step (see {@link EnterTenant}). */
  enter?: EnterTenant;
  /** Route the org to another pool (see {@link RouteTenant}). */
  route?: RouteTenant;
}

/** The signature of {@link withTenant} (and of runners made by {@link createWithTenant}). */
export type WithTenant = <T>(
  pool: PoolLike,
  orgId: OrgId,
  fn: (db: TenantDb) => Promise<T> | T,
  options?: WithTenantOptions,
) => Promise<T>;

const optionsSchema = z
  .object({
    role: z
      .string()
      .min(1)
      .max(63)
      .refine((r) => !r.includes('\u0000'), 'role must not contain NUL')
      .optional(),
    readOnly: z.boolean().optional(),
    isolationLevel: z.enum(['read committed', 'repeatable read', 'serializable']).optional(),
    enter: z.custom<EnterTenant>((v) => typeof v === 'function').optional(),
    route: z.custom<RouteTenant>((v) => typeof v === 'function').optional(),
  })
  .strict();

/** Double-quotes an SQL identifier (`"` doubled), so any role name is one identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The SQL text of the default entry: BEGIN, the tenant setting and the
 * optional role in ONE simple-protocol round trip.
 *
 * Why a literal and not a bind parameter: parameters force the extended
 * protocol, which carries exactly one statement per Parse, so BEGIN and
 * set_config would cost two round trips (node-postgres does not pipeline).
 * The simple protocol carries several statements in one message. The org id
 * is safe to inline: it is re-validated here as a canonical lowercase uuid
 * (36 characters of [0-9a-f-]), so it cannot contain a quote.
 */
export function enterTenantSql(ctx: TenantEntryContext): string {
  const orgId = parseOrgId(ctx.orgId); // defence in depth: a cast can forge the brand
  let begin = 'BEGIN';
  if (ctx.isolationLevel !== undefined) begin += ` ISOLATION LEVEL ${ctx.isolationLevel.toUpperCase()}`;
  if (ctx.readOnly) begin += ' READ ONLY';
  // set_config(..., true): transaction-local, gone at COMMIT or ROLLBACK.
  let sql = `${begin}; SELECT pg_catalog.set_config('app.current_org_id', '${orgId}', true)`;
  if (ctx.role !== undefined) sql += `; SET LOCAL ROLE ${quoteIdentifier(ctx.role)}`;
  return sql;
}

/** The default {@link EnterTenant}: sends {@link enterTenantSql} in one round trip. */
export const enterTenantDefault: EnterTenant = async (client, ctx) => {
  await client.query(enterTenantSql(ctx));
};

/** One open tenant transaction on one pool. */
interface Frame {
  readonly orgId: OrgId;
  readonly db: TenantDb;
  readonly role: string | undefined;
  readonly readOnly: boolean;
  readonly isolationLevel: IsolationLevel | undefined;
  /** Set once fn has settled: the db handle is dead from then on. */
  closed: boolean;
}

// Keyed per pool: a nested call on the same pool joins the open transaction,
// a call on another pool (another database) is independent.
const frames = new AsyncLocalStorage<ReadonlyMap<PoolLike, Frame>>();

function closedError(): TenantGuardError {
  return new TenantGuardError(
    'TENANT_CONTEXT_CLOSED',
    'this tenant transaction has ended; the db handle is only valid inside the withTenant callback',
  );
}

function makeDb(client: PoolClientLike, orgId: OrgId, isClosed: () => boolean): TenantDb {
  const run = client.query.bind(client) as (arg: unknown, values?: readonly unknown[]) => unknown;
  const query = (arg: unknown, values?: readonly unknown[]): unknown => {
    const submittable = typeof arg === 'object' && arg !== null && typeof (arg as { submit?: unknown }).submit === 'function';
    if (isClosed()) {
      if (submittable) throw closedError();
      return Promise.reject(closedError());
    }
    return values === undefined ? run(arg) : run(arg, values);
  };
  return Object.freeze({ orgId, query: query as TenantDb['query'] });
}

function validateOptions(options: WithTenantOptions | undefined): WithTenantOptions {
  if (options === undefined) return {};
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TenantGuardError('INPUT_INVALID', 'invalid withTenant options', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return options;
}

async function tryRollback(client: PoolClientLike): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Makes a withTenant with default options (e.g. issue 7's `enter` and
 * `route`); per-call options override them.
 */
export function createWithTenant(defaults: WithTenantOptions = {}): WithTenant {
  const base = validateOptions(defaults);
  return async function withTenantImpl<T>(
    pool: PoolLike,
    orgIdInput: OrgId,
    fn: (db: TenantDb) => Promise<T> | T,
    callOptions?: WithTenantOptions,
  ): Promise<T> {
    const orgId = parseOrgId(orgIdInput); // before any SQL, even for nested calls
    const options = { ...base, ...validateOptions(callOptions) };
    if (typeof fn !== 'function') throw new TenantGuardError('INPUT_INVALID', 'withTenant needs a function');
    const target = options.route === undefined ? pool : await options.route(orgId, pool);

    const outer = frames.getStore();
    const open = outer?.get(target);
    if (open !== undefined && !open.closed) {
      if (open.orgId !== orgId) {
        throw new TenantGuardError('TENANT_MISMATCH', 'a transaction for another org is already open on this pool', {
          details: { open: open.orgId, requested: orgId },
        });
      }
      const conflict =
        (options.role !== undefined && options.role !== open.role) ||
        (options.readOnly !== undefined && options.readOnly !== open.readOnly) ||
        (options.isolationLevel !== undefined && options.isolationLevel !== open.isolationLevel);
      if (conflict) {
        throw new TenantGuardError(
          'TENANT_OPTIONS_CONFLICT',
          'a nested withTenant asked for a role, readOnly or isolationLevel different from the open transaction',
        );
      }
      return fn(open.db);
    }

    const ctx: TenantEntryContext = {
      orgId,
      readOnly: options.readOnly ?? false,
      isolationLevel: options.isolationLevel,
      role: options.role,
    };
    const client = await target.connect();
    // A backend that dies while we hold the client (pg_terminate_backend,
    // network) makes node-postgres emit 'error'; without a listener that
    // would crash the process. We record it and destroy the client.
    let connectionError: Error | undefined;
    const onError = (err: Error): void => {
      connectionError ??= err;
    };
    client.on?.('error', onError);
    let released = false;
    const release = (err?: Error): void => {
      if (released) return;
      released = true;
      client.removeListener?.('error', onError);
      client.release(err);
    };

    const frame: Frame = {
      orgId,
      role: ctx.role,
      readOnly: ctx.readOnly,
      isolationLevel: ctx.isolationLevel,
      closed: false,
      db: makeDb(client, orgId, () => frame.closed),
    };
    try {
      try {
        await (options.enter ?? enterTenantDefault)(client, ctx);
      } catch (err) {
        throw new TenantGuardError('TENANT_ENTRY_FAILED', 'could not begin the tenant transaction', { cause: err });
      }
      const next = new Map(outer ?? []);
      next.set(target, frame);
      let result: T;
      try {
        result = await frames.run(next, () => fn(frame.db));
      } finally {
        frame.closed = true;
      }
      const commit = (await client.query('COMMIT')) as QueryResult;
      // COMMIT of a transaction that already failed is answered with a
      // ROLLBACK tag and no error: the work was lost and the caller must know.
      if (commit.command === 'ROLLBACK') {
        throw new TenantGuardError(
          'TENANT_COMMIT_FAILED',
          'the tenant transaction was rolled back at COMMIT because a statement in it had failed',
        );
      }
      release();
      return result;
    } catch (err) {
      frame.closed = true;
      if (released) throw err;
      if (connectionError !== undefined) {
        release(connectionError);
        throw err;
      }
      // After entry failed the transaction may or may not have begun; after
      // a failed COMMIT it has ended. ROLLBACK is right (or a harmless
      // warning) in every case; if even that fails the state is unknown.
      const rollbackError = await tryRollback(client);
      release(rollbackError ?? connectionError);
      throw err;
    }
  };
}

/**
 * Runs `fn` in a transaction scoped to `orgId` and returns its result.
 *
 * BEGIN and `set_config('app.current_org_id', orgId, true)` go in one round
 * trip; the setting is transaction-local, so the pooled connection carries
 * nothing to its next user. Commits when `fn` resolves, rolls back when it
 * throws, and releases the client on every path; a client whose state is
 * unknown (rollback failed, connection died) is released with the error,
 * which destroys it. A nested call for the same org on the same pool joins
 * the open transaction; for another org it throws `TENANT_MISMATCH`.
 *
 * @example
 * ```ts
 * const orgId = parseOrgId(principal.orgId);
 * const brands = await withTenant(pool, orgId, async (db) => {
 *   const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM brands');
 *   return rows; // only this org's rows: RLS filters, even without a WHERE
 * });
 * ```
 */
export const withTenant: WithTenant = createWithTenant();
