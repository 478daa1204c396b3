/**
 * The contract every detector implements. A detector finds candidates with
 * bounded regular expressions (exported so the ReDoS test can enumerate them)
 * and validates each candidate in code (checksums, ranges, context).
 *
 * @module guards/detectors/types
 */
import type { PiiType } from '../pii-types.js';

/** A validated match produced by a detector. @internal */
export interface DetectorMatch {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
  readonly rule: string;
}

/** Per-call settings a detector may consult. @internal */
export interface DetectorSettings {
  /** Regions whose national numbers are accepted without a context word (libphonenumber `isValid`). */
  readonly phoneRegions: readonly string[];
  /** Regions tried (libphonenumber `isPossible`) for national numbers next to a phone word. */
  readonly phoneContextRegions: readonly string[];
  /** When true, every phone number must pass libphonenumber `isValid` (assigned ranges), not only `isPossible`. */
  readonly strictPhoneValidation: boolean;
  /** When true, a Luhn-valid number outside the known issuer ranges is never a card, even next to a card word. */
  readonly strictCardIssuers: boolean;
}

/** A detector: one entity concern. @internal */
export interface Detector {
  /** Short name, e.g. `cards`. */
  readonly name: string;
  /** The entity types it can emit. */
  readonly types: readonly PiiType[];
  /** True when every match contains an ASCII digit (lets the redactor skip it on digit-free text). */
  readonly needsDigit: boolean;
  /** Every regular expression it uses, for the ReDoS checker. */
  readonly patterns: readonly RegExp[];
  /** Appends validated matches for `text` to `out`. Must run in time linear in `text.length`. */
  find(text: string, out: DetectorMatch[], settings: DetectorSettings): void;
}
