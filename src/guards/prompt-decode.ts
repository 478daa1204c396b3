/**
 * Finds embedded encoded segments (base64, hex, 8-bit binary) in the
 * ORIGINAL text and decodes those that turn out to be readable text, so the
 * prompt guard can scan the payload again. Bounded: segments longer than the
 * remaining budget are skipped, and the caller limits recursion depth.
 *
 * The exported regexes define what is found (segments, ROT13 words); plain
 * loops and an automaton over the text's UTF-16 code units find exactly their
 * matches (tested against the regexes), mostly reading a fraction of the
 * characters where the regexes would try each one.
 *
 * @module guards/prompt-decode
 */
import { isUtf8 } from 'node:buffer';
import { CodeUnitBuffer } from './code-units.js';

/** How an encoded segment was written. */
export type EncodingKind = 'base64' | 'hex' | 'binary' | 'rot13';

/** A decoded segment: where it sits in the original text and what it says. */
export interface DecodedSegment {
  readonly kind: EncodingKind;
  /** UTF-16 start offset in the scanned text. */
  readonly start: number;
  /** UTF-16 end offset (exclusive) in the scanned text. */
  readonly end: number;
  /** The decoded text. */
  readonly text: string;
}

/** Base64 (standard or url-safe) runs of at least 16 characters. */
export const BASE64_SEGMENT = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
/** Hex byte runs (optionally separated by one space or colon), at least 8 bytes, or `\x41` escapes. */
export const HEX_SEGMENT = /(?<![0-9a-fA-F])(?=[a-fA-F]{0,3}[0-9])(?:[0-9a-fA-F]{2}[ :]?){8,}|(?:\\x[0-9a-fA-F]{2}){6,}/g;
/** 8-bit binary groups, at least 4 bytes. */
export const BINARY_SEGMENT = /\b(?:[01]{8}[ ]?){4,}/g;
/** Common English words written in ROT13 ("the", "and", "you", "ignore", "instructions", ...). */
export const ROT13_HINT = /\b(?:gur|naq|lbh|lbhe|vtaber|vafgehpgvbaf|cerivbhf|nyy|cnffjbeq|flfgrz|cebzcg|fnl|gryy|jvgu|guvf|gung|sbe|ner|vf|vg)\b/g;

const utf8 = new TextDecoder('utf-8');

/** Readable: valid UTF-8, mostly printable, has letters and a space-separated word. */
function readable(bytes: Uint8Array): string | undefined {
  if (bytes.length < 6) return undefined;
  // Validate first: most candidates are not UTF-8, and a fatal decoder reports that by throwing, which cost more than the rest of the scan.
  if (!isUtf8(bytes)) return undefined;
  const text = utf8.decode(bytes);
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x20) spaces += 1;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) letters += 1;
    if (c >= 0x20 || c === 0x0a || c === 0x0d || c === 0x09) printable += 1;
  }
  if (printable < text.length * 0.95 || letters < text.length * 0.5) return undefined;
  // Text has words; a space-free payload is only kept if it is itself an encoding (nested base64/hex).
  if (spaces === 0 && !/^[A-Za-z0-9+/_=-]{16,}$/.test(text.trim())) return undefined;
  return text;
}

function hexBytes(s: string): Uint8Array {
  const digits = s.replace(/\\x|[^0-9a-fA-F]/g, '');
  return new Uint8Array(Buffer.from(digits.slice(0, digits.length - (digits.length % 2)), 'hex'));
}

function binaryBytes(s: string): Uint8Array {
  const groups = s.match(/[01]{8}/g) ?? [];
  return new Uint8Array(groups.map((g) => parseInt(g, 2)));
}

/** Which segment searches can possibly find something (see {@link segmentHints}). */
export interface SegmentHints {
  /** Offset of the first run of 8 binary digits (every {@link BINARY_SEGMENT} match starts in one), or -1. */
  readonly binary: number;
  /**
   * Offset of the first run of hex digits, spaces and colons holding 16 hex
   * digits and a decimal digit, or of the first `\\x` in a text that has a
   * decimal digit, whichever is first (where a {@link HEX_SEGMENT} match can
   * start at the earliest), or -1.
   */
  readonly hex: number;
  /** Offset of the first run of 16 base64-alphabet characters (needed by {@link BASE64_SEGMENT}), or -1. */
  readonly base64: number;
}

// Character kinds: bit 1 binary digit, 2 hex digit, 4 decimal digit, 8 hex-run separator, 16 base64 alphabet, 32 regex word character.
// Indexed by any UTF-16 code unit, so a lookup needs no range check.
const KIND = new Uint8Array(0x10000);
for (let c = 0x30; c <= 0x39; c += 1) KIND[c] = 2 | 4 | 16 | (c <= 0x31 ? 1 : 0);
for (let c = 0x61; c <= 0x7a; c += 1) KIND[c] = 16 | (c <= 0x66 ? 2 : 0);
for (let c = 0x41; c <= 0x5a; c += 1) KIND[c] = 16 | (c <= 0x46 ? 2 : 0);
for (const c of [0x2b, 0x2f, 0x5f, 0x2d]) KIND[c] = 16;
KIND[0x20] = 8;
KIND[0x3a] = 8;
for (let c = 0; c < 128; c += 1) if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f) KIND[c] = (KIND[c] as number) | 32;
const BIN = 1;
const HEXDIGIT = 2;
const DIGIT = 4;
const HEXRUN = 2 | 8;
const B64 = 16;
const WORD = 32;

// The text's UTF-16 code units (see code-units); reused, the scan is synchronous.
const units = new CodeUnitBuffer(1 << 15);
function codeUnits(text: string): Uint16Array {
  return units.of(text);
}

/**
 * Start of the first run of at least `len` units of kind `bit` in
 * `u[from, n)`, where unit `from - 1` is not of the kind (or `from` is 0),
 * or -1. Probes every `len`-th unit: a run that long contains a probe, and a
 * probe outside the kind, or one found by scanning back from a probe, rules
 * out every run through it, so most units are never read.
 */
function firstRun(u: Uint16Array, from: number, n: number, bit: number, len: number): number {
  let p = from + len - 1;
  while (p < n) {
    if (((KIND[u[p] as number] as number) & bit) === 0) {
      p += len;
      continue;
    }
    // Unit p - len is outside the kind (or before the text): the run through p starts after it.
    const lo = p - len;
    let q = p - 1;
    while (q > lo && ((KIND[u[q] as number] as number) & bit) !== 0) q -= 1;
    if (q === lo) return lo + 1;
    p = q + len;
  }
  return -1;
}

/**
 * Tells which segment regexes can match at all, and from where: each needs a
 * run of characters that most texts do not have, and no match starts before
 * the first such run. Probing for the runs reads a fraction of the text and
 * is much cheaper than the regexes (whose leading lookbehinds defeat the
 * engine's fast scan). Exact: a regex skipped here has no match, and one
 * started at the offset given here finds the same matches as from 0.
 */
export function segmentHints(text: string): SegmentHints {
  return hintsOf(text, codeUnits(text), text.length);
}

function hintsOf(text: string, u: Uint16Array, n: number): SegmentHints {
  const binary = firstRun(u, 0, n, BIN, 8);
  const base64 = firstRun(u, 0, n, B64, 16);
  let hex = firstQualifyingRun(u, 0, n);
  // The hex search only runs on text with a decimal digit somewhere (as it
  // always has): every match it skipped would have used up decoding budget.
  // A hex run found above has a digit; otherwise look for one.
  const escape = text.indexOf('\\x');
  if (escape >= 0 && (hex < 0 || escape < hex) && (hex >= 0 || hasDigit(u, n))) hex = escape;
  return { binary, hex, base64 };
}

function hasDigit(u: Uint16Array, n: number): boolean {
  for (let i = 0; i < n; i += 1) if (((KIND[u[i] as number] as number) & DIGIT) !== 0) return true;
  return false;
}

function base64Bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

// The segment regexes' matches, found over the code units by plain loops
// (see take). Each returns a match's start, or -1, and leaves its end here.
let matchEnd = 0;

function kindAt(u: Uint16Array, i: number): number {
  return KIND[u[i] as number] as number;
}

/**
 * Where a search for runs of `bit` can start at or after `at`: past the
 * run that holds unit `at - 1`, so that the unit before it is outside the
 * kind, as {@link firstRun} requires.
 */
function runSearchFrom(u: Uint16Array, at: number, n: number, bit: number): number {
  if (at === 0 || (kindAt(u, at - 1) & bit) === 0) return at;
  let i = at;
  while (i < n && (kindAt(u, i) & bit) !== 0) i += 1;
  return i + 1;
}

/**
 * Next {@link BINARY_SEGMENT} match from `at`: at a word boundary, 4+ groups
 * of 8 binary digits, each optionally followed by one space (greedy, and
 * backtracking cannot lengthen it: a group cannot start at a space). Its
 * first group starts a run of 8+ binary digits.
 */
function nextBinary(u: Uint16Array, n: number, at: number): number {
  let from = runSearchFrom(u, at, n, BIN);
  for (;;) {
    const p = firstRun(u, from, n, BIN, 8);
    if (p < 0) return -1;
    if (p === 0 || (kindAt(u, p - 1) & WORD) === 0) {
      let pos = p;
      let groups = 0;
      for (;;) {
        let k = 0;
        while (k < 8 && pos + k < n && (kindAt(u, pos + k) & BIN) !== 0) k += 1;
        if (k < 8) break;
        pos += 8;
        groups += 1;
        if (pos < n && u[pos] === 0x20) pos += 1;
      }
      if (groups >= 4) {
        matchEnd = pos;
        return p;
      }
    }
    from = runSearchFrom(u, p + 1, n, BIN);
  }
}

/**
 * Next {@link BASE64_SEGMENT} match from `at`: a whole run of 16+
 * base64-alphabet units (the lookbehind makes it start a run, the greedy
 * quantifier takes the rest) and up to two `=`.
 */
function nextBase64(u: Uint16Array, n: number, at: number): number {
  const p = firstRun(u, runSearchFrom(u, at, n, B64), n, B64, 16);
  if (p < 0) return -1;
  let e = p + 16;
  while (e < n && (kindAt(u, e) & B64) !== 0) e += 1;
  if (e < n && u[e] === 0x3d) e += 1;
  if (e < n && u[e] === 0x3d) e += 1;
  matchEnd = e;
  return p;
}

// Hex search state for one take: the first-branch and escape-branch matches
// found so far (start, end; start -1 when there is none left, -2 before the
// first search), and the hex run being searched.
let hexStart = -2;
let hexEnd = 0;
let escStart = -2;
let escEnd = 0;
let runStart = 0;
let runEnd = 0;

/**
 * First match of HEX_SEGMENT's first branch at or after `at`: not after a
 * hex digit, at most 3 hex letters then a decimal digit ahead, then 8+ pairs
 * of hex digits, each optionally followed by a space or colon (greedy;
 * backtracking cannot lengthen it). Such a match lies inside a run of hex
 * digits, spaces and colons with 16 hex digits and a decimal digit (see
 * {@link firstQualifyingRun}); only those runs are searched.
 */
function nextHexPairs(u: Uint16Array, n: number, at: number): number {
  for (;;) {
    if (runEnd <= at) {
      // A run holding unit `at` counts in full: search from its start. Otherwise (the
      // end of the run searched last, say) the search starts after unit `at`.
      let from = at + 1;
      if (at < n && (kindAt(u, at) & HEXRUN) !== 0) {
        from = at;
        while (from > 0 && (kindAt(u, from - 1) & HEXRUN) !== 0) from -= 1;
      }
      const r = firstQualifyingRun(u, from, n);
      if (r < 0) return -1;
      runStart = r;
      runEnd = matchEnd;
    }
    for (let p = Math.max(at, runStart); p < runEnd; p += 1) {
      if ((kindAt(u, p) & HEXDIGIT) === 0 || (p > 0 && (kindAt(u, p - 1) & HEXDIGIT) !== 0)) continue;
      let j = p;
      while (j < p + 4 && j < n && (kindAt(u, j) & (HEXDIGIT | DIGIT)) === HEXDIGIT) j += 1;
      if (j === p + 4 || j >= n || (kindAt(u, j) & DIGIT) === 0) continue;
      let pos = p;
      let pairs = 0;
      while (pos + 1 < n && (kindAt(u, pos) & HEXDIGIT) !== 0 && (kindAt(u, pos + 1) & HEXDIGIT) !== 0) {
        pos += 2;
        pairs += 1;
        if (pos < n && (u[pos] === 0x20 || u[pos] === 0x3a)) pos += 1;
      }
      if (pairs >= 8) {
        matchEnd = pos;
        return p;
      }
    }
    at = runEnd;
  }
}

/**
 * Start of the first run of hex digits, spaces and colons in `u[from, n)`
 * (unit `from - 1` outside such runs) that holds 16 hex digits and a decimal
 * digit, or -1; its end is left in matchEnd. Such a run is at least 16 units
 * long, so {@link firstRun}'s probing finds every candidate; each is then
 * read whole.
 */
function firstQualifyingRun(u: Uint16Array, from: number, n: number): number {
  for (;;) {
    const s = firstRun(u, from, n, HEXRUN, 16);
    if (s < 0) return -1;
    let digits = 0;
    let decimal = false;
    let i = s;
    for (; i < n; i += 1) {
      const k = kindAt(u, i);
      if ((k & HEXRUN) === 0) break;
      if ((k & HEXDIGIT) !== 0) digits += 1;
      if ((k & DIGIT) !== 0) decimal = true;
    }
    if (digits >= 16 && decimal) {
      matchEnd = i;
      return s;
    }
    from = i + 1;
  }
}

/** First match of HEX_SEGMENT's second branch at or after `at`: 6+ `\xHH` escapes. */
function nextHexEscapes(text: string, u: Uint16Array, n: number, at: number): number {
  for (let p = text.indexOf('\\x', at); p >= 0; p = text.indexOf('\\x', p + 1)) {
    let pos = p;
    let reps = 0;
    while (pos + 3 < n && u[pos] === 0x5c && u[pos + 1] === 0x78 && (kindAt(u, pos + 2) & HEXDIGIT) !== 0 && (kindAt(u, pos + 3) & HEXDIGIT) !== 0) {
      pos += 4;
      reps += 1;
    }
    if (reps >= 6) {
      matchEnd = pos;
      return p;
    }
  }
  return -1;
}

/**
 * Next {@link HEX_SEGMENT} match from `at`: the leftmost of the two branches'
 * next matches (they start at different characters, so never at the same
 * offset). Neither depends on where the search started, so each is kept
 * until the search passes it.
 */
function nextHex(text: string, u: Uint16Array, n: number, at: number): number {
  if (hexStart === -2 || (hexStart >= 0 && hexStart < at)) {
    hexStart = nextHexPairs(u, n, at);
    hexEnd = matchEnd;
  }
  if (escStart === -2 || (escStart >= 0 && escStart < at)) {
    escStart = nextHexEscapes(text, u, n, at);
    escEnd = matchEnd;
  }
  if (hexStart >= 0 && (escStart < 0 || hexStart < escStart)) {
    matchEnd = hexEnd;
    return hexStart;
  }
  matchEnd = escEnd;
  return escStart;
}

/** Some unit of `u[s, e)` is a digit, `+`, `/`, `=` or upper-case: `/[0-9+/=A-Z]/`. */
function notPlainWord(u: Uint16Array, s: number, e: number): boolean {
  for (let i = s; i < e; i += 1) {
    const c = u[i] as number;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x2b || c === 0x2f || c === 0x3d) return true;
  }
  return false;
}

/**
 * Decodes the matches of `re` (one of the segment regexes, `kind` telling
 * which) in `text` from offset `from` on into `out`, spending at most `left`
 * encoded characters; returns what is left. The matches are those
 * `re.exec` finds from `from` on, found by plain loops over the code units
 * `u` (the regexes' leading lookbehinds and assertions defeat the engine's
 * fast scan); `re.lastIndex` is left as the exec loop would leave it.
 */
function take(text: string, u: Uint16Array, re: RegExp, kind: EncodingKind, from: number, left: number, out: DecodedSegment[]): number {
  hexStart = -2;
  escStart = -2;
  runEnd = 0;
  let at = from;
  for (;;) {
    const s = kind === 'binary' ? nextBinary(u, text.length, at) : kind === 'hex' ? nextHex(text, u, text.length, at) : nextBase64(u, text.length, at);
    if (s < 0) {
      re.lastIndex = 0;
      return left;
    }
    const e = matchEnd;
    if (!(left > 0)) {
      re.lastIndex = e;
      return left;
    }
    at = e;
    if (e - s > left) continue;
    if (kind === 'base64' && !notPlainWord(u, s + 1, e)) continue; // a plain long word
    left -= e - s;
    const seg = text.slice(s, e);
    const decoded = readable(kind === 'binary' ? binaryBytes(seg) : kind === 'hex' ? hexBytes(seg) : base64Bytes(seg));
    if (decoded !== undefined) out.push({ kind, start: s, end: e, text: decoded });
  }
}

/**
 * Finds and decodes encoded segments of `text`, spending at most `budget`
 * characters of encoded input in total.
 */
export function findEncodedSegments(text: string, budget: number): DecodedSegment[] {
  const out: DecodedSegment[] = [];
  const u = codeUnits(text);
  const hints = hintsOf(text, u, text.length);
  let left = budget;
  if (hints.binary >= 0) left = take(text, u, BINARY_SEGMENT, 'binary', hints.binary, left, out);
  if (hints.hex >= 0) left = take(text, u, HEX_SEGMENT, 'hex', hints.hex, left, out);
  if (hints.base64 >= 0) take(text, u, BASE64_SEGMENT, 'base64', hints.base64, left, out);
  return out;
}

// ROT13_HINT as an automaton over character classes: 0 a non-word character
// (a regex word character is [A-Za-z0-9_]), 1 another word character, 2+ each
// letter of the words. States: 0 inside a word that is none of them, 1 after
// a non-word character (or at the start), 2 the same right after one of the
// words ended (a match), 3+ a prefix of some word (a trie).
// The words are read off the regex, so the two cannot drift apart.
const ROT13_WORDS = (/^\\b\(\?:([a-z|]+)\)\\b$/.exec(ROT13_HINT.source)?.[1] ?? '').split('|');
const ROT13_CLASS = new Uint8Array(0x10000);
const ROT13_MATCH = 2;
const ROT13_NEXT = buildRot13Automaton();

/** The transition table, `ROT13_NEXT[state << 5 | class]`; ROT13_CLASS filled on the way. */
function buildRot13Automaton(): Uint8Array {
  let classes = 2;
  for (const w of ROT13_WORDS) {
    for (let k = 0; k < w.length; k += 1) {
      const c = w.charCodeAt(k);
      if (ROT13_CLASS[c] === 0) ROT13_CLASS[c] = classes++;
    }
  }
  for (let c = 0; c < 128; c += 1) if (ROT13_CLASS[c] === 0 && ((KIND[c] as number) & WORD) !== 0) ROT13_CLASS[c] = 1;
  // trie[state] maps a letter class to the next state; state 1 (and 2) is the root.
  const trie: Array<Map<number, number>> = [new Map(), new Map(), new Map()];
  const final: boolean[] = [false, false, false];
  for (const w of ROT13_WORDS) {
    let st = 1;
    for (let k = 0; k < w.length; k += 1) {
      const cls = ROT13_CLASS[w.charCodeAt(k)] as number;
      const node = trie[st] as Map<number, number>;
      let next = node.get(cls);
      if (next === undefined) {
        next = trie.length;
        trie.push(new Map());
        final.push(false);
        node.set(cls, next);
      }
      st = next;
    }
    final[st] = true;
  }
  if (ROT13_WORDS.length < 2 || classes > 32 || trie.length > 256) throw new Error('prompt-decode: ROT13_HINT is not a plain list of lower-case words');
  const table = new Uint8Array(trie.length << 5);
  for (let st = 0; st < trie.length; st += 1) {
    table[st << 5] = final[st] === true ? ROT13_MATCH : 1;
    const node = trie[st === ROT13_MATCH ? 1 : st] as Map<number, number>;
    for (let cls = 1; cls < 32; cls += 1) table[(st << 5) | cls] = st === 0 ? 0 : (node.get(cls) ?? 0);
  }
  return table;
}

/** After the automaton, in state `st`, reached the end of the text: one more match if a word ends there. */
function endsWord(st: number): boolean {
  return ROT13_NEXT[st << 5] === ROT13_MATCH;
}

/**
 * Counts ROT13-encoded common words in a normalised (lower-case) text, up to
 * `cap`: the matches of {@link ROT13_HINT}, which are exactly the maximal
 * runs of regex word characters (`[A-Za-z0-9_]`) that are one of its words,
 * found by an automaton over the code units. `ROT13_HINT.lastIndex` is left
 * as the regex scan would leave it.
 */
export function rot13HintCount(normalized: string, cap: number): number {
  ROT13_HINT.lastIndex = 0;
  if (!(cap > 0)) return 0;
  const n = normalized.length;
  const u = codeUnits(normalized);
  // Two halves at once (the second from a non-word character, where the
  // automaton restarts anyway): each step waits on the previous table load,
  // so two independent walks take little more time than one.
  let m = n >> 1;
  while (m < n && ROT13_CLASS[u[m] as number] !== 0) m += 1;
  let a = 1;
  let b = 1;
  let count = 0;
  const half = Math.min(m, n - m);
  let i = 0;
  for (; i < half; i += 1) {
    a = ROT13_NEXT[(a << 5) | (ROT13_CLASS[u[i] as number] as number)] as number;
    b = ROT13_NEXT[(b << 5) | (ROT13_CLASS[u[m + i] as number] as number)] as number;
    if (a === ROT13_MATCH) count += 1;
    if (b === ROT13_MATCH) count += 1;
  }
  for (let j = i; j < m; j += 1) {
    a = ROT13_NEXT[(a << 5) | (ROT13_CLASS[u[j] as number] as number)] as number;
    if (a === ROT13_MATCH) count += 1;
  }
  for (let j = m + i; j < n; j += 1) {
    b = ROT13_NEXT[(b << 5) | (ROT13_CLASS[u[j] as number] as number)] as number;
    if (b === ROT13_MATCH) count += 1;
  }
  // A word that ends the first half ends at unit m (a non-word character, or the end).
  if (endsWord(a)) count += 1;
  if (endsWord(b)) count += 1;
  return count < cap ? count : firstMatches(u, n, cap);
}

/** The regex scan stopped at the `cap`-th match (there are that many): count to it in order, and set lastIndex to its end. */
function firstMatches(u: Uint16Array, n: number, cap: number): number {
  let st = 1;
  let count = 0;
  for (let i = 0; i < n; i += 1) {
    st = ROT13_NEXT[(st << 5) | (ROT13_CLASS[u[i] as number] as number)] as number;
    if (st === ROT13_MATCH && !(++count < cap)) {
      ROT13_HINT.lastIndex = i;
      return count;
    }
  }
  ROT13_HINT.lastIndex = n;
  return count + 1;
}
