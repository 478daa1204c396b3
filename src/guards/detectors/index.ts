/**
 * The detector registry, in priority order: when two detectors claim
 * overlapping text, the earlier one wins (a secret beats an email inside it,
 * an SSN beats a phone-shaped reading of the same digits).
 *
 * @module guards/detectors
 */
import type { Detector } from './types.js';
import { secretsDetector } from './secrets.js';
import { urlCredentialsDetector } from './url-credentials.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { cardsDetector } from './cards.js';
import { ssnDetector } from './ssn.js';
import { ipDetector } from './ip.js';
import { phoneDetector } from './phone.js';
import { CONTEXT_WINDOW } from './context.js';

/** All detectors, highest priority first. @internal */
export const DETECTORS: readonly Detector[] = [
  secretsDetector,
  urlCredentialsDetector,
  emailDetector,
  ibanDetector,
  cardsDetector,
  ssnDetector,
  ipDetector,
  phoneDetector,
];

/**
 * Every regular expression the detectors use, by detector name, so a test can
 * run each through a ReDoS checker.
 * @internal
 */
export function detectorPatterns(): ReadonlyArray<{ detector: string; pattern: RegExp }> {
  return DETECTORS.flatMap((d) => d.patterns.map((pattern) => ({ detector: d.name, pattern })));
}

export { CONTEXT_WINDOW };
export type { Detector, DetectorMatch, DetectorSettings } from './types.js';
