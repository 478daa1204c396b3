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

/** The longest registered IBAN. */
const IBAN_MAX = 34;
/** Scratch buffer for the alphanumerics of one candidate. */
const CODES = new Uint8Array(IBAN_MAX);

/** mod-97 over CODES[0..len) rearranged (first four last), upper-case letters as 10-35. */
function mod97Codes(len: number): number {
  let rem = 0;
  for (let k = 0; k < len; k += 1) {
    const c = CODES[(k + 4) % len] ?? 0;
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  return rem;
}

/** Registered lengths by the two letters' codes (either case), 0 for no country: no string work per candidate. */
const LENGTH_BY_CODE = new Uint8Array(26 * 26);
for (const [cc, len] of Object.entries(IBAN_LENGTHS)) LENGTH_BY_CODE[(cc.charCodeAt(0) - 65) * 26 + (cc.charCodeAt(1) - 65)] = len;

function registeredLength(text: string, at: number): number {
  // The candidate regex guarantees two ASCII letters here; `| 32` folds them to lower case.
  return LENGTH_BY_CODE[((text.charCodeAt(at) | 32) - 97) * 26 + ((text.charCodeAt(at + 1) | 32) - 97)] ?? 0;
}

/** Token scratch (start, end, cumulative count of alphanumerics), grown on demand and reused across calls. */
let tokStart = new Int32Array(256);
let tokEnd = new Int32Array(256);
let tokCum = new Int32Array(256);
const SCRATCH_KEEP = 4096;

function doubled(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Reads the "segment" starting at `from`: alphanumeric runs (tokens) joined by
 * single spaces, which is exactly how far a candidate's walk can reach (a
 * candidate starts a token, and its first four characters are contiguous, so
 * every space it meets is allowed). A token longer than any IBAN is read only
 * that far and ends the segment: no walk can end inside or after it. Returns
 * the number of tokens.
 */
function readSegment(text: string, from: number): number {
  let n = 0;
  let cum = 0;
  let s = from;
  for (;;) {
    const limit = Math.min(text.length, s + IBAN_MAX + 1);
    let e = s;
    while (e < limit && isAlnum(text.charCodeAt(e))) e += 1;
    if (n === tokStart.length) {
      tokStart = doubled(tokStart);
      tokEnd = doubled(tokEnd);
      tokCum = doubled(tokCum);
    }
    cum += e - s;
    tokStart[n] = s;
    tokEnd[n] = e;
    tokCum[n] = cum;
    n += 1;
    if (e - s > IBAN_MAX || text.charCodeAt(e) !== 32 || e + 1 >= text.length || !isAlnum(text.charCodeAt(e + 1))) return n;
    s = e + 1;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Detector for IBANs. The first candidate of a segment reads the whole
 * segment once; every candidate in it (a token that starts with a country
 * code and check digits) then needs only the cumulative counts: its IBAN ends
 * at the token end where exactly the country's length of alphanumerics has
 * been seen, or it is none. Dense prefixes ("GB82 GB82 ...") would otherwise
 * walk the same 22-34 characters again from every candidate.
 * @internal
 */
export const ibanDetector: Detector = {
  name: 'iban',
  types: ['IBAN'],
  needsDigit: true,
  patterns: [IBAN_CANDIDATE, / /g, /^[A-Z]{2}\d{2}[A-Z0-9]+$/],
  find(text: string, out: DetectorMatch[]): void {
    IBAN_CANDIDATE.lastIndex = 0;
    // test() rather than exec(): no match array per candidate; every match is 4 code units long.
    while (IBAN_CANDIDATE.test(text)) {
      const first = IBAN_CANDIDATE.lastIndex - 4;
      if (registeredLength(text, first) === 0) continue;
      const n = readSegment(text, first);
      // Every later candidate in this segment starts one of its tokens (after a space): handled here.
      let next = 0; // first token that may start an IBAN (after one found, the next starts past its end)
      let t = 0;
      let lastTarget = 0;
      for (let k = 0; k < n; k += 1) {
        if (k < next) continue;
        const start = tokStart[k] ?? 0;
        if ((tokEnd[k] ?? 0) - start < 4) continue;
        if (!isLetter(text.charCodeAt(start)) || !isLetter(text.charCodeAt(start + 1))) continue;
        if (!isDigit(text.charCodeAt(start + 2)) || !isDigit(text.charCodeAt(start + 3))) continue;
        const want = registeredLength(text, start);
        if (want === 0) continue;
        // The token where `want` alphanumerics end, if any ends exactly there. Targets grow from one candidate
        // to the next (same country), so the search resumes where the last one stopped.
        const target = (k === 0 ? 0 : (tokCum[k - 1] ?? 0)) + want;
        if (target < lastTarget || t < k) t = k;
        lastTarget = target;
        while (t < n && (tokCum[t] ?? 0) < target) t += 1;
        if (t >= n || tokCum[t] !== target) continue;
        const end = tokEnd[t] ?? 0;
        let count = 0;
        for (let i = start; i < end; i += 1) {
          const c = text.charCodeAt(i);
          if (c !== 32) {
            CODES[count] = c >= 97 ? c - 32 : c; // upper-case
            count += 1;
          }
        }
        if (mod97Codes(want) !== 1) continue;
        out.push({ type: 'IBAN', start, end, rule: 'iban-mod97' });
        next = t + 1;
      }
      IBAN_CANDIDATE.lastIndex = tokEnd[n - 1] ?? text.length;
    }
    // Do not keep megabytes of scratch alive after one huge input.
    if (tokStart.length > SCRATCH_KEEP) {
      tokStart = new Int32Array(256);
      tokEnd = new Int32Array(256);
      tokCum = new Int32Array(256);
    }
  },
};
