/**
 * Safety of the PII redactor against regular-expression denial of service:
 *  1. every regular expression the detectors (and restore) use is analysed by
 *     `recheck` and must be reported safe;
 *  2. on adversarial inputs the redactor runs in linear time: quadrupling the
 *     input (256 KiB -> 1 MiB) must not cost more than ~10x (linear is 4x,
 *     quadratic would be 16x). Absolute figures are in bench/guards-pii.bench.ts.
 */
import { check } from 'recheck';
import { describe, expect, it } from 'vitest';
import { detectorPatterns } from '../../src/guards/detectors/index.js';
import { PSEUDONYM_TOKEN } from '../../src/guards/redact-replacements.js';
import { createPiiRedactor } from '../../src/guards/pii-redactor.js';
import { ADVERSARIAL_INPUTS } from './pii-adversarial.js';

// Step-count limits only (no wall-clock limits), fixed seed: the verdict must not depend on machine load.
const RECHECK_PARAMS = {
  timeout: 120_000,
  attackTimeout: null,
  incubationTimeout: null,
  seedingTimeout: null,
  recallTimeout: null,
  randomSeed: 42,
} as const;

describe('recheck: every detector regex is ReDoS-safe', () => {
  const patterns = [...detectorPatterns(), { detector: 'restore', pattern: PSEUDONYM_TOKEN }];

  it('enumerates the detectors\' patterns', () => {
    expect(new Set(patterns.map((p) => p.detector))).toEqual(
      new Set(['secrets', 'url-credentials', 'iban', 'cards', 'ssn', 'ip', 'phone', 'restore']),
    );
    // The email detector is regex-free (it walks from each @), hence absent here.
    expect(patterns.length).toBeGreaterThan(40);
  });

  it(
    'all patterns are reported safe',
    async () => {
      const queue = [...patterns];
      const verdicts: Array<{ detector: string; source: string; status: string }> = [];
      // Three checks at a time: the suite stays well under a minute on a 2-core machine.
      await Promise.all(
        [0, 1, 2].map(async () => {
          for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
            // Sticky patterns are checked as sticky (anchored at lastIndex), global ones as unanchored searches.
            const d = await check(p.pattern.source, p.pattern.flags.replace('g', ''), RECHECK_PARAMS);
            verdicts.push({ detector: p.detector, source: p.pattern.source, status: d.status });
          }
        }),
      );
      expect(verdicts.filter((v) => v.status !== 'safe')).toEqual([]);
      expect(verdicts).toHaveLength(patterns.length);
    },
    180_000,
  );
});

describe('linear time on adversarial input', () => {
  const redactor = createPiiRedactor({ mode: 'pseudonym', maxSessionEntries: 10_000_000 });
  const SMALL = 256 * 1024;
  const LARGE = 1024 * 1024;

  /**
   * CPU time per redact call (this process only, so other processes' load does not count):
   * batches of at least 25 ms, best of three batches.
   */
  function perCall(text: string): number {
    let best = Number.POSITIVE_INFINITY;
    for (let batch = 0; batch < 3; batch += 1) {
      let calls = 0;
      const c0 = process.cpuUsage();
      let elapsed = 0;
      do {
        redactor.reset();
        redactor.redact(text);
        calls += 1;
        const c = process.cpuUsage(c0);
        elapsed = (c.user + c.system) / 1000;
      } while (elapsed < 25);
      best = Math.min(best, elapsed / calls);
    }
    return best;
  }

  it.each(ADVERSARIAL_INPUTS.map((a) => [a.name, a] as const))(
    '%s: 4x the input costs < 10x the time',
    (_name, input) => {
      const small = input.make(SMALL);
      const large = input.make(LARGE);
      expect(small).toHaveLength(SMALL);
      expect(large).toHaveLength(LARGE);
      redactor.redact(small); // warm up
      const ts = perCall(small);
      const tl = perCall(large);
      expect(tl / ts).toBeLessThan(10);
    },
    60_000,
  );
});
