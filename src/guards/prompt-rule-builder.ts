/**
 * Small helpers to write prompt rules as readable word lists while keeping
 * every pattern small and linear-time.
 *
 * Word rules run on the WORD VIEW of the normalised text (every run of
 * characters other than a-z and 0-9 became one space), so words are separated
 * by exactly one space and optional filler words are `(?:\w+ ){0,n}?`:
 * disjoint classes and bounded counts, so no two quantifiers can fight over
 * the same characters. Text rules (punctuation-sensitive: template tokens,
 * quotes, URLs) use {@link TSEP} between words.
 *
 * @module guards/prompt-rule-builder
 */

/** Separator between two words in the word view: one space. */
export const SEP = ' ';

/** Separator between two words in the text view: 1-5 non-word characters. */
export const TSEP = String.raw`\W{1,5}`;

/** Up to `n` filler words in the word view, each followed by a space (lazy). */
export function filler(n: number): string {
  return `(?:\\w+ ){0,${n}}?`;
}

/** Up to `n` filler words in the text view. */
export function tfiller(n: number): string {
  return String.raw`(?:\w+\W{1,5}){0,${n}}?`;
}

/** Non-capturing alternation of word-view phrases (single spaces between words). */
export function alt(words: readonly string[]): string {
  return `(?:${words.join('|')})`;
}

/** Non-capturing alternation of text-view phrases (spaces become {@link TSEP}). */
export function talt(words: readonly string[]): string {
  return `(?:${words.map((w) => w.replace(/ /g, TSEP)).join('|')})`;
}

/** A word-bounded, global regex from `source`. */
export function rx(source: string): RegExp {
  return new RegExp(String.raw`\b${source}`, 'g');
}
