/**
 * The migration runner. (First cut: applies migrations/ in order, each in its
 * own transaction, recording them in tenantguard.schema_migrations.)
 *
 * @module migrate
 */
export { migrate } from './runner.js';
export type { MigrateOptions, MigrateResult } from './runner.js';
