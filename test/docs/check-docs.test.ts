import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDocs, findReferences } from '../../scripts/check-docs.js';

// A throwaway repository with a few real files and documents that name them.
const root = mkdtempSync(join(tmpdir(), 'tg-check-docs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(path: string, text = ''): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

put('test/tenancy/with-tenant.test.ts');
put('src/tenancy/with-tenant.ts');
put('docs/guides/tenancy.md', [
  '# Tenancy',
  '| guarantee | proved by |',
  '| --- | --- |',
  '| isolation | `test/tenancy/with-tenant.test.ts` |',
  '| a test that was renamed | test/tenancy/renamed.test.ts ("case") |',
  'Source: src/tenancy/with-tenant.ts, patterns such as `test/<module>/*.test.ts` are not references.',
  '```ts',
  "import x from 'test/not/checked/in/code.ts';",
  '```',
].join('\n'));
put('docs/THREAT_MODEL.md', [
  'Proved by [the tenancy test](../test/tenancy/with-tenant.test.ts#L10) and',
  '[a deleted test](../test/audit/gone.test.ts), see [guide](guides/tenancy.md#limits),',
  '[the site](api/index.html), [upstream](https://example.com/x.ts), [anchor](#top),',
  '[outside](../../elsewhere/file.ts).',
].join('\n'));
put('README.md', 'See [docs](docs/THREAT_MODEL.md) and `bench/missing.bench.ts`.');

describe('check-docs', () => {
  it('finds links and named paths, skips patterns, code blocks, external links and the generated site', () => {
    const refs = findReferences('docs/guides/tenancy.md', '`test/a.test.ts` and test/b.test.ts\n```\ntest/c.test.ts\n```\n`src/<x>.ts` src/*.ts `migrations/NNNN_name.sql`', root);
    expect(refs.map((r) => r.resolved)).toEqual(['test/a.test.ts', 'test/b.test.ts']);
  });

  it('reports every missing test, source or bench file with its document and line, and nothing that exists', async () => {
    const { checked, missing } = await checkDocs(root);
    expect(missing.map((r) => `${r.doc}:${r.line}:${r.resolved}`).sort()).toEqual([
      'README.md:1:bench/missing.bench.ts',
      'docs/THREAT_MODEL.md:2:test/audit/gone.test.ts',
      'docs/THREAT_MODEL.md:4:../elsewhere/file.ts',
      'docs/guides/tenancy.md:5:test/tenancy/renamed.test.ts',
    ].sort());
    const found = checked.map((r) => r.resolved);
    expect(found).toContain('test/tenancy/with-tenant.test.ts');
    expect(found).toContain('src/tenancy/with-tenant.ts');
    expect(found).toContain('docs/guides/tenancy.md');
    expect(found).not.toContain('docs/api/index.html');
    expect(found.some((p) => p.includes('not/checked'))).toBe(false);
  });

  it('with tracked, a file that exists but is not committed counts as missing', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'tg-check-docs-git-'));
    try {
      mkdirSync(join(repo, 'docs'));
      mkdirSync(join(repo, 'test'));
      writeFileSync(join(repo, 'docs', 'A.md'), 'See `test/a.test.ts` and [b](../test/b.test.ts).');
      writeFileSync(join(repo, 'test', 'a.test.ts'), '');
      writeFileSync(join(repo, 'test', 'b.test.ts'), '');
      const git = (...args: string[]): void => {
        execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'ignore' });
      };
      git('init', '-q');
      git('add', 'docs/A.md', 'test/a.test.ts');
      git('commit', '-q', '-m', 'x');
      expect((await checkDocs(repo)).missing).toEqual([]);
      expect((await checkDocs(repo, { tracked: true })).missing.map((r) => r.resolved)).toEqual(['test/b.test.ts']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("every test, source or bench file this repository's documents name exists", async () => {
    const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const { checked, missing } = await checkDocs(repo);
    expect(checked.length).toBeGreaterThan(100);
    expect(missing.map((r) => `${r.doc}:${r.line}: ${r.target}`)).toEqual([]);
  });
});
