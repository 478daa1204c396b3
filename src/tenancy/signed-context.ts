/**
 * The signed tenant context: an {@link EnterTenant} that enters the org
 * through `tenantguard.enter_signed_tenant` (migration 0040) with a proof the
 * application computes from a context key the database role cannot read,
 * bound to the backend process and used once. With
 * `tenantguard.enable_signed_context()` run, `current_org_id()` returns the
 * org only when entered this way, so SQL inside a tenant transaction cannot
 * switch tenants with `set_config`.
 *
 * @module tenancy
 */
import { TenantGuardError, type ErrorCode } from '../errors.js';
import { parseOrgId } from './org-id.js';
import type { PoolClientLike } from './pg-types.js';
import { runStatementBatch, StatementBatch, type BatchStatement } from './signed-context-batch.js';
import { computeContextProof, nextIssuedAt, parseContextKey, type ContextKey } from './signed-context-proof.js';
import { createWithTenant, type EnterTenant, type IsolationLevel, type TenantEntryContext, type WithTenant, type WithTenantOptions } from './with-tenant.js';

/** Options for {@link createSignedContext}. */
export interface SignedContextOptions {
  /** The key this application instance signs with (installed in the database with {@link installContextKey}). */
  readonly key: ContextKey;
}

/** What {@link createSignedContext} returns. */
export interface SignedContext {
  /** The signed entry step, for `createWithTenant({ enter })` or a tenant router. */
  readonly enter: EnterTenant;
  /** A withTenant that enters every org through the signed entry. */
  readonly withTenant: WithTenant;
  /** The id of the key this instance signs with. */
  readonly keyId: string;
}

/** SQLSTATEs raised by migration 0040, and the stable codes they become. */
const SQLSTATE_CODES: Readonly<Record<string, ErrorCode>> = {
  TG001: 'SIGNED_CONTEXT_KEY_UNKNOWN',
  TG002: 'SIGNED_CONTEXT_PROOF_INVALID',
  TG003: 'SIGNED_CONTEXT_WRONG_BACKEND',
  TG004: 'SIGNED_CONTEXT_EXPIRED',
  TG005: 'SIGNED_CONTEXT_REPLAYED',
  '42883': 'SIGNED_CONTEXT_UNAVAILABLE', // undefined_function: migration 0040 not applied
  '42501': 'SIGNED_CONTEXT_UNAVAILABLE', // insufficient_privilege: role lacks EXECUTE
};

/**
 * Turns an error raised by the signed entry into a `TenantGuardError` with a
 * stable code (`SIGNED_CONTEXT_*`); other errors are returned unchanged.
 */
export function signedContextError(err: unknown): unknown {
  const sqlstate = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const code = typeof sqlstate === 'string' ? SQLSTATE_CODES[sqlstate] : undefined;
  if (code === undefined) return err;
  const message = err instanceof Error ? err.message : 'signed tenant entry failed';
  return new TenantGuardError(code, message, { cause: err, details: { sqlstate } });
}

// Backend pids of clients that did not expose node-postgres' `processID`.
const pidCache = new WeakMap<PoolClientLike, number>();

async function backendPid(client: PoolClientLike): Promise<number> {
  const fromPg = (client as unknown as { processID?: unknown }).processID;
  if (typeof fromPg === 'number' && Number.isInteger(fromPg) && fromPg > 0) return fromPg;
  const cached = pidCache.get(client);
  if (cached !== undefined) return cached;
  const { rows } = await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid');
  const pid = rows[0]?.pid;
  if (typeof pid !== 'number') {
    throw new TenantGuardError('SIGNED_CONTEXT_UNAVAILABLE', 'could not learn the backend process id of this connection');
  }
  pidCache.set(client, pid);
  return pid;
}

/** The names of the prepared entry statements on each connection (without and with a role). */
const ENTER_STATEMENT = 'tenantguard_signed_entry_v1';
const ENTER_ROLE_STATEMENT = 'tenantguard_signed_entry_role_v1';

const ENTER_SQL =
  'SELECT tenantguard.enter_signed_tenant($1::uuid, $2::text, $3::integer, $4::bigint, $5::bytea), ' +
  "pg_catalog.set_config('app.current_org_id', $6::text, true)";
// set_config('role', name, true) is SET LOCAL ROLE name; in the entry's own
// statement it saves the batch a statement (parse, bind and execute).
const ENTER_ROLE_SQL = `${ENTER_SQL}, pg_catalog.set_config('role', $7::text, true)`;

// BEGIN (and READ ONLY) prepared once per connection too: no Parse of it
// per transaction (measured: 8-22 us less client and server CPU per entry).
function beginStatement(level: IsolationLevel | undefined): BatchStatement {
  const text = level === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${level.toUpperCase()}`;
  const name = `tenantguard_begin${level === undefined ? '' : `_${level.replace(' ', '_')}`}_v1`;
  return Object.freeze({ text, name, values: Object.freeze([]) });
}
const BEGIN_STATEMENTS: Readonly<Record<IsolationLevel | 'default', BatchStatement>> = {
  default: beginStatement(undefined),
  'read committed': beginStatement('read committed'),
  'repeatable read': beginStatement('repeatable read'),
  serializable: beginStatement('serializable'),
};
const READ_ONLY_STATEMENT: BatchStatement = Object.freeze({ text: 'SET TRANSACTION READ ONLY', name: 'tenantguard_read_only_v1', values: Object.freeze([]) });

/** The statements of a signed entry (exported for tests and the benchmark). */
export function signedEntryStatements(
  ctx: TenantEntryContext,
  proof: { keyId: string; pid: number; issuedAt: bigint; proof: Buffer },
): BatchStatement[] {
  const orgId = parseOrgId(ctx.orgId);
  const values = [orgId, proof.keyId, String(proof.pid), String(proof.issuedAt), proof.proof, orgId];
  const statements: BatchStatement[] = [
    BEGIN_STATEMENTS[ctx.isolationLevel ?? 'default'],
    ctx.role === undefined
      ? { text: ENTER_SQL, name: ENTER_STATEMENT, values }
      : { text: ENTER_ROLE_SQL, name: ENTER_ROLE_STATEMENT, values: [...values, ctx.role] },
  ];
  // READ ONLY after the entry: the entry writes the per-backend ledger row,
  // and a transaction may always switch from read-write to read-only.
  if (ctx.readOnly) statements.push(READ_ONLY_STATEMENT);
  return statements;
}

/**
 * Makes the signed entry for one context key.
 *
 * The proof (HMAC-SHA256 over key id, org, backend pid and a strictly
 * increasing issue time) travels as a bind parameter, never in query text;
 * BEGIN, the entry (with the role, if any) and the optional READ ONLY go in
 * one round trip on a node-postgres client. Errors from the database become
 * `TenantGuardError`s with `SIGNED_CONTEXT_*` codes (as the `cause` of
 * withTenant's `TENANT_ENTRY_FAILED`).
 *
 * @example
 * ```ts
 * const signed = createSignedContext({ key: { id: 'ctx-1', secret: process.env.TG_CONTEXT_KEY! } });
 * const rows = await signed.withTenant(pool, orgId, (db) => db.query('SELECT * FROM brands'));
 * ```
 */
export function createSignedContext(options: SignedContextOptions, defaults: WithTenantOptions = {}): SignedContext {
  const key = parseContextKey(options.key);
  const enter: EnterTenant = async (client, ctx) => {
    const pid = await backendPid(client);
    const issuedAt = nextIssuedAt();
    const proof = computeContextProof(key.secret, { keyId: key.id, orgId: ctx.orgId, pid, issuedAt });
    const statements = signedEntryStatements(ctx, { keyId: key.id, pid, issuedAt, proof });
    try {
      await runStatementBatch(client, statements);
    } catch (err) {
      // A prepared statement of the batch vanished (DISCARD ALL / DEALLOCATE
      // by other code): end the aborted transaction, learn which of ours the
      // server still has, and run the batch once more.
      if ((err as { code?: unknown }).code !== '26000') throw signedContextError(err);
      try {
        await client.query('ROLLBACK');
        await StatementBatch.resync(client, statements);
        await runStatementBatch(client, statements);
      } catch (again) {
        throw signedContextError(again);
      }
    }
  };
  return Object.freeze({ enter, withTenant: createWithTenant({ ...defaults, enter }), keyId: key.id });
}
