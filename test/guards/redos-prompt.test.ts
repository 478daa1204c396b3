/**
 * Safety of the prompt guard's regular expressions and of the scan as a whole:
 * every pattern is checked for catastrophic backtracking with `recheck`, and a
 * 2 MB adversarial input must not take disproportionately longer than 1 MB.
 */
import { check, type Parameters } from 'recheck';
import { describe, expect, it } from 'vitest';
import { adversarialInput } from './prompt-adversarial.js';
import { NEGATION_BEFORE, createPromptGuard } from '../../src/guards/prompt-guard.js';
import { PROMPT_AUXILIARY_PATTERNS, PROMPT_RULES } from '../../src/guards/prompt-rules.js';

// Fixed seed so a run is reproducible; fuzzing sizes reduced from recheck's
// defaults so ~120 patterns fit in about a minute on a busy 2-core machine.
const PARAMS: Parameters = {
  checker: 'fuzz',
  randomSeed: 1,
  maxAttackStringSize: 20_000,
  maxGeneStringSize: 400,
  maxIteration: 3,
  maxInitialGenerationSize: 100,
  maxGenerationSize: 50,
  timeout: 45_000,
};

const ALL: Array<[string, RegExp]> = [
  ...PROMPT_RULES.map((r): [string, RegExp] => [r.id, r.pattern]),
  ...Object.entries(PROMPT_AUXILIARY_PATTERNS).map(([k, v]): [string, RegExp] => [`aux.${k}`, v]),
  ['guard.negation', NEGATION_BEFORE],
];

describe('recheck: no catastrophic backtracking in any prompt-guard regex', () => {
  it('enumerates every built-in rule and auxiliary pattern', () => {
    expect(ALL.length).toBeGreaterThan(100);
    expect(new Set(ALL.map(([id]) => id)).size).toBe(ALL.length);
  });

  it.each(ALL)('%s is safe', async (_id, re) => {
    const d = await check(re.source, re.flags.replace(/[gy]/g, ''), PARAMS);
    expect(d.status, JSON.stringify(d).slice(0, 400)).toBe('safe');
  }, 60_000);
});

describe('scan time grows linearly', () => {
  it('2 MB of adversarial input takes less than 3.5x the time of 1 MB', () => {
    const guard = createPromptGuard({ maxInputLength: 3_000_000 });
    const one = adversarialInput(1_000_000);
    const two = adversarialInput(2_000_000);
    const median = (input: string): number => {
      const xs: number[] = [];
      for (let k = 0; k < 3; k += 1) {
        const t = performance.now();
        guard.scan(input);
        xs.push(performance.now() - t);
      }
      return xs.sort((a, b) => a - b)[1] ?? 0;
    };
    median(one); // warm-up
    const t1 = median(one);
    const t2 = median(two);
    // Linear would be ~2 (measured 2.0-2.7 on a loaded 2-core machine, GC
    // included); quadratic would be ~4. The bound sits between the two.
    expect(t2 / t1, `1 MB ${t1.toFixed(0)} ms, 2 MB ${t2.toFixed(0)} ms`).toBeLessThan(3.5);
  }, 60_000);
});
