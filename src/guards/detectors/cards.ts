/**
 * Payment card numbers (PAN): 12 to 19 digits, plain, spaced or dashed, that
 * pass the Luhn checksum and fall in a known issuer range. A Luhn-valid number
 * outside every known range is accepted only next to a card word ("card",
 * "cc", "visa", ...), because issuers keep adding ranges and leaking a card is
 * worse than masking a number that merely looks like one.
 *
 * @module guards/detectors/cards
 */
import type { Detector, DetectorMatch, DetectorSettings } from './types.js';
import { KeywordIndex } from './context.js';

/**
 * A run of digit groups separated by one space or dash, with at least 12
 * digits (checked by the lookahead, so short numbers never leave the regex
 * engine). The lookbehind stops a match from starting inside a longer run,
 * which keeps the scan linear. The first digit is matched before the
 * lookahead (which then wants 11 more): a pattern that starts by consuming a
 * digit lets V8 skip ahead to the next digit instead of trying the
 * lookahead at every position (about 4x faster on prose).
 */
export const CARD_CANDIDATE = /(?<![\w.,-])\d(?=(?:[ -]?\d){11})\d{0,18}(?:[ -]\d{1,19}){0,9}(?![\w-]|[.,]\d)/g;
/** Words that make a number a card number. */
export const CARD_CONTEXT = /\b(?:cards?|cc|credit|debit|visa|master ?card|amex|american express|maestro|jcb|discover|diners|unionpay|pan)\b/gi;
/** Words right before a number that say it is an identifier of something else. */
export const CARD_NEGATIVE_CONTEXT = /\b(?:order|invoice|inv|ref|reference|tracking|ticket|case|sku|serial|isbn|version|build|po|id)\b/gi;

/**
 * Luhn (mod 10) checksum over a string of ASCII digits.
 *
 * @example
 * ```ts
 * luhnValid('4111111111111111'); // true
 * ```
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** One issuer range: an inclusive prefix range of a given width and the card lengths it issues. */
interface IssuerRange {
  readonly brand: string;
  readonly from: number;
  readonly to: number;
  readonly width: number;
  readonly lengths: readonly number[];
}

const L16_19 = [16, 17, 18, 19];
const L12_19 = [12, 13, 14, 15, 16, 17, 18, 19];

/** Known issuer identification number (IIN) ranges (ISO/IEC 7812 registrations as published by the brands). */
export const CARD_ISSUER_RANGES: readonly IssuerRange[] = [
  { brand: 'visa', from: 4, to: 4, width: 1, lengths: [13, 16, 19] },
  { brand: 'mastercard', from: 51, to: 55, width: 2, lengths: [16] },
  { brand: 'mastercard', from: 2221, to: 2720, width: 4, lengths: [16] },
  { brand: 'amex', from: 34, to: 34, width: 2, lengths: [15] },
  { brand: 'amex', from: 37, to: 37, width: 2, lengths: [15] },
  { brand: 'diners', from: 300, to: 305, width: 3, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'diners', from: 3095, to: 3095, width: 4, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'diners', from: 36, to: 36, width: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'diners', from: 38, to: 39, width: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'discover', from: 6011, to: 6011, width: 4, lengths: L16_19 },
  { brand: 'discover', from: 644, to: 649, width: 3, lengths: L16_19 },
  { brand: 'discover', from: 65, to: 65, width: 2, lengths: L16_19 },
  { brand: 'jcb', from: 3528, to: 3589, width: 4, lengths: L16_19 },
  { brand: 'jcb', from: 1800, to: 1800, width: 4, lengths: [15] },
  { brand: 'jcb', from: 2131, to: 2131, width: 4, lengths: [15] },
  { brand: 'unionpay', from: 62, to: 62, width: 2, lengths: L16_19 },
  { brand: 'mir', from: 2200, to: 2204, width: 4, lengths: L16_19 },
  { brand: 'maestro', from: 50, to: 50, width: 2, lengths: L12_19 },
  { brand: 'maestro', from: 56, to: 69, width: 2, lengths: L12_19 },
  { brand: 'troy', from: 9792, to: 9792, width: 4, lengths: [16] },
  { brand: 'uatp', from: 1, to: 1, width: 1, lengths: [15] },
];

/**
 * The brand whose IIN range and length admit `digits`, or undefined.
 *
 * @example
 * ```ts
 * cardIssuer('378282246310005'); // 'amex'
 * ```
 */
export function cardIssuer(digits: string): string | undefined {
  // Leading 1-4 digit prefixes, computed once.
  const prefixes = [0, 0, 0, 0, 0];
  let acc = 0;
  for (let w = 1; w <= 4 && w <= digits.length; w += 1) {
    acc = acc * 10 + (digits.charCodeAt(w - 1) - 48);
    prefixes[w] = acc;
  }
  return issuerFor(prefixes, digits.length);
}

/** The ranges with their lengths as a bit mask, so a look-up allocates nothing. */
const RANGES_BY_MASK = CARD_ISSUER_RANGES.map((r) => ({ ...r, mask: r.lengths.reduce((m, l) => m | (1 << l), 0) }));

/** The brand for a number of `length` digits whose leading 1-4 digit prefixes are `prefixes[1..4]`. */
function issuerFor(prefixes: ArrayLike<number>, length: number): string | undefined {
  const bit = 1 << length;
  for (const r of RANGES_BY_MASK) {
    if ((r.mask & bit) === 0) continue;
    const prefix = prefixes[r.width] ?? -1;
    if (prefix >= r.from && prefix <= r.to) return r.brand;
  }
  return undefined;
}

/** Result of validating digits as a card: the rule that accepted them, or undefined. @internal */
export function validateCard(digits: string, hasCardContext: boolean, strictIssuers: boolean): string | undefined {
  if (digits.length < 12 || digits.length > 19 || !luhnValid(digits)) return undefined;
  // Reject degenerate numbers such as 0000 0000 0000 0000 (Luhn-valid, never issued).
  let same = true;
  for (let i = 1; i < digits.length && same; i += 1) same = digits.charCodeAt(i) === digits.charCodeAt(0);
  if (same) return undefined;
  if (cardIssuer(digits) !== undefined) return 'luhn+issuer';
  if (!strictIssuers && hasCardContext) return 'luhn+context';
  return undefined;
}

const SEPARATORS = /[ -]/g;
/** Leading 1-4 digit prefixes of the candidate being checked (index = width). */
const PREFIXES = [0, 0, 0, 0, 0];

function groupsOk(groups: readonly string[]): boolean {
  if (groups.length === 1) return true;
  for (const g of groups) if (g.length < 3 || g.length > 6) return false;
  return true;
}

/** Detector for payment card numbers. @internal */
export const cardsDetector: Detector = {
  name: 'cards',
  types: ['CREDIT_CARD'],
  needsDigit: true,
  patterns: [CARD_CANDIDATE, CARD_CONTEXT, CARD_NEGATIVE_CONTEXT, SEPARATORS],
  find(text: string, out: DetectorMatch[], settings: DetectorSettings): void {
    const positive = new KeywordIndex(text, CARD_CONTEXT);
    const negative = new KeywordIndex(text, CARD_NEGATIVE_CONTEXT);
    const strict = settings.strictCardIssuers;
    CARD_CANDIDATE.lastIndex = 0;
    for (let m = CARD_CANDIDATE.exec(text); m !== null; m = CARD_CANDIDATE.exec(text)) {
      const raw = m[0];
      const start = m.index;
      // Cheap pre-filter: at least 12 digits (runs of short groups, "4 4 4 ...", stop here).
      // Read in `text` (one string for every candidate); a candidate holds only digits, spaces and dashes.
      let digits = 0;
      for (let i = start; i < start + raw.length; i += 1) if (text.charCodeAt(i) >= 48) digits += 1;
      if (digits < 12) continue;
      // One pass over the run, allocating nothing: digits, separators, group sizes, the Luhn sum for both
      // parities (which one applies depends on the digit count), the leading prefixes and whether all digits
      // are equal. Context words are looked up only when the verdict depends on them.
      let digitCount = 0;
      let spaces = 0;
      let dashes = 0;
      let run = 0;
      let runsFine = true;
      let sumEven = 0; // digits at even offsets from the left doubled
      let sumOdd = 0; // digits at odd offsets doubled
      let prefix = 0;
      let first = -1;
      let same = true;
      const end = start + raw.length;
      for (let i = start; i <= end; i += 1) {
        const c = i < end ? text.charCodeAt(i) : 32;
        if (c >= 48 && c <= 57) {
          const d = c - 48;
          const dd = d > 4 ? d * 2 - 9 : d * 2;
          if ((digitCount & 1) === 0) {
            sumEven += dd;
            sumOdd += d;
          } else {
            sumEven += d;
            sumOdd += dd;
          }
          if (digitCount < 4) {
            prefix = prefix * 10 + d;
            PREFIXES[digitCount + 1] = prefix;
          }
          if (digitCount === 0) first = c;
          else if (c !== first) same = false;
          digitCount += 1;
          run += 1;
        } else {
          if (i < end) {
            if (c === 32) spaces += 1;
            else dashes += 1;
          }
          if (run < 3 || run > 6) runsFine = false;
          run = 0;
        }
      }
      if (digitCount < 12) continue;
      // Mixed separators ("4111 1111-1111") are not how cards are written.
      if (spaces > 0 && dashes > 0) continue;
      let context = -1; // unknown; 0 or 1 once looked up
      // Fast path: the whole run is the card (the usual case): what validateCard would say, without the string.
      if (digitCount <= 19 && (runsFine || spaces + dashes === 0)) {
        let rule: string | undefined;
        // The rightmost digit is never doubled: with an even count that makes the doubled ones the even offsets.
        if (((digitCount & 1) === 0 ? sumEven : sumOdd) % 10 === 0 && !same) {
          if (issuerFor(PREFIXES, digitCount) !== undefined) rule = 'luhn+issuer';
          else if (!strict) {
            context = positive.before(start) !== -1 ? 1 : 0;
            if (context === 1) rule = 'luhn+context';
          }
        }
        if (rule !== undefined) {
          if (negative.before(start, 20) !== -1) continue;
          out.push({ type: 'CREDIT_CARD', start, end: start + raw.length, rule });
          continue;
        }
      }
      if (context === -1) context = positive.before(start) !== -1 ? 1 : 0;
      const hasContext = context === 1;
      const groups = raw.split(SEPARATORS);
      // Offsets of each group inside raw.
      const offsets: number[] = [];
      let pos = 0;
      for (const g of groups) {
        offsets.push(pos);
        pos += g.length + 1;
      }
      // Whole run first, then the longest sub-runs (a card followed by a CVV, or preceded by an expiry).
      let found: { a: number; b: number; rule: string } | undefined;
      const n = groups.length;
      for (let len = n; len >= 1 && found === undefined; len -= 1) {
        for (let a = 0; a + len <= n; a += 1) {
          const sub = groups.slice(a, a + len);
          if (!groupsOk(sub)) continue;
          const digits = sub.join('');
          const rule = validateCard(digits, hasContext, settings.strictCardIssuers);
          if (rule !== undefined) {
            found = { a, b: a + len, rule };
            break;
          }
        }
      }
      if (found === undefined) continue;
      if (negative.before(start, 20) !== -1) continue;
      const s = start + (offsets[found.a] ?? 0);
      const lastIdx = found.b - 1;
      const e = start + (offsets[lastIdx] ?? 0) + (groups[lastIdx]?.length ?? 0);
      out.push({ type: 'CREDIT_CARD', start: s, end: e, rule: found.rule });
    }
  },
};
