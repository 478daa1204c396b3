/** The slice of node-postgres the runner needs: anything with connect(). */

/** A query result: rows only. */
export interface MigrationQueryResult<R> {
  /** The rows the statement returned. */
  rows: R[];
}

/** A checked-out client (pg.PoolClient satisfies this). */
export interface MigrationClient {
  /** Runs one statement with optional bind values. */
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<MigrationQueryResult<R>>;
  /** Passing an error destroys the connection instead of returning it to the pool. */
  release(err?: Error | boolean): void;
}

/** A pool (pg.Pool satisfies this). */
export interface MigrationPool {
  /** Checks out a client; the runner releases it on every path. */
  connect(): Promise<MigrationClient>;
}
