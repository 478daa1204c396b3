import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODE_UNITS_KEEP, CodeUnitBuffer } from '../../src/guards/code-units.js';

const unitsOf = (s: string): number[] => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

describe('CodeUnitBuffer', () => {
  it('copies every code unit, lone surrogates included, growing as needed', () => {
    const buf = new CodeUnitBuffer(4);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('\ud800', '\udfff', '\u{1F600}', 'é', ''), (s, extra) => {
        const text = s + extra + s;
        const u = buf.of(text);
        expect(u.length).toBeGreaterThanOrEqual(text.length);
        expect(Array.from(u.subarray(0, text.length))).toEqual(unitsOf(text));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a buffer up to CODE_UNITS_KEEP units and not a longer one', () => {
    const buf = new CodeUnitBuffer(16);
    const big = 'a'.repeat(CODE_UNITS_KEEP + 10);
    const first = buf.of(big);
    expect(first.length).toBeGreaterThanOrEqual(big.length);
    // The next short copy does not reuse the oversized array.
    expect(buf.of('xy')).not.toBe(first);
    const kept = buf.of('b'.repeat(1000));
    expect(buf.of('c')).toBe(kept);
  });
});
