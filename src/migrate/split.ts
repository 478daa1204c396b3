/**
 * Splits a SQL script into top-level statements, for migrations that opt out
 * of the transaction: PostgreSQL runs a multi-statement query string as one
 * implicit transaction, where `CREATE INDEX CONCURRENTLY` is refused, so such
 * a script must be sent a statement at a time.
 *
 * Understands '…' and E'…' strings, "…" identifiers, $tag$…$tag$ bodies,
 * -- and nested block comments.
 */

/** One statement of a script and where it starts in the file. */
export interface SqlStatement {
  /** The statement's text, trimmed, without the top-level semicolon that ended it. */
  readonly sql: string;
  /** 0-based character offset of the statement in the script. */
  readonly offset: number;
}

const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Splits `script` at top-level semicolons; empty statements are dropped. */
export function splitSqlStatements(script: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  const push = (end: number): void => {
    const raw = script.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text !== '' && !isOnlyComments(text)) out.push({ sql: text, offset: start + lead });
  };
  while (i < n) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === '-' && next === '-') {
      const eol = script.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (script[i] === '/' && script[i + 1] === '*') {
          depth += 1;
          i += 2;
        } else if (script[i] === '*' && script[i + 1] === '/') {
          depth -= 1;
          i += 2;
        } else i += 1;
      }
    } else if (ch === "'") {
      // E'…' strings allow backslash escapes; standard strings only ''.
      const escapes = i > 0 && (script[i - 1] === 'E' || script[i - 1] === 'e');
      i += 1;
      while (i < n) {
        if (escapes && script[i] === '\\') i += 2;
        else if (script[i] === "'" && script[i + 1] === "'") i += 2;
        else if (script[i] === "'") {
          i += 1;
          break;
        } else i += 1;
      }
    } else if (ch === '"') {
      i += 1;
      while (i < n) {
        if (script[i] === '"' && script[i + 1] === '"') i += 2;
        else if (script[i] === '"') {
          i += 1;
          break;
        } else i += 1;
      }
    } else if (ch === '$') {
      const m = DOLLAR_TAG.exec(script.slice(i, i + 64));
      if (m !== null) {
        const tag = m[0];
        const close = script.indexOf(tag, i + tag.length);
        i = close === -1 ? n : close + tag.length;
      } else i += 1;
    } else if (ch === ';') {
      push(i);
      i += 1;
      start = i;
    } else i += 1;
  }
  push(n);
  return out;
}

function isOnlyComments(text: string): boolean {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim() === '';
}
