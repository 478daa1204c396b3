import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** A pool (or anything with `connect()`); or use `databaseUrl`. */
  pool?: pg.Pool;
  /** Connection string used when no pool is given. */
  databaseUrl?: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  applied: string[];
}

function bundledDirectory(): string {
  // Walk up from this file to the package root: src/migrate and dist/ sit at
  // different depths, and both must find the same migrations/ folder.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('tenantguard: bundled migrations folder not found');
    dir = parent;
  }
}

/** Applies the bundled migrations that are not applied yet. */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const pool = options.pool ?? new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
  const dir = bundledDirectory();
  const files = readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS tenantguard;
      CREATE TABLE IF NOT EXISTS tenantguard.schema_migrations (
        name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM tenantguard.schema_migrations')).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = readFileSync(join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO tenantguard.schema_migrations (name, checksum) VALUES ($1, $2)', [
          file,
          createHash('sha256').update(sql).digest('hex'),
        ]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    client.release();
    if (options.pool === undefined) await pool.end();
  }
  return { applied };
}
