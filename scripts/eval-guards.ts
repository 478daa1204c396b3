/**
 * `npm run eval:guards`: evaluates the guards on the public labelled datasets
 * in ../shared/datasets (never committed here). Each evaluation in
 * scripts/eval/ exports `run(sharedDir): Promise<boolean>` (true when every
 * goal it checks is met) and prints its own table.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(process.env.TENANTGUARD_SHARED ?? join(here, '..', '..', 'shared'));
if (!existsSync(join(shared, 'datasets'))) {
  console.error(`eval:guards: ${shared}/datasets not found (set TENANTGUARD_SHARED)`);
  process.exit(1);
}
const dir = join(here, 'eval');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
let ok = files.length > 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run: (sharedDir: string) => Promise<boolean> };
  console.log(`\n##### ${file}`);
  const met = await mod.run(shared);
  console.log(`${file}: ${met ? 'all goals met' : 'GOALS NOT MET'}`);
  ok &&= met;
}
process.exit(ok ? 0 : 1);
