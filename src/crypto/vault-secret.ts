/**
 * The value the vault hands back: a wrapper that keeps a secret out of logs,
 * JSON and string conversion until the code that needs it asks explicitly.
 *
 * @module crypto/vault-secret
 */
import { inspect } from 'node:util';

/**
 * A decrypted secret. `String(secret)`, `JSON.stringify(secret)` and
 * `console.log(secret)` show a redacted placeholder; call {@link SecretValue.text}
 * or {@link SecretValue.bytes} where the value is actually used.
 *
 * @example
 * ```ts
 * const token = await vault.get(db, 'google.refresh_token');
 * if (token) await google.refresh(token.text());
 * ```
 */
export class SecretValue {
  /** The secret's name (an identifier, not secret). */
  readonly name: string;
  readonly #value: Buffer;

  /** @internal */
  constructor(name: string, value: Buffer) {
    this.name = name;
    this.#value = value;
  }

  /** The value decoded as UTF-8. */
  text(): string {
    return this.#value.toString('utf8');
  }

  /** A copy of the value's bytes. */
  bytes(): Buffer {
    return Buffer.from(this.#value);
  }

  /** Length of the value in bytes. */
  get byteLength(): number {
    return this.#value.length;
  }

  /** Overwrites the value in memory with zero bytes (best effort: copies already handed out stay). */
  wipe(): void {
    this.#value.fill(0);
  }

  /** Redacted. */
  toString(): string {
    return `[SecretValue ${this.name}: <redacted>]`;
  }

  /** Redacted: `JSON.stringify` never contains the value. */
  toJSON(): {
    /** The secret's name. */
    name: string;
    /** Always `'<redacted>'`. */
    value: '<redacted>';
  } {
    return { name: this.name, value: '<redacted>' };
  }

  /** Redacted `util.inspect` / `console.log` output. */
  [inspect.custom](): string {
    return this.toString();
  }
}
