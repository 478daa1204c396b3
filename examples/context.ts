/**
 * What every step of the example shares: the database it made, a superuser
 * pool (the migration/owner role) and an app pool that logs in as a
 * NOSUPERUSER NOBYPASSRLS role granted tenantguard_app, the two demo orgs,
 * and a printer. Later issues add steps (rbac, audit, vault, adapters) that
 * take the same context.
 */
import type pg from 'pg';
import type { OrgId } from '../src/index.js';

export interface ExampleContext {
  /** Superuser URL of the example's own database. */
  readonly adminUrl: string;
  /** URL of the app login role on that database. */
  readonly appUrl: string;
  /** Owner/superuser pool: migrations and schema changes only. */
  readonly adminPool: pg.Pool;
  /** The pool the application uses: RLS applies to it. */
  readonly appPool: pg.Pool;
  /** Two orgs, A and B. */
  readonly orgA: OrgId;
  readonly orgB: OrgId;
  /** Prints a section heading. */
  section(title: string): void;
  /** Prints one line. */
  say(line: string): void;
}

/** One part of the example; throws to fail the run. */
export type ExampleStep = (ctx: ExampleContext) => Promise<void>;
