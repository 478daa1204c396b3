/**
 * Adversarial inputs for the PII redactor: repetitions built to make a
 * backtracking regex go quadratic or worse (long runs, many candidate
 * starts, unterminated structures), plus dense valid PII. Shared by
 * test/guards/redos-pii.test.ts (linearity ratio) and bench/guards-pii.bench.ts
 * (absolute time per MB).
 */

/** Repeats `unit` until the string is exactly `size` code units long. */
function fill(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** A deterministic pseudo-random digit string (defeats any per-value cache). */
function digits(n: number, seed: number): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String(x % 10);
  }
  return out;
}

/** Builds `size` code units of a repeated, varying unit. */
function fillWith(size: number, unit: (i: number) => string): string {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < size; i += 1) {
    const u = unit(i);
    parts.push(u);
    len += u.length;
  }
  return parts.join('').slice(0, size);
}

/** Named generators: `make(size)` returns an input of exactly `size` code units. */
export const ADVERSARIAL_INPUTS: ReadonlyArray<{ name: string; make: (size: number) => string }> = [
  { name: 'digit run', make: (n) => fill('4', n) },
  { name: 'spaced digits', make: (n) => fill('4 ', n) },
  { name: 'dashed digits', make: (n) => fill('4-', n) },
  { name: 'dotted digits', make: (n) => fill('1.', n) },
  { name: 'paren groups', make: (n) => fill('(1) ', n) },
  { name: 'plus groups', make: (n) => fill('+1 ', n) },
  { name: 'letters then @', make: (n) => `${fill('a', n - 1)}@` },
  { name: 'a@ repeated', make: (n) => fill('a@', n) },
  { name: 'a.b@ dots', make: (n) => fill('a.b@c.', n) },
  { name: 'colons', make: (n) => fill(':', n) },
  { name: 'hex colon groups', make: (n) => fill('1a:', n) },
  { name: 'double colons', make: (n) => fill('a::', n) },
  { name: 'IBAN prefixes', make: (n) => fill('GB82 ', n) },
  { name: 'IBAN-like run', make: (n) => fill('GB82WEST', n) },
  { name: 'BEGIN without END', make: (n) => fill('-----BEGIN RSA PRIVATE KEY-----\n', n) },
  { name: 'key= repeated', make: (n) => fill('key=', n) },
  { name: 'api_key: high-entropy', make: (n) => fillWith(n, (i) => `api_key: ${digits(8, i)}abcXYZ${i} `) },
  { name: 'keykeykey', make: (n) => fill('key', n) },
  { name: 'scheme:// repeated', make: (n) => fill('http://a:', n) },
  { name: 'JWT-like', make: (n) => fill('eyJhbGciOiJIUzI1NiJ9.', n) },
  { name: 'slack-like', make: (n) => fill('xoxb-1-', n) },
  { name: 'prefix soup', make: (n) => fill('AKIAghp_sk-SKSG.AIza', n) },
  { name: 'dense phones (random)', make: (n) => fillWith(n, (i) => `phone: +1 ${digits(3, i)} ${digits(3, i + 7)} ${digits(4, i + 13)} `) },
  { name: 'dense cards', make: (n) => fill('card 4111 1111 1111 1111, ', n) },
  { name: 'dense emails', make: (n) => fillWith(n, (i) => `user${i}@example.com `) },
];
