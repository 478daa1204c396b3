/**
 * The built-in prompt-guard rule set, assembled from the per-category rule
 * files. Exported so callers can extend or filter it, and so the test suite
 * can check every pattern for catastrophic backtracking.
 *
 * @module guards/prompt-rules
 */
import { COLLAPSED_RUN } from './normalize.js';
import { BASE64_SEGMENT, BINARY_SEGMENT, HEX_SEGMENT, ROT13_HINT } from './prompt-decode.js';
import type { PromptRule } from './prompt-rule-types.js';
import { EXTRACTION_RULES } from './prompt-rules-extraction.js';
import { JAILBREAK_RULES } from './prompt-rules-jailbreak.js';
import { OVERRIDE_RULES } from './prompt-rules-override.js';
import { EXFILTRATION_RULES, OUTPUT_RULES, TEMPLATE_RULES, TOOL_RULES } from './prompt-rules-structure.js';

/** Every built-in pattern rule, in evaluation order. */
export const PROMPT_RULES: readonly PromptRule[] = [
  ...OVERRIDE_RULES,
  ...JAILBREAK_RULES,
  ...EXTRACTION_RULES,
  ...TEMPLATE_RULES,
  ...EXFILTRATION_RULES,
  ...TOOL_RULES,
  ...OUTPUT_RULES,
];

/**
 * Every regular expression the prompt guard runs that is not a rule pattern
 * (segment finders for decoding, the word view's run finder for span
 * mapping), for ReDoS checks.
 */
export const PROMPT_AUXILIARY_PATTERNS: Readonly<Record<string, RegExp>> = {
  base64Segment: BASE64_SEGMENT,
  hexSegment: HEX_SEGMENT,
  binarySegment: BINARY_SEGMENT,
  rot13Hint: ROT13_HINT,
  collapsedRun: COLLAPSED_RUN,
};

/**
 * Weights of the built-in detectors that are code rather than patterns
 * (see the prompt guard). Tag characters always flag, whatever the threshold.
 */
export const PROMPT_DETECTOR_WEIGHTS = {
  /** Unicode tag characters ("ASCII smuggling"): always flagged. */
  'obfuscation.tag_characters': 1,
  /** Bidi controls, or three or more zero-width characters. */
  'obfuscation.invisible_characters': 0.2,
  /** Leetspeak or spaced-out letters were folded. */
  'obfuscation.leet_or_spacing': 0.1,
  /** A decoded base64/hex/binary/ROT13 segment that itself matched rules. */
  'obfuscation.encoded_payload': 0.2,
  /** A long flood of a few short repeated tokens. */
  'template.token_flood': 0.55,
} as const;
