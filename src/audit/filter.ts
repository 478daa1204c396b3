/**
 * Filters shared by query(), summary() and export(), compiled to SQL with
 * bind parameters only.
 *
 * @module audit
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';

/** Which rows of an org to return. Every field narrows the result. */
export interface AuditFilter {
  /** One action or any of several. */
  action?: string | readonly string[] | undefined;
  /** The kind of thing acted on. */
  resourceType?: string | undefined;
  /** Which one. */
  resourceId?: string | undefined;
  /** The acting user (uuid). */
  userId?: string | undefined;
  /** Inclusive lower bound on created_at. */
  from?: Date | undefined;
  /** Exclusive upper bound on created_at. */
  to?: Date | undefined;
}

const validDate = z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date');
const noNul = (s: string): boolean => !s.includes('\u0000');

export const auditFilterSchema = z
  .object({
    action: z
      .union([z.string().min(1).max(128).refine(noNul), z.array(z.string().min(1).max(128).refine(noNul)).min(1).max(100)])
      .optional(),
    resourceType: z.string().min(1).max(64).refine(noNul).optional(),
    resourceId: z.string().max(256).refine(noNul).optional(),
    userId: z.uuid().optional(),
    from: validDate.optional(),
    to: validDate.optional(),
  })
  .strict();

/** Validates a filter; throws `AUDIT_QUERY_INVALID`. */
export function parseFilter(input: unknown): AuditFilter {
  const parsed = auditFilterSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new TenantGuardError('AUDIT_QUERY_INVALID', 'invalid audit filter', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(filter)'}: ${i.message}`) },
    });
  }
  return parsed.data;
}

/** SQL conditions (alias `l`) and their parameters, numbered from `start`. */
export function filterSql(f: AuditFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.action !== undefined) {
    where.push(typeof f.action === 'string' ? `l.action = ${p(f.action)}` : `l.action = ANY(${p([...f.action])}::text[])`);
  }
  if (f.resourceType !== undefined) where.push(`l.resource_type = ${p(f.resourceType)}`);
  if (f.resourceId !== undefined) where.push(`l.resource_id = ${p(f.resourceId)}`);
  if (f.userId !== undefined) where.push(`l.user_id = ${p(f.userId)}::uuid`);
  if (f.from !== undefined) where.push(`l.created_at >= ${p(f.from.toISOString())}::timestamptz`);
  if (f.to !== undefined) where.push(`l.created_at < ${p(f.to.toISOString())}::timestamptz`);
  return where;
}
