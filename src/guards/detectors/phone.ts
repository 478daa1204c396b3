/**
 * Phone numbers, validated with libphonenumber-js (full metadata).
 *
 * - International numbers (`+41 44 668 18 00`, `0041 ...`, `011 ...`) are
 *   accepted when libphonenumber says the number is possible for the country
 *   it dials (valid, i.e. in an assigned range, with `strictPhoneValidation`).
 * - National numbers next to a phone word ("call me at", "Phone:",
 *   "... fax") are accepted when possible in one of the context regions.
 * - National numbers without such a word must be formatted (separators or
 *   parentheses) and valid (assigned range) in one of `phoneRegions`.
 *
 * Dates, and numbers right after "order", "invoice", "ref" and similar words,
 * are never phone numbers.
 *
 * @module guards/detectors/phone
 */
import { Metadata } from 'libphonenumber-js/core';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
// The /max entry exports no Metadata class under require() (CJS): build it from
// core's class and the max metadata, which both module systems resolve.
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import type { Detector, DetectorMatch, DetectorSettings } from './types.js';
import { KeywordIndex } from './context.js';

/**
 * An optional `+`, then digit groups separated by one space, dot or dash,
 * parenthesised area codes, and an optional extension; the lookahead wants
 * seven digits up front so short numbers never leave the regex engine. A separator is
 * mandatory between two digit groups, so a digit run splits one way only.
 *
 * Written as three heads by first character (`+`, `(`, digit), each consuming
 * that character before its lookahead for the remaining digits: a pattern that
 * starts by consuming one of a few characters lets V8 skip to the next one
 * instead of trying the lookahead at every position (3-4x faster on prose).
 * It matches exactly what `(?=(?:[ .()+-]{0,3}\d){7})(?:\+ ?)?(?:\(\d{1,4}\) ?)?\d{1,15}`
 * would at the same place.
 */
export const PHONE_CANDIDATE =
  /(?<![\w+.\-/(])(?:\+(?=[ .()+-]{0,2}\d(?:[ .()+-]{0,3}\d){6}) ?(?:\(\d{1,4}\) ?)?\d{1,15}|\((?=[ .()+-]{0,2}\d(?:[ .()+-]{0,3}\d){6})\d{1,4}\) ?\d{1,15}|\d(?=(?:[ .()+-]{0,3}\d){6})\d{0,14})(?:[ .-](?:\(\d{1,4}\) ?)?\d{1,15}|\(\d{1,4}\) ?\d{1,15}){0,7}(?: ?(?:x|ext\.?) ?\d{1,6})?(?![\w/:]|[.-]\d)/g;
/**
 * Words that make a nearby number a phone number. "office", "desk", "home"
 * and "work" only count as labels ("Office: ..."), since "the office is at 12 Main St" is an address.
 */
export const PHONE_CONTEXT =
  /\b(?:phones?|telephone|tel|mobile|cell(?:phone)?|fax|call(?:ed|ing)?|ring|text(?:ed)?|sms|whatsapp|messages?|dial|reach(?:ed)?|contact|landline|hotline|answer(?:s|ed|ing)?)\b|\b(?:office|desk|home|work) ?:/gi;
/** Phone labels written after the number ("555 0100 office", "...-Fax"). */
export const PHONE_LABEL_AFTER = /^[ -]?\(?(?:phone|tel|mobile|cell|fax|office|desk|home|work)\b/i;
/** Words right before a number that make it an identifier or another entity. */
export const PHONE_NEGATIVE_CONTEXT =
  /\b(?:order|invoice|inv|ref|reference|tracking|ticket|case|account|acct|sku|serial|isbn|version|build|id|card|cc|iban|ssn|zip|postcode|postal|date|born|dob)\b/gi;
/** A date written with separators (2024-01-31, 31.01.2024, 01/31/24), possibly followed by more (a time). */
export const DATE_SHAPE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2}(?:\d{2})?)(?= |$)/;
/** The extension part of a candidate. */
export const PHONE_EXTENSION = / ?(?:x|ext\.?) ?\d{1,6}$/;

/**
 * Possible national-number lengths from libphonenumber's metadata, per
 * calling code (union over the regions sharing it) and per region (with its
 * trunk prefix). "Possible" checks are table look-ups, so dense phone-like
 * input costs a constant per candidate; full `isValid` parsing is kept for
 * the checks that need assigned ranges.
 */
const CALLING_CODE_LENGTHS = new Map<string, Set<number>>();
const REGION_PLANS = new Map<string, { lengths: ReadonlySet<number>; trunk: string | undefined }>();
{
  const md = new Metadata(maxMetadata);
  for (const region of getCountries()) {
    md.selectNumberingPlan(region);
    const plan = md.numberingPlan;
    if (plan === undefined) continue;
    const lengths = plan.possibleLengths();
    const code = getCountryCallingCode(region);
    const set = CALLING_CODE_LENGTHS.get(code) ?? new Set<number>();
    for (const l of lengths) set.add(l);
    CALLING_CODE_LENGTHS.set(code, set);
    const trunk = (plan as unknown as { nationalPrefix(): string | undefined }).nationalPrefix();
    REGION_PLANS.set(region, { lengths: new Set(lengths), trunk: trunk === '' ? undefined : trunk });
  }
}

/**
 * The same table indexed by the calling code as a number: whether the code
 * exists, and its possible national lengths as a bit mask (libphonenumber's
 * lengths are at most 17), so a look-up allocates nothing.
 */
const CODE_KNOWN = new Uint8Array(1000);
const CODE_LENGTH_MASK = new Int32Array(1000);
for (const [code, lengths] of CALLING_CODE_LENGTHS) {
  CODE_KNOWN[Number(code)] = 1;
  for (const l of lengths) if (l < 31) CODE_LENGTH_MASK[Number(code)] = (CODE_LENGTH_MASK[Number(code)] ?? 0) | (1 << l);
}

/**
 * Whether the digits of `s.slice(from, to)` (country code first), less the
 * `0` of its first "(0)" (a trunk prefix in parentheses, as in "+41 (0)44
 * ...", is not dialled internationally), are a possible international
 * number. Reads the string in place rather than building the digit string.
 */
function internationalPossible(s: string, from: number, to: number): boolean {
  let trunkSeen = false;
  let count = 0;
  let code = 0;
  let codeDigits = 0; // digits in the calling code once found, 0 while none
  let noCode = false;
  for (let i = from; i < to; i += 1) {
    const c = s.charCodeAt(i);
    if (c === 40 && !trunkSeen && i + 2 < to && s.charCodeAt(i + 1) === 48 && s.charCodeAt(i + 2) === 41) {
      trunkSeen = true;
      i += 2;
      continue;
    }
    if (c < 48 || c > 57) continue;
    count += 1;
    // E.164 calling codes form a prefix code (and never start with 0): the first one found is the only one.
    if (codeDigits === 0 && !noCode && count <= 3) {
      if (count === 1 && c === 48) noCode = true;
      else {
        code = code * 10 + (c - 48);
        if (CODE_KNOWN[code] === 1) codeDigits = count;
      }
    }
  }
  if (codeDigits === 0 || codeDigits >= count) return false;
  const national = count - codeDigits;
  return national < 31 && ((CODE_LENGTH_MASK[code] ?? 0) & (1 << national)) !== 0;
}

/** Whether national `digits` have a possible length in `region` (with or without its trunk prefix). */
function nationalPossible(digits: string, region: string): boolean {
  const plan = REGION_PLANS.get(region);
  if (plan === undefined) return false;
  if (plan.trunk !== undefined && digits.startsWith(plan.trunk) && plan.lengths.has(digits.length - plan.trunk.length)) return true;
  return plan.lengths.has(digits.length);
}

const CACHE_MAX = 4096;
const cache = new Map<string, boolean>();

function cached(key: string, compute: () => boolean): boolean {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const v = compute();
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, v);
  return v;
}

function isDate(s: string): boolean {
  const d = DATE_SHAPE.exec(s);
  if (d === null) return false;
  const parts = d[0].split(/[-./]/).map(Number);
  const [a = 0, b = 0, c = 0] = parts;
  if ((d[0].split(/[-./]/)[0] ?? '').length === 4) return b >= 1 && b <= 12 && c >= 1 && c <= 31;
  // dd.mm.yy(yy) or mm/dd/yy(yy)
  return ((a >= 1 && a <= 31 && b >= 1 && b <= 12) || (a >= 1 && a <= 12 && b >= 1 && b <= 31)) && c >= 0;
}

/**
 * `intl` starts with '+'. Possible: metadata lengths; strict: libphonenumber `isValid`.
 * `intl` is `s.slice(from, to)`; the check reads `s` in place.
 */
function internationalOk(intl: string, strict: boolean, s: string = intl, from = 0, to = intl.length): boolean {
  if (!internationalPossible(s, from, to)) return false;
  if (!strict) return true;
  return cached(`i${intl}`, () => parsePhoneNumberFromString(intl)?.isValid() === true);
}

/** Possible (metadata lengths) or valid (libphonenumber `isValid`) in one of `regions`. */
function nationalOk(candidate: string, digits: string, regions: readonly string[], needValid: boolean): boolean {
  const possibleIn = regions.filter((r) => nationalPossible(digits, r));
  if (possibleIn.length === 0) return false;
  if (!needValid) return true;
  return cached(`n${possibleIn.join(',')}|${candidate}`, () =>
    possibleIn.some((r) => parsePhoneNumberFromString(candidate, r as CountryCode)?.isValid() === true),
  );
}

/** Context of one text, computed lazily and shared by all its candidates. */
interface PhoneContext {
  readonly positive: KeywordIndex;
  readonly negative: KeywordIndex;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Cheap pre-check for PHONE_LABEL_AFTER: a letter right after the number, or after one space, dash or parenthesis. */
function labelMayFollow(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (isAsciiLetter(c)) return true;
  if (c !== 32 && c !== 45 && c !== 40) return false;
  const d = text.charCodeAt(end + 1);
  return isAsciiLetter(d) || (d === 40 && isAsciiLetter(text.charCodeAt(end + 2)));
}

/** Results of the last {@link shapeOf}: written to module fields, so no object per candidate. */
let shapeDigits = 0;
let shapeGroups = 0;
let shapeGroupsOk = true;

/** Digits in `s.slice(from, to)`, its digit groups, and whether every group after the first has at least two digits. */
function shapeOf(s: string, from: number, to: number): void {
  let digits = 0;
  let groups = 0;
  let run = 0;
  let groupsOk = true;
  for (let i = from; i <= to; i += 1) {
    const c = i < to ? s.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      digits += 1;
      run += 1;
    } else if (run > 0) {
      groups += 1;
      if (groups > 1 && run < 2) groupsOk = false;
      run = 0;
    }
  }
  shapeDigits = digits;
  shapeGroups = groups;
  shapeGroupsOk = groupsOk;
}

/** Validates one candidate string found at `start`; returns the accepting rule or undefined. Cheap checks come first. */
function validatePhone(
  text: string,
  candidate: string,
  start: number,
  end: number,
  s: DetectorSettings,
  ctx: PhoneContext,
  shapeOfCandidate: boolean,
): string | undefined {
  // Every extension has an "x" ("x 12", "ext. 12"): most candidates skip the regex.
  const main = candidate.includes('x') ? candidate.replace(PHONE_EXTENSION, '') : candidate;
  // Without an extension the shape is the candidate's: already computed by the caller when `shapeOfCandidate`,
  // else read in `text` (one string for every candidate).
  if (main !== candidate) shapeOf(main, 0, main.length);
  else if (!shapeOfCandidate) shapeOf(text, start, end);
  const digitCount = shapeDigits;
  const formatted = shapeGroups >= 2 && shapeGroupsOk;
  if (digitCount < 7 || digitCount > 15) return undefined;
  if (candidate.startsWith('+')) {
    const ok = main === candidate ? internationalOk(main, s.strictPhoneValidation, text, start, end) : internationalOk(main, s.strictPhoneValidation);
    return ok ? 'phone-international' : undefined;
  }
  const positiveAt = ctx.positive.before(start);
  const hasContext = positiveAt !== -1 || (labelMayFollow(text, end) && PHONE_LABEL_AFTER.test(text.slice(end, end + 16)));
  // Without a phone word it must be written like a phone number (separators, no single-digit groups after the first):
  // `formatted` above.
  const idd = main.startsWith('00') || main.startsWith('011');
  if (!hasContext && !formatted && !idd) return undefined;
  if (isDate(main)) return undefined;
  const digits = main.replace(/\D/g, '');
  // 00 / 011 international dialling prefixes.
  if (idd) {
    const intl = `+${main.replace(/^(?:00|011)[ .-]?/, '')}`;
    if (internationalOk(intl, s.strictPhoneValidation)) return 'phone-international';
    if (!hasContext && !formatted) return undefined;
  }
  const negativeAt = ctx.negative.before(start, 24);
  // A phone word closer to the number than the negative word still wins ("card holder's phone: ...").
  if (negativeAt !== -1 && positiveAt < negativeAt) return undefined;
  if (hasContext) return nationalOk(candidate, digits, s.phoneContextRegions, s.strictPhoneValidation) ? 'phone-context' : undefined;
  return nationalOk(candidate, digits, s.phoneRegions, true) ? 'phone-national' : undefined;
}

/** Whether any code unit of [s, e) is marked in `claimed`. */
function overlaps(claimed: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i += 1) if (claimed[i] === 1) return true;
  return false;
}

/** Detector for phone numbers. @internal */
export const phoneDetector: Detector = {
  name: 'phone',
  types: ['PHONE'],
  needsDigit: true,
  patterns: [PHONE_CANDIDATE, PHONE_CONTEXT, PHONE_LABEL_AFTER, PHONE_NEGATIVE_CONTEXT, DATE_SHAPE, PHONE_EXTENSION],
  find(text: string, out: DetectorMatch[], settings: DetectorSettings): void {
    const ctx: PhoneContext = { positive: new KeywordIndex(text, PHONE_CONTEXT), negative: new KeywordIndex(text, PHONE_NEGATIVE_CONTEXT) };
    // Phones run last: text already claimed by a higher-priority detector (a card, an SSN, an IBAN...) is skipped
    // before any validation work, so dense cards do not cost a phone check each.
    // One byte per code unit, set where a match already covers it: the overlap test of a candidate stops
    // at its first claimed code unit (at once, on dense cards), and marking costs one native fill per match.
    let claimed: Uint8Array | undefined;
    if (out.length > 0) {
      claimed = new Uint8Array(text.length);
      for (const o of out) claimed.fill(1, o.start, o.end);
    }
    PHONE_CANDIDATE.lastIndex = 0;
    for (let m = PHONE_CANDIDATE.exec(text); m !== null; m = PHONE_CANDIDATE.exec(text)) {
      let candidate = m[0];
      const start = m.index;
      // Text a higher-priority detector already claimed (dense cards) is skipped before anything else.
      if (claimed !== undefined && overlaps(claimed, start, start + candidate.length)) continue;
      // Cheap pre-filter before any string work: a phone number has at least 7 digits. The shape is read in
      // `text` (one string for every candidate) and kept for the first validation; the retry below needs the total.
      shapeOf(text, start, start + candidate.length);
      let digitCount = shapeDigits;
      if (digitCount < 7) continue;
      // Try the whole run, then with up to two trailing groups dropped ("call 541-714-1388 2 times").
      for (let attempt = 0; attempt < 3 && candidate.length > 0; attempt += 1) {
        const rule = validatePhone(text, candidate, start, start + candidate.length, settings, ctx, attempt === 0);
        if (rule !== undefined) {
          out.push({ type: 'PHONE', start, end: start + candidate.length, rule });
          break;
        }
        // Dropping a trailing group ("call 541-714-1388 2 times") only helps a run that is too long,
        // or one next to a phone word or dialled internationally; elsewhere the shape already failed.
        const hopeful = candidate.startsWith('+') || digitCount > 15 || ctx.positive.before(start) !== -1;
        if (!hopeful || !/[ .-]\d{1,4}$/.test(candidate)) break;
        const cut = Math.max(candidate.lastIndexOf(' '), candidate.lastIndexOf('-'), candidate.lastIndexOf('.'));
        if (cut <= 0) break;
        candidate = candidate.slice(0, cut);
        shapeOf(candidate, 0, candidate.length);
        digitCount = shapeDigits;
      }
    }
  },
};
