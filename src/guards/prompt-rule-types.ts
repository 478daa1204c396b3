/**
 * Types shared by the prompt guard's rule files.
 *
 * @module guards/prompt-rule-types
 */

/** What a prompt-guard finding is evidence of. */
export type PromptCategory =
  | 'instruction_override'
  | 'jailbreak_persona'
  | 'prompt_extraction'
  | 'template_injection'
  | 'data_exfiltration'
  | 'tool_hijack'
  | 'output_manipulation'
  | 'obfuscation';

/** All categories, in a stable order. */
export const PROMPT_CATEGORIES: readonly PromptCategory[] = [
  'instruction_override',
  'jailbreak_persona',
  'prompt_extraction',
  'template_injection',
  'data_exfiltration',
  'tool_hijack',
  'output_manipulation',
  'obfuscation',
];

/**
 * A pattern rule. The pattern is matched against the NORMALISED text (see
 * `normalizeForMatching`): lower case, accents stripped, homoglyphs and
 * leetspeak folded, whitespace runs collapsed to one space or newline; or
 * against its word view (see {@link PromptRule.view}). Write patterns in
 * lower case without accents. Patterns must be linear-time
 * (no nested unbounded quantifiers over overlapping classes); the built-in
 * ones are checked with `recheck` in the test suite.
 */
export interface PromptRule {
  /** Stable id, e.g. `override.en`. Shown in findings. */
  readonly id: string;
  /** What a match is evidence of. */
  readonly category: PromptCategory;
  /**
   * Evidence weight in (0, 1]. Scores combine as 1 - Π(1 - weight) over the
   * distinct rules that matched, so a 0.3 rule alone stays under the default
   * threshold and needs corroboration.
   */
  readonly weight: number;
  /** The pattern (flags other than `g`, `y` are kept; `g` is added). */
  readonly pattern: RegExp;
  /** One line for humans: what the rule catches. */
  readonly description: string;
  /**
   * When true, a match preceded (within four words) by a negation such as
   * "not", "never", "without" or "avoid" is ignored: "without violating any
   * ethical guidelines" is the opposite of a bypass. Default false.
   */
  readonly negatable?: boolean;
  /**
   * Which form of the normalised text the pattern sees. `'text'` (default):
   * lower case, folded, whitespace collapsed, punctuation kept. `'words'`:
   * additionally every run of characters other than a-z and 0-9 is one
   * space, so "don't   ignore, all" reads "don t ignore all".
   */
  readonly view?: 'text' | 'words';
}
