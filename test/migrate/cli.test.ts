import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/migrate/cli-run.js';
import { useTestDatabase } from '../support/db.js';

const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

describe('tenantguard CLI', () => {
  const db = useTestDatabase({ migrated: false });

  it('status lists pending, up applies, status lists applied, verify is ok', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cli-'));
    writeFileSync(join(dir, '0001_t.sql'), 'CREATE TABLE cli_t (a int);');
    const before = await cli(['migrate', 'status', '--dir', dir, '--json'], { DATABASE_URL: db.url });
    expect(before.code).toBe(0);
    const parsed = JSON.parse(before.out) as { ok: boolean; migrations: Array<{ state: string; name: string }> };
    expect(parsed.migrations.every((m) => m.state === 'pending')).toBe(true);
    expect(parsed.migrations.map((m) => m.name)).toContain('0001_t.sql');

    const up = await cli(['migrate', 'up', '--database-url', db.url, '--dir', dir]);
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/applying tenantguard\/0001_foundation\.sql/);
    expect(up.out).toMatch(/applied \d+ migration\(s\); 0 already applied/);

    const after = await cli(['migrate', 'status', '--database-url', db.url, '--dir', dir]);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/^applied\s+app\/0001_t\.sql/m);

    const ok = await cli(['migrate', 'verify', '--database-url', db.url, '--dir', dir]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/^ok: every applied migration matches its file/);

    writeFileSync(join(dir, '0001_t.sql'), 'CREATE TABLE cli_t (a int, b int);');
    const drift = await cli(['migrate', 'verify', '--database-url', db.url, '--dir', dir, '--json']);
    expect(drift.code).toBe(1);
    expect(JSON.parse(drift.out)).toEqual({
      ok: false,
      pending: 0,
      problems: [{ code: 'MIGRATION_CHECKSUM_MISMATCH', namespace: 'app', name: '0001_t.sql' }],
    });
    const refused = await cli(['migrate', 'up', '--database-url', db.url, '--dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^MIGRATION_CHECKSUM_MISMATCH: migration .*0001_t\.sql was changed/);
  });

  it('answers usage mistakes with exit 1 and the usage text', async () => {
    expect((await cli(['migrate', 'sideways'], { DATABASE_URL: db.url })).code).toBe(1);
    expect((await cli(['migrate', 'up'], {})).err).toMatch(/no database/);
    expect((await cli(['migrate', 'up', '--lock-timeout', 'soon'], { DATABASE_URL: db.url })).code).toBe(1);
    expect((await cli(['--bogus'], {})).err).toMatch(/Usage: tenantguard migrate/);
    const help = await cli(['--help']);
    expect(help).toMatchObject({ code: 0 });
    expect(help.out).toMatch(/Exit status: 0 on success, 1 on any failure/);
  });

  it('the binary stops quietly when its reader goes away (| head), no EPIPE crash', async () => {
    const bin = join(process.cwd(), 'src/migrate/cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'migrate', 'status'], {
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Close the read side before the binary writes anything: its writes then fail with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  it('the binary itself exits 1 with a coded message on a bad folder, 0 on status', async () => {
    const bin = join(process.cwd(), 'src/migrate/cli.ts');
    const env = { ...process.env, DATABASE_URL: db.url };
    const good = await run(process.execPath, ['--import', 'tsx', bin, 'migrate', 'status'], { env });
    expect(good.stdout).toMatch(/0001_foundation\.sql/);
    const bad = await run(process.execPath, ['--import', 'tsx', bin, 'migrate', 'up', '--dir', '/nonexistent'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^MIGRATION_INVALID: migration directory \/nonexistent does not exist/);
  });
});
