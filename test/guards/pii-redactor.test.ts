/**
 * The redactor as a whole: the three modes, per-redactor and per-call entity
 * lists, size limits and errors, overlap resolution, and the things that are
 * not personal data and must stay (dates, versions, order and invoice numbers).
 */
import { describe, expect, it } from 'vitest';
import { createPiiRedactor, DEFAULT_MAX_INPUT_LENGTH } from '../../src/guards/pii-redactor.js';
import { isTenantGuardError } from '../../src/errors.js';

const sample = 'Mail jane.doe@example.com, call +1 415 555 0132, card 4111 1111 1111 1111, from 203.0.113.7.';

describe('mask mode', () => {
  it('replaces each finding with its type label and reports spans into the input', () => {
    const r = createPiiRedactor().redact(sample);
    expect(r.text).toBe('Mail [EMAIL], call [PHONE], card [CREDIT_CARD], from [IP_ADDRESS].');
    expect(r.findings.map((f) => [f.type, sample.slice(f.span.start, f.span.end)])).toEqual([
      ['EMAIL', 'jane.doe@example.com'],
      ['PHONE', '+1 415 555 0132'],
      ['CREDIT_CARD', '4111 1111 1111 1111'],
      ['IP_ADDRESS', '203.0.113.7'],
    ]);
  });

  it('returns the same string and no findings when there is nothing to redact', () => {
    const text = 'Nothing personal here, just words.';
    const r = createPiiRedactor().redact(text);
    expect(r).toEqual({ text, findings: [] });
  });

  it('findings never contain the value', () => {
    const r = createPiiRedactor().redact(sample);
    expect(JSON.stringify(r.findings)).not.toContain('jane.doe');
    expect(JSON.stringify(r.findings)).not.toContain('4111');
  });
});

describe('hash mode', () => {
  const key = 'k'.repeat(32);
  it('replaces with a keyed HMAC: stable per key and value, different across keys and types', () => {
    const a = createPiiRedactor({ mode: 'hash', hashKey: key }).redact('a@b.co and a@b.co').text;
    expect(a).toMatch(/^\[EMAIL:[0-9a-f]{16}\] and \[EMAIL:[0-9a-f]{16}\]$/);
    const [h1, h2] = a.match(/[0-9a-f]{16}/g) ?? [];
    expect(h1).toBe(h2);
    const b = createPiiRedactor({ mode: 'hash', hashKey: 'z'.repeat(32) }).redact('a@b.co').text;
    expect(b).not.toBe(a.slice(0, b.length));
    const c = createPiiRedactor({ mode: 'hash', hashKey: key }).redact('a@b.com').text;
    expect(c).not.toBe(`[EMAIL:${h1}]`);
  });

  it('honours hashLength and accepts a byte key', () => {
    const r = createPiiRedactor({ mode: 'hash', hashKey: new Uint8Array(16).fill(1), hashLength: 64 }).redact('a@b.co');
    expect(r.text).toMatch(/^\[EMAIL:[0-9a-f]{64}\]$/);
  });

  it('refuses hash mode without a key of at least 16 bytes', () => {
    expect(() => createPiiRedactor({ mode: 'hash' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createPiiRedactor({ mode: 'hash', hashKey: 'short' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('pseudonym mode', () => {
  it('issues <TYPE_n> per distinct value, the same one for the same value, across calls', () => {
    const r = createPiiRedactor({ mode: 'pseudonym' });
    expect(r.redact('a@b.co, c@d.co, a@b.co').text).toBe('<EMAIL_1>, <EMAIL_2>, <EMAIL_1>');
    expect(r.redact('again c@d.co and +1 415 555 0132').text).toBe('again <EMAIL_2> and <PHONE_1>');
    expect(r.sessionSize).toBe(3);
  });

  it('restore puts originals back into an answer, byte-exact', () => {
    const r = createPiiRedactor({ mode: 'pseudonym' });
    const { text } = r.redact(sample);
    expect(r.restore(text)).toBe(sample);
    expect(r.restore('I wrote to <EMAIL_1> and called <PHONE_1>.')).toBe('I wrote to jane.doe@example.com and called +1 415 555 0132.');
  });

  it('never restores a pseudonym it did not issue', () => {
    const r = createPiiRedactor({ mode: 'pseudonym' });
    r.redact('a@b.co');
    expect(r.restore('<EMAIL_1> <EMAIL_2> <PHONE_1> <EMAIL_01>')).toBe('a@b.co <EMAIL_2> <PHONE_1> <EMAIL_01>');
    const other = createPiiRedactor({ mode: 'pseudonym' });
    expect(other.restore('<EMAIL_1>')).toBe('<EMAIL_1>');
  });

  it('protects pseudonym look-alikes already in the input so restore stays exact', () => {
    const r = createPiiRedactor({ mode: 'pseudonym' });
    const input = 'literal <EMAIL_1> then a@b.co';
    const out = r.redact(input);
    expect(out.text).not.toContain('<EMAIL_1> then <EMAIL_1>');
    expect(r.restore(out.text)).toBe(input);
    expect(out.findings).toHaveLength(1);
  });

  it('reset forgets the mapping', () => {
    const r = createPiiRedactor({ mode: 'pseudonym' });
    const { text } = r.redact('a@b.co');
    r.reset();
    expect(r.sessionSize).toBe(0);
    expect(r.restore(text)).toBe(text);
  });

  it('refuses to grow past maxSessionEntries, remembering nothing from the refused call', () => {
    const r = createPiiRedactor({ mode: 'pseudonym', maxSessionEntries: 2 });
    r.redact('a@b.co');
    let err: unknown;
    try {
      r.redact('c@d.co e@f.co');
    } catch (e) {
      err = e;
    }
    expect(isTenantGuardError(err, 'PII_SESSION_LIMIT')).toBe(true);
    expect(r.sessionSize).toBe(1);
    expect(r.redact('c@d.co a@b.co').text).toBe('<EMAIL_2> <EMAIL_1>');
  });

  it('restore is the identity in mask mode', () => {
    expect(createPiiRedactor().restore('<EMAIL_1>')).toBe('<EMAIL_1>');
  });
});

describe('entity lists per redactor and per call', () => {
  it('a call can deny types (the lead generator keeps emails and phones)', () => {
    const r = createPiiRedactor();
    expect(r.redact(sample, { deny: ['EMAIL', 'PHONE'] }).text).toBe(
      'Mail jane.doe@example.com, call +1 415 555 0132, card [CREDIT_CARD], from [IP_ADDRESS].',
    );
  });

  it('a call can allow a subset', () => {
    expect(createPiiRedactor().redact(sample, { allow: ['IP_ADDRESS'] }).text).toBe(
      'Mail jane.doe@example.com, call +1 415 555 0132, card 4111 1111 1111 1111, from [IP_ADDRESS].',
    );
  });

  it("the redactor's allow list is the default, and its deny list cannot be overridden by a call", () => {
    const r = createPiiRedactor({ allow: ['EMAIL', 'PHONE'], deny: ['PHONE'] });
    expect(r.redact(sample).text).toBe('Mail [EMAIL], call +1 415 555 0132, card 4111 1111 1111 1111, from 203.0.113.7.');
    expect(r.redact(sample, { allow: ['PHONE', 'CREDIT_CARD'] }).text).toBe(
      'Mail jane.doe@example.com, call +1 415 555 0132, card [CREDIT_CARD], from 203.0.113.7.',
    );
  });

  it('an empty allow list redacts nothing', () => {
    expect(createPiiRedactor().redact(sample, { allow: [] }).text).toBe(sample);
  });

  it('a denied higher-priority type lets a lower one claim nothing it should not', () => {
    // The card is not a phone even when CREDIT_CARD is denied.
    expect(createPiiRedactor().redact('card 4111 1111 1111 1111', { deny: ['CREDIT_CARD'] }).findings).toEqual([]);
  });
});

describe('overlaps', () => {
  it('a secret wins over an email inside it; an SSN over a phone reading', () => {
    const r = createPiiRedactor();
    expect(r.redact('postgres://bob:pa55w0rd@db.example.com/x').findings.map((f) => f.type)).toEqual(['URL_CREDENTIALS']);
    expect(r.redact('Phone or SSN: 536-22-8726').findings.map((f) => f.type)).toEqual(['US_SSN']);
  });
});

describe('things that are not personal data stay', () => {
  it.each([
    'Meeting on 2024-01-15 at 10:30, or 15.01.2024, or 01/15/2024, or Jan 15, 2024.',
    'Timestamp 2024-01-15T10:30:00Z and 2000-04-16 11:34:35.',
    'Upgrade from 1.2.3 to v2.10.4; Windows version 10.0.19045.2965; node 20.19.0.',
    'Order #112-3456789-1234567 and order 123-456-7890 shipped.',
    'Invoice INV-2024-000123, invoice no. 0301 5551234, PO 4500012345.',
    'Ticket 1234567 was closed; tracking 1Z999AA10123456784.',
    'Total $1,234,567.89 for 1500 units, 99.5% done.',
    'UUID 123e4567-e89b-12d3-a456-426614174000, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.',
    'The key is important and the token: aaaaaaaaaaaa.',
    'Hotel room 1205, floor 12, zip 94103, 12 Main Street.',
  ])('%s', (text) => {
    const r = createPiiRedactor().redact(text);
    expect(r.findings).toEqual([]);
    expect(r.text).toBe(text);
  });
});

describe('limits and input errors', () => {
  it('refuses input above maxInputLength with PII_INPUT_TOO_LARGE (never truncates)', () => {
    const r = createPiiRedactor({ maxInputLength: 100 });
    expect(r.redact('a'.repeat(100)).text).toHaveLength(100);
    let err: unknown;
    try {
      r.redact('a'.repeat(101));
    } catch (e) {
      err = e;
    }
    expect(isTenantGuardError(err, 'PII_INPUT_TOO_LARGE')).toBe(true);
    expect((err as { details?: unknown }).details).toEqual({ length: 101, max: 100 });
    expect(() => r.restore('a'.repeat(101))).toThrow(expect.objectContaining({ code: 'PII_INPUT_TOO_LARGE' }));
  });

  it('has a default limit of 2 Mi code units', () => {
    expect(DEFAULT_MAX_INPUT_LENGTH).toBe(2 * 1024 * 1024);
    expect(() => createPiiRedactor().redact('a'.repeat(DEFAULT_MAX_INPUT_LENGTH + 1))).toThrow(
      expect.objectContaining({ code: 'PII_INPUT_TOO_LARGE' }),
    );
  });

  it('rejects non-strings and bad options with stable codes', () => {
    const r = createPiiRedactor();
    expect(() => r.redact(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => r.redact('x', { allow: ['NOPE' as 'EMAIL'] })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => createPiiRedactor({ mode: 'nope' as 'mask' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createPiiRedactor({ phoneRegions: ['usa'] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createPiiRedactor({ extra: 1 } as unknown as object)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
