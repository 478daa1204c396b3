/**
 * tenantguard example: `npm run example`.
 *
 * With DATABASE_URL it uses that server; without, it starts an embedded
 * PostgreSQL. It creates a fresh database, applies the bundled migrations and
 * the app's own (examples/migrations), shows tenancy at the SQL level, then
 * starts the app on Express and on Fastify, runs the conformance kit against
 * both, shows the guards, prints the isolation proof, and serves on localhost
 * until Ctrl-C. With `--once`, or when stdin is not a terminal (CI), it stops
 * after the checks. Any failed check exits non-zero; `--plant-leak` turns RLS
 * off on one table first, to show the kit failing (exit 1).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/migrate/index.js';
import { parseOrgId } from '../src/index.js';
import { startPostgres } from '../test/support/server.js';
import type { ExampleContext, ExampleStep } from './context.js';
import { httpStep } from './steps/http.js';
import { serveStep } from './steps/serve.js';
import { tenancyStep } from './steps/tenancy.js';

const steps: ReadonlyArray<[string, ExampleStep]> = [['tenancy', tenancyStep]];
const appMigrations = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const once = process.argv.includes('--once') || process.stdin.isTTY !== true;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function main(): Promise<void> {
  const server = await startPostgres({ log: (line) => console.error(line) });
  console.log(`PostgreSQL: ${server.kind === 'env' ? 'DATABASE_URL' : server.kind}`);
  const suffix = randomBytes(5).toString('hex');
  const database = `tenantguard_example_${suffix}`;
  // A login role for the app: NOSUPERUSER NOBYPASSRLS, granted tenantguard_app.
  const appRole = `tenantguard_example_app_${suffix}`;
  const appPassword = randomBytes(18).toString('base64url');
  const root = new pg.Client({ connectionString: server.url });
  await root.connect();
  await root.query(`CREATE DATABASE ${database}`);
  const adminUrl = withDatabase(server.url, database);
  const pools: pg.Pool[] = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    // The bundled migrations, then the app's own: one runner, one lock, one ledger.
    const result = await migrate({ databaseUrl: adminUrl, directories: [appMigrations] });
    console.log(`migrations applied: ${result.applied.map((m) => `${m.namespace}/${m.name}`).join(', ')}`);
    await root.query(`CREATE ROLE ${appRole} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${appPassword}'`);
    await root.query(`GRANT tenantguard_app TO ${appRole}`);
    const app = new URL(adminUrl);
    app.username = appRole;
    app.password = appPassword;
    const adminPool = new pg.Pool({ connectionString: adminUrl, max: 2 });
    const appPool = new pg.Pool({ connectionString: app.toString(), max: 5 });
    pools.push(adminPool, appPool);
    // node-postgres emits 'error' on the pool when an idle connection dies;
    // without a listener that crashes the process. Every app needs this.
    let closing = false;
    for (const p of pools) p.on('error', (err) => { if (!closing) console.error(`pool: idle connection lost: ${err.message}`); });
    const close = async (): Promise<void> => {
      closing = true;
      await Promise.allSettled(pools.map((p) => p.end()));
    };
    closers.push(close);
    const ctx: ExampleContext = {
      adminUrl,
      appUrl: app.toString(),
      adminPool,
      appPool,
      orgA: parseOrgId(randomUUID()),
      orgB: parseOrgId(randomUUID()),
      section: (title) => console.log(`\n== ${title}`),
      say: (line) => console.log(line),
    };
    for (const [, step] of steps) await step(ctx);
    const apps = await httpStep(ctx, { plantLeak: process.argv.includes('--plant-leak') });
    closers.unshift(() => apps.close());
    console.log('\nexample checks finished: every check passed');
    await serveStep(ctx, apps, once);
  } finally {
    for (const close of closers) await close();
    await root.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e: unknown) => console.error(e));
    await root.query(`DROP ROLE IF EXISTS ${appRole}`).catch((e: unknown) => console.error(e));
    await root.end();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
