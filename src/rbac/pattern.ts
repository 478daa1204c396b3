/**
 * The permission pattern grammar, independent of any catalog.
 *
 * ```
 * pattern  = segment *( "." segment )
 * segment  = 1*( ALPHA / DIGIT / "_" / "-" )  |  "*"
 * ```
 *
 * A `*` stands for exactly one whole segment; a `*` in the last position
 * covers one or more segments (everything below). Wildcards are positional:
 * `*.read` covers `brands.read` but not `email.campaigns.read`. Segment names
 * such as `__proto__` or `constructor` are plain data (nothing here indexes an
 * object by a segment).
 *
 * @module rbac/pattern
 */
import { TenantGuardError } from '../errors.js';

/** A parsed pattern: its segments, `*` meaning a wildcard. */
export interface ParsedPattern {
  /** The segments in order; `'*'` is a wildcard. Never empty. */
  readonly segments: readonly string[];
}

/** Longest pattern text accepted (bounds work done on untrusted input). */
export const MAX_PATTERN_LENGTH = 256;
/** Most segments a pattern may have. */
export const MAX_PATTERN_SEGMENTS = 16;

const SEGMENT_RE = /^(?:[A-Za-z0-9_-]+|\*)$/;

function invalid(text: string, why: string): TenantGuardError {
  return new TenantGuardError('RBAC_PATTERN_INVALID', `Invalid permission pattern: ${why}.`, {
    details: { pattern: text.length > 80 ? `${text.slice(0, 80)}…` : text, why },
  });
}

/**
 * Parses a pattern, or returns a reason it is malformed. Never throws.
 * Rejects the empty string, empty segments (`a..b`, `a.`, `.a`), partial
 * wildcards (`a*`, `**`) and any character outside `[A-Za-z0-9_-]`.
 */
export function tryParsePattern(text: unknown): ParsedPattern | string {
  if (typeof text !== 'string') return 'not a string';
  if (text.length === 0) return 'empty';
  if (text.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  const segments = text.split('.');
  if (segments.length > MAX_PATTERN_SEGMENTS) return `more than ${MAX_PATTERN_SEGMENTS} segments`;
  for (const s of segments) {
    if (s.length === 0) return 'empty segment';
    if (!SEGMENT_RE.test(s)) {
      return s.includes('*') ? `"*" must be a whole segment (got "${s}")` : `segment "${s}" has characters outside [A-Za-z0-9_-]`;
    }
  }
  return { segments };
}

/**
 * Parses a pattern.
 *
 * @throws TenantGuardError `RBAC_PATTERN_INVALID` when malformed.
 * @example
 * ```ts
 * parsePattern('email.*').segments; // ['email', '*']
 * ```
 */
export function parsePattern(text: string): ParsedPattern {
  const r = tryParsePattern(text);
  if (typeof r === 'string') throw invalid(typeof text === 'string' ? text : String(text), r);
  return r;
}

/** Prints a parsed pattern; `parsePattern(printPattern(p))` equals `p`. */
export function printPattern(pattern: ParsedPattern): string {
  return pattern.segments.join('.');
}

/** True when the pattern contains no wildcard: it names one permission. */
export function isExactPattern(pattern: ParsedPattern): boolean {
  return !pattern.segments.includes('*');
}

/**
 * Does `pattern` cover the permission whose segments are `permission`?
 * The reference semantics: every other matcher must agree with this.
 */
export function patternMatches(pattern: ParsedPattern, permission: readonly string[]): boolean {
  const p = pattern.segments;
  const n = p.length;
  const trailing = p[n - 1] === '*';
  if (trailing ? permission.length < n : permission.length !== n) return false;
  for (let i = 0; i < n; i += 1) {
    const s = p[i];
    if (s !== '*' && s !== permission[i]) return false;
  }
  return true;
}

/**
 * Does `a` cover every permission `b` covers (over all possible permission
 * strings, not just a catalog)? A preorder with `*` on top.
 */
export function patternImplies(a: ParsedPattern, b: ParsedPattern): boolean {
  const as = a.segments;
  const bs = b.segments;
  const n = as.length;
  const m = bs.length;
  const aTrailing = as[n - 1] === '*';
  const bTrailing = bs[m - 1] === '*';
  if (aTrailing) {
    if (m < n) return false;
  } else if (bTrailing || m !== n) {
    return false;
  }
  // Position n-1 of a trailing `a` is `*` and covers anything b puts there.
  for (let i = 0; i < n; i += 1) {
    const x = as[i];
    if (x === '*') continue;
    if (bs[i] !== x) return false; // b has another name or a wildcard a cannot cover
  }
  return true;
}

/**
 * Words for what a pattern's wildcards covered in a permission, for
 * explanations: `'email.*'` on `'email.campaigns.send'` gives
 * `"* covers 'campaigns.send'"`; an exact pattern gives `'exact match'`.
 */
export function describeMatch(pattern: ParsedPattern, permission: readonly string[]): string {
  const p = pattern.segments;
  const parts: string[] = [];
  for (let i = 0; i < p.length; i += 1) {
    if (p[i] !== '*') continue;
    const last = i === p.length - 1;
    const covered = last ? permission.slice(i).join('.') : (permission[i] ?? '');
    parts.push(`${last ? 'trailing ' : ''}* covers '${covered}'`);
  }
  return parts.length === 0 ? 'exact match' : parts.join(', ');
}
