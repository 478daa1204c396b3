import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE64_SEGMENT, BINARY_SEGMENT, HEX_SEGMENT, segmentHints } from '../../src/guards/prompt-decode.js';

describe('segmentHints: the one-pass check that decides which segment regexes run', () => {

  it('sees each kind of segment', () => {
    expect(segmentHints('x 01101001 01100111 01101110 01101111 y')).toMatchObject({ binary: 2 });
    expect(segmentHints('zz 69 67 6e 6f 72 65 20 61 6c 6c')).toMatchObject({ hex: 2 });
    expect(segmentHints('q\\x69\\x67\\x6e\\x6f\\x72\\x65')).toMatchObject({ hex: 1 });
    expect(segmentHints('ok aWdub3JlIGFsbCBwcmV2aW91cw==')).toMatchObject({ base64: 3 });
    expect(segmentHints('a plain sentence, nothing encoded in it at all')).toEqual({ binary: -1, hex: -1, base64: -1 });
  });

  it('property: no match starts before the offset a hint gives, and none exists when it gives -1', () => {
    const alphabet = fc.constantFrom('0', '1', '01', '0110', '9', 'a', 'f', 'F', 'g', 'Z', 'de', 'ad', ' ', ':', '\\x', '+', '/', '_', '-', '=', '.', '\n', 'é', 'beef', '00110011');
    const first = (re: RegExp, s: string): number => new RegExp(re.source).exec(s)?.index ?? -1;
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        const h = segmentHints(s);
        for (const [re, at] of [[BINARY_SEGMENT, h.binary], [HEX_SEGMENT, h.hex], [BASE64_SEGMENT, h.base64]] as const) {
          const m = first(re, s);
          if (at < 0) expect(m, `${re.source} on ${JSON.stringify(s)}`).toBe(-1);
          else if (m >= 0) expect(m, `${re.source} on ${JSON.stringify(s)}`).toBeGreaterThanOrEqual(at);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('decoded payloads: UTF-8 validated before decoding', () => {
  // readable() relies on this: isUtf8 accepts exactly what a fatal decoder accepts, and then the decoders agree.
  it('property: isUtf8 agrees with a fatal TextDecoder, and the non-fatal decode is the same text', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const lenient = new TextDecoder('utf-8');
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xef, 0xbb, 0xbf, 0xed, 0xa0, 0x80, 0xc0, 0xc1, 0xe0, 0xf0, 0xf4, 0x90, 0x8f, 0xf5, 0x41));
    const chunk = fc.oneof(
      fc.array(byte, { maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 6 }).map((t) => [...Buffer.from(t, 'utf8')]),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 6 }), (chunks) => {
        const bytes = new Uint8Array(chunks.flat());
        let expected: string | undefined;
        try {
          expected = fatal.decode(bytes);
        } catch {
          expected = undefined;
        }
        expect(isUtf8(bytes)).toBe(expected !== undefined);
        if (expected !== undefined) expect(lenient.decode(bytes)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});
