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
 * How it runs (all of it is on the hot path of every prompt scan): the input
 * is copied once into a reused code-unit buffer; a small automaton sends
 * plain ASCII (nothing to fold, join or collapse) to a lazily mapped
 * lower-case copy; otherwise one pass does steps 1-3 and one pass does steps
 * 4-6 together with the word view (see {@link toWordView}), each writing
 * code units only. Offset maps are kept as segments (runs of characters
 * copied one for one share one), expanded to arrays only if asked for.
 *
 * @module guards/normalize
 */
import { CONFUSABLES, LEET } from './normalize-confusables.js';
import { CodeUnitBuffer } from './code-units.js';

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

// Working buffers, reused across calls (allocating and zero-filling typed
// arrays per call cost more than the passes). Nothing here is re-entrant:
// each buffer is used only within one synchronous call. Small ones only, so a
// large input does not pin its memory: a larger one gets its own (not kept).
const SCRATCH_MAX = 1 << 16;
/**
 * Code-unit buffers (the input copy and the passes' outputs) are kept up to
 * the default `maxInputLength` of the prompt guard (1 MiB of UTF-16 units, 2
 * MiB each): reallocating ~10 MB per 1 MB scan cost a GC every few scans.
 */
const UNITS_KEEP = 1 << 20;

/** A Uint16Array with a Buffer over the same memory (to copy strings in and out). */
interface Units {
  u: Uint16Array;
  b: Buffer;
}
function newUnits(cap: number): Units {
  const b = Buffer.allocUnsafeSlow(cap * 2);
  return { u: new Uint16Array(b.buffer, b.byteOffset, cap), b };
}
const inScratch = new CodeUnitBuffer();
/** Copies `text` into a code-unit buffer (one native copy beats charCodeAt loops). */
function unitsOf(text: string): Uint16Array {
  return inScratch.of(text);
}

/** Folded text (steps 1-3): its code units. */
let foldC = newUnits(1024);
/** The folded text holds a surrogate or U+FEFF (decode with TextDecoder for its replacement rules). */
let foldSpecial = false;

/**
 * Offset maps as segments: triples (first index, start delta, end delta);
 * index `i` of a segment maps to the original range `[i + start delta,
 * i + end delta)`. Runs of characters copied one for one (most text) are one
 * segment, so the maps cost next to nothing until someone asks for them.
 */
interface Segments {
  v: Int32Array;
  n: number;
}
/** Segments of the folded text and of the output, reused across calls. */
const foldSeg: Segments = { v: new Int32Array(3 * 256), n: 0 };
const outSeg: Segments = { v: new Int32Array(3 * 256), n: 0 };

/** Starts a segment at index `at` (not inlined: segments are rare next to characters). */
function pushSegment(seg: Segments, at: number, sd: number, ed: number): void {
  const k = 3 * seg.n;
  if (k + 3 > seg.v.length) {
    const grown = new Int32Array(seg.v.length * 2);
    grown.set(seg.v);
    seg.v = grown;
  }
  seg.v[k] = at;
  seg.v[k + 1] = sd;
  seg.v[k + 2] = ed;
  seg.n += 1;
}

/** Index of the segment holding index `i` (the last one starting at or before it), -1 if none. */
function segmentAt(v: Int32Array, count: number, i: number): number {
  let lo = 0;
  let hi = count - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((v[3 * mid] as number) <= i) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return k;
}

/** Grows the fold units to `need`, keeping the first `n`. */
function growFold(n: number, need: number): void {
  const c = newUnits(Math.max(need, foldC.u.length * 2 + 16));
  c.u.set(foldC.u.subarray(0, n));
  foldC = c;
}

/** Output units of the last pass (steps 4-6). */
let outC = newUnits(1024);
/** Its word view (see {@link toWordView}), written by the same pass; wordLen bytes. */
let wordOut = Buffer.allocUnsafeSlow(1024);
let wordLen = 0;

/**
 * Collapsed runs of a word view (see {@link WordView.sourceRange}) as
 * triples: word-view offset, source offset, length. The passes that write a
 * word view record them into a reused list; a result keeps the list and its
 * generation, and reads it only while no later pass has rewritten it (else it
 * scans its text again), so a result no finding maps pays no copy.
 */
interface RunList {
  v: Int32Array;
  /** Triples in `v`. */
  n: number;
  /** Bumped by every pass that rewrites the list; 0 for a list that is never rewritten. */
  gen: number;
}
let runGeneration = 0;
/** Runs of the join/leetspeak/whitespace pass and of {@link wordViewText}. */
const passRuns: RunList = { v: new Int32Array(3 * 256), n: 0, gen: 0 };
const viewRuns: RunList = { v: new Int32Array(3 * 256), n: 0, gen: 0 };

/** Doubles `rl.v` (keeping the first `k` entries) and returns it. */
function growRuns(rl: RunList, k: number): Int32Array {
  const grown = new Int32Array(rl.v.length * 2);
  grown.set(rl.v.subarray(0, k));
  rl.v = grown;
  return grown;
}

/**
 * Runs `rv[0, k)` as they are once the characters from `from` on become
 * letters (a token made all letters by leetspeak): runs starting there are
 * dropped, one reaching into them is cut short. Returns the new `k`.
 */
function cutRuns(rv: Int32Array, k: number, from: number): number {
  let n = k;
  while (n > 0 && (rv[n - 2] as number) >= from) n -= 3;
  if (n > 0) {
    const s = rv[n - 2] as number;
    if (s + (rv[n - 1] as number) > from) {
      if (from - s >= 2) rv[n - 1] = from - s;
      else n -= 3;
    }
  }
  return n;
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

/**
 * What a BMP code point (not ASCII) folds to, filled on first sight: 0 not
 * yet known, 1-3 an invisible kind (removed), 4 fold through
 * {@link foldCodePoint} (empty or several units), else 8 + the one code unit
 * it folds to. Saves a Map lookup per non-ASCII character.
 */
const BMP_FOLD = new Int32Array(0x10000);
const BMP_MULTI = 4;
const BMP_ONE = 8;

function bmpFold(cp: number): number {
  const kind = invisibleKind(cp);
  let v: number;
  if (kind !== 0) v = kind;
  else {
    const f = foldCodePoint(cp);
    v = f.length === 1 ? BMP_ONE + f.charCodeAt(0) : BMP_MULTI;
  }
  BMP_FOLD[cp] = v;
  return v;
}

/** Code-unit classes for steps 4-6 (a code unit >= 256 has none: all leetspeak keys are ASCII). */
const LETTERISH = 1; // a-z and the leetspeak characters
const LOWER = 2; // a-z
const SPACE = 4; // collapsed by step 6
const INTRA = 8; // one character allowed between the letters of a spaced-out word
const GAP = 16; // word gap characters between spaced-out words
const CLASS = new Uint8Array(256);
for (let c = 0x61; c <= 0x7a; c += 1) CLASS[c] = LETTERISH | LOWER;
for (const k of LEET.keys()) if (k < 256) CLASS[k] = (CLASS[k] as number) | LETTERISH;
for (const c of [0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]) CLASS[c] = (CLASS[c] as number) | SPACE;
for (const c of [0x20, 0x2e, 0x2d, 0x5f, 0x2a, 0xb7, 0x7e]) CLASS[c] = (CLASS[c] as number) | INTRA;
for (const c of [0x20, 0x2f, 0x7c, 0x09]) CLASS[c] = (CLASS[c] as number) | GAP;
/** A leetspeak key outside Latin-1 (none today) would need a lookup for wide code units. */
const LEET_WIDE = Array.from(LEET.keys()).some((k) => k >= 256);
function classOf(c: number): number {
  if (c < 256) return CLASS[c] as number;
  return LEET_WIDE && LEET.has(c) ? LETTERISH : 0;
}
/** Leetspeak replacement of a Latin-1 code unit, 0 if none. */
const LEET_TO = new Uint16Array(256);
for (const [k, v] of LEET) if (k < 256) LEET_TO[k] = v;
function leetOf(c: number): number {
  if (c < 256) return LEET_TO[c] as number;
  return LEET_WIDE ? (LEET.get(c) ?? 0) : 0;
}

/**
 * Steps 1-3 into the fold buffers: tags, invisibles, compatibility + case +
 * mark + homoglyph folding. Returns the folded length; its offsets go to
 * foldSeg (a run of ASCII is one segment).
 */
function fold(u: Uint16Array, len: number, stats: NormalizeStats, tagSpans: Array<[number, number]>): number {
  if (foldC.u.length < len + 16) growFold(0, len + 16);
  let oc = foldC.u;
  const seg = foldSeg;
  seg.n = 0;
  // Deltas of the current segment (none yet: no delta is this large).
  let sd = 0x7fffffff;
  let ed = 0;
  // Invariant: room for every remaining input unit (ASCII and tags never expand).
  let n = 0;
  let special = false;
  let tagStart = -1;
  let tagEnd = -1;
  let i = 0;
  while (i < len) {
    let c = u[i] as number;
    if (c < 0x80) {
      // A run of ASCII (most text): lower-cased straight into the buffer, one segment.
      if (i - n !== sd || i + 1 - n !== ed) {
        sd = i - n;
        ed = sd + 1;
        pushSegment(seg, n, sd, ed);
      }
      let j = i;
      for (; j < len; j += 1) {
        c = u[j] as number;
        if (c >= 0x80) break;
        // Branch-free lower-casing (A-Z are the c with c - 0x41 unsigned below 26): ~13% faster here.
        oc[n] = c | ((c - 0x41) >>> 0 < 26 ? 0x20 : 0);
        n += 1;
      }
      i = j;
      continue;
    }
    let cp = c;
    let next = i + 1;
    if (c >= 0xd800 && c <= 0xdbff && next < len) {
      const d = u[next] as number;
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        next += 1;
      }
    }
    if (cp <= 0xffff) {
      let v = BMP_FOLD[cp] as number;
      if (v === 0) v = bmpFold(cp);
      if (v >= BMP_ONE) {
        const f = v - BMP_ONE;
        if (f !== cp) stats.folded += 1;
        if ((f >= 0xd800 && f <= 0xdfff) || f === 0xfeff) special = true;
        if (i - n !== sd || next - n !== ed) {
          sd = i - n;
          ed = next - n;
          pushSegment(seg, n, sd, ed);
        }
        oc[n] = f;
        n += 1;
        i = next;
        continue;
      }
      if (v < BMP_MULTI) {
        if (v === 1) stats.zeroWidth += 1;
        else if (v === 2) stats.bidi += 1;
        else stats.variationSelectors += 1;
        i = next;
        continue;
      }
    } else if (cp >= 0xe0000 && cp <= 0xe007f) {
      stats.tagChars += 1;
      if (tagStart < 0 || tagEnd !== i) {
        if (tagStart >= 0) tagSpans.push([tagStart, tagEnd]);
        tagStart = i;
        // Hidden text is a separate message: keep it from gluing onto the visible word before it.
        if (i - n !== sd || i - n !== ed) {
          sd = i - n;
          ed = sd;
          pushSegment(seg, n, sd, ed);
        }
        oc[n] = 0x20;
        n += 1;
      }
      tagEnd = next;
      const ascii = cp - 0xe0000;
      if (ascii >= 0x20 && ascii <= 0x7e) {
        if (i - n !== sd || next - n !== ed) {
          sd = i - n;
          ed = next - n;
          pushSegment(seg, n, sd, ed);
        }
        oc[n] = ascii >= 0x41 && ascii <= 0x5a ? ascii + 0x20 : ascii;
        n += 1;
      }
      i = next;
      continue;
    } else {
      const kind = invisibleKind(cp);
      if (kind !== 0) {
        if (kind === 1) stats.zeroWidth += 1;
        else if (kind === 2) stats.bidi += 1;
        else stats.variationSelectors += 1;
        i = next;
        continue;
      }
    }
    const f = foldCodePoint(cp);
    if (f.length !== 1 || f.charCodeAt(0) !== cp) stats.folded += 1;
    if (n + f.length + (len - next) > oc.length) {
      growFold(n, n + f.length + (len - next) + 16);
      oc = foldC.u;
    }
    for (let k = 0; k < f.length; k += 1) {
      const fc = f.charCodeAt(k);
      if ((fc >= 0xd800 && fc <= 0xdfff) || fc === 0xfeff) special = true;
      // Every unit of a multi-unit fold maps to the whole code point.
      if (i - n !== sd || next - n !== ed) {
        sd = i - n;
        ed = next - n;
        pushSegment(seg, n, sd, ed);
      }
      oc[n] = fc;
      n += 1;
    }
    i = next;
  }
  if (tagStart >= 0) tagSpans.push([tagStart, tagEnd]);
  foldSpecial = special;
  return n;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n += 1;
  return n;
}

/** A standalone letterish char at j: not glued to another letterish char on either side. */
function singleAt(a: Uint16Array, n: number, j: number): boolean {
  if (j < 0 || j >= n) return false;
  if ((classOf(a[j] as number) & LETTERISH) === 0) return false;
  if (j > 0 && (classOf(a[j - 1] as number) & LETTERISH) !== 0) return false;
  return j + 1 >= n || (classOf(a[j + 1] as number) & LETTERISH) === 0;
}

/** Letter positions of the last collected spaced-out run (`~p` for a letter after a word gap). */
let runPos = new Int32Array(64);
let runLen = 0;
let runAccepted = false;

/**
 * Collects the spaced-out run starting at the standalone letter `i`: letter
 * (gap letter)*, a gap being one intra separator or a word gap. Fills
 * runPos/runLen/runAccepted and returns the position of its last letter.
 */
function collectRun(a: Uint16Array, n: number, i: number): number {
  let count = 1;
  runPos[0] = i;
  let j = i;
  let intra = 0;
  const c0 = a[i] as number;
  let lower = (classOf(c0) & LOWER) !== 0 ? 1 : 0;
  // A spaced-out word has varied letters; "o o o o" is a flood, not a word.
  let seen = 1 << (c0 & 31);
  for (;;) {
    const g = j + 1;
    let next = -1;
    if (g + 1 < n && (classOf(a[g] as number) & INTRA) !== 0 && singleAt(a, n, g + 1)) {
      next = g + 1;
      intra += 1;
    } else {
      // Word gap: 2-8 chars of spaces, slashes or pipes (a single one is the intra case).
      let k = g;
      while (k < n && k - g < 8 && (classOf(a[k] as number) & GAP) !== 0) k += 1;
      if (k - g < 2 || !singleAt(a, n, k)) break;
      next = k;
    }
    j = next;
    if (count === runPos.length) {
      const grown = new Int32Array(count * 2);
      grown.set(runPos);
      runPos = grown;
    }
    runPos[count] = next === g + 1 ? j : ~j;
    count += 1;
    const cj = a[j] as number;
    if ((classOf(cj) & LOWER) !== 0) lower += 1;
    seen |= 1 << (cj & 31);
  }
  runLen = count;
  runAccepted = count >= 4 && intra >= 2 && lower >= 3 && popcount(seen) >= 3;
  return j;
}

/** Replaces leetspeak in `c[from, to)`; returns how many were replaced. */
function foldLeet(c: Uint16Array, from: number, to: number): number {
  let k = 0;
  for (let q = from; q < to; q += 1) {
    const v = leetOf(c[q] as number);
    if (v !== 0) {
      c[q] = v;
      k += 1;
    }
  }
  return k;
}

/**
 * Steps 4-6 in one pass over the folded text `a[0, n)` (offsets in foldSeg)
 * into `oc` (room for `n`, offsets to outSeg): spaced-out letters joined,
 * then leetspeak inside lettered tokens and whitespace runs collapsed, as if
 * each step ran over the whole output of the one before. A whitespace run is
 * written as one unit, widened as it goes; a token is written as it comes
 * and its leetspeak replaced in place when it ends. The word view of the
 * output goes to `wb` (room for `n`; its length to wordLen). Returns the
 * output length.
 */
function joinLeetSpace(a: Uint16Array, n: number, oc: Uint16Array, wb: Buffer, stats: NormalizeStats, rl: RunList): number {
  const fseg = foldSeg;
  const oseg = outSeg;
  oseg.n = 0;
  let o = 0;
  // Deltas of the current output segment (none yet).
  let osd = 0x7fffffff;
  let oed = 0;
  // Deltas of the folded-text segment holding index i, and where the next one starts.
  let asd = 0;
  let aed = 0;
  let ak = 0;
  let aNext = 0;
  // Class of the last unit of the joined text (before collapsing): in a token if LETTERISH, in a whitespace run if SPACE.
  let prev = 0;
  let tokStart = 0;
  let tokLetters = 0;
  // Leetspeak characters in the current token; reset when the token ends.
  let tokLeet = 0;
  let wsStart = 0;
  // Word view: its length, whether it ends in a gap, and its length where the current token started.
  let w = 0;
  let wgap = false;
  let wTok = 0;
  // Collapsed runs: rv[0, rk) recorded; while wgap, the open run starts at output runO, word view runW.
  let rv = rl.v;
  let rk = 0;
  let runO = 0;
  let runW = 0;
  // Step 4 state: no run may start before noRun; runPos[rp, rn) is an accepted run being written.
  let noRun = 0;
  let rp = 0;
  let rn = 0;
  let brk = false;
  let i = 0;
  for (;;) {
    let ch = 0;
    let s = 0;
    let e = 0;
    if (rp < rn) {
      const v = runPos[rp] as number;
      const p = v < 0 ? ~v : v;
      const k = segmentAt(fseg.v, fseg.n, p);
      s = p + (fseg.v[3 * k + 1] as number);
      if (v < 0 && !brk) {
        // The word gap before this letter becomes one space, at the letter's start.
        ch = 0x20;
        e = s;
        brk = true;
      } else {
        ch = a[p] as number;
        e = p + (fseg.v[3 * k + 2] as number);
        rp += 1;
        brk = false;
      }
    } else {
      if (i >= n) break;
      ch = a[i] as number;
      // A standalone letter (the unit before is a[i - 1]) may start a spaced-out run.
      if ((prev & LETTERISH) === 0 && i >= noRun && (classOf(ch) & LETTERISH) !== 0 && (i + 1 >= n || (classOf(a[i + 1] as number) & LETTERISH) === 0)) {
        const j = collectRun(a, n, i);
        if (runAccepted) {
          stats.spacedRuns += 1;
          rp = 0;
          rn = runLen;
          brk = false;
          i = j + 1;
          continue;
        }
        // Every suffix of a rejected run has no more letters, separators or
        // distinct letters than the run itself, so it would be rejected too:
        // leave the whole run as is (keeps this pass linear).
        noRun = j + 1;
      }
      while (i >= aNext) {
        asd = fseg.v[3 * ak + 1] as number;
        aed = fseg.v[3 * ak + 2] as number;
        ak += 1;
        aNext = ak < fseg.n ? (fseg.v[3 * ak] as number) : 0x7fffffff;
      }
      s = i + asd;
      e = i + aed;
      i += 1;
    }
    const k = classOf(ch);
    if ((k & SPACE) !== 0) {
      if ((prev & SPACE) !== 0) {
        // The run so far becomes one newline if it holds one, else one space, and ends here.
        if (ch === 0x0a) oc[wsStart] = 0x0a;
        oed = e - wsStart;
        if (oseg.v[3 * (oseg.n - 1)] === wsStart) oseg.v[3 * oseg.n - 1] = oed;
        else pushSegment(oseg, wsStart, osd, oed);
        continue;
      }
      if (tokLeet !== 0) {
        if (tokLetters !== 0) {
          stats.leet += foldLeet(oc, tokStart, o);
          // The token is all letters now: write it to the word view again.
          w = wordAgain(oc, tokStart, o, wb, wTok);
          wgap = false;
          rk = cutRuns(rv, rk, tokStart);
        }
        tokLeet = 0;
      }
      // A lone space or newline stays as it is, any other whitespace becomes a space.
      wsStart = o;
      if (ch !== 0x0a) ch = 0x20;
    } else if ((k & LETTERISH) !== 0) {
      if ((prev & LETTERISH) === 0) {
        tokStart = o;
        tokLetters = 0;
        wTok = w;
      }
      if ((k & LOWER) !== 0) tokLetters += 1;
      else tokLeet += 1;
    } else if (tokLeet !== 0) {
      if (tokLetters !== 0) {
        stats.leet += foldLeet(oc, tokStart, o);
        w = wordAgain(oc, tokStart, o, wb, wTok);
        wgap = false;
        rk = cutRuns(rv, rk, tokStart);
      }
      tokLeet = 0;
    }
    prev = k;
    oc[o] = ch;
    if ((ch >= 0x61 && ch <= 0x7a) || (ch >= 0x30 && ch <= 0x39)) {
      wb[w] = ch;
      w += 1;
      if (wgap) {
        wgap = false;
        if (o - runO >= 2) {
          if (rk + 3 > rv.length) rv = growRuns(rl, rk);
          rv[rk] = runW;
          rv[rk + 1] = runO;
          rv[rk + 2] = o - runO;
          rk += 3;
        }
      }
    } else if (!wgap) {
      runO = o;
      runW = w;
      wb[w] = 0x20;
      w += 1;
      wgap = true;
    }
    if (s - o !== osd || e - o !== oed) {
      osd = s - o;
      oed = e - o;
      pushSegment(oseg, o, osd, oed);
    }
    o += 1;
    if ((k & LETTERISH) !== 0 && rp >= rn) {
      // Fast path for the rest of a word: letters copied one for one within
      // the folded segment continue the token and the output segment as they are.
      const lim = aNext < n ? aNext : n;
      for (;;) {
        const from = i;
        while (i < lim) {
          const c = a[i] as number;
          if (c < 0x61 || c > 0x7a) break;
          oc[o] = c;
          wb[w] = c;
          o += 1;
          w += 1;
          i += 1;
        }
        if (i !== from) {
          tokLetters += i - from;
          if (wgap) {
            // The run before these letters (after an @ or $) ends where they start.
            wgap = false;
            const end = o - (i - from);
            if (end - runO >= 2) {
              if (rk + 3 > rv.length) rv = growRuns(rl, rk);
              rv[rk] = runW;
              rv[rk + 1] = runO;
              rv[rk + 2] = end - runO;
              rk += 3;
            }
          }
        }
        // One space and a word of two or more letters (no leetspeak pending):
        // the space stays, nothing can start a spaced-out run, go on here.
        if (tokLeet !== 0 || i + 2 >= lim || a[i] !== 0x20) break;
        const c1 = a[i + 1] as number;
        const c2 = a[i + 2] as number;
        if (c1 < 0x61 || c1 > 0x7a || c2 < 0x61 || c2 > 0x7a) break;
        oc[o] = 0x20;
        wb[w] = 0x20;
        o += 1;
        w += 1;
        i += 1;
        tokStart = o;
        tokLetters = 0;
        wTok = w;
      }
    }
  }
  if (tokLeet !== 0 && tokLetters !== 0) {
    stats.leet += foldLeet(oc, tokStart, o);
    w = wordAgain(oc, tokStart, o, wb, wTok);
    wgap = false;
    rk = cutRuns(rv, rk, tokStart);
  }
  if (wgap && o - runO >= 2) {
    if (rk + 3 > rv.length) rv = growRuns(rl, rk);
    rv[rk] = runW;
    rv[rk + 1] = runO;
    rv[rk + 2] = o - runO;
    rk += 3;
  }
  rl.n = rk / 3;
  wordLen = w;
  return o;
}

/**
 * Rewrites a token that leetspeak folding made all letters into the word
 * view, from `w`, its length where the token started (an @ or $ in the token
 * had written gaps); returns the word view's new length.
 */
function wordAgain(oc: Uint16Array, from: number, to: number, wb: Buffer, w: number): number {
  let x = w;
  for (let q = from; q < to; q += 1) {
    wb[x] = oc[q] as number;
    x += 1;
  }
  return x;
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
 * but a plain-ASCII result is a {@link PlainAscii} instance and any other a
 * {@link Mapped} one (cheap to create: maps built only if read, word view
 * text made by the same pass).
 */
export function normalizeText(input: string): NormalizedText {
  const u = unitsOf(input);
  if (isPlainUnits(u, input.length, P_NEXT, P_CLASS)) return new PlainAscii(input);
  const stats: NormalizeStats = { tagChars: 0, zeroWidth: 0, bidi: 0, variationSelectors: 0, folded: 0, spacedRuns: 0, leet: 0 };
  const tagSpans: Array<[number, number]> = [];
  const n = fold(u, input.length, stats, tagSpans);
  // Steps 4-6 never lengthen the text (nor its word view).
  if (outC.u.length < n) {
    outC = newUnits(n);
    wordOut = Buffer.allocUnsafeSlow(n);
  }
  const oc = outC;
  const rl = passRuns;
  const m = joinLeetSpace(foldC.u, n, oc.u, wordOut, stats, rl);
  runGeneration += 1;
  rl.gen = runGeneration;
  // TextDecoder replaces lone surrogates (and drops a leading BOM): keep its
  // rules where they can apply, else copy the units as they are (faster).
  const text = foldSpecial ? UTF16.decode(oc.u.subarray(0, m)) : oc.b.toString('utf16le', 0, m * 2);
  // Runs of a large text are handed over (not kept); a text shorter than
  // the units written (a dropped BOM) has no recorded runs (never read).
  let runs = rl;
  let gen = text.length === m ? rl.gen : -1;
  if (rl.v.length > SCRATCH_MAX) {
    runs = { v: rl.v, n: rl.n, gen: 0 };
    gen = text.length === m ? 0 : -1;
    rl.v = new Int32Array(3 * 256);
  }
  // Only a-z, 0-9 and space: latin1 decoding is exact.
  const result = new Mapped(text, outSeg.v.slice(0, 3 * outSeg.n), tagSpans, stats, wordOut.toString('latin1', 0, wordLen), runs, gen);
  if (foldC.u.length > UNITS_KEEP || outC.u.length > UNITS_KEEP) {
    // Do not pin a larger input's buffers.
    foldC = newUnits(1024);
    outC = newUnits(1024);
    wordOut = Buffer.allocUnsafeSlow(1024);
  }
  if (foldSeg.v.length > UNITS_KEEP) foldSeg.v = new Int32Array(3 * 256);
  if (outSeg.v.length > UNITS_KEEP) outSeg.v = new Int32Array(3 * 256);
  return result;
}

// Plain printable ASCII with nothing to fold, join or collapse (the common
// case for chat messages): the matching form is just the lower-cased input
// and the offset map is the identity, built only if a finding needs it.
// They are the inputs where this regex finds nothing:
//   /[^\x20-\x7e\n]|\s\s|[a-z][0-9@$]|[0-9@$][a-z]|(?:^|[^a-z0-9@$])[a-z0-9@$][ .\-_*~\xb7][a-z0-9@$][ .\-_*~\xb7][a-z0-9@$](?![a-z0-9@$])/i
// (no control or non-ASCII character, no two whitespace in a row, no letter
// next to a digit, @ or $, no spaced-out letters "a.b.c"); isPlainUnits
// decides the same with a small automaton over the copied code units (about
// 3x faster than the regex).

/**
 * Classes of ASCII code units for the plain check: letter (either case),
 * [0-9@$], space, newline, one of .-_*~, other printable; anything else
 * (control, tab, non-ASCII) makes the text not plain. 0 is the start state.
 */
const P_LETTER = 1;
const P_DIGIT = 2;
const P_SPACE = 3;
const P_NEWLINE = 4;
const P_SEP = 5;
const P_OTHER = 6;
const P_BAD = 7;
const P_CLASS = new Uint8Array(128).fill(P_BAD);
for (let c = 0x20; c <= 0x7e; c += 1) P_CLASS[c] = P_OTHER;
for (let c = 0x41; c <= 0x5a; c += 1) {
  P_CLASS[c] = P_LETTER;
  P_CLASS[c + 0x20] = P_LETTER;
}
for (const c of '0123456789@$') P_CLASS[c.charCodeAt(0)] = P_DIGIT;
for (const c of '.-_*~') P_CLASS[c.charCodeAt(0)] = P_SEP;
P_CLASS[0x20] = P_SPACE;
P_CLASS[0x0a] = P_NEWLINE;

/**
 * The automaton: state = 8 * p + class of the last unit, where p (0-5) is how
 * much of NOT_PLAIN's spaced pattern X S X S X (X in [a-z0-9@$], S a
 * separator, the first X not after another X) ends at the last unit; p = 5
 * matches unless an X follows. P_DEAD: NOT_PLAIN matches.
 */
const P_DEAD = 48;
const P_NEXT = new Uint8Array(8 * 49).fill(P_DEAD);
{
  const isX = (c: number): boolean => c === P_LETTER || c === P_DIGIT;
  const isSep = (c: number): boolean => c === P_SPACE || c === P_SEP;
  const isWs = (c: number): boolean => c === P_SPACE || c === P_NEWLINE;
  for (let p = 0; p <= 5; p += 1) {
    for (let last = 0; last < P_BAD; last += 1) {
      for (let c = 1; c <= P_BAD; c += 1) {
        const dead =
          c === P_BAD ||
          (isWs(last) && isWs(c)) ||
          (last === P_LETTER && c === P_DIGIT) ||
          (last === P_DIGIT && c === P_LETTER) ||
          (p === 5 && !isX(c));
        let np = 0;
        if (isX(c)) np = p === 0 ? (isX(last) ? 0 : 1) : p === 2 ? 3 : p === 4 ? 5 : 0;
        else if (isSep(c)) np = p === 1 ? 2 : p === 3 ? 4 : 0;
        P_NEXT[8 * (8 * p + last) + c] = dead ? P_DEAD : 8 * np + c;
      }
    }
  }
}

/** `isPlainAscii` of the text whose code units are `u[0, len)`. */
function isPlainUnits(u: Uint16Array, len: number, next: Uint8Array, cls: Uint8Array): boolean {
  let st = 0;
  for (let i = 0; i < len; i += 1) {
    const c = u[i] as number;
    st = next[8 * st + (c < 128 ? (cls[c] as number) : P_BAD)] as number;
    if (st === P_DEAD) return false;
  }
  return st >> 3 !== 5;
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

/** An offset map of `length` entries from its segments (`which` 1: starts, 2: ends). */
function expandSegments(seg: Int32Array, length: number, which: number): Int32Array {
  const map = new Int32Array(length);
  const count = seg.length / 3;
  for (let k = 0; k < count; k += 1) {
    const from = seg[3 * k] as number;
    const to = k + 1 < count ? (seg[3 * k + 3] as number) : length;
    const d = seg[3 * k + which] as number;
    for (let i = from; i < to; i += 1) map[i] = i + d;
  }
  return map;
}

/**
 * A normalised text whose offset maps are kept as segments and expanded only
 * if asked for; {@link mapSpan} looks single offsets up in the segments.
 */
class Mapped implements NormalizedText {
  private startMap: Int32Array | undefined;
  private endMap: Int32Array | undefined;
  constructor(
    readonly text: string,
    private readonly seg: Int32Array,
    readonly tagSpans: ReadonlyArray<readonly [number, number]>,
    readonly stats: NormalizeStats,
    /** The text of its word view, made by the same pass. */
    readonly wordText: string,
    /** Collapsed runs of the word view, valid while `runs.gen` is `runGen`. */
    readonly runs: RunList,
    readonly runGen: number,
  ) {}
  get start(): Int32Array {
    this.startMap ??= expandSegments(this.seg, this.text.length, 1);
    return this.startMap;
  }
  get end(): Int32Array {
    this.endMap ??= expandSegments(this.seg, this.text.length, 2);
    return this.endMap;
  }
  /** `start[i]` (`which` 1) or `end[i]` (`which` 2); 0 where the map has no entry, as an array read would give. */
  at(i: number, which: number): number {
    if (!(i >= 0 && i < this.text.length) || (i | 0) !== i) return 0;
    const k = segmentAt(this.seg, this.seg.length / 3, i);
    return i + (this.seg[3 * k + which] as number);
  }
}

/** The public shape of a lazily mapped result: own enumerable `start`/`end` getters, as before. */
function asPublic(n: NormalizedText): NormalizedText {
  // A segment-mapped result is handed out with its maps built, as a plain object.
  if (n instanceof Mapped) return { text: n.text, start: n.start, end: n.end, tagSpans: n.tagSpans, stats: n.stats };
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
  if (n instanceof Mapped) return new WordView(n, n.wordText, n.runs, n.runGen);
  const text = wordViewText(n.text);
  return new WordView(n, text, viewRunsOut, viewRunsOut.gen);
}

// Scratch bytes for wordViewText; a larger text gets its own (not kept).
const wordBytes = Buffer.allocUnsafeSlow(SCRATCH_MAX);

/** The collapsed runs of the last {@link wordViewText} (viewRuns, or a large text's own list). */
let viewRunsOut: RunList = viewRuns;

/**
 * `text.replace(/[^a-z0-9]+/g, ' ')`, as one loop over the text's code units
 * into a byte buffer; its collapsed runs go to viewRunsOut.
 */
function wordViewText(text: string): string {
  const len = text.length;
  const u = unitsOf(text);
  const out = len <= wordBytes.length ? wordBytes : Buffer.allocUnsafeSlow(len);
  const rl = viewRuns;
  let rv = rl.v;
  let rk = 0;
  let o = 0;
  let gap = false;
  // While gap: the open run starts at text offset runI (word view offset runW).
  let runI = 0;
  let runW = 0;
  for (let i = 0; i < len; i += 1) {
    const c = u[i] as number;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      out[o] = c;
      o += 1;
      if (gap) {
        gap = false;
        if (i - runI >= 2) {
          if (rk + 3 > rv.length) rv = growRuns(rl, rk);
          rv[rk] = runW;
          rv[rk + 1] = runI;
          rv[rk + 2] = i - runI;
          rk += 3;
        }
      }
    } else if (!gap) {
      runI = i;
      runW = o;
      out[o] = 0x20;
      o += 1;
      gap = true;
    }
  }
  if (gap && len - runI >= 2) {
    if (rk + 3 > rv.length) rv = growRuns(rl, rk);
    rv[rk] = runW;
    rv[rk + 1] = runI;
    rv[rk + 2] = len - runI;
    rk += 3;
  }
  rl.n = rk / 3;
  runGeneration += 1;
  rl.gen = runGeneration;
  viewRunsOut = rl;
  if (rv.length > SCRATCH_MAX) {
    // A large text's runs are handed over, not kept.
    viewRunsOut = { v: rv, n: rl.n, gen: 0 };
    rl.v = new Int32Array(3 * 256);
  }
  // Only a-z, 0-9 and space: latin1 decoding is exact.
  return out.toString('latin1', 0, o);
}

/**
 * A word view whose offset maps are built only if asked for; {@link mapSpan}
 * instead maps single offsets through the list of collapsed runs (only runs
 * of two or more characters shift offsets), recorded by the pass that wrote
 * the word view, so a finding costs a binary search, not two arrays as long
 * as the text (nor a scan of the text, unless a later pass rewrote the list).
 */
class WordView implements NormalizedText {
  readonly tagSpans: ReadonlyArray<readonly [number, number]>;
  readonly stats: NormalizeStats;
  private maps: [Int32Array, Int32Array] | undefined;
  constructor(
    private readonly source: NormalizedText,
    readonly text: string,
    /** Collapsed runs as triples: word-view offset, source offset and length of each; valid while `runs.gen` is `runGen`. */
    private runs: RunList,
    private runGen: number,
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
    let rl = this.runs;
    if (rl.gen !== this.runGen) {
      // A later pass rewrote the list: find the runs in the source text.
      const v = collapsedRuns(this.source.text);
      rl = { v, n: v.length / 3, gen: 0 };
      this.runs = rl;
      this.runGen = 0;
    }
    const r = rl.v;
    // Last run whose word-view offset is <= o.
    const k = segmentAt(r, rl.n, o);
    if (k < 0) return [o, o];
    const wv = r[3 * k] as number;
    const src = r[3 * k + 1] as number;
    const len = r[3 * k + 2] as number;
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
  if (n instanceof Mapped) return n.at(i, 1);
  if (n instanceof WordView) return startAt(n.base, n.sourceRange(i)[0]);
  return n.start[i] ?? 0;
}

/** `n.end[i]`, without building whole maps for lazily mapped texts. */
function endAt(n: NormalizedText, i: number): number {
  if (n instanceof PlainAscii) return i + 1;
  if (n instanceof Mapped) return n.at(i, 2);
  if (n instanceof WordView) return endAt(n.base, n.sourceRange(i)[1]);
  return n.end[i] ?? 0;
}

/** A run of two or more characters other than a-z and 0-9 (one space in the word view; shifts offsets). */
export const COLLAPSED_RUN = /[^a-z0-9]{2,}/g;

/** Scratch for collapsedRuns (grown as needed, kept). */
let runScratch = new Int32Array(3 * 256);

/**
 * Maximal runs of two or more characters other than a-z and 0-9 (each is one
 * space in the word view), as triples: word-view offset, source offset, length.
 */
function collapsedRuns(src: string): Int32Array {
  // The same runs as COLLAPSED_RUN finds, by one loop over the code units.
  const len = src.length;
  const u = unitsOf(src);
  let out = runScratch;
  let n = 0;
  // Characters the runs so far removed: word-view offset = source offset - shift.
  let shift = 0;
  let i = 0;
  while (i < len) {
    const c = u[i] as number;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      i += 1;
      continue;
    }
    const from = i;
    i += 1;
    while (i < len) {
      const d = u[i] as number;
      if ((d >= 0x61 && d <= 0x7a) || (d >= 0x30 && d <= 0x39)) break;
      i += 1;
    }
    if (i - from >= 2) {
      if (n + 3 > out.length) {
        const grown = new Int32Array(out.length * 2);
        grown.set(out);
        out = grown;
        runScratch = grown;
      }
      out[n] = from - shift;
      out[n + 1] = from;
      out[n + 2] = i - from;
      n += 3;
      shift += i - from - 1;
    }
  }
  const runs = out.slice(0, n);
  if (runScratch.length > SCRATCH_MAX) runScratch = new Int32Array(3 * 256);
  return runs;
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
