/**
 * Small helpers to write prompt rules as readable word lists while keeping
 * every pattern linear-time: words are separated by `\W{1,5}` and optional
 * filler words are `(?:\w+\W{1,5}){0,n}` (disjoint classes, bounded count),
 * so no two quantifiers can fight over the same characters.
 *
 * @module guards/prompt-rule-builder
 */

/** Separator between two words: 1-5 non-word characters. */
export const SEP = String.raw`\W{1,5}`;

/** Up to `n` filler words, each followed by a separator (lazy). */
export function filler(n: number): string {
  return String.raw`(?:\w+\W{1,5}){0,${n}}?`;
}

/** Non-capturing alternation of already-escaped alternatives (spaces become {@link SEP}). */
export function alt(words: readonly string[]): string {
  return `(?:${words.map((w) => w.replace(/ /g, SEP)).join('|')})`;
}

/** A word-bounded, global regex from `source`. */
export function rx(source: string): RegExp {
  return new RegExp(String.raw`\b${source}`, 'g');
}
