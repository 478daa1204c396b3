import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE64_SEGMENT, BINARY_SEGMENT, HEX_SEGMENT, segmentHints } from '../../src/guards/prompt-decode.js';

describe('segmentHints: the one-pass check that decides which segment regexes run', () => {
  const has = (re: RegExp, s: string): boolean => new RegExp(re.source).test(s);

  it('sees each kind of segment', () => {
    expect(segmentHints('x 01101001 01100111 01101110 01101111 y')).toMatchObject({ binary: true });
    expect(segmentHints('69 67 6e 6f 72 65 20 61 6c 6c')).toMatchObject({ hex: true });
    expect(segmentHints('\\x69\\x67\\x6e\\x6f\\x72\\x65')).toMatchObject({ hex: true });
    expect(segmentHints('aWdub3JlIGFsbCBwcmV2aW91cw==')).toMatchObject({ base64: true });
    expect(segmentHints('a plain sentence, nothing encoded in it at all')).toEqual({ binary: false, hex: false, base64: false });
  });

  it('property: when a hint is false, its regex has no match (so skipping it drops nothing)', () => {
    const alphabet = fc.constantFrom('0', '1', '01', '0110', '9', 'a', 'f', 'F', 'g', 'Z', 'de', 'ad', ' ', ':', '\\x', '+', '/', '_', '-', '=', '.', '\n', 'é', 'beef', '00110011');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        const h = segmentHints(s);
        if (!h.binary) expect(has(BINARY_SEGMENT, s), s).toBe(false);
        if (!h.hex) expect(has(HEX_SEGMENT, s), s).toBe(false);
        if (!h.base64) expect(has(BASE64_SEGMENT, s), s).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
