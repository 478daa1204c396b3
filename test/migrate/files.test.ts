import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { bundledMigrationsDirectory, readMigrationDirectory } from '../../src/migrate/files.js';
import { splitSqlStatements } from '../../src/migrate/split.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-mig-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

describe('migration files', () => {
  it('finds the bundled migrations, numbered and in order', () => {
    const files = readMigrationDirectory({ path: bundledMigrationsDirectory() }, 'tenantguard');
    expect(files[0]?.name).toBe('0001_foundation.sql');
    const versions = files.map((f) => Number(f.version));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f.checksum))).toBe(true);
  });

  it('orders numerically and ignores non-sql files', () => {
    const dir = dirWith({ '0010_b.sql': 'select 1;', '0002_a.sql': 'select 1;', 'README.md': '#' });
    expect(readMigrationDirectory({ path: dir }, 'app').map((f) => f.name)).toEqual(['0002_a.sql', '0010_b.sql']);
  });

  it.each([['1_short.sql'], ['0001-dash.sql'], ['0001_Upper.sql'], ['abcd_x.sql']])('refuses the badly named file %s', (name) => {
    const dir = dirWith({ [name]: 'select 1;' });
    expect(() => readMigrationDirectory({ path: dir }, 'app')).toThrow(/NNNN_name\.sql/);
  });

  it('refuses two files with one number, naming both', () => {
    const dir = dirWith({ '0001_a.sql': 'select 1;', '0001_b.sql': 'select 2;' });
    expect(() => readMigrationDirectory({ path: dir }, 'app')).toThrow(/0001_a\.sql and 0001_b\.sql/);
  });

  it('refuses a missing directory with a coded error', () => {
    try {
      readMigrationDirectory({ path: '/nonexistent/tenantguard' }, 'app');
      expect.unreachable();
    } catch (err) {
      expect(isTenantGuardError(err, 'MIGRATION_INVALID')).toBe(true);
    }
  });

  it('detects the no-transaction header only in the leading comments', () => {
    const dir = dirWith({
      '0001_a.sql': '-- build the index without locking writes\n-- tenantguard:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n',
      '0002_b.sql': 'SELECT 1;\n-- tenantguard:no-transaction\n',
    });
    const [a, b] = readMigrationDirectory({ path: dir }, 'app');
    expect(a?.transactional).toBe(false);
    expect(b?.transactional).toBe(true);
  });
});

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = `
      -- a comment; with a semicolon
      CREATE TABLE t (a text DEFAULT 'x;y');
      /* block ; /* nested ; */ still comment */
      INSERT INTO t VALUES (E'it\\'s;fine'), ('o''k;');
      CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
      DO $$ BEGIN PERFORM 1; END $$;
      SELECT "we;ird" FROM t
    `;
    const parts = splitSqlStatements(sql).map((s) => s.sql);
    expect(parts).toHaveLength(5);
    expect(parts[0]).toMatch(/^-- a comment; with a semicolon\s+CREATE TABLE t \(a text DEFAULT 'x;y'\)$/);
    expect(parts[1]).toContain("E'it\\'s;fine'), ('o''k;')");
    expect(parts[2]).toBe('CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$');
    expect(parts[3]).toBe('DO $$ BEGIN PERFORM 1; END $$');
    expect(parts[4]).toBe('SELECT "we;ird" FROM t');
  });

  it('reports each statement offset into the script', () => {
    const sql = 'SELECT 1;\n  SELECT 2;';
    const parts = splitSqlStatements(sql);
    expect(parts.map((p) => sql.slice(p.offset, p.offset + p.sql.length))).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('drops empty and comment-only statements', () => {
    expect(splitSqlStatements(';;\n-- only a comment\n;')).toEqual([]);
  });
});
