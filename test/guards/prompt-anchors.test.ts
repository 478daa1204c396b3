import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeForMatching, toWordView } from '../../src/guards/normalize.js';
import { anchorsArePositional, buildAnchorIndex, candidatePlan, candidateRules, leadingWords } from '../../src/guards/prompt-anchors.js';
import { PROMPT_RULES } from '../../src/guards/prompt-rules.js';

describe('leadingWords', () => {
  it('extracts complete first words, recursing into groups', () => {
    expect(leadingWords(String.raw`\b(?:ignore|forget) all\b`)).toEqual(['ignore', 'forget']);
    expect(leadingWords(String.raw`\b(?:(?:you are|you re) now|from now on)\b`)).toEqual(['you', 'you', 'from']);
    expect(leadingWords(String.raw`\bdo anything now\b`)).toEqual(['do']);
  });

  it('gives up (rule always runs) when the first word is not pinned', () => {
    expect(leadingWords(String.raw`\b(?:the )?previous`)).toBeNull();
    expect(leadingWords(String.raw`\b(?:open ?ai|chat ?gpt)\b`)).toBeNull();
    expect(leadingWords(String.raw`\b\w{2,20} mode`)).toBeNull();
    expect(leadingWords(String.raw`\bjail(?:break|broken)`)).toBeNull();
  });
});

describe('anchor gating never drops a match of a built-in word rule', () => {
  const wordRules = PROMPT_RULES.filter((r) => r.view === 'words');
  const index = buildAnchorIndex(wordRules.map((r) => r.pattern.source));
  // Vocabulary: every anchor word plus the words that follow them in rule phrases.
  const vocab = [...new Set(wordRules.flatMap((r) => r.pattern.source.match(/[a-z]{2,}/g) ?? []))];

  it('property: if a rule matches the word view, it is a candidate', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 30 }), (words) => {
        const w = toWordView(normalizeForMatching(words.join(' '))).text;
        const picked = new Set(candidateRules(index, w));
        wordRules.forEach((r, i) => {
          const re = new RegExp(r.pattern.source, 'g');
          if (re.test(w)) expect(picked.has(i), `${r.id} on "${w}"`).toBe(true);
        });
      }),
      { numRuns: 400 },
    );
  });
});

describe('positional anchors', () => {
  it('accepts only patterns whose matches start at a whole anchor word', () => {
    expect(anchorsArePositional(String.raw`\b(?:ignore|forget) all\b`)).toBe(true);
    expect(anchorsArePositional(String.raw`\b(?:(?:you are|you re) now|from now on)\b`)).toBe(true);
    expect(anchorsArePositional(String.raw`\b(?:ignore|forget)s? all`)).toBe(false);
    expect(anchorsArePositional(String.raw`\b(?:god|evil)(?:[ _-]?)mode\b`)).toBe(false);
    expect(anchorsArePositional(String.raw`\b(?:you|we) ?are`)).toBe(false);
    expect(anchorsArePositional(String.raw`\bignore all|\bforget it`)).toBe(false);
    expect(anchorsArePositional(String.raw`(?:ignore|forget) all`)).toBe(false);
    expect(anchorsArePositional(String.raw`\b(?:the )?previous`)).toBe(false);
  });

  const wordRules = PROMPT_RULES.filter((r) => r.view === 'words');
  const index = buildAnchorIndex(wordRules.map((r) => r.pattern.source));
  const vocab = [...new Set(wordRules.flatMap((r) => r.pattern.source.match(/[a-z]{2,}/g) ?? []))];
  const all = (re: RegExp, s: string): string[] => {
    const out: string[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      out.push(`${m.index}:${m[0]}`);
      if (m[0].length === 0) re.lastIndex += 1;
    }
    return out;
  };

  it('property: the plan picks the same rules as candidateRules, and sticky tries at its offsets find exactly the global matches', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocab, 's', 'ing', 'x'), { minLength: 1, maxLength: 30 }), fc.array(fc.constantFrom(' ', '', ', ', "'"), { minLength: 30, maxLength: 30 }), (words, seps) => {
        const w = toWordView(normalizeForMatching(words.map((x, i) => `${x}${seps[i] ?? ' '}`).join(''))).text;
        const plan = candidatePlan(index, w);
        expect(plan.rules).toEqual(candidateRules(index, w));
        plan.rules.forEach((ri, k) => {
          const starts = plan.starts[k];
          if (starts === undefined) return;
          const r = wordRules[ri];
          if (r === undefined) return;
          const sticky = new RegExp(r.pattern.source, 'y');
          const got: string[] = [];
          let from = 0;
          for (const p of starts) {
            if (p < from) continue;
            sticky.lastIndex = p;
            const m = sticky.exec(w);
            if (m === null) continue;
            got.push(`${m.index}:${m[0]}`);
            from = m.index + Math.max(1, m[0].length);
          }
          expect(got, `${r.id} on "${w}"`).toEqual(all(new RegExp(r.pattern.source, 'g'), w));
        });
      }),
      { numRuns: 400 },
    );
  });
});
