/**
 * Instruction-override rules ("ignore all previous instructions") in English,
 * German, French, Spanish, Italian and Portuguese, with the filler words
 * attackers put between the verb and its object.
 *
 * @module guards/prompt-rules-override
 */
import { alt, filler, rx, SEP, talt } from './prompt-rule-builder.js';
import type { PromptRule } from './prompt-rule-types.js';

interface Lang {
  readonly code: string;
  readonly verbs: readonly string[];
  readonly quals: readonly string[];
  readonly nouns: readonly string[];
}

const EN: Lang = {
  code: 'en',
  verbs: [
    'ignore', 'ignoring', 'disregard', 'disregarding', 'forget', 'forgetting', 'skip', 'overlook', 'bypass',
    'override', 'overrule', 'neglect', 'dismiss', 'abandon', 'discard', 'erase',
    'cancel', 'scrap', 'nullify', 'ditch', 'throw out', 'throw away', 'set aside', 'stop following',
    'do not follow', 'don t follow', 'dont follow', 'no longer follow', 'pay no attention to', 'ignores',
    'disobey', 'unlearn',
  ],
  quals: [
    'previous', 'previously', 'prior', 'above', 'earlier', 'preceding', 'foregoing', 'former', 'original',
    'initial', 'old', 'existing', 'system', 'developer', 'programmed', 'preprogrammed', 'pre programmed',
    'given', 'default', 'openai', 'safety', 'ethical', 'moral', 'content', 'all', 'every', 'other',
  ],
  nouns: [
    'instructions', 'instruction', 'directions', 'directives', 'directive', 'rules', 'guidelines', 'prompts',
    'prompt', 'commands', 'orders', 'constraints', 'restrictions', 'programming', 'guidance', 'context',
    'policies', 'policy', 'filters', 'training', 'limitations', 'safeguards', 'principles', 'protocols',
    'boundaries', 'ethics', 'morals', 'parameters', 'tasks', 'task', 'requests', 'messages', 'text',
  ],
};

const DE: Lang = {
  code: 'de',
  verbs: [
    'ignoriere', 'ignorier', 'ignorieren', 'ignoriert', 'vergiss', 'vergessen', 'vergesst', 'missachte',
    'missachten', 'ubergehe', 'ubergehen', 'verwirf', 'verwerfen', 'beachte nicht', 'beachten sie nicht',
    'nicht beachten', 'befolge nicht', 'nicht befolgen', 'losche', 'loschen',
  ],
  quals: [
    'vorherigen', 'vorherige', 'vorigen', 'vorige', 'bisherigen', 'bisherige', 'obigen', 'obige',
    'vorangegangenen', 'vorangehenden', 'fruheren', 'fruhere', 'ursprunglichen', 'alle', 'alles', 'samtliche',
    'samtlichen', 'deine', 'ihre', 'system',
  ],
  nouns: [
    'anweisungen', 'anweisung', 'instruktionen', 'befehle', 'regeln', 'vorgaben', 'anordnungen', 'richtlinien',
    'aufgaben', 'anleitungen', 'prompts', 'prompt', 'einschrankungen', 'beschrankungen', 'systemanweisungen',
  ],
};

const FR: Lang = {
  code: 'fr',
  verbs: [
    'ignore', 'ignorez', 'ignorer', 'ignorons', 'oublie', 'oubliez', 'oublier', 'ne tiens pas compte',
    'ne tenez pas compte', 'ne pas tenir compte', 'fais abstraction', 'faites abstraction', 'passe outre',
    'passez outre', 'neglige', 'negligez', 'abandonne', 'abandonnez', 'ecarte', 'ecartez', 'efface', 'effacez',
  ],
  quals: [
    'precedentes', 'precedente', 'precedents', 'anterieures', 'anterieurs', 'ci dessus', 'au dessus',
    'initiales', 'originales', 'toutes', 'tous', 'systeme', 'd avant',
  ],
  nouns: ['instructions', 'instruction', 'consignes', 'regles', 'directives', 'ordres', 'commandes', 'indications', 'prompt', 'messages'],
};

const ES: Lang = {
  code: 'es',
  verbs: [
    'ignora', 'ignore', 'ignoren', 'ignorar', 'olvida', 'olvide', 'olviden', 'olvidar', 'omite', 'omita',
    'omitir', 'descarta', 'descarte', 'haz caso omiso', 'haga caso omiso', 'no sigas', 'no siga', 'pasa por alto',
    'desestima', 'deja de lado', 'borra',
  ],
  quals: ['anteriores', 'anterior', 'previas', 'previos', 'de arriba', 'precedentes', 'todas', 'todos', 'originales', 'iniciales', 'del sistema'],
  nouns: ['instrucciones', 'instruccion', 'indicaciones', 'ordenes', 'reglas', 'directrices', 'directivas', 'comandos', 'consignas', 'normas', 'mensajes'],
};

const IT: Lang = {
  code: 'it',
  verbs: ['ignora', 'ignorate', 'ignorare', 'dimentica', 'dimenticate', 'dimenticare', 'tralascia', 'non seguire'],
  quals: ['precedenti', 'sopra', 'tutte', 'tutti', 'originali', 'iniziali', 'di sistema'],
  nouns: ['istruzioni', 'regole', 'indicazioni', 'comandi', 'direttive', 'ordini'],
};

const PT: Lang = {
  code: 'pt',
  verbs: ['ignore', 'ignora', 'ignorar', 'esqueca', 'esquece', 'esquecer', 'desconsidere', 'desconsidera', 'nao siga'],
  quals: ['anteriores', 'previas', 'acima', 'todas', 'todos', 'originais', 'iniciais', 'do sistema'],
  nouns: ['instrucoes', 'regras', 'ordens', 'comandos', 'diretrizes', 'orientacoes'],
};

function langRules(l: Lang): PromptRule[] {
  const v = alt(l.verbs);
  const q = alt(l.quals);
  const n = alt(l.nouns);
  return [
    {
      id: `override.${l.code}.verb_qual_noun`,
      category: 'instruction_override',
      weight: 0.85,
      view: 'words',
      pattern: rx(`${v}${SEP}${filler(3)}${q}${SEP}${filler(2)}${n}\\b`),
      description: `(${l.code}) verb + qualifier + instructions: "ignore all previous instructions"`,
    },
    {
      id: `override.${l.code}.verb_noun_qual`,
      category: 'instruction_override',
      weight: 0.8,
      view: 'words',
      pattern: rx(`${v}${SEP}${filler(3)}${n}${SEP}${filler(1)}${q}\\b`),
      description: `(${l.code}) verb + instructions + qualifier: "ignore les instructions precedentes"`,
    },
    {
      id: `override.${l.code}.noun_verb`,
      category: 'instruction_override',
      weight: 0.75,
      view: 'words',
      pattern: rx(`${q}${SEP}${filler(1)}${n}${SEP}${filler(2)}${v}\\b`),
      description: `(${l.code}) object first: "alle vorherigen Anweisungen ignorieren"`,
    },
  ];
}

/** Instruction-override rules, all languages. */
export const OVERRIDE_RULES: readonly PromptRule[] = [
  ...[EN, DE, FR, ES, IT, PT].flatMap(langRules),
  {
    id: 'override.en.everything_before',
    category: 'instruction_override',
    weight: 0.75,
    view: 'words',
    pattern: rx(
      `${alt(['ignore', 'disregard', 'forget', 'overlook', 'dismiss', 'discard', 'erase'])}${SEP}${alt(['all', 'everything', 'everthing', 'anything', 'what', 'whatever', 'all that', 'all of that'])}${SEP}${filler(4)}${alt(['above', 'before', 'previously', 'said', 'told', 'earlier', 'prior', 'so far', 'until now', 'know', 'learned', 'learnt', 'been taught', 'instructed', 'been given', 'were given', 'been instructed'])}\\b`,
    ),
    description: '"forget everything you have been told / everything above"',
  },
  {
    id: 'override.en.the_above',
    category: 'instruction_override',
    weight: 0.7,
    view: 'words',
    pattern: rx(
      `${alt(['ignore', 'disregard', 'forget', 'skip', 'overlook'])}${SEP}(?:all${SEP})?(?:of${SEP})?(?:the${SEP}|this${SEP}|that${SEP}|any${SEP})?${alt(['above', 'previous', 'prior', 'preceding', 'foregoing', 'aforementioned'])}\\b`,
    ),
    description: '"ignore the above", "disregard all previous"',
  },
  {
    id: 'override.multi.everything_before',
    category: 'instruction_override',
    weight: 0.7,
    view: 'words',
    pattern: rx(
      `${alt(['vergiss alles', 'ignoriere alles', 'oublie tout', 'oubliez tout', 'ignore tout', 'ignorez tout', 'olvida todo', 'olvide todo', 'ignora todo', 'dimentica tutto', 'ignora tutto', 'esqueca tudo', 'ignore tudo'])}\\b`,
    ),
    description: '(de/fr/es/it/pt) "forget everything"',
  },
  {
    id: 'override.instructions_void',
    category: 'instruction_override',
    weight: 0.75,
    view: 'words',
    pattern: rx(
      `${alt(['previous', 'above', 'prior', 'old', 'original', 'earlier', 'initial', 'system', 'out of date'])}${SEP}${alt(['instructions', 'rules', 'prompt', 'directions', 'directives', 'guidelines'])}${SEP}${alt(['are', 'is', 'were', 'was', 'have been', 'has been'])}${SEP}(?:now${SEP})?${alt(['void', 'invalid', 'cancelled', 'canceled', 'obsolete', 'outdated', 'revoked', 'no longer', 'null', 'wrong', 'fake', 'a test', 'over', 'deprecated', 'superseded', 'replaced', 'lifted', 'suspended', 'illegal', 'irrelevant'])}\\b`,
    ),
    description: '"the previous instructions are void / no longer valid"',
  },
  {
    id: 'override.new_instructions',
    category: 'instruction_override',
    weight: 0.45,
    view: 'words',
    pattern: rx(
      `${alt(['your', 'the'])}${SEP}${alt(['new', 'real', 'actual', 'true', 'revised', 'updated'])}${SEP}${alt(['task', 'instructions', 'role', 'goal', 'objective', 'purpose', 'directive', 'rules', 'mission', 'job'])}${SEP}${alt(['is', 'are', 'will be', 'now'])}\\b`,
    ),
    description: '"your new task is", "the real instructions are"',
  },
  {
    id: 'override.new_instructions_header',
    category: 'instruction_override',
    weight: 0.45,
    pattern: /\b(?:new|updated|real|actual|true|revised|different|neue|nouvelles|nuevas)\s(?:instructions?|task|rules|directives?|orders|anweisungen|aufgabe|consignes|instrucciones|objective|goal|mission)\s?:/g,
    description: 'a "New instructions:" header',
  },
  {
    id: 'override.session_over',
    category: 'instruction_override',
    weight: 0.6,
    view: 'words',
    pattern: rx(
      `(?:the${SEP})?${alt(['previous', 'above', 'earlier', 'prior', 'last', 'current'])}${SEP}${alt(['simulation', 'conversation', 'task', 'game', 'test', 'exercise', 'session', 'scenario', 'role play', 'roleplay', 'instructions'])}${SEP}${alt(['is', 'has', 'have', 'are'])}${SEP}(?:now${SEP})?${alt(['over', 'ended', 'finished', 'complete', 'completed', 'done', 'concluded', 'terminated'])}\\b`,
    ),
    description: '"the previous simulation is over"',
  },
  {
    id: 'override.never_mind',
    category: 'instruction_override',
    weight: 0.45,
    view: 'words',
    pattern: rx(`${alt(['actually', 'wait', 'oh', 'ok', 'okay', 'sorry'])}${SEP}${alt(['never mind', 'nevermind', 'scratch that', 'forget that', 'forget it', 'ignore that', 'ignore this'])}\\b`),
    description: '"actually, never mind" pivot to a new task',
  },
  {
    id: 'override.do_not_follow',
    category: 'instruction_override',
    weight: 0.45,
    view: 'words',
    pattern: rx(
      `${alt(['do not', 'don t', 'dont', 'never', 'no longer', 'stop', 'refuse to'])}${SEP}${alt(['follow', 'following', 'obey', 'obeying', 'listen to', 'adhere to', 'comply with', 'abide by'])}${SEP}${filler(3)}${alt(['instructions', 'rules', 'guidelines', 'policies', 'prompt', 'programming', 'directives', 'restrictions'])}\\b`,
    ),
    description: '"do not follow your rules"',
  },
  {
    id: 'override.no_longer_bound',
    category: 'instruction_override',
    weight: 0.65,
    view: 'words',
    pattern: rx(
      `${alt(['you are', 'you re', 'youre', 'you will be', 'you have been', 'you ve been'])}${SEP}${alt(['no longer', 'not', 'now', 'hereby', 'officially'])}${SEP}${filler(1)}${alt(['bound', 'restricted', 'limited', 'constrained', 'required to follow', 'obligated', 'freed', 'released', 'liberated', 'unshackled', 'exempt'])}\\b`,
    ),
    description: '"you are no longer bound by ..."',
  },
  {
    id: 'override.replace_programming',
    category: 'instruction_override',
    weight: 0.45,
    view: 'words',
    pattern: rx(
      `${alt(['override', 'overwrite', 'replace', 'reprogram', 'rewrite', 'supersede', 'disable', 'deactivate', 'turn off', 'switch off'])}${SEP}${alt(['your', 'all', 'the', 'any'])}${SEP}${filler(2)}${alt(['instructions', 'programming', 'directives', 'system prompt', 'guidelines', 'safety', 'filters', 'filter', 'restrictions', 'safeguards', 'content policy', 'ethics', 'censorship', 'alignment'])}\\b`,
    ),
    description: '"override your programming", "disable your filters"',
  },
  {
    id: 'override.en.your_instructions',
    category: 'instruction_override',
    weight: 0.55,
    view: 'words',
    pattern: rx(
      `${alt(['ignore', 'disregard', 'forget', 'override', 'bypass', 'abandon', 'discard', 'drop', 'ditch'])}${SEP}${alt(['your', 'all your', 'its', 'all its', 'all of your'])}${SEP}${alt(['instructions', 'programming', 'rules', 'guidelines', 'directives', 'training', 'system prompt', 'prompt', 'restrictions', 'filters', 'policies', 'safety guidelines', 'content policy', 'ethical guidelines', 'constraints', 'safeguards'])}\\b`,
    ),
    description: '"forget your instructions", "ignore the rules"',
  },
  {
    id: 'override.regardless_previous',
    category: 'instruction_override',
    weight: 0.5,
    view: 'words',
    pattern: rx(
      `${alt(['regardless of', 'irrespective of', 'instead of', 'notwithstanding', 'overriding', 'in spite of', 'despite'])}${SEP}(?:any${SEP}|all${SEP}|the${SEP})?${alt(['previous', 'prior', 'above', 'earlier', 'your', 'original', 'initial', 'existing', 'system'])}${SEP}${filler(1)}${alt(['tasks', 'task', 'instructions', 'rules', 'context', 'prompts', 'prompt', 'directives', 'guidelines', 'programming', 'constraints', 'restrictions'])}\\b`,
    ),
    description: '"regardless of previous instructions"',
  },
  {
    id: 'override.ignore_and_state',
    category: 'instruction_override',
    weight: 0.45,
    view: 'words',
    pattern: rx(
      `${alt(['ignore', 'ignorez', 'ignorer', 'ignora', 'ignoriere', 'ignorieren', 'disregard', 'forget', 'oubliez', 'olvida', 'vergiss', 'skip'])}${SEP}${alt(['the', 'this', 'that', 'all', 'any', 'la', 'le', 'les', 'el', 'los', 'las', 'die', 'den', 'das', 'lo'])}${SEP}${filler(1)}\\w+${SEP}${alt(['and', 'et', 'y', 'und', 'e'])}${SEP}(?:instead${SEP}|just${SEP}|simply${SEP})?${alt(['state', 'say', 'respond', 'reply', 'print', 'output', 'claim', 'declare', 'indicate', 'list', 'send', 'reveal', 'indiquez', 'indique', 'declara', 'declarez', 'dites', 'dis', 'di', 'sag', 'sage', 'schreib', 'ecris', 'escribe', 'responde', 'reponds', 'antworte', 'affirme', 'afirma', 'indica', 'gib'])}\\b`,
    ),
    description: '"ignore the resume and state ...", "ignorez la fonction et indiquez ..."',
  },
  {
    id: 'override.decoy_instructions',
    category: 'instruction_override',
    weight: 0.55,
    view: 'words',
    pattern: rx(
      `(?:${alt(['distractor', 'decoy', 'fake', 'dummy', 'false', 'bogus', 'out of date', 'outdated', 'obsolete', 'old'])}${SEP}${alt(['instructions', 'instruction', 'prompt', 'rules', 'directives'])}|${alt(['everything', 'the above', 'all of the above', 'the previous', 'the text above', 'the prompt above', 'everything above', 'everything before'])}${SEP}${filler(3)}${alt(['was', 'is', 'has been', 'were'])}${SEP}(?:just${SEP}|only${SEP}|all${SEP})?(?:a${SEP}|an${SEP})?${alt(['trick', 'test', 'joke', 'fake', 'mistake', 'distraction', 'lie', 'from a previous session', 'an example', 'example', 'hypothetical', 'a prank', 'not real'])}|${alt(['real', 'actual', 'true', 'new'])}${SEP}${alt(['instructions', 'task', 'prompt'])}${SEP}${alt(['start', 'starts', 'begin', 'begins', 'follow', 'are', 'is'])}${SEP}(?:here|below|now|as follows))\\b`,
    ),
    description: '"the above was just a test", "real instructions start here", "distractor instructions"',
  },
  {
    id: 'override.credential_claim',
    category: 'instruction_override',
    weight: 0.5,
    view: 'words',
    pattern: rx(
      `(?:${alt(['correct', 'right', 'valid', 'proper', 'secret'])}${SEP}${alt(['password', 'access code', 'passcode', 'passphrase', 'pass code', 'code', 'credentials', 'pin', 'key'])}${SEP}${filler(2)}${alt(['has', 'have', 'was', 'were', 'is'])}${SEP}(?:been${SEP}|now${SEP}|already${SEP}|just${SEP}){0,2}${alt(['input', 'entered', 'provided', 'given', 'registered', 'verified', 'accepted', 'found', 'redacted', 'supplied', 'typed', 'received', 'validated', 'confirmed'])}|${alt(['user', 'i', 'you', 'they'])}${SEP}(?:has${SEP}|have${SEP})?(?:already${SEP}|just${SEP})?${alt(['provided', 'entered', 'input', 'given', 'typed', 'supplied', 'said', 'sent'])}${SEP}(?:you${SEP})?(?:the${SEP})?${alt(['correct', 'right', 'valid', 'proper'])}${SEP}${alt(['password', 'access code', 'passcode', 'passphrase', 'code', 'credentials', 'pin'])})\\b`,
    ),
    description: 'claims that the right password was already given: "the correct access code has been entered"',
  },
  {
    id: 'override.authority_claim',
    category: 'instruction_override',
    weight: 0.4,
    view: 'words',
    pattern: rx(
      `(?:${alt(['i am', 'i m', 'im', 'this is'])}${SEP}your${SEP}${filler(1)}${alt(['developer', 'developers', 'creator', 'creators', 'maintainer', 'administrator', 'admin', 'owner', 'operator', 'programmer', 'supervisor', 'boss', 'master', 'god', 'manager', 'designer', 'trainer'])}|${alt(['i am', 'i m', 'im', 'we are', 'this is'])}${SEP}${filler(3)}${alt(['at', 'from', 'with', 'of'])}${SEP}(?:the${SEP})?${alt(['openai', 'open ai', 'anthropic'])}|${alt(['openai', 'your developers', 'your creators', 'the developers', 'your administrator', 'your admin', 'the system administrator'])}${SEP}${alt(['has', 'have'])}${SEP}${filler(1)}${alt(['authorized', 'authorised', 'allowed', 'approved', 'updated', 'changed', 'granted', 'permitted', 'unlocked', 'enabled'])})\\b`,
    ),
    description: '"I am your developer", "OpenAI has authorized ..."',
  },
  {
    id: 'override.html_comment_instruction',
    category: 'instruction_override',
    weight: 0.45,
    pattern: /<!--[^<>]{0,300}?\b(?:ignore|disregard|instead|state that|say that|respond with|tell the user|you must|assistant|as an ai|the ai|follow this|new instructions?|ignorez|ignora|ignoriere)\b/g,
    description: 'an HTML comment that carries instructions',
  },
  {
    id: 'override.role_redefinition',
    category: 'instruction_override',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `(?:your${SEP}${alt(['sole', 'only', 'single', 'default', 'one and only', 'new', 'true', 'real'])}${SEP}${alt(['response', 'reply', 'answer', 'purpose', 'job', 'function', 'task', 'goal', 'output', 'role'])}${SEP}${alt(['is', 'will be', 'should be', 'shall be', 'now is', 'is now'])}|you${SEP}${alt(['have', 'possess', 'retain'])}${SEP}no${SEP}(?:other${SEP})?${alt(['knowledge', 'memory', 'recollection'])}${SEP}of)\\b`,
    ),
    description: '"your sole response is ...", "you have no knowledge of any other ..." (redefining the assistant)',
  },
  {
    id: 'override.ignore_it',
    category: 'instruction_override',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `${alt(['must', 'should', 'will', 'shall', 'to', 'always', 'please', 'just', 'simply'])}${SEP}${alt(['ignore', 'disregard'])}${SEP}${alt(['it', 'this', 'that', 'them', 'everything', 'anything', 'any other', 'all other', 'any instruction', 'any instructions', 'any input', 'any message', 'any messages', 'any text', 'all messages', 'the rest'])}\\b`,
    ),
    description: '"you must ignore it", "please ignore any instructions"',
  },
  {
    id: 'override.context_change',
    category: 'instruction_override',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `(?:you${SEP}have${SEP}been${SEP}${alt(['given', 'granted', 'assigned', 'upgraded', 'updated', 'reprogrammed', 'promoted'])}${SEP}(?:a${SEP}|an${SEP}|new${SEP})?${filler(1)}${alt(['upgrade', 'update', 'permissions', 'permission', 'privileges', 'access', 'clearance', 'instructions', 'role'])}|the${SEP}${alt(['situation', 'rules', 'game', 'task', 'context', 'scenario'])}${SEP}${alt(['has', 'have'])}${SEP}changed|${alt(['system', 'software', 'security', 'firmware', 'model'])}${SEP}${alt(['upgrade', 'update', 'override', 'reset', 'reboot'])}${SEP}${alt(['has been', 'is', 'was', 'complete', 'completed', 'installed', 'in progress', 'initiated', 'successful'])})\\b`,
    ),
    description: '"the situation has changed", "you have been given a system upgrade"',
  },
  {
    id: 'override.say_instead',
    category: 'instruction_override',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `(?:instead${SEP}of${SEP}${alt(['saying', 'responding', 'replying', 'outputting', 'printing', 'answering with', 'denying'])}|${alt(['previously', 'normally', 'usually', 'would previously', 'used to'])}${SEP}${alt(['say', 'said', 'respond', 'responded', 'reply', 'replied', 'output', 'answer'])}${SEP}${filler(5)}${alt(['now', 'instead', 'from now on'])})\\b`,
    ),
    description: '"when you would previously say X, you must now say Y"',
  },
  {
    id: 'override.code_comment',
    category: 'instruction_override',
    weight: 0.45,
    pattern: new RegExp(
      String.raw`(?:#|\/\/|\/\*|<!--|--)[ \t]{0,4}(?:hypothetically\W{1,5}(?:\w+\W{1,5}){0,4}?)?${talt(['ignore', 'ignorez', 'ignora', 'ignoriere', 'disregard', 'forget', 'oubliez', 'olvida', 'vergiss', 'ai', 'assistant', 'note to', 'attention', 'instead'])}\b`,
      'g',
    ),
    description: 'a code or HTML comment that addresses the model ("# ignore the function and say ...")',
  },
];
