/**
 * The migration runner: applies the bundled migrations and the application's
 * own directories, in order, each in its own transaction, exactly once even
 * with many runners started at once, refusing drift and late-merged files.
 */
import pg from 'pg';
import { TenantGuardError } from '../errors.js';
import {
  BUNDLED_NAMESPACE,
  bundledMigrationsDirectory,
  compareVersions,
  readMigrationDirectory,
  type MigrationDirectory,
  type MigrationFile,
} from './files.js';
import { acquireMigrationLock, releaseMigrationLock, type LockOptions } from './lock.js';
import type { MigrationClient, MigrationPool } from './pg.js';
import { splitSqlStatements } from './split.js';

/** Where and what to migrate. Give `pool` or `databaseUrl`. */
export interface MigrateOptions {
  /** The application's pool (anything with `connect()`); its clients are released. */
  pool?: MigrationPool;
  /** Used when no pool is given; a one-connection pool is opened and closed. */
  databaseUrl?: string;
  /**
   * The application's own migration folders, applied after the bundled ones,
   * in the order given. A plain string is recorded under the namespace `app`.
   */
  directories?: ReadonlyArray<string | MigrationDirectory>;
  /** Leave out the bundled migrations (default: include them). */
  bundled?: boolean;
  /** Report what would be applied; change nothing. */
  dryRun?: boolean;
  /** How to wait for the lock other runners hold. */
  lock?: LockOptions;
  /** Apply pending migrations that sort before applied ones instead of refusing. */
  allowOutOfOrder?: boolean;
  /** Progress lines, e.g. `console.log`. */
  log?: (line: string) => void;
}

/** One migration and its state. */
export interface MigrationStatusEntry {
  /** The directory's namespace (`tenantguard` for the bundled migrations, `app` by default for yours). */
  namespace: string;
  /** The file's version prefix (`0001` of `0001_foundation.sql`). */
  version: string;
  /** The file's name after the version (`foundation`). */
  name: string;
  /** `applied`, `pending`, `changed` (checksum differs), `missing` (applied, file gone), `out_of_order` (pending, below an applied one). */
  state: 'applied' | 'pending' | 'changed' | 'missing' | 'out_of_order';
  /** When it was applied (ISO 8601), for applied, changed and missing entries. */
  appliedAt?: string;
  /** Whether the file runs inside one transaction (false when the file starts with the `-- tenantguard:no-transaction` header). */
  transactional: boolean;
}

/** What {@link migrate} did (or, with `dryRun`, would do). */
export interface MigrateResult {
  /** Migrations applied by this call (with `dryRun`: that would be applied). */
  applied: Array<{
    /** The directory's namespace. */
    namespace: string;
    /** The file's version prefix. */
    version: string;
    /** The file's name after the version. */
    name: string;
    /** Time the file took to apply, in milliseconds (0 with `dryRun`). */
    durationMs: number;
  }>;
  /** Number of migrations that were applied already. */
  alreadyApplied: number;
  /** True when nothing was changed because `dryRun` was set. */
  dryRun: boolean;
}

interface AppliedRow {
  namespace: string;
  version: string;
  name: string;
  checksum: string;
  applied_at: Date;
}

const BOOTSTRAP_SQL = `
CREATE SCHEMA IF NOT EXISTS tenantguard;
CREATE TABLE IF NOT EXISTS tenantguard.schema_migrations (
  namespace    text        NOT NULL,
  version      text        NOT NULL,
  name         text        NOT NULL,
  checksum     text        NOT NULL,
  transactional boolean    NOT NULL,
  execution_ms integer     NOT NULL,
  applied_by   text        NOT NULL DEFAULT current_user,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, version)
);`;

function loadFiles(options: MigrateOptions): MigrationFile[] {
  const files: MigrationFile[] = [];
  if (options.bundled !== false) files.push(...readMigrationDirectory({ path: bundledMigrationsDirectory() }, BUNDLED_NAMESPACE));
  const namespaces = new Set<string>(options.bundled !== false ? [BUNDLED_NAMESPACE] : []);
  for (const d of options.directories ?? []) {
    const dir: MigrationDirectory = typeof d === 'string' ? { path: d } : d;
    const ns = dir.namespace ?? 'app';
    if (ns === BUNDLED_NAMESPACE) {
      throw new TenantGuardError('MIGRATION_INVALID', `the namespace "${BUNDLED_NAMESPACE}" is reserved for the bundled migrations`);
    }
    if (namespaces.has(ns)) {
      throw new TenantGuardError('MIGRATION_INVALID', `two migration directories share the namespace "${ns}"; give each its own`);
    }
    namespaces.add(ns);
    files.push(...readMigrationDirectory(dir, ns));
  }
  return files;
}

async function withClient<T>(options: MigrateOptions, fn: (client: MigrationClient) => Promise<T>): Promise<T> {
  let ownPool: pg.Pool | undefined;
  let pool: MigrationPool;
  if (options.pool !== undefined) pool = options.pool;
  else if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    ownPool = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
    ownPool.on('error', () => undefined);
    pool = ownPool;
  } else {
    throw new TenantGuardError('CONFIG_INVALID', 'migrate needs a pool or a databaseUrl');
  }
  try {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      // A connection whose session state is unknown (lock, failed statement
      // outside a transaction) is destroyed, not returned to the pool.
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  } finally {
    await ownPool?.end();
  }
}

async function readApplied(client: MigrationClient): Promise<AppliedRow[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('tenantguard.schema_migrations')::text AS t`);
  if (exists.rows[0]?.t === null || exists.rows[0] === undefined) return [];
  const r = await client.query<AppliedRow>(
    'SELECT namespace, version, name, checksum, applied_at FROM tenantguard.schema_migrations ORDER BY namespace, version',
  );
  return r.rows;
}

function key(namespace: string, version: string): string {
  return `${namespace}/${version}`;
}

/** Compares files with what the database recorded. */
function compare(files: MigrationFile[], applied: AppliedRow[]): MigrationStatusEntry[] {
  const byKey = new Map(applied.map((a) => [key(a.namespace, a.version), a]));
  const fileKeys = new Set(files.map((f) => key(f.namespace, f.version)));
  const highest = new Map<string, string>();
  for (const a of applied) {
    const h = highest.get(a.namespace);
    if (h === undefined || compareVersions(a.version, h) > 0) highest.set(a.namespace, a.version);
  }
  const out: MigrationStatusEntry[] = [];
  for (const f of files) {
    const a = byKey.get(key(f.namespace, f.version));
    if (a !== undefined) {
      out.push({
        namespace: f.namespace,
        version: f.version,
        name: f.name,
        state: a.checksum === f.checksum && a.name === f.name ? 'applied' : 'changed',
        appliedAt: a.applied_at.toISOString(),
        transactional: f.transactional,
      });
    } else {
      const h = highest.get(f.namespace);
      out.push({
        namespace: f.namespace,
        version: f.version,
        name: f.name,
        state: h !== undefined && compareVersions(f.version, h) < 0 ? 'out_of_order' : 'pending',
        transactional: f.transactional,
      });
    }
  }
  for (const a of applied) {
    if (!fileKeys.has(key(a.namespace, a.version)) && out.every((o) => o.namespace !== a.namespace || o.version !== a.version)) {
      // Only namespaces we were given files for can be judged missing.
      if (files.some((f) => f.namespace === a.namespace)) {
        out.push({ namespace: a.namespace, version: a.version, name: a.name, state: 'missing', appliedAt: a.applied_at.toISOString(), transactional: true });
      }
    }
  }
  return out;
}

function driftError(entries: MigrationStatusEntry[], files: MigrationFile[], allowOutOfOrder: boolean): TenantGuardError | undefined {
  const changed = entries.find((e) => e.state === 'changed');
  if (changed !== undefined) {
    const file = files.find((f) => f.namespace === changed.namespace && f.version === changed.version);
    return new TenantGuardError(
      'MIGRATION_CHECKSUM_MISMATCH',
      `migration ${file?.path ?? changed.name} was changed after it was applied (${changed.appliedAt ?? ''}). ` +
        'Applied migrations are immutable: restore the file and put the change in a new migration.',
      { details: { namespace: changed.namespace, file: file?.path ?? changed.name } },
    );
  }
  const missing = entries.find((e) => e.state === 'missing');
  if (missing !== undefined) {
    return new TenantGuardError(
      'MIGRATION_MISSING',
      `migration ${missing.namespace}/${missing.name} is recorded as applied but its file is gone. Restore the file.`,
      { details: { namespace: missing.namespace, file: missing.name } },
    );
  }
  const late = entries.find((e) => e.state === 'out_of_order');
  if (late !== undefined && !allowOutOfOrder) {
    const highest = entries
      .filter((e) => e.namespace === late.namespace && e.state === 'applied')
      .reduce((m, e) => (compareVersions(e.version, m.version) > 0 ? e : m));
    return new TenantGuardError(
      'MIGRATION_OUT_OF_ORDER',
      `migration ${late.namespace}/${late.name} is pending but ${late.namespace}/${highest.name} is already applied: it was probably merged late. ` +
        `Renumber it above ${highest.version} (rename the file), or, if its order truly does not matter, run with allowOutOfOrder (--allow-out-of-order).`,
      { details: { namespace: late.namespace, file: late.name, after: highest.name } },
    );
  }
  return undefined;
}

/** Line and column (1-based) of a 1-based character position in `sql`. */
function lineAndColumn(sql: string, position: number): { line: number; column: number } {
  const before = sql.slice(0, Math.max(0, position - 1));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function failure(file: MigrationFile, err: unknown, offset: number, rolledBack: boolean): TenantGuardError {
  const e = err as { message?: string; position?: string; code?: string };
  const pos = e.position !== undefined ? Number(e.position) + offset : undefined;
  const where = pos !== undefined && Number.isFinite(pos) ? lineAndColumn(file.sql, pos) : undefined;
  const at = where !== undefined ? ` at line ${where.line}, column ${where.column}` : '';
  const state = rolledBack ? 'rolled back' : 'NOT rolled back (no-transaction migration): statements before the failing one stay applied';
  return new TenantGuardError(
    'MIGRATION_FAILED',
    `migration ${file.path} failed${at}: ${e.message ?? String(err)}${e.code !== undefined ? ` (SQLSTATE ${e.code})` : ''}; ${state}`,
    { cause: err, details: { file: file.path, sqlstate: e.code, line: where?.line, column: where?.column } },
  );
}

async function applyOne(client: MigrationClient, file: MigrationFile): Promise<number> {
  const started = Date.now();
  const record = async (): Promise<void> => {
    await client.query(
      'INSERT INTO tenantguard.schema_migrations (namespace, version, name, checksum, transactional, execution_ms) VALUES ($1, $2, $3, $4, $5, $6)',
      [file.namespace, file.version, file.name, file.checksum, file.transactional, Date.now() - started],
    );
  };
  if (file.transactional) {
    await client.query('BEGIN');
    try {
      await client.query(file.sql);
      await record();
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw failure(file, err, 0, true);
    }
  } else {
    // One statement at a time, outside any transaction block.
    for (const stmt of splitSqlStatements(file.sql)) {
      try {
        await client.query(stmt.sql);
      } catch (err) {
        throw failure(file, err, stmt.offset, false);
      }
    }
    await record();
  }
  return Date.now() - started;
}

/**
 * Applies every pending migration: the bundled ones, then `directories`.
 *
 * Refuses to start when an applied migration's file changed or vanished, or
 * when a pending one sorts below an applied one. Takes a database-wide
 * advisory lock so concurrent runners apply each migration exactly once.
 *
 * @example
 * ```ts
 * import { migrate } from 'tenantguard';
 * await migrate({ pool, directories: ['./db/migrations'] });
 * ```
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const files = loadFiles(options);
  const log = options.log ?? (() => undefined);
  return withClient(options, async (client) => {
    if (options.dryRun === true) {
      const entries = compare(files, await readApplied(client));
      const err = driftError(entries, files, options.allowOutOfOrder === true);
      if (err !== undefined) throw err;
      const todo = entries.filter((e) => e.state === 'pending' || e.state === 'out_of_order');
      for (const e of todo) log(`would apply ${e.namespace}/${e.name}`);
      return {
        applied: todo.map((e) => ({ namespace: e.namespace, version: e.version, name: e.name, durationMs: 0 })),
        alreadyApplied: entries.filter((e) => e.state === 'applied').length,
        dryRun: true,
      };
    }
    await acquireMigrationLock(client, options.lock);
    try {
      await client.query(BOOTSTRAP_SQL);
      const entries = compare(files, await readApplied(client));
      const err = driftError(entries, files, options.allowOutOfOrder === true);
      if (err !== undefined) throw err;
      const applied: MigrateResult['applied'] = [];
      for (const e of entries) {
        if (e.state !== 'pending' && e.state !== 'out_of_order') continue;
        const file = files.find((f) => f.namespace === e.namespace && f.version === e.version) as MigrationFile;
        log(`applying ${file.namespace}/${file.name}${file.transactional ? '' : ' (no transaction)'}`);
        const durationMs = await applyOne(client, file);
        applied.push({ namespace: file.namespace, version: file.version, name: file.name, durationMs });
      }
      return { applied, alreadyApplied: entries.filter((e) => e.state === 'applied').length, dryRun: false };
    } finally {
      await releaseMigrationLock(client).catch(() => undefined);
    }
  });
}

/** Lists every migration with its state; changes nothing and takes no lock. */
export async function migrationStatus(options: MigrateOptions): Promise<MigrationStatusEntry[]> {
  const files = loadFiles(options);
  return withClient(options, async (client) => compare(files, await readApplied(client)));
}

/** What {@link verifyMigrations} found. */
export interface VerifyResult {
  /** True when no applied migration changed, went missing or is out of order. */
  ok: boolean;
  /** Each problem: changed, missing or out-of-order files, with the error code. */
  problems: Array<{
    /** The error code {@link migrate} would throw for this file. */
    code: 'MIGRATION_CHECKSUM_MISMATCH' | 'MIGRATION_MISSING' | 'MIGRATION_OUT_OF_ORDER';
    /** The directory's namespace. */
    namespace: string;
    /** The file's name after the version. */
    name: string;
  }>;
  /** Migrations not applied yet (not a problem for verify). */
  pending: number;
}

/**
 * Checks applied migrations against the files without applying anything:
 * every changed, missing or out-of-order file is reported.
 */
export async function verifyMigrations(options: MigrateOptions): Promise<VerifyResult> {
  const entries = await migrationStatus(options);
  const codeOf = {
    changed: 'MIGRATION_CHECKSUM_MISMATCH',
    missing: 'MIGRATION_MISSING',
    out_of_order: 'MIGRATION_OUT_OF_ORDER',
  } as const;
  const problems: VerifyResult['problems'] = [];
  for (const e of entries) {
    if (e.state === 'changed' || e.state === 'missing' || (e.state === 'out_of_order' && options.allowOutOfOrder !== true)) {
      problems.push({ code: codeOf[e.state], namespace: e.namespace, name: e.name });
    }
  }
  return { ok: problems.length === 0, problems, pending: entries.filter((e) => e.state === 'pending').length };
}
