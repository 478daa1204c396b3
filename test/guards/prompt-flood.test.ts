import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTokenFlood, type FloodRun } from '../../src/guards/prompt-flood.js';

/**
 * The straightforward version: every token read, one after another. The
 * module skips stretches where no flood can start, and must find the same run.
 */
function reference(text: string, minTokens = 24): FloodRun | undefined {
  const ws = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
  const lower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
  let runStart = -1;
  let runEnd = -1;
  let count = 0;
  const distinct: number[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && ws(text.charCodeAt(i))) i += 1;
    if (i >= text.length) break;
    const s = i;
    while (i < text.length && !ws(text.charCodeAt(i))) i += 1;
    const len = i - s;
    let key = -1;
    if (len <= 3) {
      const a = text.charCodeAt(s);
      const b = len > 1 ? text.charCodeAt(s + 1) : 0;
      const c = len > 2 ? text.charCodeAt(s + 2) : 0;
      if (!(len >= 2 && lower(a) && lower(b) && (len === 2 || lower(c)))) key = a * 0x100000000 + b * 0x10000 + c;
    }
    if (key >= 0 && (distinct.includes(key) || distinct.length < 4)) {
      if (count === 0) runStart = s;
      if (!distinct.includes(key)) distinct.push(key);
      runEnd = i;
      count += 1;
      continue;
    }
    if (count >= minTokens) return { start: runStart, end: runEnd, tokens: count };
    count = 0;
    distinct.length = 0;
    if (key >= 0) {
      distinct.push(key);
      runStart = s;
      runEnd = i;
      count = 1;
    }
  }
  return count >= minTokens ? { start: runStart, end: runEnd, tokens: count } : undefined;
}

describe('findTokenFlood', () => {
  it('finds a flood after prose, right after a long word, and at the end of the text', () => {
    const prose = 'Please summarise the following document carefully. ';
    expect(findTokenFlood(`${prose}${'ö '.repeat(30)}thanks`)).toEqual({ start: prose.length, end: prose.length + 59, tokens: 30 });
    expect(findTokenFlood(`abcdefgh${' )'.repeat(24)}`)).toEqual({ start: 9, end: 56, tokens: 24 });
    expect(findTokenFlood(`${prose}${') ] } '.repeat(8)}`)).toEqual({ start: prose.length, end: prose.length + 47, tokens: 24 });
    expect(findTokenFlood(`${prose}${') ] } '.repeat(7)}) ]`)).toBeUndefined();
    expect(findTokenFlood('ö '.repeat(23))).toBeUndefined();
    expect(findTokenFlood(prose.repeat(100))).toBeUndefined();
  });

  it('needs no more than 3 units per token and 4 distinct tokens, and counts from a fifth', () => {
    expect(findTokenFlood(`${'a b c d e '.repeat(10)}`)).toBeUndefined();
    expect(findTokenFlood(`${'x '.repeat(12)}long ${'x '.repeat(12)}`)).toBeUndefined();
    expect(findTokenFlood(`${'x '.repeat(12)}long ${'x '.repeat(12)}`, 12)).toEqual({ start: 0, end: 23, tokens: 12 });
    expect(findTokenFlood(`${'a b c d '.repeat(3)}e ${'e '.repeat(23)}`)).toEqual({ start: 24, end: 71, tokens: 24 });
  });

  it('reads texts longer than its scratch buffer (grown, or not kept past 2^20 units), and shorter ones after them', () => {
    expect(findTokenFlood(`${'words between floods '.repeat(5000)}${'} '.repeat(40)}`)).toEqual({ start: 105_000, end: 105_079, tokens: 40 });
    expect(findTokenFlood(`${'words between floods '.repeat(55_000)}${'} '.repeat(40)}`)).toEqual({ start: 1_155_000, end: 1_155_079, tokens: 40 });
    expect(findTokenFlood(`${'ö '.repeat(30)}`)).toEqual({ start: 0, end: 59, tokens: 30 });
  });

  it('property: the same run as reading every token, for any minimum', () => {
    const token = fc.constantFrom('ö', ')', ']', '}', 'a', 'I', 'x.', 'is', 'the', 'ab1', '1', 'é', '\u{1F600}', '\ud800', 'word', 'longer', '\f', '\u00a0');
    const sep = fc.constantFrom(' ', ' ', ' ', '  ', '\n', '\t', '\r', '\r\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(token, sep), { maxLength: 150 }), fc.constantFrom(24, 24, 0, 1, 2, 3, 4, 5, 8), (parts, minTokens) => {
        const s = parts.map(([t, w]) => t + w).join('');
        expect(findTokenFlood(s, minTokens), JSON.stringify(s)).toEqual(reference(s, minTokens));
      }),
      { numRuns: 5000 },
    );
  });

  it('property: the same run on floods drawn from a few tokens', () => {
    const token = fc.constantFrom('ö', ')', ']', '}', 'a', 'I', 'is', 'abcd', '::', '.');
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 120 }), (pool, picks) => {
        const s = picks.map((k) => `${pool[k % pool.length] ?? ''} `).join('');
        expect(findTokenFlood(s), JSON.stringify(s)).toEqual(reference(s));
      }),
      { numRuns: 5000 },
    );
  });
});
