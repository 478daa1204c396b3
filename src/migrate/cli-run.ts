/**
 * The `tenantguard` command line, as a function so tests can run it in
 * process: `tenantguard migrate up | status | verify`.
 */
import { parseArgs } from 'node:util';
import { isTenantGuardError } from '../errors.js';
import type { MigrationDirectory } from './files.js';
import { migrate, migrationStatus, verifyMigrations, type MigrateOptions } from './runner.js';

/** Where the CLI writes. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

export const USAGE = `Usage: tenantguard migrate <up|status|verify> [options]

  up        apply pending migrations (bundled, then --dir folders)
  status    list applied and pending migrations
  verify    check applied migrations' checksums and order; apply nothing

Options:
  --database-url URL     connection string (default: $DATABASE_URL)
  --dir [NAME=]PATH      an application migration folder (repeatable; NAME defaults to app)
  --no-bundled           leave out tenantguard's bundled migrations
  --dry-run              up: show what would be applied
  --lock-timeout MS      up: wait at most MS for the migration lock (default 60000)
  --fail-fast            up: fail at once if another runner holds the lock
  --allow-out-of-order   apply migrations that sort before applied ones
  --json                 machine-readable output
  -h, --help             this text

Exit status: 0 on success, 1 on any failure.`;

function parseDir(value: string): MigrationDirectory {
  const eq = value.indexOf('=');
  // "name=path" only when the part before = looks like a namespace (paths may contain '=').
  if (eq > 0 && /^[a-z][a-z0-9_-]*$/.test(value.slice(0, eq))) return { namespace: value.slice(0, eq), path: value.slice(eq + 1) };
  return { path: value };
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'database-url': { type: 'string' },
        dir: { type: 'string', multiple: true },
        'no-bundled': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'lock-timeout': { type: 'string' },
        'fail-fast': { type: 'boolean' },
        'allow-out-of-order': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const [group, command] = positionals;
  if (group !== 'migrate' || (command !== 'up' && command !== 'status' && command !== 'verify') || positionals.length > 2) {
    io.err(`unknown command: ${positionals.join(' ') || '(none)'}\n\n${USAGE}\n`);
    return 1;
  }
  const databaseUrl = values['database-url'] ?? io.env.DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === '') {
    io.err('no database: pass --database-url or set DATABASE_URL\n');
    return 1;
  }
  let lockTimeout: number | undefined;
  if (values['lock-timeout'] !== undefined) {
    lockTimeout = Number(values['lock-timeout']);
    if (!Number.isInteger(lockTimeout) || lockTimeout < 0) {
      io.err(`--lock-timeout must be a whole number of milliseconds, got "${values['lock-timeout']}"\n`);
      return 1;
    }
  }
  const json = values.json === true;
  const options: MigrateOptions = {
    databaseUrl,
    directories: (values.dir ?? []).map(parseDir),
    bundled: values['no-bundled'] !== true,
    dryRun: values['dry-run'] === true,
    allowOutOfOrder: values['allow-out-of-order'] === true,
    lock: { timeoutMs: lockTimeout ?? 60_000, failFast: values['fail-fast'] === true },
    log: json ? undefined : (line) => io.out(`${line}\n`),
  };
  try {
    if (command === 'up') {
      const r = await migrate(options);
      if (json) io.out(`${JSON.stringify({ ok: true, ...r })}\n`);
      else io.out(`${r.dryRun ? 'would apply' : 'applied'} ${r.applied.length} migration(s); ${r.alreadyApplied} already applied\n`);
      return 0;
    }
    if (command === 'status') {
      const entries = await migrationStatus(options);
      const bad = entries.some((e) => e.state === 'changed' || e.state === 'missing' || e.state === 'out_of_order');
      if (json) io.out(`${JSON.stringify({ ok: !bad, migrations: entries })}\n`);
      else {
        for (const e of entries) {
          io.out(`${e.state.padEnd(13)} ${e.namespace}/${e.name}${e.appliedAt !== undefined ? `  ${e.appliedAt}` : ''}\n`);
        }
        const pending = entries.filter((e) => e.state === 'pending').length;
        io.out(`${entries.length - pending} applied or problematic, ${pending} pending\n`);
      }
      return bad ? 1 : 0;
    }
    const v = await verifyMigrations(options);
    if (json) io.out(`${JSON.stringify(v)}\n`);
    else if (v.ok) io.out(`ok: every applied migration matches its file (${v.pending} pending)\n`);
    else for (const p of v.problems) io.err(`${p.code}: ${p.namespace}/${p.name}\n`);
    return v.ok ? 0 : 1;
  } catch (err) {
    const code = isTenantGuardError(err) ? err.code : 'ERROR';
    const message = err instanceof Error ? err.message : String(err);
    if (json) io.out(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
    else io.err(`${code}: ${message}\n`);
    return 1;
  }
}
