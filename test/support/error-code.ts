/** What a promise settled with, as a tenantguard error code. */
import { isTenantGuardError, type ErrorCode } from '../../src/errors.js';

/** The TenantGuardError code `p` rejects with; `'none'` if it resolves, `'foreign'` for any other error. */
export async function tenantGuardCodeOf(p: Promise<unknown>): Promise<ErrorCode | 'none' | 'foreign'> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return isTenantGuardError(err) ? err.code : 'foreign';
  }
}
