/**
 * Email addresses. Instead of one regex scanned from every position (which is
 * quadratic on long runs of local-part characters), the scan jumps from one
 * `@` to the next, walks left over at most 64 local-part characters and
 * matches the domain with a sticky, bounded regex.
 *
 * @module guards/detectors/email
 */
import type { Detector, DetectorMatch } from './types.js';

/** The domain after `@`: up to 10 labels of at most 63 characters, ending in an alphabetic TLD. */
export const EMAIL_DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,9}/y;

const LOCAL_MAX = 64;

function isLocalChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
    c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39 || c === 33 || c === 35 || c === 38 || c === 42 || c === 61 || c === 63 || c === 94 || c === 96 || c === 123 || c === 124 || c === 125 || c === 126
  );
}

/**
 * The end of a valid domain starting at `from`, or -1. Trailing labels that
 * are not a valid TLD (digits, hyphens) are dropped, so `a@b.com.` and
 * `a@host.example.com-` still stop at `.com`.
 */
function domainEnd(text: string, from: number): number {
  EMAIL_DOMAIN.lastIndex = from;
  const m = EMAIL_DOMAIN.exec(text);
  if (m === null) return -1;
  const labels = m[0].split('.');
  while (labels.length >= 2) {
    const tld = labels[labels.length - 1] ?? '';
    const okLabels = labels.every((l) => l.length > 0 && !l.startsWith('-') && !l.endsWith('-'));
    if (okLabels && /^[A-Za-z]{2,24}$/.test(tld)) {
      const end = from + labels.join('.').length;
      // A following letter/digit/hyphen means the label was cut at 63 characters: not an address.
      const next = text.charCodeAt(end);
      if ((next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 45) return -1;
      return end;
    }
    labels.pop();
  }
  return -1;
}

/** Detector for email addresses. @internal */
export const emailDetector: Detector = {
  name: 'email',
  types: ['EMAIL'],
  needsDigit: false,
  patterns: [EMAIL_DOMAIN, /^[A-Za-z]{2,24}$/],
  find(text: string, out: DetectorMatch[]): void {
    let at = text.indexOf('@');
    let consumedUpTo = 0;
    while (at !== -1) {
      let s = at;
      const floor = Math.max(consumedUpTo, at - LOCAL_MAX);
      while (s > floor && isLocalChar(text.charCodeAt(s - 1))) s -= 1;
      // The local part may not start or end with a dot.
      while (s < at && text.charCodeAt(s) === 46) s += 1;
      if (s < at && text.charCodeAt(at - 1) !== 46) {
        const end = domainEnd(text, at + 1);
        if (end !== -1) {
          out.push({ type: 'EMAIL', start: s, end, rule: 'email' });
          consumedUpTo = end;
          at = text.indexOf('@', end);
          continue;
        }
      }
      at = text.indexOf('@', at + 1);
    }
  },
};
