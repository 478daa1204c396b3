/**
 * Finds migration files and reads them: `NNNN_name.sql`, ordered by number,
 * each with its sha256 checksum and whether it opted out of the transaction.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TenantGuardError } from '../errors.js';

/** The namespace under which the bundled migrations are recorded. */
export const BUNDLED_NAMESPACE = 'tenantguard';

/** A migration file as found on disk. */
export interface MigrationFile {
  /** Which set it belongs to: `tenantguard` for the bundled ones. */
  readonly namespace: string;
  /** The four-digit (or longer) number that orders it. */
  readonly version: string;
  /** The file name, e.g. `0001_foundation.sql`. */
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string;
  /** The SQL text. */
  readonly sql: string;
  /** False when the file starts with the `-- tenantguard:no-transaction` header. */
  readonly transactional: boolean;
}

/** A directory of migrations and the namespace it is recorded under. */
export interface MigrationDirectory {
  /** Folder holding `NNNN_name.sql` files. */
  readonly path: string;
  /** Recorded with each migration; defaults to `app`. Must not be `tenantguard`. */
  readonly namespace?: string;
}

const FILE_NAME = /^(\d{4,})_([a-z0-9][a-z0-9_]*)\.sql$/;
const NAMESPACE = /^[a-z][a-z0-9_-]{0,62}$/;
/** The header a migration puts in its leading comments to run outside a transaction. */
export const NO_TRANSACTION_HEADER = /^\s*--\s*tenantguard:no-transaction\s*$/m;

/** The folder of migrations bundled with this package. */
export function bundledMigrationsDirectory(): string {
  // src/migrate and dist/ sit at different depths below the package root:
  // walk up to the folder whose package.json is tenantguard's.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'migrations'))) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
      if (name === 'tenantguard') return join(dir, 'migrations');
    }
    const parent = resolve(dir, '..');
    if (parent === dir) {
      throw new TenantGuardError('MIGRATION_INVALID', 'the bundled migrations folder was not found next to the tenantguard package');
    }
    dir = parent;
  }
}

function leadingComments(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (/^\s*(--.*)?$/.test(line)) lines.push(line);
    else break;
  }
  return lines.join('\n');
}

/** Reads one directory's migrations, ordered by number; refuses bad names and duplicate numbers. */
export function readMigrationDirectory(dir: MigrationDirectory, namespace: string): MigrationFile[] {
  const path = resolve(dir.path);
  if (!NAMESPACE.test(namespace)) {
    throw new TenantGuardError('MIGRATION_INVALID', `invalid migration namespace "${namespace}": use lowercase letters, digits, _ and -`);
  }
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new TenantGuardError('MIGRATION_INVALID', `migration directory ${path} does not exist or is not a directory`, {
      details: { path },
    });
  }
  const files: MigrationFile[] = [];
  const seen = new Map<string, string>();
  for (const entry of readdirSync(path).sort()) {
    if (!entry.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(entry);
    if (m === null) {
      throw new TenantGuardError(
        'MIGRATION_INVALID',
        `migration file ${join(path, entry)} is not named NNNN_name.sql (digits, underscore, lowercase name)`,
        { details: { file: join(path, entry) } },
      );
    }
    const version = m[1] as string;
    const twin = seen.get(version);
    if (twin !== undefined) {
      throw new TenantGuardError('MIGRATION_INVALID', `migrations ${twin} and ${entry} in ${path} share the number ${version}`, {
        details: { files: [twin, entry] },
      });
    }
    seen.set(version, entry);
    const full = join(path, entry);
    const bytes = readFileSync(full);
    const sql = bytes.toString('utf8');
    files.push({
      namespace,
      version,
      name: entry,
      path: full,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      sql,
      transactional: !NO_TRANSACTION_HEADER.test(leadingComments(sql)),
    });
  }
  return files.sort((a, b) => compareVersions(a.version, b.version));
}

/** Numeric order of version strings ("0010" after "0009", "10000" after "9999"). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
