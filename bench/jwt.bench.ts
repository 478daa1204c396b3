/**
 * JWT access-token verification per second: tenantguard's verifyAccessToken
 * (keys imported to a CryptoKey once per kid, plus the size/shape checks,
 * lifetime rule and zod claim validation) against jose's jwtVerify given the
 * raw secret bytes on every call (jose imports the key each time), and jose
 * with a pre-imported CryptoKey as the floor-to-ceiling reference. Same run,
 * interleaved samples, medians. No database: verification never touches one.
 *
 *   npx tsx bench/jwt.bench.ts            (JWT_BENCH_ROUNDS=60 JWT_BENCH_MS=100 by default)
 */
import { generateKeyPairSync, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { createSessions } from '../src/crypto/sessions.js';
import type { PoolLike } from '../src/tenancy/index.js';

// Many short rounds, each measuring every contender back to back: on a shared,
// loaded machine a per-round ratio compares runs under the same load.
const ROUNDS = Number(process.env.JWT_BENCH_ROUNDS ?? 60);
const SAMPLE_MS = Number(process.env.JWT_BENCH_MS ?? 100);
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

interface Sample {
  /** Verifications per wall-clock second. */
  wall: number;
  /** Verifications per CPU second of this process (all threads): robust to other load. */
  cpu: number;
}

/** Sequential verifications for `ms` milliseconds. */
async function measure(fn: () => Promise<unknown>, ms: number): Promise<Sample> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i += 1) await fn();
    n += 50;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { wall: (n / elapsed) * 1000, cpu: (n / Math.max(cpuMs, 0.001)) * 1000 };
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
  const results = new Map<string, Sample[]>(contenders.map(([name]) => [name, []]));
  for (let r = 0; r < ROUNDS; r += 1) {
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
    for (const [name, fn] of order) results.get(name)!.push(await measure(fn, SAMPLE_MS));
  }
  const names = contenders.map(([name]) => name) as [string, string, string, string, string];
  const med = (name: string, k: keyof Sample): number => median(results.get(name)!.map((x) => x[k]));
  const ratio = (a: string, b: string, k: keyof Sample): number =>
    median(results.get(a)!.map((x, i) => x[k] / results.get(b)![i]![k]));
  console.log(`JWT verification, ${ROUNDS} rounds x ${SAMPLE_MS} ms per contender, medians (node ${process.version})`);
  console.log(`  ${'contender'.padEnd(76)} ${'wall /s'.padStart(9)} ${'per CPU-s'.padStart(10)}`);
  for (const name of names) {
    console.log(`  ${name.padEnd(76)} ${med(name, 'wall').toFixed(0).padStart(9)} ${med(name, 'cpu').toFixed(0).padStart(10)}`);
  }
  const [ours, raw, ref, oursEd, rawEd] = names;
  const line = (label: string, a: string, b: string): void =>
    console.log(`  ${label.padEnd(50)} ${ratio(a, b, 'wall').toFixed(2)}x wall, ${ratio(a, b, 'cpu').toFixed(2)}x per CPU-s (median of per-round ratios)`);
  line('tenantguard / jose raw bytes (HS256):', ours, raw);
  line('tenantguard / jose pre-imported CryptoKey (HS256):', ours, ref);
  line('tenantguard / jose KeyObject (EdDSA):', oursEd, rawEd);
  const wall = med(ours, 'wall');
  const cpu = med(ours, 'cpu');
  console.log(
    `  goal >= 10,000 verifications/s (HS256): ${wall >= 10_000 ? 'met' : 'NOT met'} on wall clock (${wall.toFixed(0)}/s); ${cpu.toFixed(0)} per CPU-second`,
  );
  const load = (await import('node:os')).loadavg()[0]!;
  console.log(`  (1-minute load average during the run: ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs)`);
}

await main();
