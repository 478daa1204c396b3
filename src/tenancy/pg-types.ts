/**
 * The minimal node-postgres contract tenantguard relies on. `pg` is a peer
 * dependency: these structural types accept the application's own `pg.Pool`
 * and `pg.PoolClient` (or anything shaped like them) without importing pg.
 *
 * @module tenancy
 */
import type { OrgId } from './org-id.js';

/** One result row: column name to value. */
export interface QueryResultRow {
  [column: string]: unknown;
}

/** A column of a result, as node-postgres describes it. */
export interface FieldDescription {
  /** Column name. */
  name: string;
  /** The column type's oid. */
  dataTypeID: number;
}

/** The result of one statement (node-postgres' `QueryResult`). */
export interface QueryResult<R extends object = QueryResultRow> {
  /** The command tag's verb: `SELECT`, `INSERT`, `COMMIT`, ... */
  command: string;
  /** Rows affected or returned; null for commands without a count. */
  rowCount: number | null;
  /** The rows, one object per row. */
  rows: R[];
  /** Column descriptions. */
  fields: FieldDescription[];
}

/** A parameterised statement (node-postgres' `QueryConfig`). */
export interface QueryConfig {
  /** SQL text; parameters are `$1`, `$2`, ... */
  text: string;
  /** Bind parameters (sent separately from the text, never interpolated). */
  values?: readonly unknown[];
  /** Prepared statement name, to reuse the plan on this connection. */
  name?: string;
}

/**
 * Something node-postgres can submit directly (a `pg-cursor` or
 * `pg-query-stream` instance). Passed through unchanged.
 */
export interface Submittable {
  /** Called by the client with its connection. */
  submit: (connection: never) => void;
}

/**
 * Anything that runs SQL the way `pg.Pool`, `pg.Client` and `pg.PoolClient`
 * do. Overloads mirror node-postgres' promise forms, typed without `any`:
 * rows default to {@link QueryResultRow} and values to `unknown`.
 */
export interface Queryable {
  /** Runs a cursor or stream (pg-cursor, pg-query-stream); returns it. */
  query<S extends Submittable>(submittable: S): S;
  /** Runs a parameterised statement described by a config object. */
  query<R extends object = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
  /** Runs SQL text with optional bind parameters. */
  query<R extends object = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
}

/**
 * A checked-out connection (node-postgres' `PoolClient`). `release(err)` with
 * an error destroys the connection instead of returning it to the pool.
 */
export interface PoolClientLike extends Queryable {
  /** Returns the client to its pool; with an error, destroys it. */
  release(err?: Error | boolean): void;
  /** node-postgres emits `error` when the backend dies while checked out. */
  on?(event: 'error', listener: (err: Error) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener?(event: 'error', listener: (err: Error) => void): unknown;
}

/** A connection pool: anything with `connect()` (e.g. `pg.Pool`). */
export interface PoolLike {
  /** Checks out a client; the caller must release it on every path. */
  connect(): Promise<PoolClientLike>;
}

/**
 * The handle `withTenant` passes to your function: run SQL with it inside the
 * tenant's transaction. It is only valid while that function runs; using it
 * afterwards throws `TENANT_CONTEXT_CLOSED` (the connection may already serve
 * another tenant). Other modules (audit, vault, rbac store) take a `TenantDb`
 * so their writes join the caller's transaction.
 */
export interface TenantDb extends Queryable {
  /** The org this transaction is scoped to. */
  readonly orgId: OrgId;
}
