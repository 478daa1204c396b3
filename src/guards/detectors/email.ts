/**
 * Email addresses. Instead of one regex scanned from every position (which is
 * quadratic on long runs of local-part characters), the scan jumps from one
 * `@` to the next, walks left over at most 64 local-part characters and
 * right over the domain.
 *
 * @module guards/detectors/email
 */
import type { Detector, DetectorMatch } from './types.js';

/** A top-level domain: 2-24 letters. */
export const EMAIL_TLD = /^[A-Za-z]{2,24}$/;

const LOCAL_MAX = 64;
const DOMAIN_MAX = 253;

function isLocalChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
    c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39 || c === 33 || c === 35 || c === 38 || c === 42 || c === 61 || c === 63 || c === 94 || c === 96 || c === 123 || c === 124 || c === 125 || c === 126
  );
}

function isDomainChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46;
}

/**
 * The end of a valid domain starting at `from`, or -1. The domain is the run
 * of letters, digits, hyphens and dots (at most 253); trailing labels that
 * are not a valid TLD are dropped, so `a@b.com.` and `a@b.com.123` stop at `.com`.
 */
function domainEnd(text: string, from: number): number {
  let e = from;
  while (e < text.length && e - from <= DOMAIN_MAX && isDomainChar(text.charCodeAt(e))) e += 1;
  if (e - from > DOMAIN_MAX) return -1;
  const labels = text.slice(from, e).split('.');
  while (labels.length >= 2) {
    const tld = labels[labels.length - 1] ?? '';
    const okLabels = labels.every((l) => l.length > 0 && l.length <= 63 && !l.startsWith('-') && !l.endsWith('-'));
    if (okLabels && EMAIL_TLD.test(tld)) return from + labels.join('.').length;
    labels.pop();
  }
  return -1;
}

/** Detector for email addresses. @internal */
export const emailDetector: Detector = {
  name: 'email',
  types: ['EMAIL'],
  needsDigit: false,
  patterns: [EMAIL_TLD],
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
