/**
 * JWT access-token verification per second: tenantguard's verifyAccessToken
 * (keys imported to a CryptoKey once per kid, plus the size/shape checks,
 * lifetime rule and zod claim validation) against jose's jwtVerify given the
 * raw secret bytes on every call (jose imports the key each time), and jose
 * with a pre-imported CryptoKey as the floor-to-ceiling reference. Same run,
 * interleaved samples, medians. No database: verification never touches one.
 *
 *   npx tsx bench/jwt.bench.ts            (JWT_BENCH_SAMPLES=7 JWT_BENCH_MS=700 by default)
 */
import { generateKeyPairSync, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { createSessions } from '../src/crypto/sessions.js';
import type { PoolLike } from '../src/tenancy/index.js';

const SAMPLES = Number(process.env.JWT_BENCH_SAMPLES ?? 7);
const SAMPLE_MS = Number(process.env.JWT_BENCH_MS ?? 700);
const ISSUER = 'https://auth.bench.example';
const AUDIENCE = 'bench';
const ORG = '0a0a0a0a-0000-4000-8000-00000000000a';

const noDatabase: PoolLike = {
  connect: () => Promise.reject(new Error('the verification benchmark must not touch a database')),
};

function claims(): Record<string, unknown> {
  return { sub: 'user-1', org_id: ORG, role: 'editor', sid: randomUUID(), jti: randomUUID(), amr: ['pwd'] };
}

async function sign(alg: 'HS256' | 'EdDSA', kid: string, key: Parameters<SignJWT['sign']>[0]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims())
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 900)
    .sign(key);
}

/** Sequential verifications for `ms` milliseconds; returns ops/s. */
async function measure(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 200; i += 1) await fn();
    n += 200;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  const secret = randomBytes(32);
  const ed = generateKeyPairSync('ed25519');
  const sessions = createSessions({
    pool: noDatabase,
    keys: [
      { kid: 'hs', secret },
      { kid: 'ed', alg: 'EdDSA', privateKey: ed.privateKey },
    ],
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  const hsToken = await sign('HS256', 'hs', secret);
  const edToken = await sign('EdDSA', 'ed', ed.privateKey);
  const imported = await webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const opts = { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' };
  const edOpts = { ...opts, algorithms: ['EdDSA'] };

  // Sanity: all contenders accept the same token.
  const p = await sessions.verifyAccessToken(hsToken);
  if (p.orgId !== ORG) throw new Error('tenantguard did not verify the token');
  await jwtVerify(hsToken, secret, opts);
  await jwtVerify(hsToken, imported, opts);
  await sessions.verifyAccessToken(edToken);

  const contenders: [string, () => Promise<unknown>][] = [
    ['tenantguard verifyAccessToken HS256 (key imported once per kid, + claims)', () => sessions.verifyAccessToken(hsToken)],
    ['jose jwtVerify HS256, raw secret bytes each call', () => jwtVerify(hsToken, secret, opts)],
    ['jose jwtVerify HS256, pre-imported CryptoKey (reference)', () => jwtVerify(hsToken, imported, opts)],
    ['tenantguard verifyAccessToken EdDSA', () => sessions.verifyAccessToken(edToken)],
    ['jose jwtVerify EdDSA, KeyObject each call', () => jwtVerify(edToken, ed.publicKey, edOpts)],
  ];
  // Warm-up.
  for (const [, fn] of contenders) await measure(fn, 300);
  const results = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  // Each round measures every contender back to back (order rotated), so a
  // per-round ratio compares runs under the same machine load.
  for (let s = 0; s < SAMPLES; s += 1) {
    const order = contenders.map((_, i) => contenders[(i + s) % contenders.length]!);
    for (const [name, fn] of order) results.get(name)!.push(await measure(fn, SAMPLE_MS));
  }
  const roundRatio = (a: string, b: string): number => median(results.get(a)!.map((x, i) => x / results.get(b)![i]!));
  const med = new Map([...results].map(([k, v]) => [k, median(v)]));
  console.log(`JWT verification, ${SAMPLES} samples x ${SAMPLE_MS} ms each, median ops/s (node ${process.version})`);
  for (const [name] of contenders) {
    const v = results.get(name)!;
    console.log(`  ${name.padEnd(76)} ${med.get(name)!.toFixed(0).padStart(7)} /s   (min ${Math.min(...v).toFixed(0)}, max ${Math.max(...v).toFixed(0)})`);
  }
  const ours = med.get(contenders[0]![0])!;
  const raw = med.get(contenders[1]![0])!;
  const ref = med.get(contenders[2]![0])!;
  const oursEd = med.get(contenders[3]![0])!;
  const rawEd = med.get(contenders[4]![0])!;
  const [n0, n1, n2, n3, n4] = contenders.map(([name]) => name) as [string, string, string, string, string];
  console.log(`  ratio tenantguard / jose raw bytes (HS256):       ${(ours / raw).toFixed(2)}x of medians, ${roundRatio(n0, n1).toFixed(2)}x median per-round`);
  console.log(`  ratio tenantguard / jose pre-imported (HS256):    ${(ours / ref).toFixed(2)}x of medians, ${roundRatio(n0, n2).toFixed(2)}x median per-round`);
  console.log(`  ratio tenantguard / jose KeyObject (EdDSA):       ${(oursEd / rawEd).toFixed(2)}x of medians, ${roundRatio(n3, n4).toFixed(2)}x median per-round`);
  console.log(`  goal >= 10,000 verifications/s (HS256): ${ours >= 10_000 ? 'met' : 'NOT met'} (${ours.toFixed(0)}/s)`);
}

await main();
