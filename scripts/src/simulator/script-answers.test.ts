import { describe, expect, it } from 'vitest';
import { loadDemo } from '@switchboard/tenants';
import { captureTargetsOf, checkAnswers, completedWalk, isQuestionnaire, replayAnswers, ScriptBodySchema } from '@switchboard/api/scripts';
import { createRandom } from './random.ts';
import { answerScript } from './script-answers.ts';

const body = ScriptBodySchema.parse({
  steps: [
    { id: 'recommend', type: 'ask', text: 'Recommend?', answer: { type: 'scale_0_10' }, next: 'liked' },
    { id: 'liked', type: 'ask', text: 'Liked?', answer: { type: 'multi_choice', max: 2, choices: [{ value: 'taste', label: 'Taste' }, { value: 'speed', label: 'Speed' }, { value: 'price', label: 'Price' }] }, next: 'happy' },
    { id: 'happy', type: 'ask', text: 'Happy?', answer: { type: 'scale_1_5' }, next: 'again' },
    { id: 'again', type: 'ask', text: 'Again?', answer: { type: 'yes_no' }, next: 'name' },
    { id: 'name', type: 'ask', text: 'Name?', answer: { type: 'text', min: 2, max: 40 }, next: 'phone' },
    { id: 'phone', type: 'ask', text: 'Phone?', answer: { type: 'phone' }, next: 'zip' },
    { id: 'zip', type: 'ask', text: 'Postcode?', answer: { type: 'postcode', required: false }, next: 'when' },
    { id: 'when', type: 'ask', text: 'When?', answer: { type: 'date' }, next: 'done' },
    { id: 'done', type: 'end', text: 'Thanks', disposition: 'done' },
  ],
});

describe('floor bots answer scripts', () => {
  it('give answers that every fit their question and finish the script, leaning to satisfied callers', () => {
    const random = createRandom('answers');
    const scores: number[] = [];
    for (let i = 0; i < 300; i++) {
      const answers = answerScript(body, random, { callerNumber: '+33612345678', now: new Date('2026-12-05T10:00:00Z') });
      const { values, problems } = checkAnswers(body, answers);
      expect(problems).toEqual([]);
      expect(completedWalk(replayAnswers(body, values))).toBe(true);
      scores.push(answers.recommend as number);
    }
    const promoters = scores.filter((s) => s >= 9).length / scores.length;
    const detractors = scores.filter((s) => s <= 6).length / scores.length;
    expect(promoters).toBeGreaterThan(0.45);
    expect(detractors).toBeGreaterThan(0.03);
    expect(detractors).toBeLessThan(0.3);
  });

  it('answer every demo script so the server takes the wrap-up: the pizza survey completes, the bank collects leads', () => {
    const random = createRandom('demo');
    let surveys = 0;
    let leads = 0;
    for (const { definition } of loadDemo().tenants) {
      for (const [fn, raw] of Object.entries(definition.scripts ?? {})) {
        const script = ScriptBodySchema.parse(raw);
        for (let i = 0; i < 100; i++) {
          const answers = answerScript(script, random, { callerNumber: i % 2 ? '+33612345678' : '+33 6 •• •• •• 78', now: new Date('2026-12-05T10:00:00Z') });
          const { values, problems } = checkAnswers(script, answers);
          expect(problems, `${definition.tenant.slug} ${fn}`).toEqual([]);
          const walk = replayAnswers(script, values);
          if (isQuestionnaire(script) && completedWalk(walk)) surveys++;
          if (Object.keys(walk.captured).some((t) => t.startsWith('lead.'))) leads++;
        }
        expect(captureTargetsOf(script)).toBeInstanceOf(Map);
      }
    }
    expect(surveys).toBeGreaterThan(100);
    expect(leads).toBeGreaterThan(10);
  });
});
