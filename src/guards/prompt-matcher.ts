/**
 * The prompt guard's single-pass multi-pattern prefilter: one Aho-Corasick
 * automaton over the literals of every rule (see prompt-literals) finds, in
 * one pass over the text, which rules can possibly match and where the
 * prefix-pinned ones can start. The guard then runs only those rules, and a
 * rule with prefixes only as a sticky regex at those offsets, which yields
 * exactly the matches of a global scan (a match can start nowhere else). A
 * rule without prefixes but with an anchor (a literal a bounded distance
 * after every match start) is tried the same way at each offset of the
 * window before an anchor occurrence.
 *
 * @module guards/prompt-matcher
 */
import { CodeUnitBuffer } from './code-units.js';
import type { PatternLiterals } from './prompt-literals.js';

const EMPTY_UNITS = new Uint16Array(0);

/**
 * The rules worth running on a text: `rules` ascending; for `rules[k]`, the
 * ascending offsets where one of its prefixes starts (the only places a
 * match can start) are `positions[from[k] .. to[k])`, or `from[k]` is -1 when
 * the rule must scan the whole text. `positions` is the matcher's buffer:
 * valid until its next `plan()` call (ranges instead of arrays per rule:
 * making a typed-array view costs more than a short text's whole plan).
 */
export interface MatchPlan {
  readonly rules: readonly number[];
  readonly from: readonly number[];
  readonly to: readonly number[];
  readonly positions: Int32Array;
}

/** The starts of `plan.rules[k]` as an array, or undefined for a full scan (for tests and tools; allocates). */
export function planStarts(plan: MatchPlan, k: number): number[] | undefined {
  const lo = plan.from[k] ?? -1;
  return lo < 0 ? undefined : Array.from(plan.positions.subarray(lo, plan.to[k] ?? lo));
}

/** Sorts `a[lo, hi)` ascending and drops duplicates; returns the new end. */
function sortUnique(a: Int32Array, lo: number, hi: number): number {
  if (hi - lo > 32) a.subarray(lo, hi).sort();
  else {
    for (let i = lo + 1; i < hi; i += 1) {
      const v = a[i] as number;
      let j = i - 1;
      for (; j >= lo && (a[j] as number) > v; j -= 1) a[j + 1] = a[j] as number;
      a[j + 1] = v;
    }
  }
  let w = lo + 1;
  for (let i = lo + 1; i < hi; i += 1) if (a[i] !== a[w - 1]) a[w++] = a[i] as number;
  return hi > lo ? w : lo;
}

const PREFIX = 0;

/** A prefix this short (a delimiter such as `#` or `--`) may start a match almost anywhere. */
export const SHORT_PREFIX = 2;

/**
 * Most prefix offsets a rule with a short prefix (see {@link SHORT_PREFIX}) is
 * tried at, for a text of `length` characters, before it scans the whole text
 * instead: past about one offset per 64 characters a global scan is the
 * cheaper way to the same matches. Rules with only word prefixes always use
 * their offsets (their regexes are slow to scan, and measured faster so).
 */
export function denseLimit(length: number): number {
  return Math.max(16, length >> 6);
}

const REQUIRED = 1;

/** 1 for the characters `\b` counts as word characters (no u or i flag): A-Z, a-z, 0-9, _. */
const WORD = new Uint8Array(65_536);
for (let c = 0x30; c <= 0x39; c += 1) WORD[c] = 1;
for (let c = 0x41; c <= 0x5a; c += 1) WORD[c] = 1;
for (let c = 0x61; c <= 0x7a; c += 1) WORD[c] = 1;
WORD[0x5f] = 1;
const ANCHOR = 2;

/** An Aho-Corasick automaton over the literals of a list of rules, compiled to a DFA. */
export class LiteralMatcher {
  /** Number of rules. */
  readonly count: number;
  private readonly hasPrefix: Uint8Array;
  /** 1 for a rule with a prefix of at most 2 characters (punctuation, mostly): may switch to a full scan when dense. */
  private readonly shortPrefix: Uint8Array;
  private readonly hasRequired: Uint8Array;
  /** Per rule: how many starts one literal occurrence gives (1 for a prefix; an anchor's window width). */
  private readonly spread: Int32Array;
  /** Per anchored rule: the window of starts before an anchor occurrence (see PatternLiterals.anchor). */
  private readonly anchorMin: Int32Array;
  private readonly anchorMax: Int32Array;
  /** Per rule: 1 when every match starts at a `\b` (see PatternLiterals.wordStart). */
  private readonly wordStart: Uint8Array;
  /** Character code -> alphabet class (0: a character no literal contains). */
  private readonly cls: Uint8Array;
  private readonly width: number;
  /** Length of the longest literal (how far before the middle the second walk starts). */
  private readonly maxLiteral: number;
  /** DFA over premultiplied states (state id * width): next[state + class]. */
  private readonly next: Int32Array;
  /** Premultiplied states from this one on have outputs. */
  private readonly firstOut: number;
  /** Per state, its outputs (own and via suffix links): actions[outStart[s] .. outStart[s + 1]). */
  private readonly outStart: Int32Array;
  /** Pairs: rule * 4 + kind, literal length. */
  private readonly actions: Int32Array;

  constructor(rules: readonly PatternLiterals[]) {
    this.count = rules.length;
    this.hasPrefix = new Uint8Array(rules.length);
    this.shortPrefix = new Uint8Array(rules.length);
    this.hasRequired = new Uint8Array(rules.length);
    this.spread = new Int32Array(rules.length).fill(1);
    this.anchorMin = new Int32Array(rules.length);
    this.anchorMax = new Int32Array(rules.length);
    this.wordStart = Uint8Array.from(rules, (r) => (r.wordStart === true ? 1 : 0));
    this.seenAt = new Int32Array(rules.length);
    this.unsortedAt = new Int32Array(rules.length);
    this.hitCount = new Int32Array(rules.length);
    this.cursor = new Int32Array(rules.length);
    this.lastAt = new Int32Array(rules.length);
    this.kind = new Uint8Array(rules.length);
    this.listed = new Int32Array(rules.length * 2);
    // Literal -> actions.
    const byLiteral = new Map<string, number[]>();
    const note = (lit: string, action: number): void => {
      const list = byLiteral.get(lit);
      if (list === undefined) byLiteral.set(lit, [action]);
      else list.push(action);
    };
    rules.forEach((r, i) => {
      if (r.prefixes !== undefined) {
        this.hasPrefix[i] = 1;
        // Whole prefixes: the automaton is larger than with prefixes cut to
        // two words (22,700 word-view states instead of 13,600), but its
        // speed does not depend on its size here, and there are a fifth
        // fewer sticky tries ("you are now " no longer fires at "you are a").
        for (const p of new Set(r.prefixes)) {
          note(p, i * 4 + PREFIX);
          if (p.length <= SHORT_PREFIX) this.shortPrefix[i] = 1;
        }
      } else if (r.anchor !== undefined) {
        // Start-pinned too: a match starts only in the window before an anchor
        // occurrence. Dense windows switch to a full scan, as short prefixes do.
        this.hasPrefix[i] = 1;
        this.shortPrefix[i] = 1;
        this.anchorMin[i] = r.anchor.min;
        this.anchorMax[i] = r.anchor.max;
        this.spread[i] = r.anchor.max - r.anchor.min + 1;
        for (const a of r.anchor.literals) note(a, i * 4 + ANCHOR);
      }
      if (r.required !== undefined) {
        this.hasRequired[i] = 1;
        for (const q of r.required) note(q, i * 4 + REQUIRED);
      }
    });
    this.unpinned = Int32Array.from(rules.flatMap((_r, i) => (this.hasPrefix[i] === 1 ? [] : [i])));
    // Alphabet: every character some literal contains.
    const codes = new Map<number, number>();
    for (const lit of byLiteral.keys()) for (let k = 0; k < lit.length; k += 1) if (!codes.has(lit.charCodeAt(k))) codes.set(lit.charCodeAt(k), codes.size + 1);
    if (codes.size > 254) throw new Error('prompt-matcher: alphabet too large');
    this.maxLiteral = Math.max(1, ...[...byLiteral.keys()].map((l) => l.length));
    this.width = codes.size + 1;
    this.cls = new Uint8Array(65_536);
    for (const [c, k] of codes) this.cls[c] = k;
    // Trie, as a table: goto[state * w + class], -1 for none (then completed into the DFA in place).
    const w = this.width;
    let maxStates = 1;
    for (const lit of byLiteral.keys()) maxStates += lit.length;
    const delta = new Int32Array(maxStates * w).fill(-1);
    const own: number[][] = [[]];
    let states = 1;
    for (const [lit, acts] of byLiteral) {
      let s = 0;
      for (let k = 0; k < lit.length; k += 1) {
        const at = s * w + (this.cls[lit.charCodeAt(k)] as number);
        let next = delta[at] as number;
        if (next < 0) {
          next = states;
          states += 1;
          own.push([]);
          delta[at] = next;
        }
        s = next;
      }
      for (const a of acts) own[s]?.push(a, lit.length);
    }
    // Breadth-first: failure links, DFA transitions, merged outputs.
    const fail = new Int32Array(states);
    const merged: number[][] = new Array<number[]>(states);
    merged[0] = own[0] ?? [];
    const queue: number[] = [];
    for (let c = 0; c < w; c += 1) {
      const t = delta[c] as number;
      if (t < 0) delta[c] = 0;
      else queue.push(t);
    }
    for (let q = 0; q < queue.length; q += 1) {
      const s = queue[q] as number;
      const f = fail[s] as number;
      const mine = own[s] ?? [];
      const inherited = merged[f] ?? [];
      merged[s] = inherited.length === 0 ? mine : mine.concat(inherited);
      for (let c = 0; c < w; c += 1) {
        const t = delta[s * w + c] as number;
        if (t < 0) delta[s * w + c] = delta[f * w + c] as number;
        else {
          fail[t] = delta[f * w + c] as number;
          queue.push(t);
        }
      }
    }
    // Renumber: states without outputs first (the root stays 0), so the scan
    // loop tells an output state by one comparison with `firstOut`.
    const order: number[] = [];
    for (let s = 0; s < states; s += 1) if ((merged[s]?.length ?? 0) === 0) order.push(s);
    const quiet = order.length;
    for (let s = 0; s < states; s += 1) if ((merged[s]?.length ?? 0) > 0) order.push(s);
    const id = new Int32Array(states);
    order.forEach((old, k) => {
      id[old] = k;
    });
    this.firstOut = quiet * w;
    this.next = new Int32Array(states * w);
    for (let s = 0; s < states; s += 1) for (let c = 0; c < w; c += 1) this.next[(id[s] as number) * w + c] = (id[delta[s * w + c] as number] as number) * w;
    this.outStart = new Int32Array(states + 1);
    let total = 0;
    for (let k = 0; k < states; k += 1) {
      this.outStart[k] = total;
      total += merged[order[k] as number]?.length ?? 0;
    }
    this.outStart[states] = total;
    this.actions = new Int32Array(total);
    for (let k = 0; k < states; k += 1) this.actions.set(merged[order[k] as number] ?? [], this.outStart[k] ?? 0);
  }

  /** Number of DFA states (for tests and sizing). */
  get states(): number {
    return this.outStart.length - 1;
  }

  // Scratch for plan(), reused across calls: a typed array longer than 64
  // bytes lives off the V8 heap, and allocating three per call cost more
  // than the automaton pass over a short text. Entries are valid only when
  // their stamp equals `epoch` (no clearing between calls). plan() is
  // synchronous and calls nothing that re-enters it.
  private epoch = 0;
  /** Stamp: a required literal of the rule was found. */
  private readonly seenAt: Int32Array;
  /** Stamp: the rule's starts are out of order (need a sort). */
  private readonly unsortedAt: Int32Array;
  /** Code units of a text walked in halves (see plan). */
  private readonly units = new CodeUnitBuffer();
  /** (state, end) of each output state reached, in text order; `events2` holds the second walk's. */
  private events: Int32Array = new Int32Array(2048);
  private events2: Int32Array = new Int32Array(1024);
  /** Per rule, for bucketing starts in plan(): hit count, fill cursor, last start filled, and the rule's kind in the plan. */
  private readonly hitCount: Int32Array;
  private readonly cursor: Int32Array;
  private readonly lastAt: Int32Array;
  private readonly kind: Uint8Array;
  /** The rules plan() looks at in one call (those with hits, then sorted), and the rules without prefixes. */
  private readonly listed: Int32Array;
  private readonly unpinned: Int32Array;
  /** Every planned rule's starts, one range per rule (handed out as views: valid until the next plan()). */
  private positions = new Int32Array(1024);
  /** (rule, start) pairs of prefix hits, in text order. */
  private hits: Int32Array = new Int32Array(256);

  /**
   * The plan for `text`, in one pass. With `only`, rules whose entry is 0 are
   * left out.
   */
  plan(text: string, only?: Uint8Array): MatchPlan {
    if (this.epoch === 0x7fffffff) {
      this.epoch = 0;
      this.seenAt.fill(0);
      this.unsortedAt.fill(0);
    }
    this.epoch += 1;
    const epoch = this.epoch;
    const { seenAt, unsortedAt } = this;
    const len = text.length;
    // Pass 1: the automaton alone, recording (state, end) of every output
    // state. Each transition waits for the previous one (a dependent load),
    // so a long text is walked as two halves at once and the two chains
    // overlap: the second walk starts `maxLiteral` characters before the
    // middle (every literal ending at or after the middle starts inside its
    // window) and records only outputs that end at or after the middle.
    const overlap = this.maxLiteral;
    const mid = len >= 4 * overlap && len >= 256 ? len >> 1 : len;
    // A text walked in halves is first copied into a code-unit buffer (a
    // typed-array read costs a third of charCodeAt's); a short one is read
    // in place (the copy's fixed cost would exceed what it saves).
    const u = mid < len ? this.units.of(text) : EMPTY_UNITS;
    // Event buffers grow on demand (output states are a minority of
    // characters; sizing them by the text would zero-fill megabytes per call).
    let ev = this.events;
    let ev2 = this.events2;
    const { cls, next, firstOut } = this;
    let e = 0;
    let e2 = 0;
    let s = 0;
    let q = 0;
    let k = mid - overlap;
    if (mid < len) {
      for (let i = 0; i < mid; i += 1, k += 1) {
        s = next[s + (cls[u[i] as number] as number)] as number;
        q = next[q + (cls[u[k] as number] as number)] as number;
        if (s >= firstOut) {
          if (e === ev.length) ev = grow(ev);
          ev[e] = s;
          ev[e + 1] = i + 1;
          e += 2;
        }
        if (q >= firstOut && k >= mid) {
          if (e2 === ev2.length) ev2 = grow(ev2);
          ev2[e2] = q;
          ev2[e2 + 1] = k + 1;
          e2 += 2;
        }
      }
      for (; k < len; k += 1) {
        q = next[q + (cls[u[k] as number] as number)] as number;
        if (q >= firstOut) {
          if (e2 === ev2.length) ev2 = grow(ev2);
          ev2[e2] = q;
          ev2[e2 + 1] = k + 1;
          e2 += 2;
        }
      }
      if (ev.length < e + e2) ev = grow(ev, e + e2);
      ev.set(ev2.subarray(0, e2), e);
      e += e2;
    } else {
      for (let i = 0; i < len; i += 1) {
        s = next[s + (cls[text.charCodeAt(i)] as number)] as number;
        if (s >= firstOut) {
          if (e === ev.length) ev = grow(ev);
          ev[e] = s;
          ev[e + 1] = i + 1;
          e += 2;
        }
      }
    }
    // Keep grown scratch for the next call, up to a bound (a huge input must not pin memory).
    this.events = ev.length <= SCRATCH_KEEP ? ev : new Int32Array(2048);
    this.events2 = ev2.length <= SCRATCH_KEEP ? ev2 : new Int32Array(1024);
    // Pass 2: the outputs, in text order.
    let hits = this.hits;
    let h = 0;
    const { outStart, actions, width, anchorMin, anchorMax, wordStart } = this;
    for (let x = 0; x < e; x += 2) {
      const id = ((ev[x] as number) / width) | 0;
      const end = ev[x + 1] as number;
      const to = outStart[id + 1] as number;
      for (let o = outStart[id] as number; o < to; o += 2) {
        const a = actions[o] as number;
        const kind = a & 3;
        if (kind === REQUIRED) {
          seenAt[a >> 2] = epoch;
          continue;
        }
        const r = a >> 2;
        const at = end - (actions[o + 1] as number);
        // A prefix starts a match here; an anchor within its window before here.
        const lo = kind === ANCHOR ? Math.max(0, at - (anchorMax[r] as number)) : at;
        const hi = kind === ANCHOR ? at - (anchorMin[r] as number) : at;
        for (let p = lo; p <= hi; p += 1) {
          // A rule that starts with \b cannot match where both sides are alike.
          if (wordStart[r] === 1 && (p > 0 && WORD[text.charCodeAt(p - 1)] === 1) === (WORD[text.charCodeAt(p)] === 1)) continue;
          if (h === hits.length) hits = grow(hits);
          hits[h] = r;
          hits[h + 1] = p;
          h += 2;
        }
      }
    }
    if (hits.length <= SCRATCH_KEEP) this.hits = hits;
    const { hasRequired, hasPrefix, shortPrefix, spread, cursor, lastAt } = this;
    const count = this.hitCount;
    // A rule whose prefixes start at more offsets than this scans the text
    // instead: one native scan beats thousands of sticky tries (same matches).
    const denseAt = denseLimit(text.length);
    // Bucket the starts per rule with a counting sort into one reused buffer:
    // count each rule's hits, give each candidate rule its range, fill the
    // ranges. Only rules with hits, and those without prefixes, are looked
    // at (not every rule: that loop cost more than a short text's pass).
    const list = this.listed;
    let nl = 0;
    for (let k = 0; k < h; k += 2) count[hits[k] as number] = 0;
    for (let k = 0; k < h; k += 2) {
      const r = hits[k] as number;
      const c = count[r] as number;
      if (c === 0) list[nl++] = r;
      count[r] = c + 1;
    }
    const unpinned = this.unpinned;
    for (let k = 0; k < unpinned.length; k += 1) list[nl++] = unpinned[k] as number;
    // Ascending rule order (no rule is listed twice).
    sortUnique(list, 0, nl);
    // kind[r]: 0 not in the plan, 1 full scan, 2 tried at its starts (range from cursor[r]).
    const kind = this.kind;
    let total = 0;
    for (let t = 0; t < nl; t += 1) {
      const r = list[t] as number;
      if ((only !== undefined && only[r] !== 1) || (hasRequired[r] === 1 && seenAt[r] !== epoch)) kind[r] = 0;
      else if (hasPrefix[r] !== 1) kind[r] = 1;
      // Each start is hit at most once per literal of the rule: past 8x the limit the list is dense whatever the duplicates.
      else if ((count[r] as number) > denseAt * 8 * (spread[r] as number) && shortPrefix[r] === 1) kind[r] = 1;
      else {
        kind[r] = 2;
        cursor[r] = total;
        lastAt[r] = -1;
        total += count[r] as number;
      }
    }
    // Grow as needed; don't keep one sized for a huge input.
    if (this.positions.length < total || this.positions.length > Math.max(1 << 16, total * 4)) this.positions = new Int32Array(Math.max(1024, total + (total >> 1)));
    const positions = this.positions;
    for (let k = 0; k < h; k += 2) {
      const r = hits[k] as number;
      if (kind[r] !== 2) continue;
      const p = hits[k + 1] as number;
      const last = lastAt[r] as number;
      if (p === last) continue;
      if (p < last) unsortedAt[r] = epoch;
      lastAt[r] = p;
      const c = cursor[r] as number;
      positions[c] = p;
      cursor[r] = c + 1;
    }
    const rules: number[] = [];
    const from: number[] = [];
    const to: number[] = [];
    let range = 0;
    for (let t = 0; t < nl; t += 1) {
      const r = list[t] as number;
      const kr = kind[r] as number;
      if (kr === 0) continue;
      rules.push(r);
      if (kr === 1) {
        from.push(-1);
        to.push(-1);
        continue;
      }
      const lo = range;
      let hi = cursor[r] as number;
      range += count[r] as number;
      if (unsortedAt[r] === epoch) hi = sortUnique(positions, lo, hi);
      const dense = hi - lo > denseAt * (spread[r] as number) && shortPrefix[r] === 1;
      from.push(dense ? -1 : lo);
      to.push(dense ? -1 : hi);
    }
    return { rules, from, to, positions };
  }
}

/** Largest scratch buffer (in entries) a matcher keeps between calls: 2 MiB of Int32 (enough for a 1 MB input). */
const SCRATCH_KEEP = 1 << 19;

/** A copy of `a` with room for at least `min` (default: twice as many) entries. */
function grow(a: Int32Array, min = 0): Int32Array {
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

const matchers = new Map<string, LiteralMatcher>();

/**
 * A {@link LiteralMatcher} for `rules`, shared between guards built from the
 * same literals (building one takes tens of milliseconds; it is immutable).
 */
export function literalMatcher(rules: readonly PatternLiterals[]): LiteralMatcher {
  const key = JSON.stringify(rules.map((r) => [r.prefixes ?? null, r.required ?? null, r.anchor ?? null, r.wordStart === true]));
  const cached = matchers.get(key);
  if (cached !== undefined) return cached;
  const m = new LiteralMatcher(rules);
  if (matchers.size >= 16) matchers.clear();
  matchers.set(key, m);
  return m;
}
