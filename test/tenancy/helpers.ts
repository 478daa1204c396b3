/** Shared fixtures for the tenancy tests: a tenant table and org ids. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { parseOrgId, type OrgId } from '../../src/tenancy/index.js';

/** A fresh random org id. */
export function newOrg(): OrgId {
  return parseOrgId(randomUUID());
}

/**
 * Creates `name` (org_id uuid, id serial, label text) as the superuser,
 * isolates it with enable_tenant_isolation and returns nothing.
 */
export async function createTenantTable(admin: pg.Pool, name = 'items'): Promise<void> {
  await admin.query(`
    CREATE TABLE ${name} (
      org_id uuid NOT NULL,
      id serial NOT NULL,
      label text NOT NULL,
      PRIMARY KEY (org_id, id)
    );
    SELECT tenantguard.enable_tenant_isolation('${name}');`);
}

/** Inserts rows for an org as the superuser (RLS does not apply to it). */
export async function seed(admin: pg.Pool, org: OrgId, labels: string[], table = 'items'): Promise<void> {
  for (const label of labels) {
    await admin.query(`INSERT INTO ${table} (org_id, label) VALUES ($1, $2)`, [org, label]);
  }
}
