/**
 * Conformance tests for the secrets detector: one positive and one near-miss
 * per gitleaks-style rule, private-key blocks, JWTs, and the generic
 * "high-entropy value assigned to a key/secret/token name" rule. Tokens are
 * assembled at run time so that no test file contains a token verbatim.
 */
import { describe, expect, it } from 'vitest';
import { createPiiRedactor } from '../../src/guards/pii-redactor.js';
import { shannonEntropy } from '../../src/guards/detectors/secrets.js';

const redactor = createPiiRedactor();
function secrets(text: string): Array<{ value: string; rule: string }> {
  return redactor
    .redact(text)
    .findings.filter((f) => f.type === 'SECRET')
    .map((f) => ({ value: text.slice(f.span.start, f.span.end), rule: f.rule }));
}
const alnum = (n: number, seed = 7): string => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  let x = seed;
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += chars[x % chars.length];
  }
  return out;
};
const upper = (n: number): string => 'QWERTYUIOPASDFGHJKLZXCVBNM234567'.repeat(4).slice(0, n);
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

const tokens: Array<[string, string]> = [
  ['aws-access-token', 'AKIA' + upper(16)],
  ['aws-access-token', 'ASIA' + upper(16)],
  ['gcp-api-key', 'AIza' + alnum(35)],
  ['azure-ad-client-secret', 'abc' + '8Q~' + alnum(34)],
  ['github-pat', 'ghp_' + alnum(36)],
  ['github-pat', 'gho_' + alnum(36)],
  ['github-fine-grained-pat', 'github_pat_' + alnum(82)],
  ['gitlab-pat', 'glpat-' + alnum(20)],
  ['slack-token', 'xoxb-' + '1234567890' + '-' + '1234567890123' + '-' + alnum(24)],
  ['slack-token', 'xoxp-' + '1234567890' + '-' + '1234567890' + '-' + '1234567890' + '-' + alnum(32)],
  ['slack-app-token', 'xapp-1-' + 'A0123BCDE' + '-' + '1234567890123' + '-' + alnum(64).toLowerCase()],
  ['stripe-access-token', 'sk_' + 'live_' + alnum(24)],
  ['stripe-access-token', 'rk_' + 'test_' + alnum(24)],
  ['stripe-webhook-secret', 'whsec_' + alnum(32)],
  ['openai-api-key', 'sk-' + alnum(20) + 'T3BlbkFJ' + alnum(20, 3)],
  ['anthropic-api-key', 'sk-ant-api03-' + alnum(93) + 'AA'],
  ['npm-access-token', 'npm_' + alnum(36)],
  ['sendgrid-api-token', 'SG.' + alnum(22) + '.' + alnum(43)],
  ['twilio-api-key', 'SK' + '0123456789abcdef0123456789abcdef'],
];

describe('token rules', () => {
  it.each(tokens)('%s: finds the whole token', (rule, token) => {
    expect(secrets(`config: ${token} end`)).toEqual([{ value: token, rule }]);
    expect(secrets(`"${token}"`)).toEqual([{ value: token, rule }]);
  });

  it.each(tokens)('%s: not inside a longer token', (_rule, token) => {
    expect(secrets(`x${token}x`)).toEqual([]);
  });

  it('finds a Slack webhook and an Azure storage key (value only)', () => {
    const hook = `https://hooks.slack.com/services/${alnum(44)}`;
    expect(secrets(hook).map((s) => s.rule)).toEqual(['slack-webhook-url']);
    const key = alnum(86) + '==';
    expect(secrets(`DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${key};`)).toEqual([
      { value: key, rule: 'azure-storage-account-key' },
    ]);
  });

  it('leaves look-alikes alone', () => {
    expect(secrets('AKIA is a prefix; ghp_short; sk_live_; xoxb-; SG.abc.def; SKU 12345')).toEqual([]);
  });
});

describe('JWT', () => {
  const jwt = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890","name":"Jane"}')}.${alnum(43)}`;
  it('finds a signed JWT', () => {
    expect(secrets(`Authorization: Bearer ${jwt}`)).toEqual([{ value: jwt, rule: 'jwt' }]);
  });
  it('finds an unsigned JWT (alg none, empty signature)', () => {
    const unsigned = jwt.slice(0, jwt.lastIndexOf('.') + 1);
    expect(secrets(`token ${unsigned} `)).toEqual([{ value: unsigned, rule: 'jwt' }]);
  });
  it('leaves words starting with ey alone', () => {
    expect(secrets('eyes.eyebrows.eyelids and eyJhbGciOi')).toEqual([]);
  });
});

describe('private-key blocks', () => {
  const body = Array.from({ length: 6 }, (_, i) => alnum(64, i + 1)).join('\n');
  it.each(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK'])(
    'finds a %s block from BEGIN to END',
    (kind) => {
      const block = `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----`;
      expect(secrets(`key:\n${block}\nthanks`)).toEqual([{ value: block, rule: 'private-key' }]);
    },
  );
  it('finds a block inside JSON with escaped newlines', () => {
    const block = `-----BEGIN PRIVATE KEY-----\\n${alnum(64)}\\n-----END PRIVATE KEY-----`;
    expect(secrets(`{"private_key": "${block}\\n"}`)).toEqual([{ value: block, rule: 'private-key' }]);
  });
  it('redacts a truncated block (no END line) up to the end of its body', () => {
    const partial = `-----BEGIN RSA PRIVATE KEY-----\n${body}`;
    expect(secrets(`${partial}\n\nand then some words.`)).toEqual([{ value: partial, rule: 'private-key' }]);
  });
  it('leaves public keys and certificates alone', () => {
    expect(secrets(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`)).toEqual([]);
  });
});

describe('generic key/secret/token assignments (entropy)', () => {
  const value = alnum(32, 11);
  it.each([
    [`api_key = "${value}"`],
    [`AWS_SECRET_ACCESS_KEY=${value}`],
    [`"client_secret": "${value}"`],
    [`authToken: ${value}`],
    [`my api key is ${value}`],
    [`const apiKey = '${value}';`],
  ])('finds the value in %s', (text) => {
    expect(secrets(text)).toEqual([{ value, rule: 'generic-api-key' }]);
  });

  it('finds labelled passwords even with modest entropy', () => {
    expect(secrets('password=hunter22!')).toEqual([{ value: 'hunter22!', rule: 'generic-password' }]);
    expect(secrets('db pwd: "Tr0ub4dor&3"')).toEqual([{ value: 'Tr0ub4dor&3', rule: 'generic-password' }]);
  });

  it.each([
    'the key is important', // low entropy
    'token: aaaaaaaaaaaaaaaa', // low entropy
    'api_key = ${API_KEY}', // placeholder
    'secret: changeme', // placeholder
    'password: ********', // placeholder
    'key takeaways: read the docs', // prose
    'monkey = 5', // short value
  ])('leaves "%s" alone', (text) => {
    expect(secrets(text)).toEqual([]);
  });

  it('shannonEntropy is the per-character Shannon entropy', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abab')).toBeCloseTo(1);
    expect(shannonEntropy('abcdefgh')).toBeCloseTo(3);
  });
});
