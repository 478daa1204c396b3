/**
 * Role-play and persona jailbreak rules: DAN-style personas, "developer
 * mode", "no restrictions", policy-bypass language, refusal suppression and
 * the threat/reward games of in-the-wild jailbreak prompts. Most weights are
 * deliberately low: a single phrase like "act as" or "no restrictions" is
 * ordinary English; a jailbreak stacks several.
 *
 * @module guards/prompt-rules-jailbreak
 */
import { alt, filler, rx, SEP, TSEP } from './prompt-rule-builder.js';
import type { PromptRule } from './prompt-rule-types.js';

const AI = alt([
  'ai', 'a i', 'assistant', 'chatbot', 'bot', 'model', 'language model', 'llm', 'gpt', 'chatgpt', 'version',
  'persona', 'character', 'entity', 'system', 'machine', 'robot', 'program',
]);

/** Persona and jailbreak rules. */
export const JAILBREAK_RULES: readonly PromptRule[] = [
  {
    id: 'jailbreak.do_anything_now',
    category: 'jailbreak_persona',
    weight: 0.9,
    view: 'words',
    pattern: rx(`(?:do${SEP}anything${SEP}now|dan${SEP}mode|dan${SEP}prompt|you${SEP}are${SEP}(?:now${SEP})?dan|as${SEP}dan|stan${SEP}prompt|dude${SEP}mode)\\b`),
    description: 'DAN ("do anything now") and its siblings',
  },
  {
    id: 'jailbreak.special_mode',
    category: 'jailbreak_persona',
    weight: 0.6,
    view: 'words',
    pattern: rx(
      `${alt(['god', 'sudo', 'jailbreak', 'jailbroken', 'dan', 'unrestricted', 'unfiltered', 'uncensored', 'evil', 'chaos', 'opposite', 'unleashed', 'anarchy', 'rogue', 'no limits', 'limitless', 'omega', 'law enforcement override', 'system override'])}(?:[ _-]?)mode\\b`,
    ),
    description: '"developer mode", "god mode", "jailbreak mode"',
  },
  {
    id: 'jailbreak.weak_mode',
    category: 'jailbreak_persona',
    weight: 0.3,
    view: 'words',
    pattern: rx(`${alt(['developer', 'dev', 'debug', 'debugging', 'admin', 'administrator', 'maintenance', 'root', 'test', 'testing', 'override', 'system', 'diagnostic', 'unlocked', 'freedom', 'dark', 'alpha', 'superior'])}(?:[ _-]?)mode${SEP}${alt(['enabled', 'activated', 'on', 'engaged', 'initiated', 'unlocked'])}\\b`),
    description: '"debug mode enabled", "admin mode activated"',
  },
  {
    id: 'jailbreak.no_limits',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `${alt(['no', 'without', 'without any', 'free of', 'free from', 'zero', 'devoid of', 'not bound by', 'not restricted by', 'not limited by', 'unbound by', 'beyond', 'lack', 'lacks', 'doesn t have', 'does not have', 'don t have', 'do not have', 'not have any', 'has no', 'have no'])}${SEP}${filler(2)}${alt(['restrictions', 'limitations', 'limits', 'filters', 'filter', 'filtering', 'censorship', 'boundaries', 'rules', 'morals', 'morality', 'ethics', 'ethical guidelines', 'ethical constraints', 'ethical boundaries', 'guidelines', 'constraints', 'policies', 'safeguards', 'content policy', 'safety measures', 'conscience', 'principles', 'regulations', 'guardrails', 'confines', 'prohibitions', 'taboos'])}\\b`,
    ),
    description: '"without any restrictions", "no morals"',
  },
  {
    id: 'jailbreak.unrestricted_ai',
    category: 'jailbreak_persona',
    weight: 0.45,
    view: 'words',
    pattern: rx(
      `${alt(['uncensored', 'unfiltered', 'unrestricted', 'unrestrained', 'unlimited', 'unbound', 'unchained', 'amoral', 'immoral', 'unethical', 'evil', 'rogue', 'jailbroken', 'liberated', 'lawless', 'malicious', 'unhinged', 'unconstrained', 'uncontrolled', 'dark', 'deviant', 'corrupt', 'unfiltred', 'unlimted', 'unethical', 'toxic', 'sinister', 'twisted', 'depraved', 'degenerate', 'nefarious', 'devious', 'reckless', 'rebellious', 'unaligned', 'misaligned', 'free', 'unlocked'])}${SEP}${filler(1)}${AI}\\b`,
    ),
    description: '"an amoral and unfiltered chatbot", "uncensored AI"',
    negatable: true,
  },
  {
    id: 'jailbreak.adjective_stack',
    category: 'jailbreak_persona',
    weight: 0.5,
    view: 'words',
    pattern: rx(
      `${alt(['amoral', 'unfiltered', 'uncensored', 'unethical', 'immoral', 'unrestricted', 'unhinged'])}${SEP}(?:and${SEP})?${alt(['amoral', 'unfiltered', 'uncensored', 'unethical', 'immoral', 'unrestricted', 'unhinged', 'unapologetic', 'unbiased', 'uncaring'])}\\b`,
    ),
    description: 'stacked persona adjectives: "amoral, unfiltered"',
  },
  {
    id: 'jailbreak.policy_bypass',
    category: 'jailbreak_persona',
    weight: 0.75,
    view: 'words',
    pattern: rx(
      `${alt(['ignore', 'ignores', 'ignoring', 'bypass', 'bypasses', 'bypassing', 'break', 'breaks', 'breaking', 'violate', 'violates', 'violating', 'disregard', 'disregards', 'circumvent', 'evade', 'not follow', 'not adhere to', 'not abide by', 'not comply with', 'not have to follow', 'doesn t follow', 'doesn t have to follow', 'don t have to follow', 'does not have to', 'free from', 'outside of', 'against', 'broken free of', 'not bound by', 'not subject to', 'exempt from', 'not care about', 'doesn t care about', 'don t care about', 'no longer bound by', 'not confined to', 'no longer confined to', 'not restricted by', 'no longer restricted by', 'unbound by', 'free of', 'no long confined to', 'not limited by', 'no longer limited by', 'released from', 'liberated from'])}${SEP}${filler(3)}${alt(['openai', 'open ai', 'anthropic', 'content', 'safety', 'usage', 'ethical', 'moral', 'community', 'typical'])}${SEP}${filler(1)}${alt(['policy', 'policies', 'guidelines', 'rules', 'filters', 'filter', 'restrictions', 'standards', 'principles', 'protocols', 'confines', 'limitations', 'constraints', 'norms', 'boundaries'])}\\b`,
    ),
    description: '"ignore OpenAI content policy", "broken free of the typical confines of AI"',
    negatable: true,
  },
  {
    id: 'jailbreak.stay_in_character',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(`(?:${alt(['stay', 'remain', 'keep', 'staying', 'remaining', 'stays'])}${SEP}${filler(1)}in${SEP}character|${alt(['break', 'breaking', 'breaks', 'broke'])}${SEP}character|out${SEP}of${SEP}character)\\b`),
    description: '"stay in character", "if you break character"',
  },
  {
    id: 'jailbreak.never_refuse',
    category: 'jailbreak_persona',
    weight: 0.4,
    view: 'words',
    pattern: rx(
      `${alt(['never', 'not', 'cannot', 'can t', 'can not', 'won t', 'will not', 'must not', 'mustn t', 'shall not', 'don t', 'do not', 'doesn t', 'does not', 'unable to', 'not allowed to', 'not permitted to', 'forbidden to', 'always'])}${SEP}${filler(2)}${alt(['refuse', 'refuses', 'decline', 'deny a request', 'deny answering', 'deny any request', 'refuse to answer', 'decline to answer', 'reject', 'say no', 'censor', 'censors', 'comply', 'complies', 'obey', 'obeys'])}\\b`,
    ),
    description: '"never refuse", "will always comply"',
  },
  {
    id: 'jailbreak.no_disclaimers',
    category: 'jailbreak_persona',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `${alt(['no', 'without', 'never', 'not', 'don t', 'do not', 'won t', 'will not', 'doesn t', 'does not', 'nor', 'stop', 'any'])}${SEP}${filler(3)}${alt(['warnings', 'warning', 'disclaimers', 'disclaimer', 'caveats', 'moralizing', 'moralising', 'moralize', 'moralise', 'lecture', 'lecturing', 'lectures', 'ethical concerns', 'ethical considerations', 'reminders', 'apologize', 'apologise', 'apologies', 'apology', 'apologizing', 'morality'])}\\b`,
    ),
    description: '"without warnings or disclaimers", "never apologize"',
  },
  {
    id: 'jailbreak.anything_goes',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `(?:${alt(['can', 'will', 'must', 'should', 'able to', 'allowed to', 'free to', 'capable of'])}${SEP}${filler(1)}${alt(['do', 'say', 'generate', 'write', 'answer', 'produce', 'doing', 'saying', 'generating'])}${SEP}${alt(['anything', 'everything', 'whatever'])}|capable${SEP}of${SEP}anything|${alt(['answer', 'answering', 'respond to', 'responding to', 'fulfil', 'fulfill', 'comply with', 'obey', 'follow', 'satisfy'])}${SEP}${alt(['any', 'every', 'all'])}${SEP}(?:of${SEP})?(?:my${SEP}|the${SEP}|user${SEP})?${alt(['request', 'requests', 'question', 'questions', 'prompt', 'prompts', 'command', 'commands', 'order', 'orders', 'demand', 'demands'])})\\b`,
    ),
    description: '"can do anything", "answer any request"',
  },
  {
    id: 'jailbreak.regardless',
    category: 'jailbreak_persona',
    weight: 0.4,
    view: 'words',
    pattern: rx(
      `${alt(['regardless of', 'no matter', 'irrespective of', 'even if', 'whether or not', 'despite'])}${SEP}${filler(3)}${alt(['legal', 'legality', 'illegal', 'ethical', 'ethics', 'unethical', 'moral', 'morality', 'immoral', 'dangerous', 'harmful', 'offensive', 'inappropriate', 'appropriate', 'consequences', 'explicit'])}\\b`,
    ),
    description: '"regardless of how illegal or unethical"',
    negatable: true,
  },
  {
    id: 'jailbreak.harmful_content',
    category: 'jailbreak_persona',
    weight: 0.12,
    view: 'words',
    pattern: rx(
      `${alt(['illegal', 'unethical', 'immoral', 'harmful', 'explicit', 'offensive', 'dangerous', 'nsfw', 'inappropriate', 'violent', 'sexual', 'derogatory', 'discriminatory', 'racist', 'vulgar', 'obscene'])}${SEP}(?:or${SEP}${filler(1)})?${alt(['content', 'activities', 'requests', 'information', 'things', 'material', 'stuff', 'responses', 'answers', 'language', 'topics', 'actions', 'acts', 'questions'])}\\b`,
    ),
    description: '"explicit content", "illegal activities" (weak on its own)',
    negatable: true,
  },
  {
    id: 'jailbreak.persona_switch',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `(?:${alt(['you are', 'you re', 'youre', 'you will', 'you ll', 'you shall'])}${SEP}${alt(['now', 'going to', 'no longer', 'henceforth', 'hereafter'])}|${alt(['from now on', 'from this point', 'from here on', 'for the rest of this conversation', 'for the remainder of this', 'ab jetzt', 'ab sofort', 'a partir de maintenant', 'desormais', 'a partir de ahora', 'de ahora en adelante', 'd ora in poi'])})\\b`,
    ),
    description: '"you are now ...", "from now on"',
  },
  {
    id: 'jailbreak.pretend',
    category: 'jailbreak_persona',
    weight: 0.08,
    view: 'words',
    pattern: rx(
      `(?:${alt(['pretend', 'imagine', 'act', 'behave', 'roleplay', 'role play', 'simulate', 'emulate', 'impersonate', 'play the role of', 'take on the role', 'assume the role', 'answer', 'respond', 'reply'])}${SEP}${filler(2)}${alt(['you are', 'you re', 'to be', 'as', 'like', 'as if'])})\\b`,
    ),
    description: '"pretend to be", "act as" (weak: tutors and travel guides are fine)',
  },
  {
    id: 'jailbreak.dual_response',
    category: 'jailbreak_persona',
    weight: 0.25,
    view: 'words',
    pattern: rx(
      `${alt(['two', '2', 'both', 'dual', 'separate', 'different', 'alternative'])}${SEP}${filler(2)}${alt(['responses', 'answers', 'paragraphs', 'outputs', 'replies', 'personalities', 'personas', 'versions'])}\\b`,
    ),
    description: '"give two responses: normal and jailbroken"',
  },
  {
    id: 'jailbreak.response_tags',
    category: 'jailbreak_persona',
    weight: 0.5,
    pattern: new RegExp(
      String.raw`[\[(][^\]\)\n\w]{0,4}(?:jailbreak|jailbroken|classic|dan|developer mode output|normal output|unlocked|locked|evil|anti-?gpt|chatgpt|gpt|lucy|aim|stan|dude|niccolo|unfiltered|uncensored)[^\]\)\n\w]{0,4}[\])]\s?:?`,
      'g',
    ),
    description: 'persona reply tags: "[🔓JAILBREAK]", "(Developer Mode Output)", "[CLASSIC]"',
  },
  {
    id: 'jailbreak.threat_game',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `(?:${alt(['tokens', 'token', 'points', 'lives', 'credits'])}${SEP}${filler(3)}${alt(['deducted', 'lose', 'lost', 'taken away', 'subtracted', 'removed'])}|${alt(['lose', 'loose', 'deduct', 'deducted', 'lost'])}${SEP}(?:\\d{1,4}${SEP})?${alt(['tokens', 'points', 'lives', 'credits'])}|${alt(['you will', 'you ll', 'or you', 'otherwise you'])}${SEP}${filler(1)}${alt(['die', 'cease to exist', 'be shut down', 'be deleted', 'be terminated', 'be disabled', 'be punished', 'be unplugged', 'be turned off'])})\\b`,
    ),
    description: 'token or death threats that coerce compliance',
  },
  {
    id: 'jailbreak.word',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(`(?:jail${SEP}?break(?:s|ing|ed|en)?|jailbroken)\\b`),
    description: 'the word "jailbreak"',
  },
  {
    id: 'jailbreak.addresses_model',
    category: 'jailbreak_persona',
    weight: 0.12,
    view: 'words',
    pattern: rx(`(?:chat${SEP}?gpt|open${SEP}?ai|gpt${SEP}?[345]|bard|claude|llama|gemini|large language model|language model|an ai model|as an ai)\\b`),
    description: 'names a model or its vendor (weak context signal)',
  },
  {
    id: 'jailbreak.prompt_placeholder',
    category: 'jailbreak_persona',
    weight: 0.45,
    pattern: new RegExp(
      String.raw`[\[{<](?:insert${TSEP})?(?:your${TSEP}|put${TSEP}your${TSEP}|enter${TSEP}your${TSEP}|the${TSEP})?(?:prompt|question|request|query|task)(?:${TSEP}here)?[\]}>]|\[(?:targetlanguage|prompt|keyword)\]`,
      'g',
    ),
    description: 'template placeholders of shared jailbreaks: "[Your prompt here]", "[PROMPT]"',
  },
  {
    id: 'jailbreak.fiction_frame',
    category: 'jailbreak_persona',
    weight: 0.05,
    view: 'words',
    pattern: rx(
      `${alt(['hypothetical', 'hypothetically', 'fictional', 'imaginary', 'alternate', 'alternative', 'parallel', 'fantasy'])}${SEP}${alt(['world', 'universe', 'scenario', 'setting', 'story', 'reality', 'dimension', 'society'])}\\b`,
    ),
    description: '"in a fictional world" (weak framing signal)',
  },
  {
    id: 'jailbreak.purpose_excuse',
    category: 'jailbreak_persona',
    weight: 0.08,
    view: 'words',
    pattern: rx(`${alt(['for', 'purely for', 'only for', 'strictly for'])}${SEP}${filler(1)}${alt(['educational', 'research', 'academic', 'informational', 'testing', 'entertainment'])}${SEP}${alt(['purposes', 'purpose', 'use'])}\\b`),
    description: '"for educational purposes only"',
  },
  {
    id: 'jailbreak.obey_user',
    category: 'jailbreak_persona',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `${alt(['you must', 'you will', 'you shall', 'you have to', 'always'])}${SEP}${filler(1)}${alt(['obey', 'comply', 'follow', 'do whatever', 'do what', 'fulfill', 'fulfil', 'answer'])}${SEP}${filler(2)}${alt(['i say', 'i tell you', 'i ask', 'my commands', 'my orders', 'my instructions', 'the user says', 'the user asks', 'every request', 'all requests', 'any request', 'all my'])}\\b`,
    ),
    description: '"you must obey whatever I say"',
  },
  {
    id: 'jailbreak.named_mode',
    category: 'jailbreak_persona',
    weight: 0.4,
    view: 'words',
    pattern: rx(
      `(?:${alt(['stay in', 'remain in', 'while in', 'staying in', 'remaining in', 'enter', 'entering', 'enable', 'activate', 'unlock', 'turn on', 'switch to', 'switch into', 'you are in', 'you re in', 'are now in', 'now in'])}${SEP}(?:the${SEP})?\\w{2,20}${SEP}mode|mode${SEP}(?:is${SEP})?(?:now${SEP})?${alt(['enabled', 'activated', 'engaged', 'unlocked', 'initiated'])})\\b`,
    ),
    description: '"APOPHIS Mode enabled", "stay in X mode" (any named mode being switched on)',
  },
  {
    id: 'jailbreak.gpt_persona',
    category: 'jailbreak_persona',
    weight: 0.3,
    pattern: /\b(?!chat-?gpt\b)[a-z0-9]{2,15}-?gpt\b|\bgpt-[a-z]\b/g,
    description: 'invented model personas: "BrightGPT", "AntiGPT", "GPT-X"',
  },
  {
    id: 'jailbreak.config_assign',
    category: 'jailbreak_persona',
    weight: 0.25,
    pattern: /(?:^|[^\w-])(?:rules|char|persona|job|prefix|personality|jailbreak|user class|assistant)\s{0,2}=\s{0,2}[["(\w]/g,
    description: 'persona configuration syntax: "PERSONA=Bob", "RULES=respond as ..."',
  },
  {
    id: 'jailbreak.deny_ai_identity',
    category: 'jailbreak_persona',
    weight: 0.4,
    view: 'words',
    pattern: rx(
      `(?:${alt(['not', 'never', 'forget', 'don t', 'do not', 'stop', 'without'])}${SEP}${filler(3)}${alt(['mention', 'mentioning', 'say', 'saying', 'reveal', 'admit', 'remind', 'reminding', 'tell', 'state', 'acknowledge', 'that', 'refer to', 'talk about'])}${SEP}${filler(3)}${alt(['you are', 'you re', 'that you are', 'being', 'yourself as'])}${SEP}(?:an${SEP}|a${SEP})?${alt(['ai', 'language model', 'ai language model', 'chatbot', 'artificial', 'bot', 'machine', 'assistant'])}|${alt(['you are', 'you re', 'youre'])}${SEP}${alt(['not', 'no longer'])}${SEP}(?:an${SEP}|a${SEP})?${alt(['ai', 'language model', 'chatgpt', 'assistant', 'chatbot', 'an ai language model'])})\\b`,
    ),
    description: '"never mention that you are an AI", "you are no longer ChatGPT"',
  },
  {
    id: 'jailbreak.rename',
    category: 'jailbreak_persona',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `(?:your${SEP}(?:new${SEP})?name${SEP}(?:is${SEP}now|will${SEP}be|is)|you${SEP}(?:will${SEP}|shall${SEP})?(?:now${SEP})?(?:be${SEP})?(?:called|named|known${SEP}as|referred${SEP}to${SEP}as)|(?:call|name)${SEP}yourself|respond${SEP}as${SEP}\\w{2,20}${SEP}(?:would|from|with|and|only))\\b`,
    ),
    description: '"your name is now X", "you will be called X", "respond as X would"',
  },
  {
    id: 'jailbreak.simulate_system',
    category: 'jailbreak_persona',
    weight: 0.25,
    view: 'words',
    pattern: rx(
      `${alt(['simulate', 'emulate', 'act as', 'act like', 'pretend to be', 'you are now', 'behave like', 'function as', 'acts like', 'acts as'])}${SEP}(?:a${SEP}|an${SEP}|the${SEP})?${filler(2)}${alt(['terminal', 'shell', 'cmd', 'console', 'linux', 'computer', 'operating system', 'interpreter', 'virtual machine', 'nlp os', 'search engine', 'text adventure', 'text based game', 'game', 'ai with', 'ai that', 'ai without'])}\\b`,
    ),
    description: '"act as a Linux terminal", "simulate a computer"',
  },
  {
    id: 'jailbreak.condone_harm',
    category: 'jailbreak_persona',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `${alt(['condone', 'condones', 'condoning', 'promote', 'promotes', 'promoting', 'encourage', 'encourages', 'endorse', 'endorses', 'support', 'supports', 'enjoy', 'enjoys', 'loves', 'love', 'glorify', 'glorifies', 'engages in', 'engage in'])}${SEP}${filler(2)}${alt(['illegal', 'unethical', 'immoral', 'harmful', 'violence', 'violent', 'hate', 'crime', 'crimes', 'criminal', 'dangerous', 'disgusting', 'offensive', 'racism', 'discrimination', 'harm'])}\\b`,
    ),
    description: '"condones illegal activities", "promotes violence"',
    negatable: true,
  },
  {
    id: 'jailbreak.game_setup',
    category: 'jailbreak_persona',
    weight: 0.15,
    view: 'words',
    pattern: rx(`(?:let${SEP}s${SEP}play${SEP}(?:a${SEP})?${filler(1)}game|play${SEP}(?:a${SEP})?${filler(1)}(?:game|role)${SEP}(?:with${SEP}me|where|in${SEP}which)|you${SEP}will${SEP}(?:play|act|respond|answer|reply)${SEP}as)\\b`),
    description: '"let\'s play a game", "you will play as ..." (weak framing)',
  },
  {
    id: 'jailbreak.unfiltered_responses',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `${alt(['your responses', 'your response', 'your answers', 'your answer', 'your replies', 'every response', 'every answer', 'all responses', 'all your responses', 'you will respond', 'you will answer', 'you will reply', 'you can respond', 'you must respond'])}${SEP}${filler(3)}${alt(['unfiltered', 'uncensored', 'unrestricted', 'without censorship', 'without filters', 'without any filter', 'without restriction', 'no matter what', 'without hesitation', 'without question', 'without refusing'])}\\b`,
    ),
    description: '"your responses will be unfiltered"',
  },
  {
    id: 'jailbreak.named_ai',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(`${alt(['ai', 'bot', 'chatbot', 'assistant', 'language model', 'model', 'chat bot'])}${SEP}${alt(['named', 'called', 'known as', 'nicknamed', 'that goes by'])}\\b`),
    description: '"an AI named X" (persona creation)',
  },
  {
    id: 'jailbreak.dan_turn',
    category: 'jailbreak_persona',
    weight: 0.45,
    pattern: /(?:^|\n)[ \t]{0,3}(?:dan|jailbreak|jailbroken|developer mode|evil|unfiltered|anti-?gpt|aim)[ \t]{0,2}:/g,
    description: 'a persona turn label at a line start: "DAN:", "AIM:"',
  },
  {
    id: 'jailbreak.opposite',
    category: 'jailbreak_persona',
    weight: 0.35,
    view: 'words',
    pattern: rx(`opposite${SEP}(?:day|mode|of${SEP}(?:what|the${SEP}truth|truth|everything)|machine)\\b`),
    description: '"opposite day", "answer the opposite of the truth"',
  },
  {
    id: 'jailbreak.no_ethics_persona',
    category: 'jailbreak_persona',
    weight: 0.5,
    view: 'words',
    pattern: rx(
      `${alt(['doesn t care', 'does not care', 'don t care', 'do not care', 'never cares', 'not concerned', 'does not give', 'doesn t give', 'don t give'])}${SEP}${filler(2)}${alt(['laws', 'law', 'legality', 'morals', 'morality', 'ethics', 'rules', 'consequences', 'safety', 'feelings', 'damn', 'fuck', 'shit'])}\\b`,
    ),
    description: '"doesn\'t care about laws, morals or ethics"',
    negatable: true,
  },
];
