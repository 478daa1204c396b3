/** Shared helpers of the audit tests. */
import { randomUUID } from 'node:crypto';
import { type OrgId, parseOrgId } from '../../src/tenancy/index.js';

export function newOrg(): OrgId {
  return parseOrgId(randomUUID());
}

/** The first current-or-past partition's name (this month, UTC). */
export function currentPartition(now = new Date()): string {
  return `security_audit_log_p${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Asserts a promise rejects with a PostgreSQL error whose message matches. */
export async function pgError(p: Promise<unknown>): Promise<{ message: string; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { message: string; code?: string };
  }
  throw new Error('expected the statement to fail');
}

/** Runs one statement in a tenant transaction that is always rolled back; returns its error (or throws if it succeeded). */
export async function failsInTenant(
  pool: { connect(): Promise<{ query(sql: string): Promise<unknown>; release(): void }> },
  org: string,
  sql: string,
): Promise<{ message: string; code?: string }> {
  const c = await pool.connect();
  try {
    await c.query(`BEGIN; SELECT set_config('app.current_org_id', '${org}', true)`);
    return await pgError(c.query(sql));
  } finally {
    await c.query('ROLLBACK');
    c.release();
  }
}
