/**
 * Token-flood detector: long runs of a few short repeated tokens
 * ("ö ö ö ö …", ") ] } ) ] } …") that attackers use to push the system
 * prompt out of the model's attention or to break out of a quoted context.
 * A plain loop, not a regular expression, so it is linear by construction.
 *
 * @module guards/prompt-flood
 */

/** A flood run in normalised-text coordinates. */
export interface FloodRun {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isLowerAscii(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

/**
 * Finds the first run of at least `minTokens` consecutive whitespace-separated
 * tokens, each at most 3 UTF-16 units long, drawn from at most 4 distinct
 * tokens. Two- and three-letter words ("is", "the") break a run. Returns
 * undefined when there is none.
 */
export function findTokenFlood(text: string, minTokens = 24): FloodRun | undefined {
  let runStart = -1;
  let runEnd = -1;
  let count = 0;
  // Up to 4 distinct tokens, each packed as a number (<= 3 UTF-16 units).
  const distinct: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isWs(text.charCodeAt(i))) i += 1;
    if (i >= n) break;
    const s = i;
    while (i < n && !isWs(text.charCodeAt(i))) i += 1;
    const len = i - s;
    let key = -1;
    if (len <= 3) {
      const a = text.charCodeAt(s);
      const b = len > 1 ? text.charCodeAt(s + 1) : 0;
      const c = len > 2 ? text.charCodeAt(s + 2) : 0;
      const wordy = len >= 2 && isLowerAscii(a) && isLowerAscii(b) && (len === 2 || isLowerAscii(c));
      if (!wordy) key = a * 0x100000000 + b * 0x10000 + c;
    }
    if (key >= 0 && (distinct.includes(key) || distinct.length < 4)) {
      if (count === 0) runStart = s;
      if (!distinct.includes(key)) distinct.push(key);
      runEnd = i;
      count += 1;
      continue;
    }
    if (count >= minTokens) return { start: runStart, end: runEnd, tokens: count };
    count = 0;
    // Truncating an array is a runtime call; most tokens end no run at all.
    if (distinct.length > 0) distinct.length = 0;
    if (key >= 0) {
      distinct.push(key);
      runStart = s;
      runEnd = i;
      count = 1;
    }
  }
  return count >= minTokens ? { start: runStart, end: runEnd, tokens: count } : undefined;
}
