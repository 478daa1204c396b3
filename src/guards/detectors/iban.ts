/**
 * International Bank Account Numbers: a country code, two check digits and a
 * country-specific number of alphanumerics, printed compact or in groups of
 * four. Validated by the registered length for the country and ISO 7064
 * mod-97-10.
 *
 * @module guards/detectors/iban
 */
import type { Detector, DetectorMatch } from './types.js';

/** Country and check digits at the start of a token; the rest is walked in code. */
export const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}/g;

/** Registered IBAN lengths by country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * ISO 7064 mod-97-10 over an IBAN (compact, any case): true when the
 * rearranged number is congruent to 1 modulo 97.
 */
export function ibanChecksumValid(compact: string): boolean {
  const s = compact.toUpperCase();
  if (s.length < 5) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i += 1) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * Whether `value` (spaces allowed) is a valid IBAN: known country, registered
 * length, alphanumerics only, mod-97 check.
 *
 * @example
 * ```ts
 * isValidIban('DE89 3704 0044 0532 0130 00'); // true
 * ```
 */
export function isValidIban(value: string): boolean {
  const compact = value.replace(/ /g, '').toUpperCase();
  const len = IBAN_LENGTHS[compact.slice(0, 2)];
  return len !== undefined && compact.length === len && /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact) && ibanChecksumValid(compact);
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Scratch buffer for the alphanumerics of one candidate (an IBAN has at most 34). */
const CODES = new Uint8Array(34);

/** mod-97 over CODES[0..len) rearranged (first four last), upper-case letters as 10-35. */
function mod97Codes(len: number): number {
  let rem = 0;
  for (let k = 0; k < len; k += 1) {
    const c = CODES[(k + 4) % len] ?? 0;
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  return rem;
}

/** Detector for IBANs. @internal */
export const ibanDetector: Detector = {
  name: 'iban',
  types: ['IBAN'],
  needsDigit: true,
  patterns: [IBAN_CANDIDATE, / /g, /^[A-Z]{2}\d{2}[A-Z0-9]+$/],
  find(text: string, out: DetectorMatch[]): void {
    IBAN_CANDIDATE.lastIndex = 0;
    for (let m = IBAN_CANDIDATE.exec(text); m !== null; m = IBAN_CANDIDATE.exec(text)) {
      const start = m.index;
      const want = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
      if (want === undefined) continue;
      // Walk exactly `want` alphanumerics (single spaces allowed between them, after the first four).
      let i = start;
      let count = 0;
      while (i < text.length && count < want) {
        let c = text.charCodeAt(i);
        if (isAlnum(c)) {
          if (c >= 97) c -= 32; // upper-case
          CODES[count] = c;
          count += 1;
          i += 1;
        } else if (c === 32 && count >= 4 && i + 1 < text.length && isAlnum(text.charCodeAt(i + 1))) {
          i += 1;
        } else break;
      }
      if (count !== want) continue;
      // The IBAN must end at a word boundary, not in the middle of a token.
      if (i < text.length && isAlnum(text.charCodeAt(i))) continue;
      if (mod97Codes(want) !== 1) continue;
      out.push({ type: 'IBAN', start, end: i, rule: 'iban-mod97' });
      IBAN_CANDIDATE.lastIndex = i;
    }
  },
};
