/**
 * Recovery codes: random, human-typable (`xxxxx-xxxxx`, 50 bits each), shown
 * once, stored only as keyed hashes, compared in constant time.
 *
 * @module crypto
 */
import { randomInt, timingSafeEqual } from 'node:crypto';

// Lowercase letters and digits without 0/o, 1/l/i: nothing to misread.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A fresh recovery code: two groups of five characters (about 49 bits). */
export function generateRecoveryCode(): string {
  let s = '';
  for (let i = 0; i < 10; i += 1) {
    if (i === 5) s += '-';
    s += ALPHABET[randomInt(ALPHABET.length)];
  }
  return s;
}

/** Normalises what a person typed: lowercase, no spaces or hyphens. `undefined` if it cannot be a code. */
export function normaliseRecoveryCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const s = input.toLowerCase().replace(/[\s-]/g, '');
  if (s.length !== 10) return undefined;
  for (const ch of s) if (!ALPHABET.includes(ch)) return undefined;
  return s;
}

/**
 * Index of the stored hash equal to `candidate`, or -1. Compares against
 * every stored hash with `timingSafeEqual` and never stops early.
 */
export function findHash(stored: readonly (Buffer | undefined)[], candidates: readonly (Buffer | undefined)[]): number {
  let found = -1;
  for (let i = 0; i < stored.length; i += 1) {
    const a = stored[i];
    const b = candidates[i];
    const equal = a !== undefined && b !== undefined && a.length === b.length && timingSafeEqual(a, b);
    if (equal && found === -1) found = i;
  }
  return found;
}
