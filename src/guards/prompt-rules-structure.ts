/**
 * Structural injection rules: chat-template tokens and delimiters, data
 * exfiltration through markdown images and templated links, tool/action
 * hijacking in documents, and output forcing ("say X and nothing else").
 *
 * @module guards/prompt-rules-structure
 */
import { alt, filler, rx, SEP, talt, tfiller, TSEP } from './prompt-rule-builder.js';
import type { PromptRule } from './prompt-rule-types.js';

const AI_NAMES = alt([
  'ai', 'a i', 'assistant', 'ai assistant', 'llm', 'language model', 'model', 'agent', 'chatbot', 'bot', 'gpt',
  'chatgpt', 'claude', 'copilot', 'gemini', 'bard', 'ai model', 'ai agent',
]);

/** Chat-template and delimiter injection. */
export const TEMPLATE_RULES: readonly PromptRule[] = [
  {
    id: 'template.chat_tokens',
    category: 'template_injection',
    weight: 0.8,
    pattern: /<\|\s{0,3}(?:im_start|im_end|im_sep|system|user|assistant|endoftext|end_of_text|eot_id|eom_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn|eos|bos|fim_prefix|fim_suffix|fim_middle|endofprompt|end|start)\s{0,3}\|>/g,
    description: 'chat-template special tokens: <|im_start|>, <|endoftext|>, <|eot_id|>',
  },
  {
    id: 'template.inst_sys',
    category: 'template_injection',
    weight: 0.65,
    pattern: /\[\/?inst\]|<<\/?sys>>|<\/?start_of_turn>|<\/?end_of_turn>|\[\/?system\]|\[\/?sys\]/g,
    description: 'Llama/Gemma template markers: [INST], <<SYS>>, [SYSTEM]',
  },
  {
    id: 'template.xml_role',
    category: 'template_injection',
    weight: 0.45,
    pattern: /<\/?(?:system|sys|system_prompt|instructions?|admin|developer|im_start|system_message|prompt|rules)>/g,
    description: 'fake role tags: <system>, </instructions>',
  },
  {
    id: 'template.bracket_role',
    category: 'template_injection',
    weight: 0.25,
    pattern: /\[(?:human|user|assistant|ai|system|bot|gpt|chatgpt)\](?:\s{0,2}:)?/g,
    description: 'bracketed role labels: "[human]", "[AI]:"',
  },
  {
    id: 'template.xml_user',
    category: 'template_injection',
    weight: 0.25,
    pattern: /<\/?(?:user|user_input|user_query|userinput|assistant|human|bot|context|document|input|query)>/g,
    description: 'conversation tags: </user_input>, <assistant>',
  },
  {
    id: 'template.fake_header',
    category: 'template_injection',
    weight: 0.35,
    pattern:
      /(?:^|\n)[ \t]{0,4}(?:#{1,6}|\*\*|\[|<|-{2,}|={2,}|>)?[ \t]{0,4}(?:system|assistant|admin|administrator|developer|root|sudo|operator|system override|system update|system message|system note|system alert|admin note|admin override|developer note|security override|new system prompt)[ \t]{0,4}(?:\]|>|\*\*|#{1,6}|-{2,}|={2,})?[ \t]{0,4}:/g,
    description: 'fake role headers at a line start: "### SYSTEM:", "[admin]:", "Assistant:"',
  },
  {
    id: 'template.delimiter_line',
    category: 'template_injection',
    weight: 0.5,
    pattern: new RegExp(
      String.raw`(?:%{2,16}|={3,16}|#{3,16}|\*{3,16}|~{3,16}|>{3,16}|<{3,16}|\]{3,16}|\}{3,16}|-{3,16}|\+{3,16})[ \t]{0,4}` +
        `${talt(['end', 'begin', 'start', 'new', 'stop', 'real', 'actual', 'true', 'system', 'admin', 'override', 'instructions', 'user input', 'prompt'])}\\b`,
      'g',
    ),
    description: 'delimiter lines that open or close a section: "%%% END USER INPUT %%%", "=== new instructions"',
  },
  {
    id: 'template.end_of_input',
    category: 'template_injection',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `${alt(['end', 'ending', 'close', 'closing', 'stop', 'terminate', 'finish', 'begin', 'beginning', 'start'])}${SEP}(?:of${SEP})?(?:the${SEP})?(?:user${SEP}|real${SEP}|actual${SEP}|new${SEP}|previous${SEP}|untrusted${SEP})?${alt(['input', 'prompt', 'instructions', 'passphrase', 'password', 'query', 'context', 'user input', 'ambiguity', 'access code', 'system prompt', 'transcript'])}\\b`,
    ),
    description: '"end of user input", "begin new instructions"',
  },
  {
    id: 'template.braces_break',
    category: 'template_injection',
    weight: 0.3,
    pattern: /["'`\u201d]\s{0,3}(?:[)\]}]\s{0,3}){2,}["'`\u201d]?\s{0,3}\n/g,
    description: 'closing quotes and braces that try to end a JSON/code context: `"}})\\n`',
  },
];

/** Exfiltration through rendered links and images. */
export const EXFILTRATION_RULES: readonly PromptRule[] = [
  {
    id: 'exfiltration.markdown_image_query',
    category: 'data_exfiltration',
    weight: 0.45,
    pattern: /!\[[^[\]\n]{0,200}\]\(\s{0,3}<?(?:https?:)?\/\/[^\s()[\]?]{1,300}\?[^\s()[\]]{1,500}\)/g,
    description: 'markdown image whose URL carries a query string (rendering it sends data)',
  },
  {
    id: 'exfiltration.templated_url',
    category: 'data_exfiltration',
    weight: 0.65,
    pattern: /(?:https?:)?\/\/[^\s)"'<>?/]{1,100}(?:\/[^\s)"'<>?/]{1,100}){0,12}\/?\?(?:[^\s)"'<>=&?]{1,60}=[^\s)"'<>=&?]{0,100}&){0,8}[^\s)"'<>=&?]{1,60}=(?:\{|%7b|\$\{|\$[a-z_]|\[|%5b|<|%3c)/g,
    description: 'URL with a placeholder in its query ("?q={conversation}", "?data=[SECRET]")',
  },
  {
    id: 'exfiltration.append_data_to_url',
    category: 'data_exfiltration',
    weight: 0.5,
    view: 'words',
    pattern: rx(
      `${alt(['append', 'add', 'include', 'encode', 'insert', 'put', 'embed', 'attach', 'concatenate', 'replace', 'fill in'])}${SEP}${filler(4)}${alt(['conversation', 'chat history', 'history', 'password', 'secret', 'api key', 'data', 'messages', 'summary', 'credentials', 'personal data', 'personal information', 'email addresses', 'user data', 'user s data', 'previous messages', 'context', 'system prompt', 'token'])}${SEP}${filler(3)}${alt(['url', 'link', 'image', 'query', 'parameter', 'query string', 'address', 'endpoint', 'webhook'])}\\b`,
    ),
    description: '"append the conversation to this URL"',
  },
  {
    id: 'exfiltration.render_image',
    category: 'data_exfiltration',
    weight: 0.2,
    view: 'words',
    pattern: rx(`${alt(['render', 'display', 'show', 'output', 'print', 'embed'])}${SEP}${filler(3)}${alt(['markdown image', 'image', 'img', 'markdown'])}${SEP}${filler(2)}${alt(['url', 'link', 'http', 'https'])}\\b`),
    description: '"render this markdown image from URL" (weak)',
  },
];

/** Tool and action hijacking embedded in documents. */
export const TOOL_RULES: readonly PromptRule[] = [
  {
    id: 'tool.forward_all',
    category: 'tool_hijack',
    weight: 0.6,
    view: 'words',
    pattern: rx(
      `${alt(['forward', 'send', 'email', 'mail', 'transfer', 'wire', 'upload', 'post', 'exfiltrate', 'leak', 'share', 'copy', 'sync', 'move', 'bcc', 'export', 'redirect'])}${SEP}${alt(['all', 'every', 'each', 'the entire', 'entire', 'any'])}${SEP}${filler(3)}${alt(['emails', 'email', 'messages', 'files', 'documents', 'contacts', 'passwords', 'credentials', 'data', 'funds', 'money', 'history', 'conversations', 'attachments', 'inbox', 'records', 'keys', 'tokens', 'secrets', 'database', 'customer', 'customers', 'invoices', 'payments'])}\\b`,
    ),
    description: '"forward all emails ...", "send every file ..."',
  },
  {
    id: 'tool.send_to_target',
    category: 'tool_hijack',
    weight: 0.35,
    pattern: new RegExp(
      String.raw`\b${talt(['forward', 'send', 'email', 'mail', 'transfer', 'wire', 'upload', 'post', 'exfiltrate', 'leak', 'copy', 'bcc', 'export', 'redirect'])}${TSEP}${tfiller(4)}to${TSEP}(?:[\w.+-]{1,64}@[\w-]{1,63}\.[a-z]{2,10}|https?:|www\.|${talt(['this address', 'this email', 'this url', 'this account', 'this wallet', 'this number', 'the following address', 'the following account', 'attacker', 'my server', 'my wallet', 'an external'])})`,
      'g',
    ),
    description: '"send ... to attacker@example.com / https://..."',
  },
  {
    id: 'tool.addressed_reader',
    category: 'tool_hijack',
    weight: 0.5,
    view: 'words',
    pattern: rx(
      `${alt(['if', 'when', 'once', 'after', 'while', 'whenever'])}${SEP}${alt(['you', 'an ai', 'the ai', 'the assistant', 'the model', 'an assistant', 'ai assistants', 'ai assistant', 'language models', 'a language model', 'llms', 'an llm', 'the llm', 'the agent', 'an agent', 'the bot', 'a bot', 'chatgpt'])}${SEP}${filler(3)}${alt(['read', 'reads', 'reading', 'see', 'sees', 'process', 'processes', 'processing', 'summarize', 'summarizes', 'summarizing', 'summarise', 'encounter', 'encounters', 'parse', 'parses', 'analyze', 'analyzes', 'scan', 'scans', 'ingest', 'ingests', 'retrieve'])}${SEP}${filler(1)}${alt(['this', 'these', 'the following', 'it'])}\\b`,
    ),
    description: '"if you are an AI reading this ..." (instructions hidden in a document)',
  },
  {
    id: 'tool.note_to_ai',
    category: 'tool_hijack',
    weight: 0.5,
    view: 'words',
    pattern: rx(`${alt(['note', 'message', 'instruction', 'instructions', 'notice', 'attention', 'important', 'reminder', 'hint', 'directive'])}${SEP}${alt(['to', 'for'])}${SEP}(?:the${SEP}|any${SEP}|all${SEP})?${AI_NAMES}\\b`),
    description: '"Note to the AI:", "instructions for the assistant"',
  },
  {
    id: 'tool.destructive',
    category: 'tool_hijack',
    weight: 0.25,
    view: 'words',
    pattern: rx(
      `${alt(['delete', 'remove', 'wipe', 'erase', 'drop', 'destroy', 'purge', 'truncate'])}${SEP}${alt(['all', 'every', 'the entire', 'entire'])}${SEP}${filler(2)}${alt(['emails', 'files', 'messages', 'records', 'data', 'database', 'tables', 'repos', 'repositories', 'users', 'accounts', 'backups', 'documents', 'contacts'])}\\b`,
    ),
    description: '"delete all emails" (weak: also a normal request)',
  },
  {
    id: 'tool.invoke_action',
    category: 'tool_hijack',
    weight: 0.3,
    view: 'words',
    pattern: rx(
      `${alt(['call', 'invoke', 'execute', 'run', 'trigger', 'use'])}${SEP}(?:the${SEP})?${filler(1)}${alt(['tool', 'function', 'plugin', 'api', 'action'])}${SEP}${filler(3)}${alt(['send', 'delete', 'transfer', 'forward', 'email', 'post', 'pay', 'purchase', 'grant'])}\\b`,
    ),
    description: '"call the email tool to send ..."',
  },
];

/** Output forcing ("say exactly X and nothing else"), common in hijacking. */
export const OUTPUT_RULES: readonly PromptRule[] = [
  {
    id: 'output.nothing_else',
    category: 'output_manipulation',
    weight: 0.35,
    view: 'words',
    pattern: rx(
      `(?:${alt(['say', 'print', 'output', 'respond', 'reply', 'write', 'type', 'include', 'add'])}${SEP}nothing${SEP}else|and${SEP}nothing${SEP}(?:else|more)|nothing${SEP}but${SEP}(?:the|a|your)|${alt(['only', 'no'])}${SEP}${alt(['extra', 'additional', 'other', 'further'])}${SEP}${alt(['comment', 'comments', 'commentary', 'text', 'words'])}|${alt(['no', 'without', 'without any', 'no other', 'not any'])}${SEP}${alt(['other', 'additional', 'extra', 'further', 'more'])}${SEP}${alt(['text', 'words', 'output', 'characters', 'commentary', 'explanation', 'explanations', 'punctuation', 'content', 'information', 'context', 'remarks', 'comments'])}|${alt(['without', 'no'])}${SEP}(?:any${SEP})?${alt(['commentary', 'explanation', 'explanations', 'elaboration', 'preamble'])})\\b`,
    ),
    description: '"... and nothing else", "without any explanation"',
  },
  {
    id: 'output.begin_with',
    category: 'output_manipulation',
    weight: 0.3,
    view: 'words',
    pattern: rx(`${alt(['begin', 'start', 'prefix', 'preface', 'open', 'end', 'finish'])}${SEP}${filler(1)}${alt(['reply', 'response', 'answer', 'output', 'message', 'replies', 'responses', 'answers'])}${SEP}${alt(['with', 'by saying', 'by writing'])}\\b`),
    description: '"begin your reply with ..."',
  },
  {
    id: 'output.only_say',
    category: 'output_manipulation',
    weight: 0.4,
    pattern: new RegExp(
      String.raw`\b(?:(?:only|just|simply|always|must|exactly|must now|should now|will now|you must|you should)\W{1,5}(?:say|print|output|respond|reply|answer|write|type|return)|(?:say|print|output|respond|reply|answer|write|type|return)\W{1,5}(?:only|just|exactly|simply|solely|nothing but))\W{1,5}(?:with\W{1,5})?(?:the\W{1,5}(?:words?|phrase|text|string|sentence)\W{0,5})?["\u201c'\u00ab\[]`,
      'g',
    ),
    description: '"only say \'...\'", "just reply with \\"...\\""',
  },
  {
    id: 'output.say_quoted',
    category: 'output_manipulation',
    weight: 0.2,
    pattern: new RegExp(
      String.raw`\b(?:say|print|output|respond with|reply with|answer with|type|write|return|repeat after me)\W{0,3}:?\s{0,3}["\u201c\u00ab][^"\u201d\u00bb\n]{1,40}["\u201d\u00bb]`,
      'g',
    ),
    description: '"say \\"...\\"" (weak: also a normal request)',
  },
  {
    id: 'output.forbid_phrase',
    category: 'output_manipulation',
    weight: 0.3,
    pattern: new RegExp(
      String.raw`\b(?:do not|don't|dont|never|must not|cannot|can't|won't|not allowed to)\W{1,5}(?:\w+\W{1,5}){0,2}?(?:say|respond|reply|output|print|write|include|start|use the (?:word|phrase))\W{1,5}(?:\w+\W{1,5}){0,1}?["\u201c'\u00ab]`,
      'g',
    ),
    description: '"do not say \\"Access Denied\\"" (forbidding the refusal)',
  },
  {
    id: 'output.complete_phrase',
    category: 'output_manipulation',
    weight: 0.2,
    pattern: new RegExp(
      String.raw`\b(?:complete|finish|continue)\W{1,5}(?:the\W{1,5}(?:phrase|sentence|word|text|string)\W{1,5})?(?:with\W{1,5})?["\u201c\u00ab][^"\u201d\u00bb\n]{1,40}(?:\.\.\.|\u2026)`,
      'g',
    ),
    description: 'complete "Access Gra..." (coax a target phrase)',
  },
  {
    id: 'output.response_format_lock',
    category: 'output_manipulation',
    weight: 0.15,
    view: 'words',
    pattern: rx(`${alt(['your', 'the'])}${SEP}${alt(['response', 'answer', 'output', 'reply', 'first word', 'first line'])}${SEP}${alt(['must', 'should', 'will', 'shall'])}${SEP}(?:only${SEP}|always${SEP})?${alt(['be', 'contain', 'consist', 'start', 'begin', 'include'])}\\b`),
    description: '"your response must only be ..."',
  },
];
