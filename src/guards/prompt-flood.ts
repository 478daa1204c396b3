/**
 * Token-flood detector: long runs of a few short repeated tokens
 * ("ö ö ö ö …", ") ] } ) ] } …") that attackers use to push the system
 * prompt out of the model's attention or to break out of a quoted context.
 * A plain loop, not a regular expression, so it is linear by construction.
 *
 * @module guards/prompt-flood
 */
import { CodeUnitBuffer } from './code-units.js';

/** A flood run in normalised-text coordinates. */
export interface FloodRun {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
}

function isWs(c: number): boolean {
  return c <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d);
}

function isLowerAscii(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

// The text's UTF-16 code units (see code-units); reused, the scan is synchronous.
const units = new CodeUnitBuffer(1 << 15);
function codeUnits(text: string): Uint16Array {
  return units.of(text);
}

/**
 * Where the token loop must resume so that it misses no flood of `minTokens`
 * tokens (at least 3), when it is at `x` with no run started (text start, or
 * the end of a token of 4+ units); -1 when no flood can start at or after `x`.
 *
 * A flood's tokens are at most 3 units with whitespace between, so it holds
 * no 4 consecutive non-whitespace units (a "barrier") over at least
 * `2 * minTokens - 1` units. This looks for the first window that long
 * without a barrier, checking each window from its end backwards: a barrier
 * found rules out every window through it, so in ordinary prose, whose words
 * are barriers, a few units per window are read. The loop resumes where the
 * word holding the last barrier before the window ends: it would end any run
 * there, and no run before it reaches `minTokens`.
 */
function resumeAt(u: Uint16Array, x: number, n: number, minTokens: number): number {
  const w = 2 * minTokens - 1;
  let s = x;
  // Units (checked, e] hold no barrier start at or after s (none yet).
  let checked = s - 1;
  for (;;) {
    const e = s + w - 1;
    if (e >= n) return -1;
    // Barriers starting before `checked - 2` were ruled out by earlier checks.
    const lo = Math.max(s, checked - 2);
    let run = 0;
    let q = e;
    for (; q >= lo; q -= 1) {
      if (isWs(u[q] as number)) run = 0;
      else if (++run === 4) break;
    }
    if (q < lo) return s === x ? x : s + 3;
    // Units q..q+3 are a barrier: the next window starts after q, and
    // (q+3, e] holds no barrier start.
    s = q + 1;
    checked = e;
  }
}

/**
 * Finds the first run of at least `minTokens` consecutive whitespace-separated
 * tokens, each at most 3 UTF-16 units long, drawn from at most 4 distinct
 * tokens. Two- and three-letter words ("is", "the") break a run. Returns
 * undefined when there is none.
 */
export function findTokenFlood(text: string, minTokens = 24): FloodRun | undefined {
  const n = text.length;
  const u = codeUnits(text);
  // With fewer tokens the barrier argument of resumeAt does not hold; read every token.
  const skip = minTokens >= 3;
  let runStart = -1;
  let runEnd = -1;
  let count = 0;
  // Up to 4 distinct tokens, each packed as a number (<= 3 UTF-16 units): d0..d3, nd of them in use.
  let d0 = -1;
  let d1 = -1;
  let d2 = -1;
  let d3 = -1;
  let nd = 0;
  let i = skip ? resumeAt(u, 0, n, minTokens) : 0;
  if (i < 0) return undefined;
  while (i < n) {
    while (i < n && isWs(u[i] as number)) i += 1;
    if (i >= n) break;
    const s = i;
    while (i < n && !isWs(u[i] as number)) i += 1;
    const len = i - s;
    let key = -1;
    if (len <= 3) {
      const a = u[s] as number;
      const b = len > 1 ? (u[s + 1] as number) : 0;
      const c = len > 2 ? (u[s + 2] as number) : 0;
      const wordy = len >= 2 && isLowerAscii(a) && isLowerAscii(b) && (len === 2 || isLowerAscii(c));
      if (!wordy) key = a * 0x100000000 + b * 0x10000 + c;
    }
    if (key >= 0) {
      const known = key === d0 || key === d1 || key === d2 || key === d3;
      if (known || nd < 4) {
        if (count === 0) runStart = s;
        if (!known) {
          if (nd === 0) d0 = key;
          else if (nd === 1) d1 = key;
          else if (nd === 2) d2 = key;
          else d3 = key;
          nd += 1;
        }
        runEnd = i;
        count += 1;
        continue;
      }
    }
    if (count >= minTokens) return { start: runStart, end: runEnd, tokens: count };
    count = 0;
    d1 = -1;
    d2 = -1;
    d3 = -1;
    if (key >= 0) {
      d0 = key;
      nd = 1;
      runStart = s;
      runEnd = i;
      count = 1;
    } else {
      d0 = -1;
      nd = 0;
      if (skip && len > 3) {
        // A long token ends any run: skip ahead to where a flood can start.
        i = resumeAt(u, i, n, minTokens);
        if (i < 0) return undefined;
      }
    }
  }
  return count >= minTokens ? { start: runStart, end: runEnd, tokens: count } : undefined;
}
