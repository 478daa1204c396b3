/**
 * The audit event a caller records, and its validation. The org is never part
 * of an event: it comes from the tenant transaction (see {@link AuditLog.record}).
 *
 * @module audit
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';

/** Largest `details` object accepted, measured as UTF-8 JSON bytes. */
export const AUDIT_DETAILS_MAX_BYTES = 16_384;

const noNul = (s: string): boolean => !s.includes('\u0000');
const text = (max: number) => z.string().max(max).refine(noNul, 'must not contain NUL characters');

/**
 * Zod schema of an {@link AuditEvent}. Strict: unknown keys (an `orgId`
 * above all) are rejected, so an org can never be smuggled in with the event.
 */
export const auditEventSchema: z.ZodType<AuditEvent> = z
  .object({
    action: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only'),
    resourceType: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only'),
    resourceId: text(256).optional(),
    userId: z.uuid().optional(),
    userEmail: text(320).optional(),
    userRole: text(64).optional(),
    ipAddress: z
      .string()
      .max(45)
      .refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address')
      .optional(),
    userAgent: text(512).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: text(128).optional(),
    sessionId: text(128).optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.details === undefined) return;
    let json: string | undefined;
    try {
      json = JSON.stringify(event.details);
    } catch {
      json = undefined;
    }
    if (json === undefined) {
      ctx.addIssue({ code: 'custom', path: ['details'], message: 'must be JSON-serialisable' });
      return;
    }
    if (Buffer.byteLength(json, 'utf8') > AUDIT_DETAILS_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['details'], message: `must be at most ${AUDIT_DETAILS_MAX_BYTES} bytes of JSON` });
    }
    // PostgreSQL's jsonb cannot store \u0000.
    if (json.includes('\\u0000')) {
      ctx.addIssue({ code: 'custom', path: ['details'], message: 'must not contain NUL characters' });
    }
  });

/**
 * One security-relevant action. `action` and `resourceType` are required;
 * everything else is optional. Limits: action 128, resourceType 64,
 * resourceId 256, userEmail 320, userRole 64, userAgent 512, requestId and
 * sessionId 128 characters; details at most {@link AUDIT_DETAILS_MAX_BYTES}
 * bytes of JSON.
 */
export interface AuditEvent {
  /** What happened, e.g. `brand.update`, `login.failed`. */
  action: string;
  /** The kind of thing acted on, e.g. `brand`. */
  resourceType: string;
  /** Which one. */
  resourceId?: string | undefined;
  /** The acting user (uuid). */
  userId?: string | undefined;
  /** The acting user's email at the time. */
  userEmail?: string | undefined;
  /** The acting user's role at the time. */
  userRole?: string | undefined;
  /** Client IP address (IPv4 or IPv6). */
  ipAddress?: string | undefined;
  /** Client user agent. */
  userAgent?: string | undefined;
  /** Structured, non-secret context. Never put tokens or passwords here. */
  details?: Record<string, unknown> | undefined;
  /** Correlation id of the request. */
  requestId?: string | undefined;
  /** Session id (not the token). */
  sessionId?: string | undefined;
}

/** Validates an event; throws `AUDIT_EVENT_INVALID` naming the fields (never their values). */
export function parseAuditEvent(input: unknown): AuditEvent {
  const parsed = auditEventSchema.safeParse(input);
  if (!parsed.success) {
    throw new TenantGuardError('AUDIT_EVENT_INVALID', 'invalid audit event', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`) },
    });
  }
  return parsed.data;
}

/** The positional parameters of the INSERT, in column order after org_id. */
export function eventParams(e: AuditEvent): unknown[] {
  return [
    e.userId ?? null,
    e.userEmail ?? null,
    e.userRole ?? null,
    e.ipAddress ?? null,
    e.userAgent ?? null,
    e.action,
    e.resourceType,
    e.resourceId ?? null,
    JSON.stringify(e.details ?? {}),
    e.requestId ?? null,
    e.sessionId ?? null,
  ];
}
