/**
 * How a detected value is replaced: a type label (`[EMAIL]`), a keyed hash
 * (`[EMAIL:1f2e3d4c5b6a7988]`, HMAC-SHA256 under the caller's key) or a
 * reversible pseudonym (`<EMAIL_1>`) remembered in a session so the same
 * value always gets the same pseudonym and {@link PseudonymSession.restore}
 * can put originals back.
 *
 * @module guards/redact-replacements
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { TenantGuardError } from '../errors.js';
import { PII_TYPES, type PiiType } from './pii-types.js';

/** How detected values are replaced. */
export type RedactionMode = 'mask' | 'hash' | 'pseudonym';

const MASKS = Object.fromEntries(PII_TYPES.map((t) => [t, `[${t}]`])) as Record<PiiType, string>;

/** The mask for a type: `[EMAIL]`. @internal */
export function maskFor(type: PiiType): string {
  return MASKS[type];
}

/** The keyed hash replacement: `[EMAIL:<hex>]`. The type is part of the MAC input, so equal values of different types differ. @internal */
export function hashFor(key: KeyObject, hexLength: number, type: PiiType, value: string): string {
  const mac = createHmac('sha256', key).update(type).update('\u0000').update(value, 'utf8').digest('hex');
  return `[${type}:${mac.slice(0, hexLength)}]`;
}

/**
 * Anything shaped like a pseudonym this module issues. Used by restore and to
 * protect literal look-alikes already present in the input.
 * @internal
 */
export const PSEUDONYM_TOKEN = new RegExp(`<(?:${PII_TYPES.join('|')})_[1-9]\\d{0,8}>`, 'g');

/**
 * The reversible mapping of one redactor: value -> pseudonym and back.
 * @internal
 */
export class PseudonymSession {
  private readonly byValue = new Map<string, string>();
  private readonly byToken = new Map<string, string>();
  private readonly counters = new Map<PiiType, number>();

  constructor(private readonly maxEntries: number) {}

  /** Number of distinct values remembered. */
  get size(): number {
    return this.byToken.size;
  }

  /**
   * Throws PII_SESSION_LIMIT, before anything is remembered, when `values`
   * would add more distinct entries than the session may hold.
   */
  reserve(values: ReadonlyArray<{ type: PiiType; value: string }>): void {
    const fresh = new Set<string>();
    for (const v of values) {
      const k = `${v.type}\u0000${v.value}`;
      if (!this.byValue.has(k)) fresh.add(k);
    }
    if (this.byToken.size + fresh.size > this.maxEntries) {
      throw new TenantGuardError('PII_SESSION_LIMIT', 'pseudonym session is full: create a new redactor or call reset()', {
        details: { size: this.byToken.size, adding: fresh.size, max: this.maxEntries },
      });
    }
  }

  /** The pseudonym for `value`, issuing the next number for its type if new. */
  pseudonymFor(type: PiiType, value: string): string {
    const k = `${type}\u0000${value}`;
    const known = this.byValue.get(k);
    if (known !== undefined) return known;
    const n = (this.counters.get(type) ?? 0) + 1;
    this.counters.set(type, n);
    const token = `<${type}_${n}>`;
    this.byValue.set(k, token);
    this.byToken.set(token, value);
    return token;
  }

  /** Replaces every pseudonym this session issued with its original; others are left alone. */
  restore(text: string): string {
    if (this.byToken.size === 0) return text;
    PSEUDONYM_TOKEN.lastIndex = 0;
    return text.replace(PSEUDONYM_TOKEN, (token) => this.byToken.get(token) ?? token);
  }

  /** Forgets every mapping. */
  clear(): void {
    this.byValue.clear();
    this.byToken.clear();
    this.counters.clear();
  }
}
