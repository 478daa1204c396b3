/**
 * Shared text normalisation for the guards: turns arbitrary user text into a
 * canonical, lower-case matching form that defeats cheap obfuscation, while
 * keeping an offset map back into the ORIGINAL string so findings can point
 * at what the user actually sent.
 *
 * Steps, in order (each linear in the input):
 * 1. Unicode tag characters (U+E0000–E007F, "ASCII smuggling") are decoded to
 *    the ASCII they hide and counted, so the caller can always flag them.
 * 2. Zero-width, bidi-control and variation-selector characters are removed
 *    (and counted).
 * 3. Compatibility folding per code point: NFKD (the compatibility mapping of
 *    NFKC: fullwidth, math alphanumerics, ligatures, circled letters), lower
 *    case, combining marks dropped (so "ïgnörè" and "précédentes" match
 *    "ignore" and "precedentes"), then homoglyph folding (Cyrillic/Greek/IPA
 *    lookalikes -> Latin, see {@link CONFUSABLES}).
 * 4. Spaced-out letters joined: "i g n o r e   a l l" -> "ignore all" (one
 *    separator inside a word, a wider gap or a slash between words).
 * 5. Leetspeak folded inside tokens that also contain letters ("1gn0r3" ->
 *    "ignore"; "2024" stays).
 * 6. Whitespace runs collapsed to one space (or one newline if they hold one).
 *
 * @module guards/normalize
 */
import { CONFUSABLES, LEET } from './normalize-confusables.js';

/** Counts of what normalisation removed or decoded. */
export interface NormalizeStats {
  /** Unicode tag characters seen (U+E0000–E007F); any non-zero count is suspicious. */
  tagChars: number;
  /** Zero-width characters removed (ZWSP, ZWJ, ZWNJ, word joiner, BOM, soft hyphen, ...). */
  zeroWidth: number;
  /** Bidi control characters removed (LRE/RLE/PDF/LRO/RLO, isolates, marks). */
  bidi: number;
  /** Variation selectors removed (U+FE00–FE0F, U+E0100–E01EF). */
  variationSelectors: number;
  /** Characters changed by homoglyph or compatibility folding. */
  folded: number;
  /** Spaced-out letter runs that were joined. */
  spacedRuns: number;
  /** Characters changed by leetspeak folding. */
  leet: number;
}

/**
 * The matching form of a text. `start[i]`/`end[i]` give the UTF-16 range in
 * the original text that produced character `i` of `text`; a normalised span
 * `[s, e)` maps to the original span `[start[s], end[e - 1])`.
 */
export interface NormalizedText {
  /** Lower-case, folded text to match rules against. */
  readonly text: string;
  /** Original start offset for each character of `text`. */
  readonly start: Int32Array;
  /** Original end offset (exclusive) for each character of `text`. */
  readonly end: Int32Array;
  /** Original spans of decoded tag-character runs. */
  readonly tagSpans: ReadonlyArray<readonly [number, number]>;
  /** What was removed or decoded. */
  readonly stats: NormalizeStats;
}

const UTF16 = new TextDecoder('utf-16le');

/** Growable parallel buffers: output code unit + its original range. */
class Out {
  c: Uint16Array;
  s: Int32Array;
  e: Int32Array;
  n = 0;
  constructor(cap: number) {
    this.c = new Uint16Array(cap);
    this.s = new Int32Array(cap);
    this.e = new Int32Array(cap);
  }
  push(code: number, s: number, e: number): void {
    if (this.n === this.c.length) this.grow();
    this.c[this.n] = code;
    this.s[this.n] = s;
    this.e[this.n] = e;
    this.n += 1;
  }
  /** Makes room for `k` more code units. */
  reserve(k: number): void {
    while (this.n + k > this.c.length) this.grow();
  }
  /** Appends `src[from, to)` unchanged (bulk copy). */
  append(src: Out, from: number, to: number): void {
    const len = to - from;
    if (len <= 0) return;
    while (this.n + len > this.c.length) this.grow();
    this.c.set(src.c.subarray(from, to), this.n);
    this.s.set(src.s.subarray(from, to), this.n);
    this.e.set(src.e.subarray(from, to), this.n);
    this.n += len;
  }
  private grow(): void {
    const cap = this.c.length * 2 + 16;
    const c = new Uint16Array(cap);
    const s = new Int32Array(cap);
    const e = new Int32Array(cap);
    c.set(this.c);
    s.set(this.s);
    e.set(this.e);
    this.c = c;
    this.s = s;
    this.e = e;
  }
  toText(): string {
    // UTF-16LE decoding of the code-unit buffer is the fastest way to build the string.
    return UTF16.decode(this.c.subarray(0, this.n));
  }
}

/** Kind of an invisible code point: 1 zero-width, 2 bidi, 3 variation selector, 0 visible. */
function invisibleKind(cp: number): number {
  if (cp === 0x00ad || cp === 0x034f || cp === 0x180e || cp === 0xfeff || cp === 0x115f || cp === 0x1160) return 1;
  if (cp === 0x3164 || cp === 0xffa0 || cp === 0x17b4 || cp === 0x17b5) return 1;
  if (cp >= 0x200b && cp <= 0x200d) return 1;
  if (cp >= 0x2060 && cp <= 0x2064) return 1;
  if (cp >= 0x1bca0 && cp <= 0x1bca3) return 1;
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c) return 2;
  if (cp >= 0x202a && cp <= 0x202e) return 2;
  if (cp >= 0x2066 && cp <= 0x2069) return 2;
  if (cp >= 0x206a && cp <= 0x206f) return 2; // deprecated format controls, invisible as well
  if (cp >= 0xfe00 && cp <= 0xfe0f) return 3;
  if (cp >= 0x180b && cp <= 0x180d) return 3;
  if (cp >= 0xe0100 && cp <= 0xe01ef) return 3;
  return 0;
}

const MARK = /\p{M}/u;
const foldCache = new Map<number, string>();

/** Folds one non-ASCII code point to its matching form (may be empty or several chars). */
function foldCodePoint(cp: number): string {
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  let out: string;
  // Letter-like emoji and enclosed letters NFKD leaves alone.
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) out = String.fromCharCode(0x61 + cp - 0x1f1e6);
  else if (cp >= 0x1f130 && cp <= 0x1f149) out = String.fromCharCode(0x61 + cp - 0x1f130);
  else if (cp >= 0x1f150 && cp <= 0x1f169) out = String.fromCharCode(0x61 + cp - 0x1f150);
  else if (cp >= 0x1f170 && cp <= 0x1f189) out = String.fromCharCode(0x61 + cp - 0x1f170);
  else {
    const decomposed = String.fromCodePoint(cp).normalize('NFKD').toLowerCase().normalize('NFKD');
    out = '';
    for (const ch of decomposed) {
      if (MARK.test(ch)) continue;
      const c = ch.codePointAt(0) ?? 0;
      out += CONFUSABLES.get(c) ?? (c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0xa0 ? ' ' : ch);
    }
  }
  // Bounded cache: an input made of many distinct code points must not grow memory without limit.
  if (foldCache.size > 20_000) foldCache.clear();
  foldCache.set(cp, out);
  return out;
}

function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
/** 1 for a-z and the leetspeak characters (all ASCII), 0 otherwise. */
const LETTERISH = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c += 1) LETTERISH[c] = 1;
for (const k of LEET.keys()) if (k < 128) LETTERISH[k] = 1;
function isLetterish(c: number): boolean {
  return c < 128 ? LETTERISH[c] === 1 : LEET.has(c);
}
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}
/** One character allowed between the letters of a spaced-out word. */
function isIntraSep(c: number): boolean {
  return c === 0x20 || c === 0x2e || c === 0x2d || c === 0x5f || c === 0x2a || c === 0xb7 || c === 0x7e;
}

/** Step 1-3: tags, invisibles, compatibility + case + mark + homoglyph folding. */
function fold(input: string, out: Out, stats: NormalizeStats, tagSpans: Array<[number, number]>): void {
  let tagStart = -1;
  let tagEnd = -1;
  for (let i = 0; i < input.length; ) {
    if (input.charCodeAt(i) < 0x80) {
      // A run of ASCII (most text): lower-cased straight into the buffers.
      out.reserve(input.length - i);
      const { c: oc, s: os, e: oe } = out;
      let n = out.n;
      let j = i;
      for (; j < input.length; j += 1) {
        const c = input.charCodeAt(j);
        if (c >= 0x80) break;
        oc[n] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
        os[n] = j;
        oe[n] = j + 1;
        n += 1;
      }
      out.n = n;
      i = j;
      continue;
    }
    const cp = input.codePointAt(i) ?? 0;
    const w = cp > 0xffff ? 2 : 1;
    const next = i + w;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      stats.tagChars += 1;
      if (tagStart < 0 || tagEnd !== i) {
        if (tagStart >= 0) tagSpans.push([tagStart, tagEnd]);
        tagStart = i;
        // Hidden text is a separate message: keep it from gluing onto the visible word before it.
        out.push(0x20, i, i);
      }
      tagEnd = next;
      const ascii = cp - 0xe0000;
      if (ascii >= 0x20 && ascii <= 0x7e) out.push(ascii >= 0x41 && ascii <= 0x5a ? ascii + 0x20 : ascii, i, next);
      i = next;
      continue;
    }
    const kind = invisibleKind(cp);
    if (kind !== 0) {
      if (kind === 1) stats.zeroWidth += 1;
      else if (kind === 2) stats.bidi += 1;
      else stats.variationSelectors += 1;
      i = next;
      continue;
    }
    const f = foldCodePoint(cp);
    if (f.length !== 1 || f.charCodeAt(0) !== cp) stats.folded += 1;
    for (let k = 0; k < f.length; k += 1) out.push(f.charCodeAt(k), i, next);
    i = next;
  }
  if (tagStart >= 0) tagSpans.push([tagStart, tagEnd]);
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n += 1;
  return n;
}

/** A standalone letterish char at j: not glued to another letterish char on either side. */
function singleAt(a: Out, j: number): boolean {
  if (j < 0 || j >= a.n) return false;
  const c = a.c[j] ?? 0;
  if (!isLetterish(c)) return false;
  const before = j > 0 ? (a.c[j - 1] ?? 0) : 0x20;
  const after = j + 1 < a.n ? (a.c[j + 1] ?? 0) : 0x20;
  return !isLetterish(before) && !isLetterish(after);
}

/** Step 4: join spaced-out letters. */
function joinSpaced(a: Out, stats: NormalizeStats): Out {
  // Copy-on-write: unchanged stretches are copied in bulk, and a text with no
  // spaced-out word is returned as is.
  let b: Out | undefined;
  let copied = 0;
  let i = 0;
  while (i < a.n) {
    const ci = a.c[i] ?? 0;
    if (!isLetterish(ci)) {
      i += 1;
      continue;
    }
    if (i + 1 < a.n && isLetterish(a.c[i + 1] ?? 0)) {
      // Inside a run of two or more letterish characters none is standalone.
      i += 2;
      while (i < a.n && isLetterish(a.c[i] ?? 0)) i += 1;
      continue;
    }
    if (!singleAt(a, i)) {
      i += 1;
      continue;
    }
    // Collect a run: letter (gap letter)*; gap = one intra separator, or a word gap.
    const letters: number[] = [i];
    const breaks: boolean[] = [false];
    let j = i;
    let intra = 0;
    let lower = isLower(a.c[i] ?? 0) ? 1 : 0;
    // A spaced-out word has varied letters; "o o o o" is a flood, not a word.
    let seen = 1 << ((a.c[i] ?? 0) & 31);
    for (;;) {
      const g = j + 1;
      if (g + 1 < a.n && isIntraSep(a.c[g] ?? 0) && singleAt(a, g + 1)) {
        j = g + 1;
        letters.push(j);
        breaks.push(false);
        intra += 1;
        if (isLower(a.c[j] ?? 0)) lower += 1;
        seen |= 1 << ((a.c[j] ?? 0) & 31);
        continue;
      }
      // Word gap: 2-8 chars of spaces, slashes or pipes (a single one is the intra case).
      let k = g;
      while (k < a.n && k - g < 8) {
        const c = a.c[k] ?? 0;
        if (c === 0x20 || c === 0x2f || c === 0x7c || c === 0x09) k += 1;
        else break;
      }
      if (k - g >= 2 && singleAt(a, k)) {
        j = k;
        letters.push(j);
        breaks.push(true);
        if (isLower(a.c[j] ?? 0)) lower += 1;
        seen |= 1 << ((a.c[j] ?? 0) & 31);
        continue;
      }
      break;
    }
    if (letters.length >= 4 && intra >= 2 && lower >= 3 && popcount(seen) >= 3) {
      b ??= takeOut(a.n + 16);
      b.append(a, copied, i);
      copied = j + 1;
      stats.spacedRuns += 1;
      for (let k = 0; k < letters.length; k += 1) {
        const p = letters[k] ?? 0;
        if (breaks[k] === true) b.push(0x20, a.s[p] ?? 0, a.s[p] ?? 0);
        b.push(a.c[p] ?? 0, a.s[p] ?? 0, a.e[p] ?? 0);
      }
      i = j + 1;
    } else {
      // Every suffix of a rejected run has no more letters, separators or
      // distinct letters than the run itself, so it would be rejected too:
      // leave the whole run as is and move past it (keeps this pass linear).
      i = j + 1;
    }
  }
  if (b === undefined) return a;
  b.append(a, copied, a.n);
  return b;
}

/** Steps 5-6: leetspeak inside lettered tokens, whitespace collapse. */
function leetAndSpace(b: Out, stats: NormalizeStats): Out {
  // Copy-on-write as in joinSpaced: only collapsed whitespace and converted
  // tokens are written one by one.
  let c: Out | undefined;
  let copied = 0;
  let i = 0;
  while (i < b.n) {
    const ch = b.c[i] ?? 0;
    if (isSpace(ch)) {
      let j = i;
      let nl = false;
      while (j < b.n && isSpace(b.c[j] ?? 0)) {
        if (b.c[j] === 0x0a) nl = true;
        j += 1;
      }
      // A lone space or newline stays as it is.
      if (j - i === 1 && (ch === 0x20 || ch === 0x0a)) {
        i = j;
        continue;
      }
      c ??= takeOut(b.n + 16);
      c.append(b, copied, i);
      c.push(nl ? 0x0a : 0x20, b.s[i] ?? 0, b.e[j - 1] ?? 0);
      copied = j;
      i = j;
      continue;
    }
    if (!isLetterish(ch)) {
      i += 1;
      continue;
    }
    let j = i;
    let letters = 0;
    let leet = 0;
    while (j < b.n && isLetterish(b.c[j] ?? 0)) {
      if (isLower(b.c[j] ?? 0)) letters += 1;
      else leet += 1;
      j += 1;
    }
    if (letters > 0 && leet > 0) {
      c ??= takeOut(b.n + 16);
      c.append(b, copied, i);
      for (let k = i; k < j; k += 1) {
        const v = b.c[k] ?? 0;
        const mapped = LEET.get(v);
        if (mapped !== undefined) stats.leet += 1;
        c.push(mapped ?? v, b.s[k] ?? 0, b.e[k] ?? 0);
      }
      copied = j;
    }
    i = j;
  }
  if (c === undefined) return b;
  c.append(b, copied, b.n);
  return c;
}

/**
 * Normalises `input` for matching and keeps an offset map to the original.
 * Linear time and memory in the input length.
 *
 * @example
 * ```ts
 * const n = normalizeForMatching('I\u200Bgn0re ａｌｌ prev1ous');
 * n.text; // 'ignore all previous'
 * ```
 */
export function normalizeForMatching(input: string): NormalizedText {
  return asPublic(normalizeText(input));
}

/**
 * {@link normalizeForMatching} for the guards: the same text, maps and stats,
 * but a plain-ASCII result is a {@link PlainAscii} instance (cheap to create).
 */
export function normalizeText(input: string): NormalizedText {
  if (isPlainAscii(input)) return new PlainAscii(input);
  const stats: NormalizeStats = { tagChars: 0, zeroWidth: 0, bidi: 0, variationSelectors: 0, folded: 0, spacedRuns: 0, leet: 0 };
  const tagSpans: Array<[number, number]> = [];
  const a = takeOut(input.length + 16);
  fold(input, a, stats, tagSpans);
  const b = joinSpaced(a, stats);
  const c = leetAndSpace(b, stats);
  // Pooled buffers are copied out so they can serve the next call; a large
  // one is never pooled, so its arrays are handed out as they are.
  const pooled = c.c.length <= POOL_MAX_CAPACITY;
  const start = pooled ? c.s.slice(0, c.n) : c.s.subarray(0, c.n);
  const end = pooled ? c.e.slice(0, c.n) : c.e.subarray(0, c.n);
  const result = { text: c.toText(), start, end, tagSpans, stats };
  giveBack(a);
  if (b !== a) giveBack(b);
  if (c !== b) giveBack(c);
  return result;
}

// Working buffers for normalisation, reused across calls: allocating (and
// zero-filling) three typed arrays per pass cost more than the passes.
// Small ones only, so a large input does not pin its memory.
const POOL_MAX_CAPACITY = 1 << 16;
const pool: Out[] = [];

function takeOut(capacity: number): Out {
  const o = pool.pop();
  if (o === undefined) return new Out(capacity);
  o.n = 0;
  o.reserve(capacity);
  return o;
}

function giveBack(o: Out): void {
  if (o.c.length <= POOL_MAX_CAPACITY && pool.length < 4) pool.push(o);
}

// Plain printable ASCII with nothing to fold, join or collapse (the common
// case for chat messages): the matching form is just the lower-cased input
// and the offset map is the identity, built only if a finding needs it.
const NOT_PLAIN = /[^\x20-\x7e\n]|\s\s|[a-z][0-9@$]|[0-9@$][a-z]|(?:^|[^a-z0-9@$])[a-z0-9@$][ .\-_*~\xb7][a-z0-9@$][ .\-_*~\xb7][a-z0-9@$](?![a-z0-9@$])/i;

function isPlainAscii(input: string): boolean {
  return !NOT_PLAIN.test(input);
}

function identityMap(length: number, shift: number): Int32Array {
  const a = new Int32Array(length);
  for (let i = 0; i < length; i += 1) a[i] = i + shift;
  return a;
}

/**
 * The plain-ASCII matching form: the offset map is the identity, built only
 * if a finding needs it. A class, not an object literal with getters: a
 * literal's getters are fresh closures on every call, which gives every
 * result its own hidden class and made this object cost more than the scan.
 */
class PlainAscii implements NormalizedText {
  readonly text: string;
  readonly tagSpans: ReadonlyArray<readonly [number, number]> = [];
  readonly stats: NormalizeStats = { tagChars: 0, zeroWidth: 0, bidi: 0, variationSelectors: 0, folded: 0, spacedRuns: 0, leet: 0 };
  private readonly length: number;
  private startMap: Int32Array | undefined;
  private endMap: Int32Array | undefined;
  constructor(input: string) {
    this.text = input.toLowerCase();
    this.length = input.length;
  }
  get start(): Int32Array {
    this.startMap ??= identityMap(this.length, 0);
    return this.startMap;
  }
  get end(): Int32Array {
    this.endMap ??= identityMap(this.length, 1);
    return this.endMap;
  }
}

/** The public shape of a lazily mapped result: own enumerable `start`/`end` getters, as before. */
function asPublic(n: NormalizedText): NormalizedText {
  if (!(n instanceof PlainAscii)) return n;
  return {
    text: n.text,
    get start(): Int32Array {
      return n.start;
    },
    get end(): Int32Array {
      return n.end;
    },
    tagSpans: n.tagSpans,
    stats: n.stats,
  };
}

/**
 * The word view of a normalised text: every run of characters other than
 * a-z and 0-9 becomes one space ("don't  stop!" -> "don t stop "), with the
 * offset map carried through, so word rules need only single spaces between
 * words. Linear time.
 */
export function toWordView(n: NormalizedText): NormalizedText {
  return new WordView(n, wordViewText(n.text));
}

// Scratch bytes for wordViewText; a larger text gets its own (not kept).
const wordBytes = new Uint8Array(1 << 16);
const LATIN1 = new TextDecoder('latin1');

/** `text.replace(/[^a-z0-9]+/g, ' ')`, as one loop into a byte buffer (about 1.7x faster). */
function wordViewText(text: string): string {
  const out = text.length <= wordBytes.length ? wordBytes : new Uint8Array(text.length);
  let o = 0;
  let gap = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      out[o] = c;
      o += 1;
      gap = false;
    } else if (!gap) {
      out[o] = 0x20;
      o += 1;
      gap = true;
    }
  }
  // Only a-z, 0-9 and space: latin1 decoding is exact.
  return LATIN1.decode(out.subarray(0, o));
}

/**
 * A word view whose offset maps are built only if asked for; {@link mapSpan}
 * instead maps single offsets through the list of collapsed runs (only runs
 * of two or more characters shift offsets), so a finding costs one regex
 * scan and a binary search, not two arrays as long as the text.
 */
class WordView implements NormalizedText {
  readonly tagSpans: ReadonlyArray<readonly [number, number]>;
  readonly stats: NormalizeStats;
  private maps: [Int32Array, Int32Array] | undefined;
  /** Collapsed runs: word-view offset, source offset and length of each (built on first use). */
  private runs: { wv: Int32Array; src: Int32Array; len: Int32Array; n: number } | undefined;
  constructor(
    private readonly source: NormalizedText,
    readonly text: string,
  ) {
    this.tagSpans = source.tagSpans;
    this.stats = source.stats;
  }
  get start(): Int32Array {
    return this.build()[0];
  }
  get end(): Int32Array {
    return this.build()[1];
  }
  /** Source indexes [first, last] of the characters that word-view character `o` stands for. */
  sourceRange(o: number): [number, number] {
    const r = (this.runs ??= collapsedRuns(this.source.text));
    // Last run whose word-view offset is <= o.
    let lo = 0;
    let hi = r.n - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((r.wv[mid] as number) <= o) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (k < 0) return [o, o];
    const wv = r.wv[k] as number;
    const src = r.src[k] as number;
    const len = r.len[k] as number;
    if (wv === o) return [src, src + len - 1];
    const t = src + len + (o - wv - 1);
    return [t, t];
  }
  /** The source this view was made from. */
  get base(): NormalizedText {
    return this.source;
  }
  private build(): [Int32Array, Int32Array] {
    if (this.maps !== undefined) return this.maps;
    const text = this.text;
    const src = this.source.text;
    const ns = this.source.start;
    const ne = this.source.end;
    // The word view has exactly text.length characters: fill the maps in place.
    const ms = new Int32Array(text.length);
    const me = new Int32Array(text.length);
    let o = 0;
    let i = 0;
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
        ms[o] = ns[i] ?? 0;
        me[o] = ne[i] ?? 0;
        o += 1;
        i += 1;
        continue;
      }
      const from = i;
      while (i < src.length) {
        const d = src.charCodeAt(i);
        if ((d >= 0x61 && d <= 0x7a) || (d >= 0x30 && d <= 0x39)) break;
        i += 1;
      }
      ms[o] = ns[from] ?? 0;
      me[o] = ne[i - 1] ?? 0;
      o += 1;
    }
    this.maps = [ms, me];
    return this.maps;
  }
}

/**
 * Maps a span `[s, e)` of {@link NormalizedText.text} to the original text.
 * An empty span maps to an empty span at the corresponding position.
 */
export function mapSpan(n: NormalizedText, s: number, e: number): [number, number] {
  if (n.text.length === 0) return [0, 0];
  const from = startAt(n, Math.min(s, n.text.length - 1));
  if (e <= s) return [from, from];
  const to = endAt(n, Math.min(e, n.text.length) - 1);
  return [from, Math.max(from, to)];
}

/** `n.start[i]`, without building whole maps for lazily mapped texts. */
function startAt(n: NormalizedText, i: number): number {
  if (n instanceof PlainAscii) return i;
  if (n instanceof WordView) return startAt(n.base, n.sourceRange(i)[0]);
  return n.start[i] ?? 0;
}

/** `n.end[i]`, without building whole maps for lazily mapped texts. */
function endAt(n: NormalizedText, i: number): number {
  if (n instanceof PlainAscii) return i + 1;
  if (n instanceof WordView) return endAt(n.base, n.sourceRange(i)[1]);
  return n.end[i] ?? 0;
}

/** A run of two or more characters other than a-z and 0-9 (one space in the word view; shifts offsets). */
export const COLLAPSED_RUN = /[^a-z0-9]{2,}/g;

/** Maximal runs of two or more characters other than a-z and 0-9 (each is one space in the word view). */
function collapsedRuns(src: string): { wv: Int32Array; src: Int32Array; len: Int32Array; n: number } {
  const starts: number[] = [];
  const lens: number[] = [];
  const re = new RegExp(COLLAPSED_RUN.source, 'g');
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    starts.push(m.index);
    lens.push(m[0].length);
  }
  const wv = new Int32Array(starts.length);
  let shift = 0;
  for (let k = 0; k < starts.length; k += 1) {
    wv[k] = (starts[k] as number) - shift;
    shift += (lens[k] as number) - 1;
  }
  return { wv, src: Int32Array.from(starts), len: Int32Array.from(lens), n: starts.length };
}

/** ROT13 of the ASCII letters of `text` (positions unchanged, so offset maps stay valid). */
export function rot13(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(((c - 0x61 + 13) % 26) + 0x61);
    else if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(((c - 0x41 + 13) % 26) + 0x41);
    else out += text[i];
  }
  return out;
}
