/**
 * Sends several parameterised statements in ONE round trip on a node-postgres
 * client: Parse/Bind/Execute for each, then a single Sync. node-postgres
 * waits for ReadyForQuery between queries, so BEGIN followed by a
 * parameterised call would otherwise cost two round trips; the signed entry
 * needs bind parameters (the proof must never be in query text).
 *
 * It uses node-postgres' documented "submittable" contract (the one
 * pg-cursor uses): `client.query(obj)` calls `obj.submit(connection)` and
 * forwards the backend's messages to the `handle*` methods.
 *
 * @module tenancy
 */
import type { PoolClientLike } from './pg-types.js';

/** One statement of a batch: SQL text and its bind parameters (strings or Buffers). */
export interface BatchStatement {
  /** SQL text with `$1`... placeholders. */
  readonly text: string;
  /** Parameter values, sent separately from the text. */
  readonly values: ReadonlyArray<string | Buffer | null>;
  /**
   * Prepare it once per connection under this name (node-postgres clients
   * only): later batches skip parsing and planning. A batch may hold
   * several named statements (distinct names).
   */
  readonly name?: string;
}

interface ProtocolConnection {
  /** node-postgres' record of the named statements parsed on this connection. */
  parsedStatements?: Record<string, string>;
  parse(query: { text: string; name?: string; types?: number[] }): void;
  bind(config: { portal?: string; statement?: string; values?: ReadonlyArray<string | Buffer | null> }): void;
  execute(config: { portal?: string; rows?: number }): void;
  sync(): void;
  sendCopyFail?(message: string): void;
  on?(event: 'parseComplete', listener: () => void): unknown;
  removeListener?(event: 'parseComplete', listener: () => void): unknown;
  stream?: { cork?: () => void; uncork?: () => void };
}

/** What a node-postgres client looks like from here (structural, no import of pg). */
interface PgClientShape {
  connection?: { parse?: unknown };
  pipeline?: boolean;
}

/** True when `client` is a node-postgres client that can run a {@link StatementBatch}. */
export function supportsStatementBatch(client: PoolClientLike): boolean {
  const shape = client as unknown as PgClientShape;
  return typeof shape.connection?.parse === 'function' && shape.pipeline !== true;
}

/** True when `client` is a node-postgres client in pipeline mode (queries are pipelined already). */
export function isPipelinedClient(client: PoolClientLike): boolean {
  return (client as unknown as PgClientShape).pipeline === true;
}

/** A node-postgres submittable that runs {@link BatchStatement}s in one round trip. */
export class StatementBatch {
  /** Set by node-postgres when a callback is passed (or by its query timeout). */
  callback: ((err: Error | null, result?: unknown) => void) | undefined;
  /**
   * Read by node-postgres at every ParseComplete, which records `name -> text`
   * in the connection's parsed statements: set by {@link StatementBatch.submit}
   * to the first named statement this batch parses (undefined when it parses
   * none), so that record is always true.
   */
  name: string | undefined;
  /** The text of {@link StatementBatch.name}. */
  text: string | undefined;
  /** Resolves when the batch ran, rejects with the first error. */
  readonly done: Promise<void>;
  private settled = false;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  /** Detaches the ParseComplete listener of a running batch. */
  private detach: (() => void) | undefined;

  constructor(private readonly statements: readonly BatchStatement[]) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // The caller awaits `done`; a rejection nobody awaited must not crash.
    this.done.catch(() => undefined);
  }

  private settle(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.detach?.();
    this.detach = undefined;
    if (err === undefined) this.resolveDone();
    else this.rejectDone(err);
    this.callback?.(err ?? null);
  }

  /** Called by node-postgres with its connection: writes every message, then one Sync. */
  submit(connection: ProtocolConnection): void {
    const parsed = connection.parsedStatements ?? {};
    // Named statements not yet on this connection are parsed FIRST, in
    // order, each once. ParseCompletes arrive in the order of the Parses, so
    // the n-th one of this batch is the n-th Parse: the listener records
    // exactly the statements the server accepted (a failed Parse skips the
    // rest up to Sync, recording nothing more).
    const toParse: Array<{ name: string; text: string }> = [];
    for (const st of this.statements) {
      if (st.name !== undefined && parsed[st.name] !== st.text && !toParse.some((p) => p.name === st.name)) {
        toParse.push({ name: st.name, text: st.text });
      }
    }
    // Without connection events (not node-postgres' Connection) only the
    // first can be recorded; the others run unnamed this time.
    const on = connection.on?.bind(connection);
    const off = connection.removeListener?.bind(connection);
    const unnamed = new Set(on === undefined || off === undefined ? toParse.splice(1).map((p) => p.name) : []);
    this.name = toParse[0]?.name;
    this.text = toParse[0]?.text;
    if (toParse.length > 1 && on !== undefined && off !== undefined) {
      const expected = [...toParse];
      const onParseComplete = (): void => {
        const next = expected.shift();
        if (next !== undefined && connection.parsedStatements !== undefined) connection.parsedStatements[next.name] = next.text;
      };
      on('parseComplete', onParseComplete);
      this.detach = () => off('parseComplete', onParseComplete);
    }
    connection.stream?.cork?.();
    try {
      for (const p of toParse) connection.parse({ text: p.text, name: p.name, types: [] });
      for (const st of this.statements) {
        const name = st.name === undefined || unnamed.has(st.name) ? '' : st.name;
        if (name === '') connection.parse({ text: st.text, name: '', types: [] });
        connection.bind({ portal: '', statement: name, values: st.values });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream?.uncork?.();
    }
  }

  /** Result rows are not needed: the statements are commands. */
  handleRowDescription(): void {}
  /** Ignored (see {@link StatementBatch.handleRowDescription}). */
  handleDataRow(): void {}
  /** One statement finished; the batch settles at ReadyForQuery. */
  handleCommandComplete(): void {}
  /** An empty statement (never sent by tenantguard). */
  handleEmptyQuery(): void {}
  /** Not used: no row limit is set. */
  handlePortalSuspended(): void {}
  /** COPY is never part of a batch; refuse it so the connection stays usable. */
  handleCopyInResponse(connection: ProtocolConnection): void {
    connection.sendCopyFail?.('tenantguard: COPY is not allowed in a tenant entry batch');
  }
  /** Ignored (see {@link StatementBatch.handleCopyInResponse}). */
  handleCopyData(): void {}
  /** The backend refused a statement: the rest were skipped up to our Sync. */
  handleError(err: Error): void {
    this.settle(err);
  }

  /** Forgets the named statement on `connection` (e.g. after DISCARD ALL removed it server-side). */
  static forget(client: PoolClientLike, name: string): void {
    const conn = (client as unknown as { connection?: ProtocolConnection }).connection;
    if (conn?.parsedStatements !== undefined) delete conn.parsedStatements[name];
  }

  /**
   * Makes the client's record of the named statements of `statements` match
   * the server (pg_prepared_statements), after other code removed some of
   * them (DEALLOCATE, DISCARD ALL): a vanished one is parsed again by the
   * next batch, one still there is not (parsing it again would fail).
   * Needs no open transaction, or an open one that has not failed.
   */
  static async resync(client: PoolClientLike, statements: readonly BatchStatement[]): Promise<void> {
    const conn = (client as unknown as { connection?: ProtocolConnection }).connection;
    const parsed = conn?.parsedStatements;
    if (parsed === undefined) return;
    const names = [...new Set(statements.flatMap((st) => (st.name === undefined ? [] : [st.name])))];
    const { rows } = await client.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_catalog.pg_prepared_statements WHERE name = ANY($1::text[])',
      [names],
    );
    const live = new Map(rows.map((r) => [r.name, r.statement]));
    for (const st of statements) {
      if (st.name === undefined) continue;
      const text = live.get(st.name);
      if (text === undefined) delete parsed[st.name];
      else parsed[st.name] = text; // another text under our name is then re-parsed and refused (42P05), never run as ours
    }
  }
  /** Everything ran. */
  handleReadyForQuery(): void {
    this.settle(undefined);
  }
}

/**
 * Runs `statements` in order on `client`: in one round trip on a
 * node-postgres client, otherwise one query after another (pipelined by
 * node-postgres itself when the client is in pipeline mode).
 */
export async function runStatementBatch(client: PoolClientLike, statements: readonly BatchStatement[]): Promise<void> {
  if (supportsStatementBatch(client)) {
    const batch = new StatementBatch(statements);
    client.query(batch);
    await batch.done;
    return;
  }
  if (isPipelinedClient(client)) {
    const pending = statements.map((st) => client.query(st.text, st.values));
    const results = await Promise.allSettled(pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return;
  }
  for (const st of statements) await client.query(st.text, st.values);
}
