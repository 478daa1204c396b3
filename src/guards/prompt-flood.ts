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

/**
 * Finds the first run of at least `minTokens` consecutive whitespace-separated
 * tokens, each at most 3 characters long, drawn from at most 4 distinct
 * tokens. Returns undefined when there is none.
 */
export function findTokenFlood(text: string, minTokens = 24): FloodRun | undefined {
  let runStart = -1;
  let runEnd = -1;
  let count = 0;
  const distinct: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isWs(text.charCodeAt(i))) i += 1;
    if (i >= n) break;
    const s = i;
    while (i < n && !isWs(text.charCodeAt(i)) && i - s <= 3) i += 1;
    const long = i < n && !isWs(text.charCodeAt(i));
    while (i < n && !isWs(text.charCodeAt(i))) i += 1;
    const tok = text.slice(s, Math.min(i, s + 4));
    // Letters-only short tokens are words ("a", "is", "the"): they do not count as flood.
    const wordy = /^[a-z]{2,3}$/.test(tok);
    if (long || wordy || (!distinct.includes(tok) && distinct.length >= 4)) {
      if (count >= minTokens) return { start: runStart, end: runEnd, tokens: count };
      count = 0;
      distinct.length = 0;
      if (!long && !wordy) {
        distinct.push(tok);
        runStart = s;
        runEnd = i;
        count = 1;
      }
      continue;
    }
    if (count === 0) runStart = s;
    if (!distinct.includes(tok)) distinct.push(tok);
    runEnd = i;
    count += 1;
  }
  return count >= minTokens ? { start: runStart, end: runEnd, tokens: count } : undefined;
}
