import { describe, expect, it } from 'vitest';
import { useTestDatabase } from './db.js';

describe('test database helper', () => {
  const db = useTestDatabase();
  it('gives a migrated database and a non-superuser app login', async () => {
    const r = await db.appPool.query<{ su: boolean; bypass: boolean; member: boolean }>(
      `SELECT rolsuper AS su, rolbypassrls AS bypass, pg_has_role(current_user, 'tenantguard_app', 'member') AS member
       FROM pg_roles WHERE rolname = current_user`,
    );
    expect(r.rows[0]).toEqual({ su: false, bypass: false, member: true });
    const m = await db.pool.query('SELECT count(*)::int AS n FROM tenantguard.schema_migrations');
    expect(m.rows[0].n).toBeGreaterThan(0);
  });
});
