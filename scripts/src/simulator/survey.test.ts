import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';
import { answerSurvey, type SurveyQuestion } from './survey.ts';

const questions: SurveyQuestion[] = [
  { id: 'satisfaction', prompt: 'How satisfied…', digits: ['1', '2', '3', '4', '5'] },
  { id: 'solved', prompt: 'Solved?', digits: ['1', '2'] },
];

describe('a simulated caller answering the satisfaction survey', () => {
  const answers = Array.from({ length: 2000 }, (_, i) => answerSurvey(createRandom(42).fork(`survey/${i}`), questions));

  it('answers like callers do: most 4 or 5, some low, some hang up without answering', () => {
    const scores = answers.map((a) => a.satisfaction).filter((s): s is string => !!s);
    const share = (n: number, of: number) => n / of;
    expect(share(answers.length - scores.length, answers.length)).toBeGreaterThan(0.08);
    expect(share(answers.length - scores.length, answers.length)).toBeLessThan(0.16);
    expect(share(scores.filter((s) => s === '4' || s === '5').length, scores.length)).toBeGreaterThan(0.65);
    expect(scores.filter((s) => s === '1' || s === '2').length).toBeGreaterThan(0);
    expect(new Set(scores)).toEqual(new Set(['1', '2', '3', '4', '5']));
    for (const a of answers) if (a.solved) expect(['1', '2']).toContain(a.solved);
    expect(answers.some((a) => a.satisfaction && !a.solved)).toBe(true);
  });

  it('answers the same for the same seed, and only the questions asked', () => {
    const again = Array.from({ length: 2000 }, (_, i) => answerSurvey(createRandom(42).fork(`survey/${i}`), questions));
    expect(again).toEqual(answers);
    const scoreOnly = answerSurvey(createRandom(7).fork('survey/1'), questions.slice(0, 1));
    expect(scoreOnly.solved).toBeUndefined();
  });
});
