/**
 * TOTP conformance against `oathtool` (Debian package `oathtool`, the OATH
 * Toolkit): the RFC 6238 vectors, then random secrets, times, algorithms and
 * code lengths, with the secret passed both as hex and as the base32 string
 * an enrolment hands to authenticator apps. The vitest suite has the RFC
 * vectors too and needs no oathtool; this script is the cross-implementation
 * check. `sharedDir` is not needed (no vectors are read from it).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { base32Encode } from '../../src/crypto/totp-base32.js';
import { generateTotpSecret, totp, verifyTotp, type TotpAlgorithm } from '../../src/crypto/totp.js';

const RFC_SEEDS: Record<TotpAlgorithm, string> = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};
const RFC_TIMES = [59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000];
const ALGORITHMS: TotpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];

function oathtool(args: string[]): string {
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

export async function run(_sharedDir: string): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  try {
    oathtool(['--version']);
  } catch {
    console.error('totp: oathtool not found (apt-get install -y oathtool)');
    return { passed: 0, failed: 1 };
  }
  const check = (label: string, ours: string, theirs: string): void => {
    if (ours === theirs) passed += 1;
    else {
      failed += 1;
      console.error(`totp: ${label}: ours ${ours}, oathtool ${theirs}`);
    }
  };

  // 1. RFC 6238 Appendix B through oathtool (8 digits).
  for (const alg of ALGORITHMS) {
    const seed = Buffer.from(RFC_SEEDS[alg], 'ascii');
    for (const t of RFC_TIMES) {
      const theirs = oathtool([`--totp=${alg.toLowerCase()}`, '--digits=8', `--now=@${t}`, seed.toString('hex')]);
      check(`RFC ${alg} T=${t}`, totp(seed, { now: t * 1000, digits: 8, algorithm: alg }), theirs);
    }
  }

  // 2. Random secrets, times, algorithms and digits; hex and base32 secrets.
  const cases = Number(process.env.TOTP_CONFORMANCE_CASES ?? 120);
  for (let i = 0; i < cases; i += 1) {
    const alg = ALGORITHMS[i % 3]!;
    const digits = 6 + (i % 3);
    const secret = i % 2 === 0 ? generateTotpSecret(alg) : randomBytes(randomInt(10, 65));
    const t = randomInt(0, 4_000_000_000);
    const args = [`--totp=${alg.toLowerCase()}`, `--digits=${digits}`, `--now=@${t}`];
    const theirs = i % 4 < 2 ? oathtool([...args, secret.toString('hex')]) : oathtool([...args, '--base32', base32Encode(secret)]);
    const ours = totp(secret, { now: t * 1000, algorithm: alg, digits });
    check(`random #${i} ${alg}/${digits}`, ours, theirs);
    // oathtool's code must also pass our verifier (window 0), and its window-1 neighbours too.
    if (verifyTotp(secret, theirs, { now: t * 1000, algorithm: alg, digits, window: 0 }) !== null) passed += 1;
    else {
      failed += 1;
      console.error(`totp: verifyTotp refused oathtool's code for case #${i}`);
    }
  }

  // 3. The ±1 window: oathtool -w 1 lists the codes of steps T..T+1; ours must accept the step after, not two after.
  for (let i = 0; i < 20; i += 1) {
    const secret = generateTotpSecret('SHA1');
    const t = randomInt(60, 4_000_000_000);
    const list = oathtool(['--totp', '--window=2', `--now=@${t}`, secret.toString('hex')]).split('\n');
    const [now0, next1, next2] = list;
    const ok =
      verifyTotp(secret, now0!, { now: t * 1000 }) !== null &&
      verifyTotp(secret, next1!, { now: t * 1000 }) !== null &&
      (next2 === now0 || next2 === next1 || verifyTotp(secret, next2!, { now: t * 1000 }) === null);
    if (ok) passed += 1;
    else {
      failed += 1;
      console.error(`totp: window check failed for case #${i}`);
    }
  }
  return { passed, failed };
}
