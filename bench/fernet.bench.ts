/**
 * Fernet benchmark.
 *
 * 1. encrypt+decrypt of a ~200-byte OAuth token per second, tenantguard vs the
 *    npm `fernet` package (crypto-js) in the same run; goal >= 10x.
 * 2. Keyring.rotate over 1,000,000 distinct tokens from an old key; goal < 30 s.
 *
 * Env: TG_BENCH_SAMPLES (default 5), TG_BENCH_SAMPLE_MS (default 600),
 * TG_BENCH_ROTATE (default 1000000 tokens).
 */
import { cpus, loadavg } from 'node:os';
import { Fernet } from '../src/crypto/fernet.js';
import { generateFernetKey } from '../src/crypto/fernet-key.js';
import { Keyring } from '../src/crypto/keyring.js';
import { npmFernet } from '../test/crypto/fernet-npm-peer.js';

const samples = Number(process.env.TG_BENCH_SAMPLES ?? 5);
const sampleMs = Number(process.env.TG_BENCH_SAMPLE_MS ?? 600);
const rotateTotal = Number(process.env.TG_BENCH_ROTATE ?? 1_000_000);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Runs `op` repeatedly for about `ms` milliseconds; returns operations per second. */
function opsPerSecond(op: () => void, ms: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i += 1) op();
    n += 50;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

// A typical Google OAuth access token is ~200 characters.
const oauthToken = 'ya29.a0AfB_byC' + 'Xk9vQm3Lr7Tz2Wp8Yd4Hs6Jn1Bc5Fg0'.repeat(6).slice(0, 186);
const key = generateFernetKey();
const ours = new Fernet(key);
const secret = new npmFernet.Secret(key);

let sink = 0;
const oursOp = (): void => {
  sink += ours.decrypt(ours.encrypt(oauthToken), { ttlSeconds: 3600 }).length;
};
const peerOp = (): void => {
  const token = new npmFernet.Token({ secret, ttl: 0 }).encode(oauthToken);
  sink += new npmFernet.Token({ secret, ttl: 3600 }).decode(token).length;
};

// Sanity: both sides produce the same plaintext (and each other's tokens work).
if (new npmFernet.Token({ secret, ttl: 0 }).decode(ours.encrypt(oauthToken)) !== oauthToken) throw new Error('interop');
if (ours.decrypt(new npmFernet.Token({ secret, ttl: 0 }).encode(oauthToken)).toString() !== oauthToken) throw new Error('interop');

console.log(
  `Fernet encrypt+decrypt, ${oauthToken.length}-byte OAuth token, ${samples} samples x ${sampleMs} ms (median); ` +
    `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`,
);
opsPerSecond(oursOp, 300); // warm-up
opsPerSecond(peerOp, 300);
const oursRates: number[] = [];
const peerRates: number[] = [];
for (let s = 0; s < samples; s += 1) {
  // Interleaved so machine noise hits both sides alike.
  oursRates.push(opsPerSecond(oursOp, sampleMs));
  peerRates.push(opsPerSecond(peerOp, sampleMs));
}
const oursMedian = median(oursRates);
const peerMedian = median(peerRates);
const ratio = oursMedian / peerMedian;
console.table([
  { impl: 'tenantguard Fernet (node:crypto)', 'ops/s (median)': fmt(oursMedian), min: fmt(Math.min(...oursRates)), max: fmt(Math.max(...oursRates)) },
  { impl: 'npm fernet 0.4 (crypto-js)', 'ops/s (median)': fmt(peerMedian), min: fmt(Math.min(...peerRates)), max: fmt(Math.max(...peerRates)) },
]);
console.log(`ratio tenantguard / npm fernet: ${ratio.toFixed(1)}x (goal >= 10x: ${ratio >= 10 ? 'met' : 'MISSED'})`);

// Rotation: distinct tokens under an old key, rotated to a new primary in
// chunks (keeps memory flat); only rotate() time is counted.
const oldKey = generateFernetKey();
const oldF = new Fernet(oldKey);
const ring = new Keyring([generateFernetKey(), oldKey]);
const chunk = Math.min(100_000, rotateTotal);
const tokens: string[] = new Array<string>(chunk);
let rotateNs = 0n;
let rotateCpuUs = 0;
let rotated = 0;
const nowMs = Date.now();
while (rotated < rotateTotal) {
  const n = Math.min(chunk, rotateTotal - rotated);
  for (let i = 0; i < n; i += 1) tokens[i] = oldF.encrypt(oauthToken, { now: nowMs - i * 1000 });
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i += 1) sink += ring.rotate(tokens[i] as string, { now: nowMs }).length;
  const c1 = process.cpuUsage(c0);
  rotateNs += process.hrtime.bigint() - t0;
  rotateCpuUs += c1.user + c1.system;
  rotated += n;
}
const rotateSeconds = Number(rotateNs) / 1e9;
console.log(
  `Keyring.rotate: ${fmt(rotated)} tokens (old key -> new primary, ${oauthToken.length}-byte plaintext) in ${rotateSeconds.toFixed(2)} s ` +
    `= ${fmt(rotated / rotateSeconds)} tokens/s (goal for 1,000,000: < 30 s: ${rotateTotal >= 1_000_000 ? (rotateSeconds < 30 ? 'met' : 'MISSED') : 'n/a, scaled run'})`,
);
// On a shared machine wall time includes waiting for a CPU; process CPU time shows the work itself.
console.log(
  `Keyring.rotate CPU time (user+system of this process): ${(rotateCpuUs / 1e6).toFixed(2)} s; ` +
    `load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`,
);
if (sink === 0) console.log('');
