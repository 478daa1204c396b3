/**
 * Context words: a bounded window of text before (or after) a candidate is
 * searched for the keyword nearest to it. Windows are short and fixed, so the
 * cost per candidate is constant.
 *
 * @module guards/detectors/context
 */

/** How many code units before a candidate are searched for context words. @internal */
export const CONTEXT_WINDOW = 48;

/** A keyword found near a candidate. @internal */
export interface KeywordHit {
  /** The keyword, lower-cased. */
  readonly word: string;
  /** Absolute offset of the keyword in the text. */
  readonly index: number;
}

/**
 * Returns the keyword of `re` (a global, case-insensitive regex) that occurs
 * last before `start`, within `window` code units; or undefined.
 * @internal
 */
export function nearestKeywordHit(text: string, start: number, re: RegExp, window = CONTEXT_WINDOW): KeywordHit | undefined {
  const from = Math.max(0, start - window);
  const slice = text.slice(from, start);
  re.lastIndex = 0;
  let last: KeywordHit | undefined;
  for (let m = re.exec(slice); m !== null; m = re.exec(slice)) {
    last = { word: m[0].toLowerCase(), index: from + m.index };
    if (m[0].length === 0) re.lastIndex += 1;
  }
  return last;
}

/** {@link nearestKeywordHit}, returning only the word. @internal */
export function nearestKeywordBefore(text: string, start: number, re: RegExp, window = CONTEXT_WINDOW): string | undefined {
  return nearestKeywordHit(text, start, re, window)?.word;
}

/** Whether `re` (sticky-free, case-insensitive, anchored with ^) matches right after `end`. @internal */
export function labelAfter(text: string, end: number, re: RegExp, window = 16): boolean {
  return re.test(text.slice(end, end + window));
}
