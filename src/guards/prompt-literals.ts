/**
 * Literal analysis of a rule pattern: read off its source the strings one of
 * which every match must START with (`prefixes`) and the strings one of which
 * every match must CONTAIN (`required`). The prompt guard's multi-pattern
 * matcher (see prompt-matcher) finds all of them in one pass over the text,
 * runs only the rules whose literals occur, and tries a rule with prefixes
 * only where one of them starts. Both are necessary conditions for a match,
 * so skipping on them never drops one.
 *
 * Conservative: a construct the analysis does not model (backreferences,
 * Unicode property escapes, any flag) gives no literals, and the rule is
 * scanned in full as before. Sets are bounded (at most {@link LIMIT}
 * strings); when a product would exceed the bound the analysis keeps the
 * shorter, still necessary, literals it has, and an alternation with too
 * many prefixes has them all cut to a length that fits.
 *
 * @module guards/prompt-literals
 */

/** What every match of a pattern starts with / contains. */
export interface PatternLiterals {
  /** Every match starts with one of these (non-empty), or undefined when unknown. */
  readonly prefixes: readonly string[] | undefined;
  /** Every match contains one of these (non-empty), or undefined when unknown. */
  readonly required: readonly string[] | undefined;
  /**
   * Only for a pattern without prefixes: every match contains one of
   * `literals` starting between `min` and `max` characters after the match
   * starts, so a match can only start in that window before an occurrence.
   * Undefined when no such literal (of 3+ characters) is found.
   */
  readonly anchor?: PatternAnchor;
  /**
   * Every match starts at a word boundary (`\b` before anything that
   * consumes a character, in every branch), so a start where the characters
   * on both sides are equally word characters (`[A-Za-z0-9_]`) cannot match.
   */
  readonly wordStart?: true;
}

/** See {@link PatternLiterals.anchor}. */
export interface PatternAnchor {
  readonly literals: readonly string[];
  readonly min: number;
  readonly max: number;
}

const LIMIT = 256;

type Node =
  | { readonly t: 'chars'; readonly chars: readonly string[] | null } // one code unit; null: too many to list
  | { readonly t: 'empty'; readonly wordBoundary?: true } // an assertion: matches the empty string (`\b`: wordBoundary)
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

class Unsupported extends Error {}

const CONTROL: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', '0': '\0' };

/** A recursive-descent parser for the regex subset the rules use. */
class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const n = this.alternation();
    if (this.i !== this.s.length) throw new Unsupported('trailing input');
    return n;
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.s[this.i] === '|') {
      this.i += 1;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') items.push(this.quantified());
    return { t: 'seq', items };
  }

  private quantified(): Node {
    const atom = this.atom();
    const c = this.s[this.i];
    let min: number;
    let max: number;
    if (c === '?') [min, max] = [0, 1];
    else if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i));
      if (m === null) throw new Unsupported('brace');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i += 1;
    if (this.s[this.i] === '?') this.i += 1; // lazy: same strings
    if (atom.t === 'empty') return atom;
    return { t: 'rep', node: atom, min, max };
  }

  private atom(): Node {
    const c = this.s[this.i] ?? '';
    if (c === '(') {
      this.i += 1;
      let assertion = false;
      if (this.s.startsWith('?:', this.i)) this.i += 2;
      else if (this.s.startsWith('?=', this.i) || this.s.startsWith('?!', this.i)) [this.i, assertion] = [this.i + 2, true];
      else if (this.s.startsWith('?<=', this.i) || this.s.startsWith('?<!', this.i)) [this.i, assertion] = [this.i + 3, true];
      else if (this.s[this.i] === '?') throw new Unsupported('group kind');
      const inner = this.alternation();
      if (this.s[this.i] !== ')') throw new Unsupported('unclosed group');
      this.i += 1;
      return assertion ? { t: 'empty' } : inner;
    }
    if (c === '[') return this.charClass();
    if (c === '^' || c === '$') {
      this.i += 1;
      return { t: 'empty' };
    }
    if (c === '.') {
      this.i += 1;
      return { t: 'chars', chars: null };
    }
    if (c === '\\') return this.escape(false);
    if (c === ')' || c === '' || c === '*' || c === '+' || c === '?' || c === '{') throw new Unsupported(`unexpected ${c}`);
    this.i += 1;
    return { t: 'chars', chars: [c] };
  }

  /** An escape at `\`; inside a class, `\b` is a backspace. */
  private escape(inClass: boolean): Node {
    const e = this.s[this.i + 1] ?? '';
    this.i += 2;
    if (e === 'b' && !inClass) return { t: 'empty', wordBoundary: true };
    if (e === 'B' && !inClass) return { t: 'empty' };
    if ('wWsSdD'.includes(e) && e !== '') return { t: 'chars', chars: null };
    const ctl = CONTROL[e];
    if (ctl !== undefined) {
      if (e === '0' && /\d/.test(this.s[this.i] ?? '')) throw new Unsupported('octal');
      return { t: 'chars', chars: [ctl] };
    }
    if (e === 'x' || e === 'u') {
      const len = e === 'x' ? 2 : 4;
      const hex = this.s.slice(this.i, this.i + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new Unsupported('hex escape');
      this.i += len;
      return { t: 'chars', chars: [String.fromCharCode(parseInt(hex, 16))] };
    }
    if (inClass && e === 'b') return { t: 'chars', chars: ['\b'] };
    // Identity escapes of syntax characters only; anything else (backreferences, \p, \c, \k) is not modelled.
    if (/^[\\^$.|?*+()[\]{}/\-'"!#%&,:;<=>@`~ ]$/.test(e)) return { t: 'chars', chars: [e] };
    throw new Unsupported(`escape \\${e}`);
  }

  private charClass(): Node {
    this.i += 1;
    let negated = false;
    if (this.s[this.i] === '^') {
      negated = true;
      this.i += 1;
    }
    const chars = new Set<string>();
    let open = false; // a class escape such as \w: too many to list
    const single = (): string | null => {
      if (this.s[this.i] === '\\') {
        const n = this.escape(true);
        if (n.t !== 'chars' || n.chars === null || n.chars.length !== 1) return null;
        return n.chars[0] ?? null;
      }
      const ch = this.s[this.i] ?? '';
      this.i += 1;
      return ch;
    };
    // In JavaScript (without the v flag) a `]` right after `[` closes an empty class.
    while (this.i < this.s.length && this.s[this.i] !== ']') {
      const a = single();
      if (a === null) {
        open = true;
        continue;
      }
      if (this.s[this.i] === '-' && this.s[this.i + 1] !== ']' && this.i + 1 < this.s.length) {
        this.i += 1;
        const b = single();
        if (b === null) throw new Unsupported('range');
        const lo = a.charCodeAt(0);
        const hi = b.charCodeAt(0);
        if (hi - lo > 64) open = true;
        else for (let k = lo; k <= hi; k += 1) chars.add(String.fromCharCode(k));
        continue;
      }
      chars.add(a);
    }
    if (this.s[this.i] !== ']') throw new Unsupported('unclosed class');
    this.i += 1;
    if (negated || open || chars.size > 16) return { t: 'chars', chars: null };
    return { t: 'chars', chars: [...chars] };
  }
}

/** Facts about one node: all strings it matches (when few), what they start with, what they contain. */
interface Info {
  /** Every string the node can match, or null when unbounded or too many. */
  readonly exact: ReadonlySet<string> | null;
  /** Every match starts with one of these; may contain '' (then useless). Null: unknown. */
  readonly prefix: ReadonlySet<string> | null;
  /** Every match contains one of these non-empty strings; null: unknown. */
  readonly required: ReadonlySet<string> | null;
}

function product(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> | null {
  if (a.size * b.size > LIMIT) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return out;
}

function union(sets: ReadonlyArray<ReadonlySet<string> | null>): Set<string> | null {
  const out = new Set<string>();
  for (const s of sets) {
    if (s === null) return null;
    for (const x of s) out.add(x);
  }
  return out.size > LIMIT ? null : out;
}

/**
 * The union of alternatives' prefix sets. When it would exceed the bound,
 * every prefix is cut to the longest common length that fits: a prefix of a
 * prefix still starts every match, so the set stays necessary, only less
 * selective (null only if even one-character prefixes do not fit).
 */
function unionPrefixes(sets: ReadonlyArray<ReadonlySet<string> | null>): Set<string> | null {
  const all = new Set<string>();
  for (const s of sets) {
    if (s === null) return null;
    for (const x of s) all.add(x);
  }
  if (all.size <= LIMIT) return all;
  let longest = 0;
  for (const x of all) longest = Math.max(longest, x.length);
  for (let cut = longest - 1; cut >= 1; cut -= 1) {
    const shorter = new Set<string>();
    for (const x of all) shorter.add(x.slice(0, cut));
    if (shorter.size <= LIMIT) return shorter;
  }
  return null;
}

const useful = (s: ReadonlySet<string> | null): s is ReadonlySet<string> => s !== null && s.size > 0 && !s.has('');

/**
 * The prefix set of `items[from..]`: products of the exact items, then the
 * prefix of the first inexact one. Every match of the sequence's tail starts
 * with one of the strings returned.
 */
function seqPrefix(infos: readonly Info[], from: number): Set<string> {
  let acc = new Set<string>(['']);
  for (let k = from; k < infos.length; k += 1) {
    const info = infos[k] as Info;
    if (info.exact !== null) {
      const p = product(acc, info.exact);
      if (p === null) break;
      acc = p;
      continue;
    }
    if (info.prefix !== null) {
      const p = product(acc, info.prefix);
      if (p !== null) acc = p;
    }
    break;
  }
  return acc;
}

/**
 * Whether required set `a` beats `b`: a literal of 4+ characters is selective
 * enough, so past that fewer literals win (a smaller automaton); below it,
 * longer wins.
 */
function better(a: ReadonlySet<string>, b: ReadonlySet<string> | null): boolean {
  if (b === null) return true;
  const ma = Math.min(4, ...[...a].map((x) => x.length));
  const mb = Math.min(4, ...[...b].map((x) => x.length));
  return ma !== mb ? ma > mb : a.size < b.size;
}

function info(n: Node): Info {
  switch (n.t) {
    case 'empty':
      return { exact: new Set(['']), prefix: new Set(['']), required: null };
    case 'chars': {
      if (n.chars === null) return { exact: null, prefix: null, required: null };
      const s = new Set(n.chars);
      return { exact: s, prefix: s, required: s };
    }
    case 'alt': {
      const infos = n.alts.map(info);
      return {
        exact: union(infos.map((x) => x.exact)),
        prefix: unionPrefixes(infos.map((x) => x.prefix)),
        required: union(infos.map((x) => (useful(x.required) ? x.required : null))),
      };
    }
    case 'rep': {
      const x = info(n.node);
      let exact: Set<string> | null = null;
      if (x.exact !== null && n.max !== Infinity && n.max <= 8) {
        exact = new Set<string>();
        let power: Set<string> | null = new Set(['']);
        for (let k = 0; k <= n.max && power !== null && exact !== null; k += 1) {
          if (k >= n.min) for (const s of power) exact.add(s);
          if (exact.size > LIMIT) exact = null;
          if (k < n.max) power = product(power, x.exact);
        }
        if (power === null) exact = null;
      }
      if (n.min === 0) return { exact, prefix: new Set(['']), required: null };
      return { exact, prefix: x.prefix, required: x.required };
    }
    case 'seq': {
      const infos = n.items.map(info);
      let exact: Set<string> | null = new Set(['']);
      for (const x of infos) {
        exact = x.exact === null || exact === null ? null : product(exact, x.exact);
        if (exact === null) break;
      }
      const prefix = seqPrefix(infos, 0);
      let required: ReadonlySet<string> | null = null;
      for (let k = 0; k < infos.length; k += 1) {
        const x = infos[k] as Info;
        if (useful(x.required) && better(x.required, required)) required = x.required;
        // Literal runs are read from where one starts (from inside a run they are only shorter).
        if (k > 0 && (infos[k - 1] as Info).exact !== null && !(infos[k - 1] as Info).exact?.has('')) continue;
        const tail = seqPrefix(infos, k);
        if (useful(tail) && better(tail, required)) required = tail;
      }
      return { exact, prefix, required };
    }
  }
}

/** Drops strings that have another member as a proper prefix (they add nothing). */
function minimalPrefixes(set: ReadonlySet<string>): string[] {
  const sorted = [...set].sort();
  const out: string[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.startsWith(last)) continue;
    out.push(s);
  }
  return out;
}

/** Drops strings that contain another member (a text containing them contains the shorter one). */
function minimalFactors(set: ReadonlySet<string>): string[] {
  const byLength = [...set].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const out: string[] = [];
  for (const s of byLength) if (!out.some((t) => s.includes(t))) out.push(s);
  return out;
}

/** Shortest and longest string a node matches (max Infinity when unbounded). */
function lengths(n: Node): [number, number] {
  switch (n.t) {
    case 'empty':
      return [0, 0];
    case 'chars':
      return [1, 1];
    case 'rep': {
      const [lo, hi] = lengths(n.node);
      return [lo * n.min, n.max === 0 || hi === 0 ? 0 : hi * n.max];
    }
    case 'seq': {
      let lo = 0;
      let hi = 0;
      for (const item of n.items) {
        const [a, b] = lengths(item);
        lo += a;
        hi += b;
      }
      return [lo, hi];
    }
    case 'alt': {
      let lo = Infinity;
      let hi = 0;
      for (const alt of n.alts) {
        const [a, b] = lengths(alt);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
      return [lo, hi];
    }
  }
}

/** An anchor must be at least this long to be worth a window of sticky tries. */
const ANCHOR_MIN_LENGTH = 3;
/** Widest window of starts an anchor may give (one sticky try per start per occurrence). */
const ANCHOR_MAX_WINDOW = 24;

/**
 * The first literal run of a sequence (or of each branch of an alternation)
 * that sits a bounded distance after the match start: every match contains
 * one of its strings at an offset in [min, max].
 */
function anchorOf(n: Node): PatternAnchor | undefined {
  if (n.t === 'alt') {
    const parts = n.alts.map(anchorOf);
    if (parts.some((p) => p === undefined)) return undefined;
    const literals = unionPrefixes(parts.map((p) => new Set(p?.literals)));
    if (literals === null) return undefined;
    const min = Math.min(...parts.map((p) => p?.min ?? 0));
    const max = Math.max(...parts.map((p) => p?.max ?? 0));
    // Only strings that start with another may go (same start, same window); one that merely contains another may not.
    return { literals: minimalPrefixes(literals), min, max };
  }
  if (n.t !== 'seq') return undefined;
  const infos = n.items.map(info);
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < n.items.length && hi - lo <= ANCHOR_MAX_WINDOW; k += 1) {
    const x = infos[k] as Info;
    if (x.exact !== null && !x.exact.has('')) {
      // The run of exact items from here: every match has one of these strings at this offset.
      const run = seqPrefix(infos, k);
      if (useful(run) && Math.min(...[...run].map((r) => r.length)) >= ANCHOR_MIN_LENGTH) return { literals: [...run], min: lo, max: hi };
    }
    const [a, b] = lengths(n.items[k] as Node);
    lo += a;
    hi += b;
  }
  return undefined;
}

/** Whether every match of `n` starts at a `\b` (see {@link PatternLiterals.wordStart}). */
function startsAtWordBoundary(n: Node): boolean {
  if (n.t === 'alt') return n.alts.every(startsAtWordBoundary);
  if (n.t !== 'seq') return false;
  // Assertions before the first consuming item all test the start position.
  for (const item of n.items) {
    if (item.t !== 'empty') return false;
    if (item.wordBoundary === true) return true;
  }
  return false;
}

/**
 * The literals of a rule pattern (see the module comment). Patterns with any
 * flag other than `g`/`y` get none: case-insensitive or Unicode-mode
 * matching is not modelled.
 */
export function patternLiterals(pattern: RegExp): PatternLiterals {
  if (pattern.flags.replace(/[gy]/g, '') !== '') return { prefixes: undefined, required: undefined };
  // The analysis takes ~1 ms per pattern; guards are often created with the same rules.
  const cached = cache.get(pattern.source);
  if (cached !== undefined) return cached;
  const result = analyse(pattern.source);
  if (cache.size >= 4096) cache.clear();
  cache.set(pattern.source, result);
  return result;
}

const cache = new Map<string, PatternLiterals>();

function analyse(source: string): PatternLiterals {
  let tree: Node;
  let root: Info;
  try {
    tree = new Parser(source).parse();
    root = info(tree);
  } catch (e) {
    if (e instanceof Unsupported) return { prefixes: undefined, required: undefined };
    throw e;
  }
  const prefixes = useful(root.prefix) ? minimalPrefixes(root.prefix) : undefined;
  const required = useful(root.required) ? minimalFactors(root.required) : undefined;
  const anchor = prefixes === undefined ? anchorOf(tree) : undefined;
  const out: { prefixes: readonly string[] | undefined; required: readonly string[] | undefined; anchor?: PatternAnchor; wordStart?: true } = { prefixes, required };
  if (anchor !== undefined) out.anchor = anchor;
  if (startsAtWordBoundary(tree)) out.wordStart = true;
  return out;
}
