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

/**
 * A token rule. `prefix` is a short literal every token contains, `back` how
 * many code units before the prefix the token starts (0 for all but Azure's
 * `xxx8Q~` secrets); `skip` code units at the start of a match are context.
 */
interface TokenRule {
  readonly id: string;
  readonly re: RegExp;
  readonly prefix: string;
  readonly back?: number;
  readonly skip?: number;
}

/** Token rules with a recognisable prefix (gitleaks ids). */
export const SECRET_TOKEN_RULES: readonly TokenRule[] = [
  { id: 'aws-access-token', prefix: 'A3T|AKIA|ASIA|ABIA|ACCA', re: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g },
  { id: 'gcp-api-key', prefix: 'AIza', re: /(?<![\w-])AIza[\w-]{35}(?![\w-])/g },
  { id: 'azure-ad-client-secret', prefix: '\\dQ~', back: 3, re: /(?<![\w~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g },
  { id: 'azure-storage-account-key', prefix: 'AccountKey=', re: /AccountKey=[A-Za-z0-9+/]{86}==/g, skip: 11 },
  { id: 'github-pat', prefix: 'gh[pousr]_', re: /(?<!\w)(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?!\w)/g },
  { id: 'github-fine-grained-pat', prefix: 'github_pat_', re: /(?<!\w)github_pat_\w{82}(?!\w)/g },
  { id: 'gitlab-pat', prefix: 'glpat-', re: /(?<![\w-])glpat-[\w-]{20}(?![\w-])/g },
  { id: 'slack-token', prefix: 'xox[abposer]-', re: /(?<![\w-])xox[abposer]-(?:[A-Za-z0-9]{1,64}-){1,5}[A-Za-z0-9]{1,64}(?![\w-])/g },
  { id: 'slack-app-token', prefix: 'xapp-', re: /(?<![\w-])xapp-\d-[A-Za-z0-9]{1,32}-\d{1,16}-[A-Za-z0-9]{1,128}(?![\w-])/g },
  { id: 'slack-webhook-url', prefix: 'hooks\\.slack\\.com/', re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/g },
  { id: 'stripe-access-token', prefix: '[sr]k_(?:test|live|prod)_', re: /(?<!\w)(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}(?!\w)/g },
  { id: 'stripe-webhook-secret', prefix: 'whsec_', re: /(?<!\w)whsec_[A-Za-z0-9]{32,64}(?!\w)/g },
  { id: 'openai-api-key', prefix: 'sk-', re: /(?<![\w-])sk-(?:(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![\w-])/g },
  { id: 'anthropic-api-key', prefix: 'sk-', re: /(?<![\w-])sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120}(?![\w-])/g },
  { id: 'npm-access-token', prefix: 'npm_', re: /(?<!\w)npm_[A-Za-z0-9]{36}(?!\w)/g },
  { id: 'sendgrid-api-token', prefix: 'SG\\.', re: /(?<![\w-])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])/g },
  { id: 'twilio-api-key', prefix: 'SK[0-9a-fA-F]', re: /(?<!\w)SK[0-9a-fA-F]{32}(?!\w)/g },
];

/**
 * The union of the rules' prefixes. The text is scanned once for it; only
 * where it matches are the (sticky) rule patterns tried. It has no capture
 * groups (a match array with one slot per prefix costs more than the scan on
 * prefix-dense text); which prefix matched is found afterwards, see
 * {@link prefixAt}.
 */
const UNIQUE_PREFIXES = [...new Set(SECRET_TOKEN_RULES.map((r) => r.prefix))];
export const SECRET_TOKEN_PREFIX = new RegExp(UNIQUE_PREFIXES.map((p) => `(?:${p})`).join('|'), 'g');
/** For each prefix, a sticky pattern for it and the rules (with sticky copies of their patterns) that share it. */
const RULES_BY_PREFIX = UNIQUE_PREFIXES.map((p) => ({
  prefix: new RegExp(`(?:${p})`, 'y'),
  rules: SECRET_TOKEN_RULES.filter((r) => r.prefix === p).map((rule) => ({ rule, sticky: new RegExp(rule.re.source, 'y') })),
}));
/**
 * Which prefixes can start with a given character (indexes into
 * RULES_BY_PREFIX, in alternation order), so identifying the prefix that
 * matched takes one or two sticky tests. Built from the first characters of
 * the prefixes above; a test checks it against a capturing alternation.
 */
const PREFIXES_BY_FIRST: number[][] = Array.from({ length: 128 }, () => []);
{
  const firsts: ReadonlyArray<readonly [string, string]> = [
    ['A3T|AKIA|ASIA|ABIA|ACCA', 'A'], ['AIza', 'A'], ['\\dQ~', '0123456789'], ['AccountKey=', 'A'],
    ['gh[pousr]_', 'g'], ['github_pat_', 'g'], ['glpat-', 'g'], ['xox[abposer]-', 'x'], ['xapp-', 'x'],
    ['hooks\\.slack\\.com/', 'h'], ['[sr]k_(?:test|live|prod)_', 'sr'], ['whsec_', 'w'], ['sk-', 's'], ['npm_', 'n'],
    ['SG\\.', 'S'], ['SK[0-9a-fA-F]', 'S'],
  ];
  UNIQUE_PREFIXES.forEach((p, i) => {
    const chars = firsts.find(([q]) => q === p)?.[1];
    // A prefix missing from the table is tried for every character (slower, never wrong).
    for (let c = 0; c < 128; c += 1) {
      if (chars !== undefined && !chars.includes(String.fromCharCode(c))) continue;
      PREFIXES_BY_FIRST[c]?.push(i);
    }
  });
}

/** Index (into RULES_BY_PREFIX) of the first prefix in alternation order that matches at `at`, or -1. */
function prefixAt(text: string, at: number): number {
  const candidates = PREFIXES_BY_FIRST[text.charCodeAt(at)];
  if (candidates === undefined) return -1;
  for (let k = 0; k < candidates.length; k += 1) {
    const i = candidates[k] ?? -1;
    const re = RULES_BY_PREFIX[i]?.prefix;
    if (re === undefined) continue;
    re.lastIndex = at;
    if (re.test(text)) return i;
  }
  return -1;
}

/** The start of a JWT: `ey` (base64url of `{"`) at a token boundary. The rest is walked in code. */
export const JWT_START = /(?<![\w-])ey/g;

/** The armour line that opens a private-key block (PKCS#1/#8, EC, DSA, OpenSSH, PGP, encrypted). */
export const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
/** The armour line that closes it. */
export const PRIVATE_KEY_END = /-----END (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
/** One line of base64 body after an unterminated BEGIN line (the whole line must match). */
export const PRIVATE_KEY_BODY_LINE = /[A-Za-z0-9+/=]{1,128}/y;
/** A line break inside a body: real, CRLF, or escaped in JSON. */
export const PRIVATE_KEY_NEWLINE = /\r?\n|\\n/y;
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
/** An unquoted password: anything up to whitespace, a quote, a comma or a semicolon. */
export const SECRET_PASSWORD_VALUE = /[^\s"'`,;\\]{1,200}/y;
/** A quoted value: anything but the quote, whitespace or a backslash. */
export const SECRET_QUOTED_VALUE = /[^\s"'`\\]{1,200}/y;
/** Values that are placeholders, not secrets. */
export const SECRET_PLACEHOLDER = /^(?:x{1,200}|\*{1,200}|\.{1,200}|-{1,200}|true|false|null|nil|none|undefined|changeme|redacted|example|required|optional|string|your[\w-]{0,200}|\$\{[^}]{0,200}\}|\$[A-Z_]{1,200}|process\.env\.\w{1,200})$/i;

const ASCII_COUNTS = new Uint32Array(128);
/** The ASCII codes seen in the current string, in first-seen order (at most 128). */
const ASCII_SEEN = new Uint8Array(128);

/** Longest string whose log2 terms are remembered: every value the secret rules read is at most 200 long. */
const LOG2_MAX = 200;
let log2Table: Float64Array | undefined;

/**
 * `Math.log2(n / length)`, remembered per (n, length) up to LOG2_MAX: the
 * same double every time (the ratio and the function are the same), at a
 * table read instead of a logarithm, which dominated dense assignments.
 */
function log2Ratio(n: number, length: number): number {
  if (length > LOG2_MAX) return Math.log2(n / length);
  log2Table ??= new Float64Array((LOG2_MAX + 1) * (LOG2_MAX + 1)).fill(Number.NaN);
  const at = length * (LOG2_MAX + 1) + n;
  let v = log2Table[at] ?? Number.NaN;
  if (Number.isNaN(v)) {
    v = Math.log2(n / length);
    log2Table[at] = v;
  }
  return v;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  // ASCII in a reused table (the common case), anything else in a map. No closure or array per call.
  let seen = 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (ASCII_COUNTS[c] === 0) {
        ASCII_SEEN[seen] = c;
        seen += 1;
      }
      ASCII_COUNTS[c] = (ASCII_COUNTS[c] ?? 0) + 1;
    } else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  for (let k = 0; k < seen; k += 1) {
    const c = ASCII_SEEN[k] ?? 0;
    const n = ASCII_COUNTS[c] ?? 0;
    const p = n / s.length;
    h -= p * log2Ratio(n, s.length);
    ASCII_COUNTS[c] = 0;
  }
  if (other !== undefined) {
    for (const n of other.values()) {
      const p = n / s.length;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/** Minimum entropy for a generic key/secret/token value (gitleaks generic-api-key uses 3.5). */
const GENERIC_MIN_ENTROPY = 3.5;

function isB64url(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
}

/** End of a run of base64url characters starting at `i`. */
function b64urlRun(text: string, i: number): number {
  while (i < text.length && isB64url(text.charCodeAt(i))) i += 1;
  return i;
}

/**
 * JWTs (gitleaks `jwt`): `ey...` header, `.`, `ey...` payload, `.`, optional
 * signature, each base64url. Walked in code: a failed candidate resumes after
 * the run it consumed, so the scan stays linear.
 */
function findJwts(text: string, out: DetectorMatch[]): void {
  // Every JWT has a ".ey" (between header and payload): skip the scan without one.
  if (!text.includes('.ey')) return;
  JWT_START.lastIndex = 0;
  for (let m = JWT_START.exec(text); m !== null; m = JWT_START.exec(text)) {
    const start = m.index;
    const h = b64urlRun(text, start);
    JWT_START.lastIndex = h;
    if (h - start < 12 || text.charCodeAt(h) !== 46 || !text.startsWith('ey', h + 1)) continue;
    const p = b64urlRun(text, h + 1);
    JWT_START.lastIndex = p;
    if (p - (h + 1) < 12 || text.charCodeAt(p) !== 46) continue;
    const sig = b64urlRun(text, p + 1);
    JWT_START.lastIndex = sig;
    out.push({ type: 'SECRET', start, end: sig, rule: 'jwt' });
  }
}

function findTokens(text: string, out: DetectorMatch[]): void {
  SECRET_TOKEN_PREFIX.lastIndex = 0;
  let coveredUpTo = 0;
  for (let m = SECRET_TOKEN_PREFIX.exec(text); m !== null; m = SECRET_TOKEN_PREFIX.exec(text)) {
    const at = m.index;
    if (at < coveredUpTo) continue;
    for (const c of RULES_BY_PREFIX[prefixAt(text, at)]?.rules ?? []) {
      const from = at - (c.rule.back ?? 0);
      if (from < 0) continue;
      c.sticky.lastIndex = from;
      if (!c.sticky.test(text)) continue;
      const end = c.sticky.lastIndex;
      out.push({ type: 'SECRET', start: from + (c.rule.skip ?? 0), end, rule: c.rule.id });
      coveredUpTo = end;
      SECRET_TOKEN_PREFIX.lastIndex = Math.max(SECRET_TOKEN_PREFIX.lastIndex, coveredUpTo);
      break;
    }
  }
}

function findPrivateKeys(text: string, out: DetectorMatch[]): void {
  if (!text.includes('-----BEGIN')) return;
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
      // Unterminated (truncated paste): redact the armour line and the whole base64 lines that follow.
      end = bodyFrom;
      let i = bodyFrom;
      while (i - bodyFrom < PRIVATE_KEY_MAX) {
        PRIVATE_KEY_NEWLINE.lastIndex = i;
        const nl = PRIVATE_KEY_NEWLINE.exec(text);
        if (nl === null) break;
        PRIVATE_KEY_BODY_LINE.lastIndex = i + nl[0].length;
        const line = PRIVATE_KEY_BODY_LINE.exec(text);
        if (line === null) break;
        const lineEnd = PRIVATE_KEY_BODY_LINE.lastIndex;
        PRIVATE_KEY_NEWLINE.lastIndex = lineEnd;
        if (lineEnd < text.length && !PRIVATE_KEY_NEWLINE.test(text)) break;
        end = lineEnd;
        i = lineEnd;
      }
    }
    out.push({ type: 'SECRET', start, end, rule: 'private-key' });
    PRIVATE_KEY_BEGIN.lastIndex = end;
  }
}

/**
 * `text.includes(' is ')`, searched as "is " with the space before checked
 * by hand: a pattern that starts with a space stops at every space.
 */
function hasSpacedIs(text: string): boolean {
  for (let i = text.indexOf('is ', 1); i !== -1; i = text.indexOf('is ', i + 1)) if (text.charCodeAt(i - 1) === 32) return true;
  return false;
}

function findGeneric(text: string, out: DetectorMatch[]): void {
  // Every assignment SECRET_ASSIGN accepts contains '=', ':' or ' is '.
  if (!text.includes('=') && !text.includes(':') && !hasSpacedIs(text)) return;
  SECRET_KEYWORD.lastIndex = 0;
  for (let m = SECRET_KEYWORD.exec(text); m !== null; m = SECRET_KEYWORD.exec(text)) {
    // Only "passw(or)d" and "pwd" start with a p.
    const isPassword = (m[0].charCodeAt(0) | 32) === 112;
    // The sticky patterns below are run with test(): their ends (lastIndex) are all that is needed, no match arrays.
    SECRET_NAME_TAIL.lastIndex = m.index + m[0].length;
    SECRET_NAME_TAIL.test(text);
    const afterName = SECRET_NAME_TAIL.lastIndex;
    // Resume after the whole identifier: "keykeykey..." is examined once, not once per keyword.
    SECRET_KEYWORD.lastIndex = Math.max(SECRET_KEYWORD.lastIndex, afterName);
    SECRET_ASSIGN.lastIndex = afterName;
    if (!SECRET_ASSIGN.test(text)) continue;
    const valueStart = SECRET_ASSIGN.lastIndex;
    // The opening quote is the assignment's last character when there is one (its capture group ends the match).
    const last = text.charCodeAt(valueStart - 1);
    const quote = last === 34 || last === 39 || last === 96 ? last : -1;
    const valueRe = quote !== -1 ? SECRET_QUOTED_VALUE : isPassword ? SECRET_PASSWORD_VALUE : SECRET_VALUE;
    valueRe.lastIndex = valueStart;
    if (!valueRe.test(text)) continue;
    const valueEnd = valueRe.lastIndex;
    // A sentence may end right after an unquoted value.
    let end = valueEnd;
    if (quote === -1) while (end > valueStart && text.charCodeAt(end - 1) === 46) end -= 1;
    if (quote !== -1 && text.charCodeAt(valueEnd) !== quote) continue;
    const value = text.slice(valueStart, end);
    if (SECRET_PLACEHOLDER.test(value)) continue;
    const ok = isPassword
      ? value.length >= 6 && shannonEntropy(value) >= 2.5
      : value.length >= 10 && shannonEntropy(value) >= GENERIC_MIN_ENTROPY;
    // Whatever the verdict, the value run has been examined: resume after it ("key=key=key=..." stays linear).
    SECRET_KEYWORD.lastIndex = Math.max(SECRET_KEYWORD.lastIndex, valueEnd);
    if (!ok) continue;
    out.push({ type: 'SECRET', start: valueStart, end, rule: isPassword ? 'generic-password' : 'generic-api-key' });
  }
}

/** Detector for secrets. @internal */
export const secretsDetector: Detector = {
  name: 'secrets',
  types: ['SECRET'],
  needsDigit: false,
  patterns: [
    ...SECRET_TOKEN_RULES.map((r) => r.re),
    SECRET_TOKEN_PREFIX,
    JWT_START,
    PRIVATE_KEY_BEGIN,
    PRIVATE_KEY_END,
    PRIVATE_KEY_BODY_LINE,
    PRIVATE_KEY_NEWLINE,
    SECRET_KEYWORD,
    SECRET_NAME_TAIL,
    SECRET_ASSIGN,
    SECRET_VALUE,
    SECRET_QUOTED_VALUE,
    SECRET_PASSWORD_VALUE,
    SECRET_PLACEHOLDER,
  ],
  find(text: string, out: DetectorMatch[]): void {
    findTokens(text, out);
    findJwts(text, out);
    findPrivateKeys(text, out);
    findGeneric(text, out);
  },
};
