/**
 * PII redactor benchmark.
 *
 * 1. Throughput on the Presidio synthetic dataset text (../shared, or
 *    TENANTGUARD_SHARED): one redact call per sentence (how an app calls it)
 *    and one call on all sentences joined. MB = 10^6 UTF-8 bytes. Goal >= 20 MB/s.
 * 2. Time for 1 MiB of each adversarial input of test/guards/pii-adversarial.ts.
 *    Goal < 50 ms per 1 MiB.
 * Peer in the same run: @redactpii/node (regex-only, no validation), if installed.
 *
 * Env: BENCH_SAMPLES (default 7) samples per measurement, medians reported;
 * BENCH_PEER_KIB (default 16) size of the adversarial inputs given to the peer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPiiRedactor } from '../src/guards/pii-redactor.js';
import { ADVERSARIAL_INPUTS } from '../test/guards/pii-adversarial.js';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 7);
const MIB = 1024 * 1024;

type RedactFn = (text: string) => unknown;

async function loadPeer(): Promise<RedactFn | undefined> {
  try {
    const mod = (await import('@redactpii/node' as string)) as { Redactor: new () => { redact(t: string): string } };
    const r = new mod.Redactor();
    return (t) => r.redact(t);
  } catch {
    return undefined;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/**
 * Median CPU milliseconds (user + system of this process) of `run` over
 * SAMPLES samples, after warm-up. CPU time rather than wall time: the machine
 * is shared, and other processes' load inflates wall time but not our CPU time.
 */
function timeMs(run: () => void, samples = SAMPLES): number {
  run();
  run();
  const xs: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const c0 = process.cpuUsage();
    run();
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000);
  }
  return median(xs);
}

function loadTexts(): string[] {
  const shared = resolve(process.env.TENANTGUARD_SHARED ?? join(here, '..', '..', 'shared'));
  const file = join(shared, 'datasets', 'pii', 'presidio_synth_dataset_v2.json');
  if (!existsSync(file)) {
    console.error(`guards-pii bench: ${file} not found (set TENANTGUARD_SHARED)`);
    process.exit(1);
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as Array<{ full_text: string }>).map((r) => r.full_text);
}

const texts = loadTexts();
const joined = texts.join('\n');
const bytes = Buffer.byteLength(joined, 'utf8');
const peer = await loadPeer();
const mask = createPiiRedactor();
const pseudo = createPiiRedactor({ mode: 'pseudonym' });
const hash = createPiiRedactor({ mode: 'hash', hashKey: 'bench-key-0123456789abcdef' });

const contenders: Array<[string, RedactFn]> = [
  ['tenantguard mask', (t) => mask.redact(t)],
  ['tenantguard hash', (t) => hash.redact(t)],
  [
    'tenantguard pseudonym',
    (t) => {
      pseudo.redact(t);
    },
  ],
];
if (peer !== undefined) contenders.push(['@redactpii/node (peer)', peer]);

console.log(`dataset: ${texts.length} sentences, ${bytes} bytes; samples=${SAMPLES}; node ${process.version}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('\nthroughput on the dataset text (median MB/s of CPU time; goal >= 20 MB/s)');
console.log('redactor                 | per sentence | joined text | per-sentence vs peer');
const results = new Map<string, { perSentence: number; joinedRate: number }>();
// Interleaved: every sample runs each contender once, so load changes hit all of them alike.
const perSamples = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
const joinedSamples = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
for (const [, fn] of contenders) {
  for (const t of texts) fn(t);
  fn(joined);
}
for (let i = 0; i < SAMPLES; i += 1) {
  for (const [name, fn] of contenders) {
    perSamples.get(name)?.push(timeMs(() => {
      for (const t of texts) fn(t);
    }, 1));
    joinedSamples.get(name)?.push(timeMs(() => fn(joined), 1));
    pseudo.reset();
  }
}
for (const [name] of contenders) {
  const perMs = median(perSamples.get(name) ?? []);
  const joinedMs = median(joinedSamples.get(name) ?? []);
  results.set(name, { perSentence: bytes / 1e6 / (perMs / 1000), joinedRate: bytes / 1e6 / (joinedMs / 1000) });
}
const peerRate = results.get('@redactpii/node (peer)')?.perSentence;
let ok = true;
for (const [name, r] of results) {
  const vsPeer = peerRate === undefined ? 'n/a' : `${(r.perSentence / peerRate).toFixed(2)}x`;
  console.log(`${name.padEnd(24)} | ${r.perSentence.toFixed(1).padStart(12)} | ${r.joinedRate.toFixed(1).padStart(11)} | ${vsPeer}`);
}
const maskRate = results.get('tenantguard mask');
const rateMet = maskRate !== undefined && maskRate.perSentence >= 20 && maskRate.joinedRate >= 20;
console.log(`goal >= 20 MB/s (mask, both ways): ${rateMet ? 'met' : 'MISSED'}`);
ok &&= rateMet;

const PEER_SIZE = Number(process.env.BENCH_PEER_KIB ?? 16) * 1024;
console.log(`\nadversarial input, 1 MiB each, default mask mode (median CPU ms; goal < 50 ms); peer on ${PEER_SIZE / 1024} KiB only (some of its regexes are quadratic)`);
console.log(`input                     | tenantguard ms/MiB | peer ms/${PEER_SIZE / 1024}KiB`);
let worst = 0;
for (const a of ADVERSARIAL_INPUTS) {
  const text = a.make(MIB);
  const ms = timeMs(() => mask.redact(text), Math.max(3, Math.min(SAMPLES, 5)));
  worst = Math.max(worst, ms);
  let peerMs = 'n/a';
  if (peer !== undefined) {
    const small = a.make(PEER_SIZE);
    peerMs = timeMs(() => peer(small), 3).toFixed(1);
  }
  console.log(`${a.name.padEnd(25)} | ${ms.toFixed(1).padStart(18)}${ms < 50 ? '' : ' (over)'} | ${peerMs.padStart(14)}`);
}
const advMet = worst < 50;
console.log(`worst adversarial: ${worst.toFixed(1)} ms per MiB; goal < 50 ms: ${advMet ? 'met' : 'MISSED'}`);
ok &&= advMet;
console.log(ok ? 'all goals met' : 'GOALS NOT MET');
