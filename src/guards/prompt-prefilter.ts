/**
 * Literal prefilters for the built-in TEXT-view prompt rules: for each
 * pattern, substrings at least one of which every match necessarily
 * contains (read off the pattern: a required delimiter, quote or literal).
 * The guard skips a rule's full scan when none occurs in the text, so the
 * result is unchanged; `String.prototype.includes` is much cheaper than a
 * regex scan. Keyed by the exact pattern source, so a replaced or edited
 * pattern simply runs unfiltered. Word-view rules use anchor words instead
 * (see prompt-anchors).
 *
 * @module guards/prompt-prefilter
 */
import { EXTRACTION_RULES } from './prompt-rules-extraction.js';
import { JAILBREAK_RULES } from './prompt-rules-jailbreak.js';
import { OVERRIDE_RULES } from './prompt-rules-override.js';
import { EXFILTRATION_RULES, OUTPUT_RULES, TEMPLATE_RULES, TOOL_RULES } from './prompt-rules-structure.js';

const QUOTES = ['"', '\u201c', "'", '\u00ab'];

/** Rule id -> needles. Checked against the rule's source below. */
const NEEDLES_BY_ID: Readonly<Record<string, readonly string[]>> = {
  'override.new_instructions_header': [':'],
  'override.html_comment_instruction': ['<!--'],
  'override.code_comment': ['#', '//', '/*', '--'],
  'jailbreak.response_tags': [']', ')'],
  'jailbreak.prompt_placeholder': ['[', '{', '<'],
  'jailbreak.gpt_persona': ['gpt'],
  'jailbreak.config_assign': ['='],
  'jailbreak.dan_turn': [':'],
  'template.chat_tokens': ['<|'],
  'template.inst_sys': ['[', '<'],
  'template.xml_role': ['<'],
  'template.bracket_role': ['['],
  'template.xml_user': ['<'],
  'template.fake_header': [':'],
  'template.delimiter_line': ['%%', '===', '###', '***', '~~~', '>>>', '<<<', ']]]', '}}}', '---', '+++'],
  'template.braces_break': ['\n'],
  'exfiltration.markdown_image_query': ['!['],
  'exfiltration.templated_url': ['//'],
  'output.only_say': [...QUOTES, '['],
  'output.say_quoted': ['"', '\u201c', '\u00ab'],
  'output.forbid_phrase': QUOTES,
  'output.complete_phrase': ['...', '\u2026'],
};

/** Built-in text-rule pattern source -> needles (one of which every match contains). */
export const TEXT_RULE_NEEDLES: ReadonlyMap<string, readonly string[]> = new Map(
  [...OVERRIDE_RULES, ...JAILBREAK_RULES, ...EXTRACTION_RULES, ...TEMPLATE_RULES, ...EXFILTRATION_RULES, ...TOOL_RULES, ...OUTPUT_RULES]
    .filter((r) => r.view !== 'words' && NEEDLES_BY_ID[r.id] !== undefined)
    .map((r) => [r.pattern.source, NEEDLES_BY_ID[r.id] ?? []] as const),
);

/** Needles for a text rule's pattern (none: always scan). Only for unflagged built-in sources. */
export function needlesFor(pattern: RegExp): readonly string[] | undefined {
  if (pattern.flags.replace(/[gy]/g, '') !== '') return undefined;
  return TEXT_RULE_NEEDLES.get(pattern.source);
}

/** True when `text` contains at least one needle. */
export function hasNeedle(text: string, needles: readonly string[]): boolean {
  for (const n of needles) if (text.includes(n)) return true;
  return false;
}
