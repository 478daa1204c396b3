/**
 * The PII redactor: finds personal data and secrets in free text and replaces
 * them with a type label, a keyed hash or a reversible pseudonym.
 *
 * @module guards/pii-redactor
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { DETECTORS, type Detector, type DetectorMatch, type DetectorSettings } from './detectors/index.js';
import { PII_TYPES, type PiiFinding, type PiiType } from './pii-types.js';
import { PSEUDONYM_TOKEN, PseudonymSession, hashFor, maskFor, type RedactionMode } from './redact-replacements.js';

/** Default largest input, in UTF-16 code units (2 Mi): larger texts are refused, never truncated. */
export const DEFAULT_MAX_INPUT_LENGTH = 2 * 1024 * 1024;
/** Default number of distinct values a pseudonym session remembers. */
export const DEFAULT_MAX_SESSION_ENTRIES = 100_000;
/** Regions whose national-format numbers are accepted without a phone word (must be valid there). */
export const DEFAULT_PHONE_REGIONS: readonly string[] = ['US', 'GB'];
/** Regions tried, in order, for a national-format number next to a phone word (must be possible there). */
export const DEFAULT_PHONE_CONTEXT_REGIONS: readonly string[] = [
  'US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'CH', 'AT', 'SE', 'DK', 'NO', 'FI', 'PL', 'PT', 'IE',
  'CZ', 'HU', 'GR', 'AU', 'NZ', 'CA', 'IN', 'BR', 'MX', 'JP', 'CN', 'TR', 'ZA', 'IL', 'RU',
];

/** Options of {@link createPiiRedactor}. */
export interface PiiRedactorOptions {
  /** `mask` (default): `[EMAIL]`; `hash`: `[EMAIL:<hmac>]`; `pseudonym`: `<EMAIL_1>`, reversible with `restore`. */
  readonly mode?: RedactionMode;
  /** HMAC-SHA256 key for `hash` mode, at least 16 bytes (a string counts its UTF-8 bytes). Required for `hash`. */
  readonly hashKey?: string | Uint8Array;
  /** Hex characters of the MAC kept in `hash` mode, 8-64 (default 16). */
  readonly hashLength?: number;
  /** Entity types this redactor looks for (default: all of {@link PII_TYPES}). A call may narrow or change this list. */
  readonly allow?: readonly PiiType[];
  /** Entity types this redactor never redacts, whatever a call asks for. */
  readonly deny?: readonly PiiType[];
  /** Largest accepted input in UTF-16 code units (default {@link DEFAULT_MAX_INPUT_LENGTH}); larger is refused with `PII_INPUT_TOO_LARGE`. */
  readonly maxInputLength?: number;
  /** Most distinct values a pseudonym session remembers (default {@link DEFAULT_MAX_SESSION_ENTRIES}). */
  readonly maxSessionEntries?: number;
  /** ISO 3166 regions whose national numbers count as phones without a nearby phone word (default `['US', 'GB']`). */
  readonly phoneRegions?: readonly string[];
  /** Regions tried for national numbers next to a phone word (default {@link DEFAULT_PHONE_CONTEXT_REGIONS}). */
  readonly phoneContextRegions?: readonly string[];
  /** Require every phone number to be in an assigned range (libphonenumber `isValid`), not only of a possible length. Default false. */
  readonly strictPhoneValidation?: boolean;
  /** Never accept a Luhn-valid number outside the known issuer ranges, even next to a card word. Default false. */
  readonly strictCardIssuers?: boolean;
}

/** Per-call options of {@link PiiRedactor.redact}. */
export interface RedactOptions {
  /** Entity types to look for on this call, replacing the redactor's `allow` list (the redactor's `deny` still applies). */
  readonly allow?: readonly PiiType[];
  /** Entity types to leave alone on this call (e.g. a lead generator that keeps emails and phones). */
  readonly deny?: readonly PiiType[];
}

/** What {@link PiiRedactor.redact} returns. */
export interface RedactResult {
  /** The text with every finding replaced. */
  readonly text: string;
  /** What was replaced, in text order; spans refer to the input text. */
  readonly findings: readonly PiiFinding[];
}

/** A configured redactor. In `pseudonym` mode it is also the session that remembers pseudonyms. */
export interface PiiRedactor {
  /** Finds and replaces personal data and secrets in `text`. */
  redact(text: string, options?: RedactOptions): RedactResult;
  /**
   * Puts the originals back for every pseudonym this redactor issued (byte-exact);
   * pseudonym-shaped text it did not issue is left as it is. Returns `text`
   * unchanged in `mask` and `hash` modes.
   */
  restore(text: string): string;
  /** Forgets every pseudonym issued so far. */
  reset(): void;
  /** Number of distinct values remembered by the pseudonym session. */
  readonly sessionSize: number;
}

const piiType = z.enum(PII_TYPES);
const optionsSchema = z
  .object({
    mode: z.enum(['mask', 'hash', 'pseudonym']).optional(),
    hashKey: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
    hashLength: z.number().int().min(8).max(64).optional(),
    allow: z.array(piiType).readonly().optional(),
    deny: z.array(piiType).readonly().optional(),
    maxInputLength: z.number().int().positive().optional(),
    maxSessionEntries: z.number().int().positive().optional(),
    phoneRegions: z.array(z.string().regex(/^[A-Z]{2}$/)).readonly().optional(),
    phoneContextRegions: z.array(z.string().regex(/^[A-Z]{2}$/)).readonly().optional(),
    strictPhoneValidation: z.boolean().optional(),
    strictCardIssuers: z.boolean().optional(),
  })
  .strict();
const callSchema = z.object({ allow: z.array(piiType).readonly().optional(), deny: z.array(piiType).readonly().optional() }).strict();

const DIGIT = /\d/;
const PRIORITY = new Map<PiiType, number>();
DETECTORS.forEach((d, i) => d.types.forEach((t) => PRIORITY.set(t, i)));

interface Selected {
  readonly type: PiiType | 'LITERAL';
  readonly start: number;
  readonly end: number;
  readonly rule: string;
}

/** Keeps the highest-priority, then longest, match wherever matches overlap; returns them in text order. */
function selectNonOverlapping(matches: Selected[], textLength: number): Selected[] {
  if (matches.length <= 1) return matches;
  // Common case: no two matches overlap. Sorting by start and checking neighbours settles it
  // (often they already are in order: one detector found everything).
  let sorted = true;
  for (let i = 1; i < matches.length && sorted; i += 1) sorted = (matches[i - 1]?.start ?? 0) <= (matches[i]?.start ?? 0);
  const byStart = sorted ? matches.slice() : [...matches].sort((a, b) => a.start - b.start);
  let overlapping = false;
  for (let i = 1; i < byStart.length; i += 1) {
    if ((byStart[i]?.start ?? 0) < (byStart[i - 1]?.end ?? 0)) {
      overlapping = true;
      break;
    }
  }
  if (!overlapping) return byStart;
  const prio = (m: Selected): number => (m.type === 'LITERAL' ? -1 : (PRIORITY.get(m.type) ?? 99));
  matches.sort((a, b) => prio(a) - prio(b) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken = new Uint8Array(textLength);
  const kept: Selected[] = [];
  for (const m of matches) {
    let free = true;
    for (let i = m.start; i < m.end; i += 1) {
      if (taken[i] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, m.start, m.end);
    kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** The type named by a pseudonym look-alike such as `<EMAIL_1>`. */
function literalType(token: string): PiiType {
  return token.slice(1, token.lastIndexOf('_')) as PiiType;
}

function configError(err: z.ZodError): TenantGuardError {
  return new TenantGuardError('CONFIG_INVALID', `invalid PII redactor options: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

/**
 * Creates a PII redactor. Detectors validate rather than only match: cards
 * need Luhn and an issuer range, IBANs their country length and mod-97,
 * SSNs an issuable area/group/serial, phones libphonenumber, IPs valid
 * octets and groups; secrets follow the gitleaks rule set. Dates, versions
 * and order or invoice numbers are left alone.
 *
 * @example
 * ```ts
 * const redactor = createPiiRedactor({ mode: 'pseudonym' });
 * const { text } = redactor.redact('Mail jane@example.com or call +1 415 555 0132');
 * // text === 'Mail <EMAIL_1> or call <PHONE_1>'
 * const answer = await llm(text);                // "I emailed <EMAIL_1>."
 * redactor.restore(answer);                      // "I emailed jane@example.com."
 *
 * // Per call site: a lead generator keeps business contacts.
 * createPiiRedactor().redact(text, { deny: ['EMAIL', 'PHONE'] });
 * ```
 */
export function createPiiRedactor(options: PiiRedactorOptions = {}): PiiRedactor {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw configError(parsed.error);
  const o = parsed.data;
  const mode: RedactionMode = o.mode ?? 'mask';
  let hashKey: KeyObject | undefined;
  if (mode === 'hash') {
    if (o.hashKey === undefined) throw new TenantGuardError('CONFIG_INVALID', 'hash mode needs a hashKey (at least 16 bytes)');
    const raw = typeof o.hashKey === 'string' ? Buffer.from(o.hashKey, 'utf8') : Buffer.from(o.hashKey);
    if (raw.length < 16) throw new TenantGuardError('CONFIG_INVALID', 'hashKey must be at least 16 bytes');
    hashKey = createSecretKey(raw);
  }
  const hashLength = o.hashLength ?? 16;
  const maxInput = o.maxInputLength ?? DEFAULT_MAX_INPUT_LENGTH;
  const baseAllow: readonly PiiType[] = o.allow ?? PII_TYPES;
  const baseDeny = new Set<PiiType>(o.deny ?? []);
  const settings: DetectorSettings = {
    phoneRegions: o.phoneRegions ?? DEFAULT_PHONE_REGIONS,
    phoneContextRegions: o.phoneContextRegions ?? DEFAULT_PHONE_CONTEXT_REGIONS,
    strictPhoneValidation: o.strictPhoneValidation ?? false,
    strictCardIssuers: o.strictCardIssuers ?? false,
  };
  const defaultEnabled: ReadonlySet<PiiType> = new Set(baseAllow.filter((t) => !baseDeny.has(t)));
  const session = new PseudonymSession(o.maxSessionEntries ?? DEFAULT_MAX_SESSION_ENTRIES);

  function checkText(text: unknown, what: string): asserts text is string {
    if (typeof text !== 'string') throw new TenantGuardError('INPUT_INVALID', `${what} expects a string`);
    if (text.length > maxInput) {
      throw new TenantGuardError('PII_INPUT_TOO_LARGE', `input of ${text.length} code units exceeds the limit of ${maxInput}`, {
        details: { length: text.length, max: maxInput },
      });
    }
  }

  /** The detectors that can emit one of `enabled`, in priority order. */
  const detectorsFor = (enabled: ReadonlySet<PiiType>): readonly Detector[] => DETECTORS.filter((d) => d.types.some((t) => enabled.has(t)));
  const defaultDetectors = detectorsFor(defaultEnabled);

  function redact(text: string, call?: RedactOptions): RedactResult {
    checkText(text, 'redact');
    let enabled = defaultEnabled;
    let detectors = defaultDetectors;
    if (call !== undefined && (call.allow !== undefined || call.deny !== undefined || Object.keys(call).length > 0)) {
      const c = callSchema.safeParse(call);
      if (!c.success) throw new TenantGuardError('INPUT_INVALID', `invalid redact options: ${c.error.issues.map((i) => i.message).join('; ')}`);
      const chosen = new Set<PiiType>(c.data.allow ?? baseAllow);
      for (const t of baseDeny) chosen.delete(t);
      for (const t of c.data.deny ?? []) chosen.delete(t);
      enabled = chosen;
      detectors = detectorsFor(chosen);
    }

    const found: DetectorMatch[] = [];
    if (enabled.size > 0) {
      // Every detector but secrets, emails and URL credentials needs at least one digit.
      const hasDigit = DIGIT.test(text);
      for (const d of detectors) {
        if (d.needsDigit && !hasDigit) continue;
        d.find(text, found, settings);
      }
    }
    const candidates: Selected[] = enabled.size === PII_TYPES.length ? found : found.filter((m) => enabled.has(m.type));
    if (mode === 'pseudonym') {
      // Text that already looks like one of our pseudonyms is itself swapped for a fresh pseudonym,
      // so restore() can never turn a literal "<EMAIL_1>" in the input into somebody's address.
      PSEUDONYM_TOKEN.lastIndex = 0;
      for (let m = PSEUDONYM_TOKEN.exec(text); m !== null; m = PSEUDONYM_TOKEN.exec(text)) {
        candidates.push({ type: 'LITERAL', start: m.index, end: m.index + m[0].length, rule: 'literal' });
      }
    }
    const selected = selectNonOverlapping(candidates, text.length);
    if (selected.length === 0) return { text, findings: [] };

    if (mode === 'pseudonym') {
      session.reserve(
        selected.map((s) => {
          const value = text.slice(s.start, s.end);
          return { type: s.type === 'LITERAL' ? literalType(value) : s.type, value };
        }),
      );
    }
    // Appending to a string (V8 builds a rope and flattens it once) is 2-3x cheaper than pushing parts and joining.
    let result = '';
    const findings: PiiFinding[] = [];
    let pos = 0;
    for (const s of selected) {
      result += text.slice(pos, s.start);
      if (s.type === 'LITERAL') {
        const value = text.slice(s.start, s.end);
        result += session.pseudonymFor(literalType(value), value);
      } else if (mode === 'mask') {
        result += maskFor(s.type);
        findings.push({ type: s.type, span: { start: s.start, end: s.end }, rule: s.rule });
      } else {
        const value = text.slice(s.start, s.end);
        result += mode === 'hash' && hashKey !== undefined ? hashFor(hashKey, hashLength, s.type, value) : session.pseudonymFor(s.type, value);
        findings.push({ type: s.type, span: { start: s.start, end: s.end }, rule: s.rule });
      }
      pos = s.end;
    }
    result += text.slice(pos);
    return { text: result, findings };
  }

  return {
    redact,
    restore(text: string): string {
      checkText(text, 'restore');
      return mode === 'pseudonym' ? session.restore(text) : text;
    },
    reset(): void {
      session.clear();
    },
    get sessionSize(): number {
      return session.size;
    },
  };
}
