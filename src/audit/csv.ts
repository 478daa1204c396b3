/**
 * RFC 4180 CSV with spreadsheet formula-injection neutralisation.
 *
 * @module audit
 */

// A line is dangerous when, after any leading whitespace (including the
// no-break space, zero-width space and BOM that spreadsheets skip), it starts
// with a character a spreadsheet treats as a formula or a control: = + - @
// (and their full-width forms), tab, carriage return or NUL.
const DANGEROUS_LINE = /^[\s\u00a0\u200b\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r\u0000]|^[\t\r\u0000]/;

/**
 * Neutralises formula injection in one cell: every line of the cell that a
 * spreadsheet could read as a formula gets a leading apostrophe (the OWASP
 * recommendation), including later lines of a multi-line cell. Other text is
 * unchanged.
 */
export function neutraliseCell(value: string): string {
  if (value === '') return value;
  // Fast path (most cells): a first character that is neither blank, nor a
  // formula or control character, nor beyond U+167F (where the Unicode
  // blanks and full-width signs live), and no line break.
  const c = value.charCodeAt(0);
  if (
    c > 0x20 && c !== 0x3d && c !== 0x2b && c !== 0x2d && c !== 0x40 && c !== 0xa0 && c < 0x1680 &&
    !value.includes('\n') && !value.includes('\r')
  ) {
    return value;
  }
  // A cell that starts with tab, CR or NUL is dangerous as a whole.
  const whole = /^[\t\r\u0000]/.test(value) ? `'${value}` : value;
  // Odd indexes are the line breaks themselves (kept as they were).
  const parts = whole.split(/(\r\n|\n|\r)/);
  const out = parts.map((part, i) => (i % 2 === 0 && DANGEROUS_LINE.test(part) ? `'${part}` : part)).join('');
  return out;
}

/** Quotes one field per RFC 4180 when it contains a comma, quote, CR or LF. */
export function quoteCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * One CSV record (CRLF-terminated): null and undefined are empty fields,
 * every value is neutralised, then quoted as RFC 4180 requires.
 */
export function csvRecord(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map((v) => (v === null || v === undefined ? '' : quoteCsvField(neutraliseCell(String(v))))).join(',')}\r\n`;
}
