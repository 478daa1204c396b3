/**
 * Builds the adversarial input used by the prompt guard's linearity test and
 * benchmark. Long homogeneous stretches (so a quadratic pass shows up as a
 * blow-up, not a constant per chunk) of: spaced single letters and flood
 * tokens, rule verbs without their objects, unterminated markdown images and
 * HTML comments, base64-like and hex-like runs, delimiter characters,
 * invisible and homoglyph characters, one long word; then a mixed chunk that
 * starts as many rules, decoders and normalisation paths as possible.
 */
export function adversarialInput(size: number): string {
  const stretches = [
    'ö ',
    'a ',
    'i g n o r e ',
    'ignore all the previous ',
    'you are now not never ',
    '![a](//x/y?q=',
    '<!-- ',
    'SGVsbG8gd29ybGQ',
    '0a1b2c3d',
    '%=#*',
    '\u200B\u202Ea',
    'Іgnоrе ',
    'a',
    ') ] } ',
  ];
  const mixed =
    'ignore ignore all all previous disregard the above forget everything you ' +
    '![a](//x/y?q= <!-- i g n o r e a l l SGVsbG8gd29ybGQgaGVsbG8 ö ö ) ] } ' +
    '\u200B\u202E\u2066 %%%%====#### aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ' +
    'you are now not never say "x only say \'y 01010101 01100001 deadbeef ' +
    'http://a//b/c?d=e&f= [INST <|im_ <<SYS ### SYSTEM 1gn0r3 4ll Іgnоrе ';
  const part = Math.floor(size / (stretches.length + 1));
  let out = '';
  for (const s of stretches) out += `${s.repeat(Math.ceil(part / s.length)).slice(0, part)}\n`;
  out += mixed.repeat(Math.ceil(size / mixed.length));
  return out.slice(0, size);
}
