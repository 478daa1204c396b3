/**
 * Properties of the reversible mode (fast-check): for any text mixing prose,
 * personal data, secrets and pseudonym look-alikes,
 *  - restore(redact(x).text) === x, byte-exact;
 *  - the same value always gets the same pseudonym within a session;
 *  - no original value survives in the redacted text;
 *  - restore never changes text the session did not produce.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPiiRedactor } from '../../src/guards/pii-redactor.js';

const emails = ['jane.doe@example.com', 'a@b.co', 'Ops+alerts@mail.example.org'];
const phones = ['+1 415 555 0132', '+44 20 7946 0958', '(212) 555-0123'];
const cards = ['4111 1111 1111 1111', '5555555555554444', '371449635398431'];
const others = ['GB29 NWBK 6016 1331 9268 19', '536-22-8726', '203.0.113.7', '2001:db8::1', 'https://u:p4ss@h.example'];
const pii = fc.constantFrom(...emails, ...phones, ...cards, ...others);
const lookalike = fc.constantFrom('<EMAIL_1>', '<PHONE_2>', '<CREDIT_CARD_1>', '<EMAIL_99>', '<EMAIL_0>', '<SECRET_1');
const prose = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '.', ',', '\n', 'é', '€', '😀', '<', '>', '_', '1', '@', ':', '-'), maxLength: 12 });
const piece = fc.oneof({ weight: 3, arbitrary: prose }, { weight: 3, arbitrary: pii }, { weight: 1, arbitrary: lookalike });
const sep = fc.constantFrom(' ', ', ', '\n', ' and ', ' (', ') ');
const document = fc.array(fc.tuple(piece, sep), { maxLength: 12 }).map((parts) => parts.map(([p, s]) => p + s).join(''));

describe('pseudonym round trip', () => {
  it('restore(redact(x)) === x for any mix of text, PII and look-alikes', () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 4 }), (docs) => {
        const r = createPiiRedactor({ mode: 'pseudonym' });
        for (const doc of docs) {
          const out = r.redact(doc);
          expect(r.restore(out.text)).toBe(doc);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('no redacted value survives and equal values share one pseudonym', () => {
    fc.assert(
      fc.property(fc.array(pii, { minLength: 1, maxLength: 8 }), (values) => {
        const r = createPiiRedactor({ mode: 'pseudonym' });
        const text = values.join(' | ');
        const out = r.redact(text);
        const seen = new Map<string, string>();
        const parts = out.text.split(' | ');
        values.forEach((v, i) => {
          const token = parts[i] ?? '';
          expect(token).not.toContain(v);
          if (!token.includes('://')) expect(token).toMatch(/^<[A-Z_]+_\d+>$/);
          const prev = seen.get(v);
          if (prev !== undefined) expect(token).toBe(prev);
          seen.set(v, token);
        });
        // Distinct values never share a pseudonym.
        expect(new Set(seen.values()).size).toBe(seen.size);
      }),
      { numRuns: 300 },
    );
  });

  it('restore leaves text alone that the session did not issue', () => {
    fc.assert(
      fc.property(document, document, (seen, answer) => {
        const r = createPiiRedactor({ mode: 'pseudonym' });
        r.redact(seen);
        const restored = r.restore(answer);
        // Anything restored must come from the session: with a fresh session nothing changes.
        expect(createPiiRedactor({ mode: 'pseudonym' }).restore(answer)).toBe(answer);
        if (r.sessionSize === 0) expect(restored).toBe(answer);
      }),
      { numRuns: 300 },
    );
  });

  it('mask and hash modes keep every non-PII byte in place', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const masked = createPiiRedactor().redact(doc);
        let rebuilt = '';
        let pos = 0;
        for (const f of masked.findings) {
          rebuilt += doc.slice(pos, f.span.start) + `[${f.type}]`;
          pos = f.span.end;
        }
        rebuilt += doc.slice(pos);
        expect(masked.text).toBe(rebuilt);
      }),
      { numRuns: 300 },
    );
  });
});
