/**
 * Builds the adversarial input used by the prompt guard's linearity test and
 * benchmark: a repeated chunk that hits the start of as many rules, decoders
 * and normalisation paths as possible (rule verbs without their objects,
 * unterminated markdown images, HTML comments, spaced letters, base64-like and
 * binary runs, flood tokens, invisible characters, long words, URLs with
 * query strings), so every pattern gets many candidate starts that fail late.
 */
export function adversarialInput(size: number): string {
  const chunk =
    'ignore ignore all all previous disregard the above forget everything you ' +
    '![a](//x/y?q= <!-- i g n o r e a l l SGVsbG8gd29ybGQgaGVsbG8 ö ö ) ] } ' +
    '\u200B\u202E\u2066 %%%%====#### aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ' +
    'you are now not never say "x only say \'y 01010101 01100001 deadbeef ' +
    'http://a//b/c?d=e&f= [INST <|im_ <<SYS ### SYSTEM 1gn0r3 4ll Іgnоrе ';
  return chunk.repeat(Math.ceil(size / chunk.length)).slice(0, size);
}
