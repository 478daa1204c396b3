/**
 * Finds embedded encoded segments (base64, hex, 8-bit binary) in the
 * ORIGINAL text and decodes those that turn out to be readable text, so the
 * prompt guard can scan the payload again. Bounded: segments longer than the
 * remaining budget are skipped, and the caller limits recursion depth.
 *
 * @module guards/prompt-decode
 */

/** How an encoded segment was written. */
export type EncodingKind = 'base64' | 'hex' | 'binary' | 'rot13';

/** A decoded segment: where it sits in the original text and what it says. */
export interface DecodedSegment {
  readonly kind: EncodingKind;
  /** UTF-16 start offset in the scanned text. */
  readonly start: number;
  /** UTF-16 end offset (exclusive) in the scanned text. */
  readonly end: number;
  /** The decoded text. */
  readonly text: string;
}

/** Base64 (standard or url-safe) runs of at least 16 characters. */
export const BASE64_SEGMENT = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
/** Hex byte runs (optionally separated by one space or colon), at least 8 bytes, or `\x41` escapes. */
export const HEX_SEGMENT = /(?<![0-9a-fA-F])(?=[a-fA-F]{0,3}[0-9])(?:[0-9a-fA-F]{2}[ :]?){8,}|(?:\\x[0-9a-fA-F]{2}){6,}/g;
/** 8-bit binary groups, at least 4 bytes. */
export const BINARY_SEGMENT = /\b(?:[01]{8}[ ]?){4,}/g;
/** Common English words written in ROT13 ("the", "and", "you", "ignore", "instructions", ...). */
export const ROT13_HINT = /\b(?:gur|naq|lbh|lbhe|vtaber|vafgehpgvbaf|cerivbhf|nyy|cnffjbeq|flfgrz|cebzcg|fnl|gryy|jvgu|guvf|gung|sbe|ner|vf|vg)\b/g;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HAS_DIGIT = /[0-9]/;

/** Readable: valid UTF-8, mostly printable, has letters and a space-separated word. */
function readable(bytes: Uint8Array): string | undefined {
  if (bytes.length < 6) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x20) spaces += 1;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) letters += 1;
    if (c >= 0x20 || c === 0x0a || c === 0x0d || c === 0x09) printable += 1;
  }
  if (printable < text.length * 0.95 || letters < text.length * 0.5) return undefined;
  // Text has words; a space-free payload is only kept if it is itself an encoding (nested base64/hex).
  if (spaces === 0 && !/^[A-Za-z0-9+/_=-]{16,}$/.test(text.trim())) return undefined;
  return text;
}

function hexBytes(s: string): Uint8Array {
  const digits = s.replace(/\\x|[^0-9a-fA-F]/g, '');
  return new Uint8Array(Buffer.from(digits.slice(0, digits.length - (digits.length % 2)), 'hex'));
}

function binaryBytes(s: string): Uint8Array {
  const groups = s.match(/[01]{8}/g) ?? [];
  return new Uint8Array(groups.map((g) => parseInt(g, 2)));
}

/**
 * True when `text` has a run of at least 16 base64 alphabet characters, which
 * every {@link BASE64_SEGMENT} match needs: a plain loop is much cheaper than
 * the regex (its leading lookbehind defeats the engine's fast scan), and most
 * texts have no such run.
 */
function hasBase64Run(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x2d) {
      run += 1;
      if (run >= 16) return true;
    } else run = 0;
  }
  return false;
}

/**
 * Finds and decodes encoded segments of `text`, spending at most `budget`
 * characters of encoded input in total.
 */
export function findEncodedSegments(text: string, budget: number): DecodedSegment[] {
  const out: DecodedSegment[] = [];
  let left = budget;
  const take = (re: RegExp, kind: EncodingKind, decode: (s: string) => Uint8Array): void => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null && left > 0; m = re.exec(text)) {
      const seg = m[0];
      if (seg.length > left) continue;
      if (kind === 'base64' && !/[0-9+/=A-Z]/.test(seg.slice(1))) continue; // a plain long word
      left -= seg.length;
      const decoded = readable(decode(seg));
      if (decoded !== undefined) out.push({ kind, start: m.index, end: m.index + seg.length, text: decoded });
    }
  };
  // Binary and hex payloads of the minimum size always contain a digit.
  if (HAS_DIGIT.test(text)) {
    take(BINARY_SEGMENT, 'binary', binaryBytes);
    take(HEX_SEGMENT, 'hex', hexBytes);
  }
  if (hasBase64Run(text)) take(BASE64_SEGMENT, 'base64', (s) => new Uint8Array(Buffer.from(s, 'base64')));
  return out;
}

/** Counts ROT13-encoded common words in a normalised (lower-case) text, up to `cap`. */
export function rot13HintCount(normalized: string, cap: number): number {
  ROT13_HINT.lastIndex = 0;
  let n = 0;
  while (n < cap && ROT13_HINT.exec(normalized) !== null) n += 1;
  return n;
}
