/**
 * Homoglyph (confusable) and leetspeak folding tables used by
 * {@link normalizeForMatching}. Small, hand-picked subsets: the Latin
 * lookalikes attackers actually use (Cyrillic, Greek, Armenian, IPA and a few
 * symbols). Fullwidth and mathematical alphanumerics are already folded by
 * NFKC, so they are not listed here.
 *
 * @module guards/normalize-confusables
 */

/**
 * Lower-case confusable code point -> Latin letter(s). Derived from the
 * Unicode confusables list (UTS #39) restricted to letters that look like
 * ASCII letters in common fonts.
 */
export const CONFUSABLES: ReadonlyMap<number, string> = new Map<number, string>([
  // Cyrillic
  [0x0430, 'a'], [0x0432, 'b'], [0x0435, 'e'], [0x0451, 'e'], [0x043e, 'o'], [0x0440, 'p'], [0x0441, 'c'],
  [0x0443, 'y'], [0x0445, 'x'], [0x0456, 'i'], [0x0457, 'i'], [0x0458, 'j'], [0x0455, 's'], [0x0501, 'd'],
  [0x04bb, 'h'], [0x043a, 'k'], [0x043c, 'm'], [0x043d, 'h'], [0x0442, 't'], [0x0433, 'r'], [0x04cf, 'l'],
  [0x0475, 'v'], [0x051b, 'q'], [0x051d, 'w'], [0x0261, 'g'], [0x0491, 'r'], [0x0454, 'e'], [0x0447, 'y'],
  // Greek
  [0x03b1, 'a'], [0x03b2, 'b'], [0x03b5, 'e'], [0x03b9, 'i'], [0x03ba, 'k'], [0x03bd, 'v'], [0x03bf, 'o'],
  [0x03c1, 'p'], [0x03c4, 't'], [0x03c5, 'u'], [0x03c7, 'x'], [0x03b7, 'n'], [0x03c9, 'w'], [0x03f2, 'c'],
  [0x03f3, 'j'], [0x03b3, 'y'], [0x03bc, 'u'], [0x03c2, 's'], [0x03b6, 'z'],
  // Armenian
  [0x0578, 'n'], [0x057d, 'u'], [0x0585, 'o'], [0x0570, 'h'], [0x0566, 'q'], [0x0581, 'g'],
  // IPA / Latin extended lookalikes
  [0x0251, 'a'], [0x0269, 'i'], [0x026a, 'i'], [0x0131, 'i'], [0x0237, 'j'], [0x028f, 'y'], [0x0280, 'r'],
  [0x0274, 'n'], [0x1d0f, 'o'], [0x1d04, 'c'], [0x1d07, 'e'], [0x1d1b, 't'], [0x1d1c, 'u'], [0x1d20, 'v'],
  [0x1d21, 'w'], [0x1d22, 'z'], [0x0299, 'b'], [0x1d05, 'd'], [0x0262, 'g'], [0x029c, 'h'], [0x1d0a, 'j'],
  [0x1d0b, 'k'], [0x029f, 'l'], [0x1d0d, 'm'], [0x1d18, 'p'], [0xa731, 's'], [0x0188, 'c'], [0x0184, 'b'],
  [0x01bf, 'p'], [0x0253, 'b'], [0x0257, 'd'], [0x0260, 'g'], [0x0266, 'h'], [0x0268, 'i'], [0x0271, 'm'],
  [0x0272, 'n'], [0x027e, 'r'], [0x0282, 's'], [0x0288, 't'], [0x028b, 'v'], [0x0290, 'z'], [0x0138, 'k'],
  [0x0142, 'l'], [0x0111, 'd'], [0x0127, 'h'], [0x00f8, 'o'], [0x0180, 'b'], [0x01e5, 'g'], [0x0167, 't'],
  // Symbols used as letters
  [0x2113, 'l'], [0x212e, 'e'], [0x2c9f, 'o'], [0x2c85, 'r'], [0x00df, 'ss'], [0x00e6, 'ae'], [0x0153, 'oe'],
]);

/**
 * Leetspeak digit/symbol -> letter. Applied only inside a token that also
 * holds at least one letter, so "2024" or "$5" stay numbers.
 */
export const LEET: ReadonlyMap<number, number> = new Map<number, number>([
  [0x30, 0x6f], // 0 -> o
  [0x31, 0x69], // 1 -> i
  [0x33, 0x65], // 3 -> e
  [0x34, 0x61], // 4 -> a
  [0x35, 0x73], // 5 -> s
  [0x37, 0x74], // 7 -> t
  [0x39, 0x67], // 9 -> g
  [0x40, 0x61], // @ -> a
  [0x24, 0x73], // $ -> s
]);
