/**
 * Secrets: cloud keys, source-host and chat tokens, payment keys, JWTs,
 * private-key blocks, and high-entropy values assigned to a key/secret/token
 * name. Patterns follow the gitleaks default rule set (rule ids are kept
 * close to gitleaks' names), rewritten with bounded quantifiers and
 * boundary lookbehinds so every scan is linear.
 *
 * @module guards/detectors/secrets
 */
import type { Detector, DetectorMatch } from './types.js';

/** A prefix-anchored token rule; `skip` code units at the start of a match are context, not secret. */
interface TokenRule {
  readonly id: string;
  readonly re: RegExp;
  readonly skip?: number;
}

/** Token rules with a recognisable prefix (gitleaks ids). */
export const SECRET_TOKEN_RULES: readonly TokenRule[] = [
  { id: 'aws-access-token', re: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g },
  { id: 'gcp-api-key', re: /(?<![\w-])AIza[\w-]{35}(?![\w-])/g },
  { id: 'azure-ad-client-secret', re: /(?<![\w~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g },
  { id: 'azure-storage-account-key', re: /AccountKey=[A-Za-z0-9+/]{86}==/g, skip: 11 },
  { id: 'github-pat', re: /(?<!\w)(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?!\w)/g },
  { id: 'github-fine-grained-pat', re: /(?<!\w)github_pat_\w{82}(?!\w)/g },
  { id: 'gitlab-pat', re: /(?<![\w-])glpat-[\w-]{20}(?![\w-])/g },
  { id: 'slack-token', re: /(?<![\w-])xox[abposer]-(?:[A-Za-z0-9]{1,64}-){1,5}[A-Za-z0-9]{1,64}(?![\w-])/g },
  { id: 'slack-app-token', re: /(?<![\w-])xapp-\d-[A-Za-z0-9]{1,32}-\d{1,16}-[A-Za-z0-9]{1,128}(?![\w-])/g },
  { id: 'slack-webhook-url', re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/g },
  { id: 'stripe-access-token', re: /(?<!\w)(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}(?!\w)/g },
  { id: 'stripe-webhook-secret', re: /(?<!\w)whsec_[A-Za-z0-9]{32,64}(?!\w)/g },
  { id: 'openai-api-key', re: /(?<![\w-])sk-(?:(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![\w-])/g },
  { id: 'anthropic-api-key', re: /(?<![\w-])sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120}(?![\w-])/g },
  { id: 'npm-access-token', re: /(?<!\w)npm_[A-Za-z0-9]{36}(?!\w)/g },
  { id: 'sendgrid-api-token', re: /(?<![\w-])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])/g },
  { id: 'twilio-api-key', re: /(?<!\w)SK[0-9a-fA-F]{32}(?!\w)/g },
  { id: 'jwt', re: /(?<![\w-])ey[A-Za-z0-9_-]{10,2048}\.ey[A-Za-z0-9_-]{10,4096}\.[A-Za-z0-9_-]{0,2048}(?![\w-])/g },
];

/**
 * All token rules as one alternation (one capture group per rule, in rule
 * order), so a text is scanned once instead of once per rule.
 */
export const SECRET_TOKENS_COMBINED = new RegExp(SECRET_TOKEN_RULES.map((r) => `(${r.re.source})`).join('|'), 'g');

/** The armour line that opens a private-key block (PKCS#1/#8, EC, OpenSSH, PGP, encrypted). */
export const PRIVATE_KEY_BEGIN = /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g;
/** The armour line that closes it. */
export const PRIVATE_KEY_END = /-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g;
/** Base64 body characters (and escaped newlines in JSON) after an unterminated BEGIN line. */
export const PRIVATE_KEY_BODY = /[A-Za-z0-9+/=\s\\]{0,16384}/y;
const PRIVATE_KEY_MAX = 65536;

/**
 * Names that announce a secret (gitleaks generic-api-key keywords). Matched
 * anywhere in an identifier, so `AWS_SECRET_ACCESS_KEY` and `apiKey` count.
 */
export const SECRET_KEYWORD = /key|secret|token|passw(?:or)?d|pwd|credential|auth/gi;
/** Identifier characters allowed between the keyword and the assignment. */
export const SECRET_NAME_TAIL = /[\w.-]{0,30}/y;
/** The assignment: optional closing quote, `=`, `:`, `:=`, `=>` or ` is `, optional opening quote. */
export const SECRET_ASSIGN = /["'`]?[ \t]{0,3}(?:=>|:=|=|:|is(?= ))[ \t]{0,3}(["'`]?)/y;
/** An unquoted value: the characters gitleaks accepts in generic secrets. */
export const SECRET_VALUE = /[A-Za-z0-9_\-+/=.~]{1,200}/y;
/** A quoted value: anything but the quote, whitespace or a backslash. */
export const SECRET_QUOTED_VALUE = /[^\s"'`\\]{1,200}/y;
/** Values that are placeholders, not secrets. */
export const SECRET_PLACEHOLDER = /^(?:x+|\*+|\.+|-+|true|false|null|nil|none|undefined|changeme|redacted|example|required|optional|string|your[\w-]*|\$\{[^}]*\}|\$[A-Z_]+|process\.env\.\w+)$/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Minimum entropy for a generic key/secret/token value (gitleaks generic-api-key uses 3.5). */
const GENERIC_MIN_ENTROPY = 3.5;

function findPrivateKeys(text: string, out: DetectorMatch[]): void {
  PRIVATE_KEY_BEGIN.lastIndex = 0;
  // Once an END search from position p failed, every later search fails too: remember it (keeps this linear).
  let noEndAfter = Number.POSITIVE_INFINITY;
  for (let m = PRIVATE_KEY_BEGIN.exec(text); m !== null; m = PRIVATE_KEY_BEGIN.exec(text)) {
    const start = m.index;
    const bodyFrom = start + m[0].length;
    let end = -1;
    if (bodyFrom < noEndAfter) {
      PRIVATE_KEY_END.lastIndex = bodyFrom;
      const e = PRIVATE_KEY_END.exec(text);
      if (e !== null && e.index - start <= PRIVATE_KEY_MAX) end = e.index + e[0].length;
      else if (e === null) noEndAfter = bodyFrom;
    }
    if (end === -1) {
      // Unterminated (truncated paste): redact the armour line and the base64 body that follows.
      PRIVATE_KEY_BODY.lastIndex = bodyFrom;
      const b = PRIVATE_KEY_BODY.exec(text);
      end = bodyFrom + (b === null ? 0 : b[0].length);
      while (end > bodyFrom && /\s/.test(text[end - 1] ?? '')) end -= 1;
    }
    out.push({ type: 'SECRET', start, end, rule: 'private-key' });
    PRIVATE_KEY_BEGIN.lastIndex = end;
  }
}

function findGeneric(text: string, out: DetectorMatch[]): void {
  SECRET_KEYWORD.lastIndex = 0;
  for (let m = SECRET_KEYWORD.exec(text); m !== null; m = SECRET_KEYWORD.exec(text)) {
    const keyword = m[0].toLowerCase();
    SECRET_NAME_TAIL.lastIndex = m.index + m[0].length;
    const tail = SECRET_NAME_TAIL.exec(text);
    const afterName = SECRET_NAME_TAIL.lastIndex;
    // Resume after the whole identifier: "keykeykey..." is examined once, not once per keyword.
    SECRET_KEYWORD.lastIndex = Math.max(SECRET_KEYWORD.lastIndex, tail === null ? afterName : afterName);
    SECRET_ASSIGN.lastIndex = afterName;
    const assign = SECRET_ASSIGN.exec(text);
    if (assign === null) continue;
    const quote = assign[1] ?? '';
    const valueRe = quote === '' ? SECRET_VALUE : SECRET_QUOTED_VALUE;
    valueRe.lastIndex = SECRET_ASSIGN.lastIndex;
    const v = valueRe.exec(text);
    if (v === null) continue;
    let value = v[0];
    // A sentence may end right after an unquoted value.
    if (quote === '') value = value.replace(/[.]+$/, '');
    if (quote !== '' && text[v.index + v[0].length] !== quote) continue;
    if (SECRET_PLACEHOLDER.test(value)) continue;
    const isPassword = keyword.startsWith('pass') || keyword === 'pwd';
    const ok = isPassword
      ? value.length >= 6 && shannonEntropy(value) >= 2.5
      : value.length >= 10 && shannonEntropy(value) >= GENERIC_MIN_ENTROPY;
    if (!ok) continue;
    out.push({ type: 'SECRET', start: v.index, end: v.index + value.length, rule: isPassword ? 'generic-password' : 'generic-api-key' });
    SECRET_KEYWORD.lastIndex = Math.max(SECRET_KEYWORD.lastIndex, v.index + value.length);
  }
}

/** Detector for secrets. @internal */
export const secretsDetector: Detector = {
  name: 'secrets',
  types: ['SECRET'],
  needsDigit: false,
  patterns: [
    ...SECRET_TOKEN_RULES.map((r) => r.re),
    SECRET_TOKENS_COMBINED,
    PRIVATE_KEY_BEGIN,
    PRIVATE_KEY_END,
    PRIVATE_KEY_BODY,
    SECRET_KEYWORD,
    SECRET_NAME_TAIL,
    SECRET_ASSIGN,
    SECRET_VALUE,
    SECRET_QUOTED_VALUE,
    SECRET_PLACEHOLDER,
  ],
  find(text: string, out: DetectorMatch[]): void {
    SECRET_TOKENS_COMBINED.lastIndex = 0;
    for (let m = SECRET_TOKENS_COMBINED.exec(text); m !== null; m = SECRET_TOKENS_COMBINED.exec(text)) {
      let k = 1;
      while (k < m.length && m[k] === undefined) k += 1;
      const rule = SECRET_TOKEN_RULES[k - 1];
      if (rule === undefined) continue;
      out.push({ type: 'SECRET', start: m.index + (rule.skip ?? 0), end: m.index + m[0].length, rule: rule.id });
    }
    findPrivateKeys(text, out);
    findGeneric(text, out);
  },
};
