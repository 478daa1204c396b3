/**
 * `npm run conformance`: runs every suite in scripts/conformance/ against the
 * public test vectors in ../shared (never committed here). Each suite exports
 * `run(sharedDir): Promise<{ passed: number; failed: number }>`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(process.env.TENANTGUARD_SHARED ?? join(here, '..', '..', 'shared'));
if (!existsSync(shared)) {
  console.error(`conformance: ${shared} not found (set TENANTGUARD_SHARED)`);
  process.exit(1);
}
const dir = join(here, 'conformance');
let passed = 0;
let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as {
    run: (sharedDir: string) => Promise<{ passed: number; failed: number }>;
  };
  const r = await mod.run(shared);
  console.log(`${file}: ${r.passed} passed, ${r.failed} failed`);
  passed += r.passed;
  failed += r.failed;
}
console.log(`conformance: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
