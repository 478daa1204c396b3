/**
 * Anchor words for word-view rules: the complete words one of which must
 * occur in the text for the rule to possibly match. Extracted from the
 * pattern source at compile time; a rule whose pattern does not start with
 * plain words (or that we cannot analyse) gets `null` and always runs. Used
 * to skip most of the ~110 regular expressions on ordinary text, where only a
 * handful of rules have their first word present.
 *
 * @module guards/prompt-anchors
 */

/** Splits `s` at top-level `|` (outside groups and classes, respecting escapes). */
function splitTop(s: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s[i];
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === '|' && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
    if (depth < 0) return null;
  }
  out.push(s.slice(from));
  return out;
}

/** Index just after the group that opens at `open` (s[open] === '('), or -1. */
function groupEnd(s: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < s.length; i += 1) {
    const c = s[i];
    if (c === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The set of possible first words of `source`, or null when any match could
 * start with something other than one of a finite set of complete words.
 */
export function leadingWords(source: string): string[] | null {
  let s = source;
  while (s.startsWith('\\b')) s = s.slice(2);
  if (s.startsWith('(?:')) {
    const end = groupEnd(s, 0);
    if (end < 0) return null;
    const next = s[end];
    // An optional or repeated first group does not pin the first word.
    if (next === '?' || next === '*' || next === '{' || next === '+') return null;
    const inner = s.slice(3, end - 1);
    const alts = splitTop(inner);
    if (alts === null) return null;
    const words: string[] = [];
    for (const a of alts) {
      const w = leadingWords(a);
      if (w === null) return null;
      words.push(...w);
    }
    return words;
  }
  const m = /^[a-z0-9]+/.exec(s);
  if (m === null) return null;
  const rest = s.slice(m[0].length);
  // The word must be complete: followed by a space, the end, or a word boundary.
  // An optional space (" ?") would let the word run on ("open ?ai" matches "openai").
  if (/^ [?*+{]/.test(rest)) return null;
  if (rest === '' || rest.startsWith(' ') || rest.startsWith('\\b')) return [m[0]];
  return null;
}

/**
 * True when every match of `source` (on a word view) must START at a word
 * whose whole token is one of {@link leadingWords}: the pattern begins with
 * `\b`, and after each anchor word, at every nesting level, comes a space, a
 * `\b` or the end of the pattern (nothing like `(?:ignore|forget)s?` that
 * lets the token run on). For such a rule the guard tries the regex only at
 * the positions of its anchor words (sticky), instead of scanning the text.
 */
export function anchorsArePositional(source: string): boolean {
  if (!source.startsWith('\\b')) return false;
  // A top-level alternative would start a match elsewhere.
  if (splitTop(source)?.length !== 1) return false;
  const strict = (src: string): boolean => {
    let s = src;
    while (s.startsWith('\\b')) s = s.slice(2);
    if (s.startsWith('(?:')) {
      const end = groupEnd(s, 0);
      if (end < 0) return false;
      const rest = s.slice(end);
      if (!(rest === '' || (rest.startsWith(' ') && !/^ [?*+{]/.test(rest)) || rest.startsWith('\\b'))) return false;
      const alts = splitTop(s.slice(3, end - 1));
      return alts !== null && alts.every(strict);
    }
    const m = /^[a-z0-9]+/.exec(s);
    if (m === null) return false;
    const rest = s.slice(m[0].length);
    return rest === '' || (rest.startsWith(' ') && !/^ [?*+{]/.test(rest)) || rest.startsWith('\\b');
  };
  return leadingWords(source) !== null && strict(source);
}

/** Inverted index: first word -> indexes of the rules it can start. */
export interface AnchorIndex {
  /** Number of rules indexed. */
  readonly count: number;
  /** Rules that always run (no anchors). */
  readonly always: readonly number[];
  /** Word -> rules anchored on it. */
  readonly byWord: ReadonlyMap<string, readonly number[]>;
  /** Per rule: true when its matches can only start at its anchor words (see {@link anchorsArePositional}). */
  readonly positional: readonly boolean[];
  /** Shortest and longest anchor word, and which characters start one: tokens outside are not looked up. */
  readonly minLength: number;
  readonly maxLength: number;
  readonly firstChars: Uint8Array;
}

/** Builds the index for word-view rule sources. */
export function buildAnchorIndex(sources: readonly string[]): AnchorIndex {
  const always: number[] = [];
  const byWord = new Map<string, number[]>();
  sources.forEach((src, i) => {
    const words = leadingWords(src);
    if (words === null) {
      always.push(i);
      return;
    }
    for (const w of new Set(words)) {
      const list = byWord.get(w);
      if (list === undefined) byWord.set(w, [i]);
      else list.push(i);
    }
  });
  const positional = sources.map((src) => anchorsArePositional(src));
  let minLength = Infinity;
  let maxLength = 0;
  const firstChars = new Uint8Array(65_536);
  for (const w of byWord.keys()) {
    minLength = Math.min(minLength, w.length);
    maxLength = Math.max(maxLength, w.length);
    firstChars[w.charCodeAt(0)] = 1;
  }
  return { count: sources.length, always, byWord, positional, minLength, maxLength, firstChars };
}

/** Indexes (ascending) of the rules worth running on a word-view text. */
export function candidateRules(index: AnchorIndex, wordViewText: string): number[] {
  const flags = new Uint8Array(index.count);
  for (const r of index.always) flags[r] = 1;
  // Repeated words just set the same flags again; cheaper than de-duplicating.
  for (const w of wordViewText.split(' ')) {
    const rules = index.byWord.get(w);
    if (rules !== undefined) for (const r of rules) flags[r] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < flags.length; i += 1) if (flags[i] === 1) out.push(i);
  return out;
}

/**
 * The rules worth running on a word-view text, as a plan: `rules` ascending;
 * `starts[k]` is, for `rules[k]`, the ascending word-start offsets where one
 * of its anchor words stands (a positional rule can only match there), or
 * undefined when the rule must scan the whole text. Same rules as
 * {@link candidateRules}.
 */
export interface CandidatePlan {
  readonly rules: readonly number[];
  readonly starts: ReadonlyArray<readonly number[] | undefined>;
}

/** Builds the {@link CandidatePlan} for a word-view text in one pass over its words. */
export function candidatePlan(index: AnchorIndex, wordViewText: string): CandidatePlan {
  const flags = new Uint8Array(index.count);
  for (const r of index.always) flags[r] = 2;
  const at: Array<number[] | undefined> = [];
  const t = wordViewText;
  const n = t.length;
  let i = 0;
  while (i <= n) {
    let j = t.indexOf(' ', i);
    if (j < 0) j = n;
    if (j - i >= index.minLength && j - i <= index.maxLength && index.firstChars[t.charCodeAt(i)] === 1) {
      const rules = index.byWord.get(t.slice(i, j));
      if (rules !== undefined) {
        for (const r of rules) {
          if (flags[r] === 2) continue;
          if (index.positional[r] !== true) {
            flags[r] = 2;
            continue;
          }
          flags[r] = 1;
          const list = at[r];
          if (list === undefined) at[r] = [i];
          else list.push(i);
        }
      }
    }
    i = j + 1;
  }
  const rules: number[] = [];
  const starts: Array<readonly number[] | undefined> = [];
  for (let r = 0; r < flags.length; r += 1) {
    if (flags[r] === 0) continue;
    rules.push(r);
    starts.push(flags[r] === 1 ? at[r] : undefined);
  }
  return { rules, starts };
}
