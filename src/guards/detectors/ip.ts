/**
 * IPv4 and IPv6 addresses. IPv4: four decimal octets 0-255 without leading
 * zeros, not part of a longer dotted number (a version such as 1.2.3.4.5) and
 * not right after the word "version". IPv6: full, compressed (`::`) and
 * IPv4-suffixed forms, validated by a small parser rather than one large regex.
 *
 * @module guards/detectors/ip
 */
import type { Detector, DetectorMatch } from './types.js';
import { KeywordIndex } from './context.js';

/** Four dotted groups of 1-3 digits, not inside a longer dotted or alphanumeric token. */
export const IPV4_CANDIDATE = /(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)/g;
/** The shape of an IPv6 candidate cut out around a colon; validated by {@link isValidIpv6}. */
export const IPV6_CANDIDATE = /^[0-9A-Fa-f:.]{2,45}$/;

function isV6Char(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
/** Words right before a dotted number that make it a version, not an address. */
export const VERSION_CONTEXT = /\b(?:v|ver|version|release|build|firmware|rev|revision)\b/gi;

const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Whether `value` is a dotted-quad IPv4 address (no leading zeros).
 *
 * @example
 * ```ts
 * isValidIpv4('192.168.0.1'); // true
 * isValidIpv4('256.1.1.1');   // false
 * ```
 */
export function isValidIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

const HEXGROUP = /^[0-9A-Fa-f]{1,4}$/;
/** At least one hex digit: a bare `::` is not worth redacting. */
const HEX_DIGIT = /[0-9A-Fa-f]/;

/**
 * Whether `value` is an IPv6 address in any RFC 4291 text form: eight groups,
 * one `::` standing for one or more zero groups, optionally an IPv4 tail.
 *
 * @example
 * ```ts
 * isValidIpv6('2001:db8::1');      // true
 * isValidIpv6('::ffff:192.0.2.1'); // true
 * isValidIpv6('1::2::3');          // false
 * ```
 */
export function isValidIpv6(value: string): boolean {
  if (value.length < 2 || value.length > 45) return false;
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const parse = (part: string): string[] | undefined => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let groups = 0;
  for (let i = 0; i < all.length; i += 1) {
    const g = all[i] ?? '';
    if (i === all.length - 1 && g.includes('.')) {
      if (!isValidIpv4(g)) return false;
      groups += 2;
    } else if (HEXGROUP.test(g)) groups += 1;
    else return false;
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** Detector for IP addresses. @internal */
export const ipDetector: Detector = {
  name: 'ip',
  types: ['IP_ADDRESS'],
  needsDigit: false,
  patterns: [IPV4_CANDIDATE, IPV6_CANDIDATE, VERSION_CONTEXT, OCTET, HEXGROUP, HEX_DIGIT],
  find(text: string, out: DetectorMatch[]): void {
    const versions = new KeywordIndex(text, VERSION_CONTEXT);
    IPV4_CANDIDATE.lastIndex = text.includes('.') ? 0 : text.length;
    for (let m = IPV4_CANDIDATE.exec(text); m !== null; m = IPV4_CANDIDATE.exec(text)) {
      if (!isValidIpv4(m[0])) continue;
      if (versions.before(m.index, 12) !== -1) continue;
      out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, rule: 'ipv4' });
    }
    // IPv6: jump from colon to colon; cut out the maximal run of hex digits, colons and dots around it.
    let colon = text.indexOf(':');
    let done = 0;
    while (colon !== -1) {
      let s = colon;
      while (s > done && colon - s < 45 && isV6Char(text.charCodeAt(s - 1))) s -= 1;
      let e = colon + 1;
      while (e < text.length && e - s < 46 && isV6Char(text.charCodeAt(e))) e += 1;
      done = e;
      let v = text.slice(s, e);
      // A sentence may end right after the address ("... is ::1.").
      while (v.endsWith('.')) v = v.slice(0, -1);
      const before = s === 0 ? 32 : text.charCodeAt(s - 1);
      const after = s + v.length >= text.length ? 32 : text.charCodeAt(s + v.length);
      // Inside a longer token (C++ `a::b_c`, a run longer than any address, a time like 10:30) it is not an address.
      if (
        !isWordChar(before) && before !== 46 && before !== 58 && !isWordChar(after) && after !== 58 &&
        IPV6_CANDIDATE.test(v) && isValidIpv6(v) && HEX_DIGIT.test(v)
      ) {
        out.push({ type: 'IP_ADDRESS', start: s, end: s + v.length, rule: 'ipv6' });
      }
      colon = text.indexOf(':', Math.max(e, colon + 1));
    }
  },
};
