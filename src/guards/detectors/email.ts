/**
 * Email addresses. Instead of one regex scanned from every position (which is
 * quadratic on long runs of local-part characters), the scan jumps from one
 * `@` to the next, walks left over at most 64 local-part characters and
 * right over the domain.
 *
 * @module guards/detectors/email
 */
import type { Detector, DetectorMatch } from './types.js';

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

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The end of a valid domain starting at `from`, or -1. The domain is the run
 * of letters, digits, hyphens and dots (at most 253) cut after its last label
 * that is a valid TLD (2-24 letters), so `a@b.com.` and `a@b.com.123` stop at
 * `.com`. Walked without allocating: dense `a@a@a@...` input stays cheap.
 */
function domainEnd(text: string, from: number): number {
  let best = -1;
  let labels = 0;
  let labelStart = from;
  let alpha = true;
  for (let i = from; ; i += 1) {
    const c = i < text.length && i - from <= DOMAIN_MAX ? text.charCodeAt(i) : -1;
    if (c !== -1 && isDomainChar(c) && c !== 46) {
      if (!isLetter(c)) alpha = false;
      continue;
    }
    // End of a label (at a dot or at the end of the run).
    const len = i - labelStart;
    if (len === 0 || len > 63 || text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) break;
    labels += 1;
    if (labels >= 2 && alpha && len >= 2 && len <= 24) best = i;
    if (c !== 46) break;
    labelStart = i + 1;
    alpha = true;
  }
  return best;
}

/** Detector for email addresses. @internal */
export const emailDetector: Detector = {
  name: 'email',
  types: ['EMAIL'],
  needsDigit: false,
  patterns: [],
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
