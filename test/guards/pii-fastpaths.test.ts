/**
 * The PII detectors' fast paths against straightforward references (fast-check).
 *
 * Each detector was sped up for dense adversarial input (segments read once,
 * candidate regexes that consume their first character, allocation-free
 * validation, no capture groups in the token-prefix scan, cached context
 * queries). Each reference below is the plain algorithm those replaced; on
 * any input the detector must report exactly what its reference reports, so
 * a skipped candidate or a mis-resumed scan fails here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Metadata } from 'libphonenumber-js/core';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import { CARD_CANDIDATE, CARD_CONTEXT, CARD_NEGATIVE_CONTEXT, cardsDetector, validateCard } from '../../src/guards/detectors/cards.js';
import { KeywordIndex } from '../../src/guards/detectors/context.js';
import { IBAN_LENGTHS, ibanDetector } from '../../src/guards/detectors/iban.js';
import { PHONE_CANDIDATE, PHONE_CONTEXT } from '../../src/guards/detectors/phone.js';
import {
  SECRET_ASSIGN,
  SECRET_KEYWORD,
  SECRET_NAME_TAIL,
  SECRET_PASSWORD_VALUE,
  SECRET_PLACEHOLDER,
  SECRET_QUOTED_VALUE,
  SECRET_TOKEN_RULES,
  SECRET_VALUE,
  secretsDetector,
  shannonEntropy,
} from '../../src/guards/detectors/secrets.js';
import { SSN_CANDIDATE } from '../../src/guards/detectors/ssn.js';
import type { DetectorMatch, DetectorSettings } from '../../src/guards/detectors/types.js';
import { DEFAULT_PHONE_CONTEXT_REGIONS, DEFAULT_PHONE_REGIONS, createPiiRedactor } from '../../src/guards/pii-redactor.js';

const SETTINGS: DetectorSettings = {
  phoneRegions: DEFAULT_PHONE_REGIONS,
  phoneContextRegions: DEFAULT_PHONE_CONTEXT_REGIONS,
  strictPhoneValidation: false,
  strictCardIssuers: false,
};
const RUNS = { numRuns: 400 } as const;

function run(find: (text: string, out: DetectorMatch[], settings: DetectorSettings) => void, text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  find(text, out, SETTINGS);
  return out;
}

function allMatches(re: RegExp, text: string): string[] {
  const g = new RegExp(re.source, re.flags);
  const found: string[] = [];
  for (let m = g.exec(text); m !== null; m = g.exec(text)) found.push(`${m.index}:${m[0]}`);
  return found;
}

/** Text made of the given pieces joined by the given separators. */
const soup = (pieces: readonly string[], seps: readonly string[], maxLength = 40): fc.Arbitrary<string> =>
  fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom(...seps)), { maxLength }).map((xs) => xs.map(([p, s]) => p + s).join(''));

describe('IBAN: segments read once', () => {
  /** The walk every candidate used to do: `want` alphanumerics (single spaces after the first four), then a word boundary, then mod-97. */
  function reference(text: string): DetectorMatch[] {
    const out: DetectorMatch[] = [];
    const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const re = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const want = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
      if (want === undefined) continue;
      let i = m.index;
      let compact = '';
      while (i < text.length && compact.length < want) {
        const c = text.charCodeAt(i);
        if (isAlnum(c)) {
          compact += text[i]?.toUpperCase();
          i += 1;
        } else if (c === 32 && compact.length >= 4 && i + 1 < text.length && isAlnum(text.charCodeAt(i + 1))) i += 1;
        else break;
      }
      if (compact.length !== want || (i < text.length && isAlnum(text.charCodeAt(i)))) continue;
      const rearranged = compact.slice(4) + compact.slice(0, 4);
      let rem = 0;
      for (const ch of rearranged) rem = /\d/.test(ch) ? (rem * 10 + Number(ch)) % 97 : (rem * 100 + (ch.charCodeAt(0) - 55)) % 97;
      if (rem !== 1) continue;
      out.push({ type: 'IBAN', start: m.index, end: i, rule: 'iban-mod97' });
      re.lastIndex = i;
    }
    return out;
  }

  const pieces = [
    'GB82', 'WEST', '1234', '5698', '7654', '32', 'GB82WEST12345698765432', 'gb82 west 1234 5698 7654 32',
    'DE89', '3704', '0044', '0532', '0130', '00', 'NO93', '8601', '1117', '947', 'NO9386011117947',
    'AB', 'A', '1', 'X'.repeat(40), 'ZZ12', 'FR14', '2004', '1010', '0505', '0001', '3M02', '606',
  ];
  const text = soup(pieces, [' ', ' ', ' ', '  ', '-', '\n', '', '.', ', ']);

  it('reports exactly what the per-candidate walk reports', () => {
    fc.assert(fc.property(text, (t) => {
      expect(run(ibanDetector.find, t)).toEqual(reference(t));
    }), RUNS);
  });

  it('finds IBANs right after dense prefixes, at segment ends and after long tokens', () => {
    const valid = 'GB82 WEST 1234 5698 7654 32';
    for (const t of [
      `${'GB82 '.repeat(50)}${valid}`,
      `${'GB82 '.repeat(50)}x ${valid}`,
      `${'A'.repeat(60)} ${valid}`,
      `${valid} ${valid}`,
      `${valid}X`,
      `GB82WEST12345698765432 NO9386011117947 ${'GB82 '.repeat(3)}`,
    ]) {
      expect(run(ibanDetector.find, t)).toEqual(reference(t));
    }
    expect(reference(`${'GB82 '.repeat(50)}${valid}`)).toHaveLength(1);
  });
});

describe('cards: one allocation-free pass per candidate', () => {
  /** The previous candidate regex (lookahead first) and the validation on the digit string. */
  const OLD_CANDIDATE = /(?<![\w.,-])(?=(?:\d[ -]?){12})\d{1,19}(?:[ -]\d{1,19}){0,9}(?![\w-]|[.,]\d)/g;
  function reference(text: string): DetectorMatch[] {
    const out: DetectorMatch[] = [];
    const positive = new KeywordIndex(text, CARD_CONTEXT);
    const negative = new KeywordIndex(text, CARD_NEGATIVE_CONTEXT);
    const re = new RegExp(OLD_CANDIDATE.source, 'g');
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const raw = m[0];
      const groups = raw.split(/[ -]/);
      if (groups.join('').length < 12 || (raw.includes(' ') && raw.includes('-'))) continue;
      if (negative.before(m.index, 20) !== -1) continue;
      const hasContext = positive.before(m.index) !== -1;
      const offsets: number[] = [];
      let pos = 0;
      for (const g of groups) {
        offsets.push(pos);
        pos += g.length + 1;
      }
      let found: { a: number; b: number; rule: string } | undefined;
      for (let len = groups.length; len >= 1 && found === undefined; len -= 1) {
        for (let a = 0; a + len <= groups.length; a += 1) {
          const sub = groups.slice(a, a + len);
          if (sub.length > 1 && sub.some((g) => g.length < 3 || g.length > 6)) continue;
          const rule = validateCard(sub.join(''), hasContext, false);
          if (rule !== undefined) {
            found = { a, b: a + len, rule };
            break;
          }
        }
      }
      if (found === undefined) continue;
      const last = found.b - 1;
      out.push({ type: 'CREDIT_CARD', start: m.index + (offsets[found.a] ?? 0), end: m.index + (offsets[last] ?? 0) + (groups[last]?.length ?? 0), rule: found.rule });
    }
    return out;
  }

  const pieces = [
    '4111 1111 1111 1111', '4111111111111111', '4111-1111-1111-1111', '3782 822463 10005', '3502162941615515',
    '4111 1111 1111 1112', '0000 0000 0000 0000', '4111 1111-1111 1111', '12/27', '123', '4', '41', '4111', '1111',
    'card', 'visa', 'order', 'invoice #', 'x', '.', ',', '-',
  ];
  const text = soup(pieces, [' ', ' ', '', '-', ', ', '\n', '.']);

  it('the candidate regex matches what the lookahead-first form matched', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('0', '1', '4', '9', ' ', '-', '.', ',', 'a', '_'), maxLength: 60 }), (t) => {
        expect(allMatches(CARD_CANDIDATE, t)).toEqual(allMatches(OLD_CANDIDATE, t));
      }),
      { numRuns: 2000 },
    );
  });

  it('reports exactly what digit-string validation reports', () => {
    fc.assert(fc.property(text, (t) => {
      expect(run(cardsDetector.find, t)).toEqual(reference(t));
    }), RUNS);
  });
});

describe('phones and SSNs: candidate regexes that consume their first character', () => {
  const OLD_PHONE =
    /(?<![\w+.\-/(])(?=(?:[ .()+-]{0,3}\d){7})(?:\+ ?)?(?:\(\d{1,4}\) ?)?\d{1,15}(?:[ .-](?:\(\d{1,4}\) ?)?\d{1,15}|\(\d{1,4}\) ?\d{1,15}){0,7}(?: ?(?:x|ext\.?) ?\d{1,6})?(?![\w/:]|[.-]\d)/g;
  const OLD_SSN = /(?<![\w.,$-])(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{9})(?![\w-]|[.,]\d)/g;
  const unit = fc.constantFrom('0', '1', '2', '5', '9', '9', ' ', ' ', '-', '.', '(', ')', '+', 'x', 'ext', 'a', '/', ':', ',', '$', '_');

  it('match exactly what the lookahead-first forms matched', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (t) => {
        expect(allMatches(PHONE_CANDIDATE, t)).toEqual(allMatches(OLD_PHONE, t));
        expect(allMatches(SSN_CANDIDATE, t)).toEqual(allMatches(OLD_SSN, t));
      }),
      { numRuns: 3000 },
    );
  });

  /** Possible international number: calling code (a prefix code) and national length from the metadata, on the digit string. */
  const lengths = new Map<string, Set<number>>();
  const md = new Metadata(maxMetadata);
  for (const region of getCountries()) {
    md.selectNumberingPlan(region);
    const code = getCountryCallingCode(region);
    const set = lengths.get(code) ?? new Set<number>();
    for (const l of md.numberingPlan?.possibleLengths() ?? []) set.add(l);
    lengths.set(code, set);
  }
  function possible(intl: string): boolean {
    const digits = intl.replace(/\(0\)/, '').replace(/\D/g, '');
    for (let k = 1; k <= 3 && k < digits.length; k += 1) {
      const l = lengths.get(digits.slice(0, k));
      if (l !== undefined) return l.has(digits.length - k);
    }
    return false;
  }

  it('international numbers are accepted exactly when their calling code and length are possible', () => {
    const redactor = createPiiRedactor({ allow: ['PHONE'] });
    const digits = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    const candidate = fc
      .tuple(digits(1, 3), fc.array(fc.tuple(fc.constantFrom(' ', '-', '.', ' (0)', '(0)', ' ('), digits(2, 5)), { minLength: 1, maxLength: 4 }))
      .map(([code, groups]) => `+${code}${groups.map(([s, d]) => (s.endsWith('(') ? `${s}${d.slice(0, 2)}) ${d}` : s + d)).join('')}`);
    fc.assert(
      fc.property(candidate, (c) => {
        const digitCount = c.replace(/\(0\)/, '').replace(/\D/g, '').length;
        const shapeDigits = c.replace(/\D/g, '').length;
        const whole = redactor.redact(`call ${c} now`).findings.some((f) => f.span.start === 5 && f.span.end === 5 + c.length);
        const matchesWhole = allMatches(PHONE_CANDIDATE, `call ${c} now`).includes(`5:${c}`);
        if (!matchesWhole || shapeDigits < 7 || shapeDigits > 15) return;
        expect({ c, whole }).toEqual({ c, whole: possible(c) && digitCount > 0 });
      }),
      { numRuns: 1500 },
    );
  });
});

describe('context words: a repeated query reuses its window scan', () => {
  /** The index without the cache: every window query scans, and every query counts toward the switch. */
  class Reference {
    private starts: number[] | undefined;
    private readonly ends: number[] = [];
    private queries = 0;
    constructor(
      private readonly text: string,
      private readonly re: RegExp,
    ) {}
    before(pos: number, window = 48): number {
      if (this.starts === undefined && this.queries * 64 < Math.max(2048, this.text.length)) {
        this.queries += 1;
        const from = Math.max(0, pos - window - 1);
        const slice = this.text.slice(from, pos);
        let found = -1;
        this.re.lastIndex = 0;
        for (let m = this.re.exec(slice); m !== null; m = this.re.exec(slice)) if (from + m.index >= pos - window) found = from + m.index;
        return found;
      }
      if (this.starts === undefined) {
        this.starts = [];
        this.re.lastIndex = 0;
        for (let m = this.re.exec(this.text); m !== null; m = this.re.exec(this.text)) {
          this.starts.push(m.index);
          this.ends.push(m.index + m[0].length);
        }
      }
      let found = -1;
      for (let i = 0; i < this.starts.length; i += 1) if ((this.ends[i] ?? 0) <= pos) found = i;
      const s = found === -1 ? -1 : (this.starts[found] ?? -1);
      return s !== -1 && s >= pos - window ? s : -1;
    }
  }

  it('answers every query sequence as the uncached index does, across the switch to the index', () => {
    const text = soup(['call', 'phone', 'tel', '555', '0100', 'x', 'telephone', 'fax', 'a'], [' ', '', ': ', '\n'], 60);
    const queries = fc.array(fc.tuple(fc.nat(300), fc.constantFrom(48, 24, 12), fc.boolean()), { maxLength: 80 });
    fc.assert(
      fc.property(text, queries, (t, qs) => {
        const fast = new KeywordIndex(t, PHONE_CONTEXT);
        const ref = new Reference(t, PHONE_CONTEXT);
        for (const [p, w, twice] of qs) {
          const pos = Math.min(p, t.length);
          expect(fast.before(pos, w)).toBe(ref.before(pos, w));
          if (twice) expect(fast.before(pos, w)).toBe(ref.before(pos, w));
        }
      }),
      RUNS,
    );
  });

  it('repeated queries count toward the switch: the answer changes at the same query as without the cache', () => {
    // Inside "telephone" the window sees "tel" (a word at the window's end), the index does not: the two modes differ here.
    const t = 'telephone '.repeat(10);
    const fast = new KeywordIndex(t, PHONE_CONTEXT);
    const ref = new Reference(t, PHONE_CONTEXT);
    const answers = Array.from({ length: 40 }, () => [fast.before(3), ref.before(3)]);
    expect(answers.map(([a]) => a)).toEqual(answers.map(([, b]) => b));
    expect(new Set(answers.map(([, b]) => b))).toEqual(new Set([0, -1]));
  });
});

describe('secrets: prefix scan without capture groups, assignments read with sticky tests', () => {
  const TOKEN_IDS = new Set(SECRET_TOKEN_RULES.map((r) => r.id));
  const GENERIC_IDS = new Set(['generic-api-key', 'generic-password']);

  /** Token rules: the capturing alternation, its group telling which rules to try. */
  function referenceTokens(text: string): DetectorMatch[] {
    const prefixes = [...new Set(SECRET_TOKEN_RULES.map((r) => r.prefix))];
    const scan = new RegExp(prefixes.map((p) => `(${p})`).join('|'), 'g');
    const out: DetectorMatch[] = [];
    let covered = 0;
    for (let m = scan.exec(text); m !== null; m = scan.exec(text)) {
      if (m.index < covered) continue;
      const g = m.findIndex((x, i) => i > 0 && x !== undefined);
      for (const rule of SECRET_TOKEN_RULES.filter((r) => r.prefix === prefixes[g - 1])) {
        const from = m.index - (rule.back ?? 0);
        if (from < 0) continue;
        const sticky = new RegExp(rule.re.source, 'y');
        sticky.lastIndex = from;
        const t = sticky.exec(text);
        if (t === null) continue;
        out.push({ type: 'SECRET', start: from + (rule.skip ?? 0), end: from + t[0].length, rule: rule.id });
        covered = from + t[0].length;
        scan.lastIndex = Math.max(scan.lastIndex, covered);
        break;
      }
    }
    return out;
  }

  /** Generic assignments: match arrays, the quote from the capture group, trailing dots by regex. */
  function referenceGeneric(text: string): DetectorMatch[] {
    const out: DetectorMatch[] = [];
    if (!text.includes('=') && !text.includes(':') && !text.includes(' is ')) return out;
    const kw = new RegExp(SECRET_KEYWORD.source, SECRET_KEYWORD.flags);
    const tail = new RegExp(SECRET_NAME_TAIL.source, 'y');
    const assign = new RegExp(SECRET_ASSIGN.source, 'y');
    for (let m = kw.exec(text); m !== null; m = kw.exec(text)) {
      const keyword = m[0].toLowerCase();
      tail.lastIndex = m.index + m[0].length;
      tail.exec(text);
      kw.lastIndex = Math.max(kw.lastIndex, tail.lastIndex);
      assign.lastIndex = tail.lastIndex;
      const a = assign.exec(text);
      if (a === null) continue;
      const quote = a[1] ?? '';
      const isPassword = keyword.startsWith('pass') || keyword === 'pwd';
      const valueRe = new RegExp((quote !== '' ? SECRET_QUOTED_VALUE : isPassword ? SECRET_PASSWORD_VALUE : SECRET_VALUE).source, 'y');
      valueRe.lastIndex = assign.lastIndex;
      const v = valueRe.exec(text);
      if (v === null) continue;
      let value = v[0];
      if (quote === '') value = value.replace(/[.]+$/, '');
      if (quote !== '' && text[v.index + v[0].length] !== quote) continue;
      if (SECRET_PLACEHOLDER.test(value)) continue;
      const ok = isPassword ? value.length >= 6 && shannonEntropy(value) >= 2.5 : value.length >= 10 && shannonEntropy(value) >= 3.5;
      kw.lastIndex = Math.max(kw.lastIndex, v.index + v[0].length);
      if (ok) out.push({ type: 'SECRET', start: v.index, end: v.index + value.length, rule: isPassword ? 'generic-password' : 'generic-api-key' });
    }
    return out;
  }

  it('token rules: the same findings as the capturing alternation', () => {
    const pieces = [
      'AKIA', 'A3TX', 'ASIA', 'ABIA', 'ACCA', 'AIza', '1Q~', 'AccountKey=', 'ghp_', 'gho_', 'github_pat_', 'glpat-', 'xoxb-', 'xapp-',
      'hooks.slack.com/', 'sk_test_', 'rk_live_', 'whsec_', 'sk-', 'sk-ant-api03-', 'npm_', 'SG.', 'SKa', 'SK', 'AKIAIOSFODNN7EXAMPLE',
      `ghp_${'a1B2'.repeat(9)}`, `SK${'0123456789abcdef'.repeat(2)}`, `AIza${'x'.repeat(35)}`, `npm_${'a1'.repeat(18)}`, `glpat-${'z'.repeat(20)}`,
      `whsec_${'q'.repeat(32)}`, `sk_live_${'k'.repeat(24)}`, 'xoxb-12-34-abc', `abc1Q~${'w'.repeat(32)}`, `AccountKey=${'K'.repeat(86)}==`,
      `SG.${'a'.repeat(22)}.${'b'.repeat(43)}`, 'abc', '0123', '-', '_', '.', '~', 'Q',
    ];
    fc.assert(
      fc.property(soup(pieces, ['', '', ' ', '\n', '"']), (t) => {
        const found = run(secretsDetector.find, t).filter((f) => TOKEN_IDS.has(f.rule));
        expect(found).toEqual(referenceTokens(t));
      }),
      RUNS,
    );
  });

  it('generic assignments: the same findings as the match-array reading', () => {
    const names = ['api_key', 'key', 'secret', 'token', 'password', 'passwd', 'pwd', 'PASSWORD', 'auth', 'credential', 'AWS_SECRET_ACCESS_KEY', 'keykey'];
    const ops = ['=', ': ', ' = ', ':=', '=>', ' is ', '"="', "': '", '\t=\t', ':'];
    const values = ['12345678abcXYZ01', 'xxxxxxxx', 'changeme', '${VAR}', 'Zx9#kQ2!mP', 'aB3$dE6^gH9*', 'short', 'a.b.c.d.e.f.g.h.', 'hunter2', 'é€😀abc123XYZ', 'Qw9zQw9zQw9zQw9z..'];
    const assignment = fc
      .tuple(fc.constantFrom('', 'my ', 'x'), fc.constantFrom(...names), fc.constantFrom(...ops), fc.constantFrom('', '"', "'", '`'), fc.constantFrom(...values), fc.constantFrom('', '"', "'", '.', ' ', ';'))
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(assignment, { maxLength: 6 }).map((xs) => xs.join(' ')), (t) => {
        const found = run(secretsDetector.find, t).filter((f) => GENERIC_IDS.has(f.rule));
        expect(found).toEqual(referenceGeneric(t));
      }),
      RUNS,
    );
  });

  it('entropy equals the textbook formula, in the same summation order', () => {
    fc.assert(
      // Up to 300 characters: the log2 terms are remembered for strings of up to 200, computed beyond.
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '9', '~', 'é', '€', '😀'), maxLength: 300 }), (s) => {
        const counts = new Map<number, number>();
        for (let i = 0; i < s.length; i += 1) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
        // ASCII first, in first-seen order, then the rest in first-seen order.
        const order = [...counts.keys()].filter((c) => c < 128).concat([...counts.keys()].filter((c) => c >= 128));
        let h = 0;
        for (const c of order) {
          const p = (counts.get(c) ?? 0) / s.length;
          h -= p * Math.log2(p);
        }
        expect(shannonEntropy(s)).toBe(h);
      }),
      RUNS,
    );
  });
});
