import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import {
  describeMatch,
  parsePattern,
  patternImplies,
  patternMatches,
  printPattern,
  tryParsePattern,
} from '../../src/rbac/pattern.js';
import { refMatch } from './reference.js';

const NAMES = ['a', 'b', 'email', '__proto__', 'constructor', 'hasOwnProperty', 'x-y', '_'];
const segment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMES) }, { weight: 2, arbitrary: fc.constant('*') });
const patternArb = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
const permissionArb = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 6 }).map((s) => s.join('.'));
const GRAMMAR = /^(?:[A-Za-z0-9_-]+|\*)(?:\.(?:[A-Za-z0-9_-]+|\*))*$/;

describe('pattern grammar', () => {
  it.each(['a..b', 'a.', '.a', 'a*', '*a', '**', 'a.**', '', '.', 'a b', 'a.b*', 'é', 'a/b', 'a.*b.c'])(
    'rejects the malformed pattern %j with RBAC_PATTERN_INVALID',
    (text) => {
      expect(typeof tryParsePattern(text)).toBe('string');
      let caught: unknown;
      try {
        parsePattern(text);
      } catch (err) {
        caught = err;
      }
      expect(isTenantGuardError(caught, 'RBAC_PATTERN_INVALID')).toBe(true);
    },
  );

  it('rejects non-strings and oversized input', () => {
    expect(typeof tryParsePattern(undefined)).toBe('string');
    expect(typeof tryParsePattern(42)).toBe('string');
    expect(typeof tryParsePattern('a'.repeat(257))).toBe('string');
    expect(typeof tryParsePattern(Array(17).fill('a').join('.'))).toBe('string');
  });

  it.each(['*', 'brands.*', 'email.*', '*.read', 'email.*.read', '__proto__.constructor', 'api_keys.create', 'a-b.c_d'])(
    'accepts %j',
    (text) => {
      expect(printPattern(parsePattern(text))).toBe(text);
    },
  );

  it('property "acceptance equals the grammar" on strings from a tiny alphabet', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '.', '*', '_', ' ', '-', 'Z', '9'), { maxLength: 8 }).map((c) => c.join('')), (text) => {
        return (typeof tryParsePattern(text) !== 'string') === GRAMMAR.test(text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('property "parse -> print -> parse is stable"', () => {
    fc.assert(
      fc.property(patternArb, (text) => {
        const once = parsePattern(text);
        const printed = printPattern(once);
        expect(printed).toBe(text);
        expect(parsePattern(printed)).toEqual(once);
      }),
      { numRuns: 10_000 },
    );
  });

  it('segment names such as __proto__ are plain data', () => {
    const p = parsePattern('__proto__.constructor');
    expect(patternMatches(p, ['__proto__', 'constructor'])).toBe(true);
    expect(patternMatches(p, ['__proto__', 'hasOwnProperty'])).toBe(false);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype); // nothing was polluted
  });

  it('wildcards are positional: *.read does not cover email.campaigns.read', () => {
    expect(patternMatches(parsePattern('*.read'), ['brands', 'read'])).toBe(true);
    expect(patternMatches(parsePattern('*.read'), ['email', 'campaigns', 'read'])).toBe(false);
    expect(patternMatches(parsePattern('email.*'), ['email', 'campaigns', 'send'])).toBe(true);
    expect(patternMatches(parsePattern('email.*'), ['email'])).toBe(false);
    expect(patternMatches(parsePattern('email.*.send'), ['email', 'campaigns', 'send'])).toBe(true);
    expect(patternMatches(parsePattern('email.*.send'), ['email', 'campaigns', 'x', 'send'])).toBe(false);
    expect(describeMatch(parsePattern('email.*'), ['email', 'campaigns', 'send'])).toBe("trailing * covers 'campaigns.send'");
  });
});

describe('wildcard implication', () => {
  const p = (t: string) => parsePattern(t);
  it('property "implication is a preorder with * on top"', () => {
    fc.assert(
      fc.property(patternArb, patternArb, patternArb, (a, b, c) => {
        expect(patternImplies(p(a), p(a))).toBe(true); // reflexive
        expect(patternImplies(p('*'), p(a))).toBe(true); // top
        if (patternImplies(p(a), p(b)) && patternImplies(p(b), p(c))) {
          expect(patternImplies(p(a), p(c))).toBe(true); // transitive
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('property "implication is sound: a implies b means a covers whatever b covers"', () => {
    fc.assert(
      fc.property(patternArb, patternArb, permissionArb, (a, b, q) => {
        if (patternImplies(p(a), p(b)) && refMatch(b, q)) expect(refMatch(a, q)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('property "implication is complete: not implied means some permission shows it"', () => {
    // The witness: b with each wildcard replaced by a fresh name (and a
    // trailing wildcard by one or two of them) is covered by b but not by a.
    fc.assert(
      fc.property(patternArb, patternArb, (a, b) => {
        if (patternImplies(p(a), p(b))) return;
        const segs = b.split('.').map((s) => (s === '*' ? 'fresh' : s));
        const witnesses = [segs.join('.'), `${segs.join('.')}.fresh`];
        const shown = witnesses.some((w) => refMatch(b, w) && !refMatch(a, w));
        expect(shown).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('examples', () => {
    expect(patternImplies(p('email.*'), p('email.campaigns.send'))).toBe(true);
    expect(patternImplies(p('email.*'), p('email.*.send'))).toBe(true);
    expect(patternImplies(p('*.read'), p('email.campaigns.read'))).toBe(false);
    expect(patternImplies(p('email.campaigns.send'), p('email.*'))).toBe(false);
  });
});
