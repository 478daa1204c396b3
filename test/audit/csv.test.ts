import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRecord, neutraliseCell, quoteCsvField } from '../../src/audit/index.js';

/** A strict RFC 4180 parser (CRLF records, quoted fields), used to check what we write. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const row: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i += 1;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error('unterminated quote');
          field += text.slice(i, q);
          i = q + 1;
          if (text[i] === '"') {
            field += '"';
            i += 1;
          } else break;
        }
      } else {
        const m = /[,\r\n"]/.exec(text.slice(i));
        const end = m === null ? text.length : i + m.index;
        if (text[end] === '"') throw new Error('bare quote in unquoted field');
        if (text[end] === '\n' || (text[end] === '\r' && text[end + 1] !== '\n')) throw new Error('bare line break in unquoted field');
        field = text.slice(i, end);
        i = end;
      }
      row.push(field);
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (text.startsWith('\r\n', i)) {
        i += 2;
        break;
      }
      throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
    }
    rows.push(row);
  }
  return rows;
}

// [input, expected cell after neutralisation]
const INJECTION: Array<[string, string]> = [
  ['=1+1', "'=1+1"],
  ['=HYPERLINK("http://evil","x")', `'=HYPERLINK("http://evil","x")`],
  ['+1', "'+1"],
  ['-1', "'-1"],
  ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
  ['\t=1', "'\t=1"],
  ['\tplain', "'\tplain"],
  ['\r=1', "'\r'=1"],
  ['\u0000=1', "'\u0000=1"],
  [' =1', "' =1"],
  ['   +cmd', "'   +cmd"],
  ['\u00a0=1', "'\u00a0=1"],
  ['\u00a0 \u00a0-2', "'\u00a0 \u00a0-2"],
  ['\u200b=1', "'\u200b=1"],
  ['\ufeff@x', "'\ufeff@x"],
  ['\u3000=1', "'\u3000=1"],
  ['\uff1d1+1', "'\uff1d1+1"],
  ['\uff0b1', "'\uff0b1"],
  ['ok\n=1', "ok\n'=1"],
  ['ok\r\n=1', "ok\r\n'=1"],
  ['ok\r=1', "ok\r'=1"],
  ['ok\n  @evil', "ok\n'  @evil"],
  ['ok\n\u00a0+x', "ok\n'\u00a0+x"],
  ['=a\n=b\n=c', "'=a\n'=b\n'=c"],
  ['a\nb\n-c', "a\nb\n'-c"],
  ['=cmd|" /C calc"!A0', `'=cmd|" /C calc"!A0`],
  ['@', "'@"],
  ['-', "'-"],
  ['a=1', 'a=1'],
  ['email@example.com', 'email@example.com'],
  ['1-2', '1-2'],
  ['plain text', 'plain text'],
  ['', ''],
  ["'=already", "'=already"],
  ['{"a":"=1"}', '{"a":"=1"}'],
  ['x\n\ny', 'x\n\ny'],
];

describe('CSV export encoding', () => {
  it(`neutralises formula injection (${INJECTION.length} cases)`, () => {
    expect(INJECTION.length).toBeGreaterThanOrEqual(30);
    for (const [input, expected] of INJECTION) {
      expect(neutraliseCell(input), JSON.stringify(input)).toBe(expected);
    }
  });

  it('no line of a neutralised cell starts (after blanks) with a formula or control character', () => {
    const dangerous = /^[\s\u00a0\u200b\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20\u0000]|^[\t\r]/;
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\u0000', ' ', '\u00a0', '\u200b', 'a', '1', '"', ',', '\uff1d'), maxLength: 12 }),
        (s) => {
          const out = neutraliseCell(s);
          for (const line of out.split(/\r\n|\n|\r/)) expect(dangerous.test(line), JSON.stringify(out)).toBe(false);
          // Only apostrophes were added.
          expect(out.replace(/'/g, '')).toBe(s.replace(/'/g, ''));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('quotes per RFC 4180: comma, quote, CR and LF force quoting; quotes are doubled', () => {
    expect(quoteCsvField('a,b')).toBe('"a,b"');
    expect(quoteCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteCsvField('a\nb')).toBe('"a\nb"');
    expect(quoteCsvField('a\rb')).toBe('"a\rb"');
    expect(quoteCsvField('plain')).toBe('plain');
    expect(csvRecord(['a', null, undefined, 3, '=1'])).toBe("a,,,3,'=1\r\n");
  });

  it('round-trips through a strict RFC 4180 parser (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const text = rows.map((r) => csvRecord(r)).join('');
        const parsed = parseCsv(text);
        expect(parsed).toEqual(rows.map((r) => r.map(neutraliseCell)));
      }),
      { numRuns: 1000 },
    );
  });
});
