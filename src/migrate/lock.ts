/**
 * The runner's advisory lock. Held at session level on the connection that
 * applies the migrations, and waited for by polling pg_try_advisory_lock from
 * Node between short statements: a waiter never sits in a long statement
 * whose snapshot `CREATE INDEX CONCURRENTLY` would wait for (the deadlock
 * Flyway users hit when waiters block inside pg_advisory_lock()).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TenantGuardError } from '../errors.js';
import type { MigrationClient } from './pg.js';

/** Fixed key: every tenantguard runner on a database contends for the same lock. */
export const MIGRATION_LOCK_KEY = 7_264_917_302_118_011n;

/** How to wait for the lock. */
export interface LockOptions {
  /** Give up after this long (default 60 000 ms). */
  timeoutMs?: number;
  /** Fail at once when another runner holds the lock. */
  failFast?: boolean;
  /** Poll interval while waiting (default 100 ms). */
  pollMs?: number;
}

export async function acquireMigrationLock(client: MigrationClient, options: LockOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [MIGRATION_LOCK_KEY.toString()]);
    if (r.rows[0]?.ok === true) return;
    if (options.failFast === true) {
      throw new TenantGuardError('MIGRATION_LOCK_BUSY', 'another migration runner holds the lock on this database (fail-fast)');
    }
    if (Date.now() >= deadline) {
      throw new TenantGuardError('MIGRATION_LOCK_TIMEOUT', `the migration lock was not obtained within ${timeoutMs} ms`, {
        details: { timeoutMs },
      });
    }
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

export async function releaseMigrationLock(client: MigrationClient): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
}
