/**
 * Tenant placements (isolation layer 3): where an org's rows live.
 *
 * - `shared`: the default pool and the default tables; RLS separates orgs.
 * - `schema`: the default pool, the org's own schema (its own copy of the
 *   tenant tables), selected with `SET LOCAL search_path` per transaction;
 *   RLS stays on as defence in depth.
 * - `database`: a named target: its own database or server, with its own pool.
 *
 * @module tenancy
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';

/** Where an org lives. See the module docs. */
export type Placement =
  | {
      /** The shared tables of the default database, separated by RLS. */
      readonly kind: 'shared';
    }
  | {
      /** The org's own schema in the default database (RLS kept as defence in depth). */
      readonly kind: 'schema';
      /** The schema's name; it goes first on the transaction's search_path. */
      readonly schema: string;
    }
  | {
      /** Another database or server, reached through the router's `targets`. */
      readonly kind: 'database';
      /** The target's name (a key of the router's `targets`; no credentials). */
      readonly target: string;
    };

/** The shared placement (the default for every org not placed elsewhere). */
export const SHARED_PLACEMENT: Placement = Object.freeze({ kind: 'shared' });

// Lowercase, unquoted-identifier-safe, not a system schema name. Keeping it
// this narrow means the name is the same quoted or not, and fits a migration
// namespace.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;
const TARGET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const placementSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('shared') }).strict(),
  z
    .object({
      kind: z.literal('schema'),
      schema: z
        .string()
        .regex(SCHEMA_NAME, 'schema must be lowercase letters, digits and _, at most 48 characters')
        .refine((s) => !s.startsWith('pg_') && s !== 'public' && s !== 'tenantguard' && s !== 'information_schema', {
          message: 'schema must not be public, tenantguard, information_schema or start with pg_',
        }),
    })
    .strict(),
  z.object({ kind: z.literal('database'), target: z.string().regex(TARGET_NAME, 'target must be 1 to 64 of A-Z a-z 0-9 _ . -') }).strict(),
]);

/** Validates a placement; throws `PLACEMENT_INVALID`. */
export function parsePlacement(value: unknown): Placement {
  const parsed = placementSchema.safeParse(value);
  if (!parsed.success) {
    throw new TenantGuardError('PLACEMENT_INVALID', 'invalid tenant placement', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return Object.freeze(parsed.data);
}

/** A short human-readable label: `shared`, `schema:org_acme`, `database:eu-1`. */
export function describePlacement(p: Placement): string {
  if (p.kind === 'shared') return 'shared';
  return p.kind === 'schema' ? `schema:${p.schema}` : `database:${p.target}`;
}

/** True when two placements are the same place. */
export function samePlacement(a: Placement, b: Placement): boolean {
  return describePlacement(a) === describePlacement(b);
}

/** The `SET LOCAL search_path` statement for a schema placement (the org's schema, then public). */
export function schemaSearchPathSql(schema: string): string {
  parsePlacement({ kind: 'schema', schema }); // re-validate: it goes into SQL text
  return `SET LOCAL search_path TO "${schema}", public`;
}
