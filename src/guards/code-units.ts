/**
 * A reusable copy of a string's UTF-16 code units for the guards' hot loops:
 * one native copy, then typed-array reads, which cost about a third of
 * `charCodeAt` on this code's loops. Each user keeps its own buffer (the
 * guards are synchronous, and a buffer is only read until its next copy).
 *
 * @module guards/code-units
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Up to this length a loop copies faster than Buffer.write. */
const SHORT = 48;

/** Longest copy a buffer keeps for the next call: 1 MiB of UTF-16 units (the prompt guard's default maximum input). */
export const CODE_UNITS_KEEP = 1 << 20;

/** A growable code-unit buffer; see the module comment. */
export class CodeUnitBuffer {
  private units: Uint16Array;
  private bytes: Buffer;

  constructor(capacity = 1024) {
    this.units = new Uint16Array(capacity);
    this.bytes = Buffer.from(this.units.buffer, this.units.byteOffset, this.units.byteLength);
  }

  /**
   * The code units of `text` (lone surrogates included) at `[0, text.length)`
   * of the returned array, valid until the next call. Grows as needed; a
   * longer text than {@link CODE_UNITS_KEEP} gets an array that is not kept.
   */
  of(text: string): Uint16Array {
    const n = text.length;
    let u = this.units;
    let bytes = this.bytes;
    if (n > u.length) {
      u = new Uint16Array(Math.max(n, Math.min(n + (n >> 1), CODE_UNITS_KEEP)));
      bytes = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      if (u.length <= CODE_UNITS_KEEP) {
        this.units = u;
        this.bytes = bytes;
      }
    }
    // Buffer.write('utf16le') writes little-endian bytes: on a big-endian
    // host copy one by one, as for a short text (where the native call's
    // fixed cost exceeds the loop's).
    if (LITTLE_ENDIAN && n > SHORT) bytes.write(text, 0, 'utf16le');
    else for (let i = 0; i < n; i += 1) u[i] = text.charCodeAt(i);
    return u;
  }
}
