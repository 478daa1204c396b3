/**
 * The public vocabulary of the PII redactor: entity types, spans and findings.
 *
 * @module guards/pii-types
 */

/**
 * Every entity type the redactor knows, in the order detectors run. The names
 * are the labels used in masks (`[EMAIL]`) and pseudonyms (`<EMAIL_1>`).
 */
export const PII_TYPES = [
  'SECRET',
  'URL_CREDENTIALS',
  'EMAIL',
  'IBAN',
  'CREDIT_CARD',
  'US_SSN',
  'IP_ADDRESS',
  'PHONE',
] as const;

/** One entity type: a secret, a URL's user:password, an email, an IBAN, a card number, a US SSN, an IP address or a phone number. */
export type PiiType = (typeof PII_TYPES)[number];

/** A half-open range `[start, end)` of UTF-16 code units in the text that was passed to `redact`. */
export interface PiiSpan {
  /** Offset of the first code unit. */
  readonly start: number;
  /** Offset one past the last code unit. */
  readonly end: number;
}

/**
 * One thing the redactor replaced. It never carries the value itself, only
 * where it was, so findings are safe to log.
 */
export interface PiiFinding {
  /** The entity type. */
  readonly type: PiiType;
  /** Where the value was in the input text. */
  readonly span: PiiSpan;
  /**
   * Which rule accepted it, e.g. `luhn+issuer`, `iban-mod97`, `phone-international`
   * or, for secrets, the gitleaks-style rule id such as `github-pat`.
   */
  readonly rule: string;
}
