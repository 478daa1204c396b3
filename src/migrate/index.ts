/**
 * The migration runner and its CLI (`tenantguard migrate up | status | verify`).
 *
 * @module migrate
 */
export { migrate, migrationStatus, verifyMigrations } from './runner.js';
export type { MigrateOptions, MigrateResult, MigrationStatusEntry, VerifyResult } from './runner.js';
export { bundledMigrationsDirectory, readMigrationDirectory, NO_TRANSACTION_HEADER } from './files.js';
export type { MigrationDirectory, MigrationFile } from './files.js';
export type { LockOptions } from './lock.js';
export type { MigrationClient, MigrationPool, MigrationQueryResult } from './pg.js';
export { splitSqlStatements } from './split.js';
export type { SqlStatement } from './split.js';
export { runCli } from './cli-run.js';
export type { CliIo } from './cli-run.js';
