/**
 * Credentials embedded in URLs: `scheme://user:password@host` and
 * `scheme://token@host`. Only the userinfo part (before the `@`) is replaced,
 * so the host and path stay readable.
 *
 * @module guards/detectors/url-credentials
 */
import type { Detector, DetectorMatch } from './types.js';

/** A URL scheme (RFC 3986: a letter, then letters, digits, `+`, `.`, `-`), checked on the text before each `://`. */
export const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,15}$/;

function isSchemeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 45 || c === 46;
}

const USERINFO_MAX = 256;

function isUserinfoChar(c: number): boolean {
  // RFC 3986 unreserved, sub-delims, ':' and '%'; stops at '/', '?', '#', '@', whitespace, quotes and brackets.
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
    c === 45 || c === 46 || c === 95 || c === 126 || c === 33 || c === 36 || c === 38 || c === 42 || c === 43 ||
    c === 44 || c === 59 || c === 61 || c === 58 || c === 37
  );
}

/** Detector for URL credentials. @internal */
export const urlCredentialsDetector: Detector = {
  name: 'url-credentials',
  types: ['URL_CREDENTIALS'],
  needsDigit: false,
  patterns: [URL_SCHEME],
  find(text: string, out: DetectorMatch[]): void {
    // Jump from one "://" to the next rather than trying a regex at every letter.
    let sep = text.indexOf('://');
    while (sep !== -1) {
      let b = sep;
      while (b > 0 && sep - b < 16 && isSchemeChar(text.charCodeAt(b - 1))) b -= 1;
      const start = sep + 3;
      let next = text.indexOf('://', start);
      if ((b === 0 || !isSchemeChar(text.charCodeAt(b - 1))) && URL_SCHEME.test(text.slice(b, sep))) {
        let i = start;
        const limit = Math.min(text.length, start + USERINFO_MAX);
        while (i < limit && isUserinfoChar(text.charCodeAt(i))) i += 1;
        if (i > start && text.charCodeAt(i) === 64 /* @ */) {
          const userinfo = text.slice(start, i);
          const colon = userinfo.indexOf(':');
          // user:password with a non-empty password, or a bare token-like user (>= 16 chars, e.g. https://ghp_...@github.com).
          const isCredential = colon > 0 ? colon < userinfo.length - 1 : userinfo.length >= 16;
          if (isCredential) {
            out.push({ type: 'URL_CREDENTIALS', start, end: i, rule: colon > 0 ? 'url-userinfo-password' : 'url-userinfo-token' });
            if (next !== -1 && next < i) next = text.indexOf('://', i);
          }
        }
      }
      sep = next;
    }
  },
};
