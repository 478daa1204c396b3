import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeForMatching, toWordView } from '../../src/guards/normalize.js';
import { buildAnchorIndex, candidateRules, leadingWords } from '../../src/guards/prompt-anchors.js';
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
