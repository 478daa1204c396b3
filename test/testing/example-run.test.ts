/**
 * `npm run example` as CI runs it (no TTY): with a leak planted on purpose
 * (`--plant-leak` turns RLS off on mentions) the kit inside the example must
 * fail, name the endpoint, and the process must exit 1. The passing run is
 * CI's own `npm run example` step and test/testing/adapters-app.test.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adminUrl } from '../support/db.js';

function runExample(args: string[]): Promise<{ code: number | null; out: string }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: adminUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm run example', () => {
  it('exits 1 and names the endpoint when a leak is planted', async () => {
    const { code, out } = await runExample(['--once', '--plant-leak']);
    expect(out).toContain('row-level security is now OFF on mentions');
    expect(out).toMatch(/\[Express\] tenantguard conformance: FAILED/);
    expect(out).toContain('LEAK GET /brands/:brands/mentions/:id');
    expect(out).not.toContain('every check passed');
    expect(code).toBe(1);
  }, 120_000);
});
