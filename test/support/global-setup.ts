/**
 * Vitest global setup: one server per run, one migrated template database,
 * and a non-superuser login role that belongs to `tenantguard_app`, so tests
 * can connect the way a correctly configured application does.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/migrate/index.js';
import { startPostgres } from './server.js';
import { APP_LOGIN_PASSWORD, APP_LOGIN_ROLE, withDatabase } from './urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    serverKind: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  const template = `tg_tpl_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(server.url, template);
  await migrate({ databaseUrl: templateUrl });
  const tpl = new pg.Client({ connectionString: templateUrl });
  await tpl.connect();
  try {
    // Roles are cluster-wide; another run may have created it already.
    await tpl.query(`
      DO $$ BEGIN
        CREATE ROLE ${APP_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${APP_LOGIN_PASSWORD}';
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await tpl.query(`GRANT tenantguard_app TO ${APP_LOGIN_ROLE}`);
  } finally {
    await tpl.end();
  }
  project.provide('adminDatabaseUrl', server.url);
  project.provide('templateDatabase', template);
  project.provide('serverKind', server.kind);

  return async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    } finally {
      await c.end();
    }
    await server.stop();
  };
}
