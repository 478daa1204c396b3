/**
 * US Social Security Numbers. Dashed or spaced numbers (`123-45-6789`) are
 * accepted on their own; nine bare digits only next to an SSN word. The
 * Social Security Administration never issues area 000, 666 or 900-999,
 * group 00 or serial 0000, and a few numbers are known to be published
 * examples; all of these are rejected.
 *
 * @module guards/detectors/ssn
 */
import type { Detector, DetectorMatch } from './types.js';
import { KeywordIndex } from './context.js';

/**
 * `ddd-dd-dddd`, `ddd dd dddd` or nine bare digits, not inside a longer token.
 * The shared three leading digits come first, so the engine can skip to the next digit.
 */
export const SSN_CANDIDATE = /(?<![\w.,$-])\d{3}(?:-\d{2}-\d{4}| \d{2} \d{4}|\d{6})(?![\w-]|[.,]\d)/g;
/** Words that make nine bare digits an SSN. */
export const SSN_CONTEXT = /\b(?:ssns?|social security|social sec|ss ?#|ss no|taxpayer|tin)\b/gi;

/** Numbers published as examples (Woolworth wallet card, advertisements); never a person's SSN. */
const PUBLISHED_EXAMPLES = new Set(['078051120', '219099999', '123456789', '457555462']);

/**
 * Whether nine digits (separators removed) can be an issued SSN.
 *
 * @example
 * ```ts
 * isValidSsn('536-22-8726'); // true
 * isValidSsn('666-22-8726'); // false: area 666 is never issued
 * ```
 */
export function isValidSsn(value: string): boolean {
  const digits = value.replace(/[ -]/g, '');
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  if (group === '00' || serial === '0000') return false;
  if (PUBLISHED_EXAMPLES.has(digits)) return false;
  // All nine digits equal (111-11-1111) is a placeholder, not a number.
  if (/^(\d)\1{8}$/.test(digits)) return false;
  return true;
}

/** Detector for US SSNs. @internal */
export const ssnDetector: Detector = {
  name: 'ssn',
  types: ['US_SSN'],
  needsDigit: true,
  patterns: [SSN_CANDIDATE, SSN_CONTEXT, /[ -]/g, /^\d{9}$/, /^(\d)\1{8}$/],
  find(text: string, out: DetectorMatch[]): void {
    const context = new KeywordIndex(text, SSN_CONTEXT);
    SSN_CANDIDATE.lastIndex = 0;
    for (let m = SSN_CANDIDATE.exec(text); m !== null; m = SSN_CANDIDATE.exec(text)) {
      const raw = m[0];
      if (!isValidSsn(raw)) continue;
      const bare = raw.length === 9;
      if (bare && context.before(m.index) === -1) continue;
      out.push({ type: 'US_SSN', start: m.index, end: m.index + raw.length, rule: bare ? 'ssn+context' : 'ssn-format' });
    }
  },
};
