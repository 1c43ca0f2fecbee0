import { describe, expect, it } from 'vitest';
import { formDefinitionSchema, scoreEvaluation, type FormDefinition } from './form.ts';

const form: FormDefinition = {
  sections: [
    {
      id: 'opening',
      title: 'Opening',
      questions: [
        { id: 'greeting', text: 'Greets with the client name', kind: 'yes_no', weight: 2, naAllowed: false, critical: false },
        { id: 'identity', text: 'Checks the caller identity', kind: 'yes_no', weight: 1, naAllowed: true, critical: true },
      ],
    },
    {
      id: 'handling',
      title: 'Handling',
      questions: [
        { id: 'solution', text: 'Offers a solution', kind: 'yes_no_partial', weight: 3, naAllowed: false, critical: false },
        { id: 'tone', text: 'Tone', kind: 'scale', scaleMax: 5, weight: 4, naAllowed: false, critical: false },
      ],
    },
  ],
};

describe('scoring an evaluation', () => {
  it('weighs points: yes 1, partial ½, no 0, scale (k−1)/(max−1); N/A is left out', () => {
    const r = scoreEvaluation(form, { greeting: { answer: 'yes' }, identity: { answer: 'na' }, solution: { answer: 'partial' }, tone: { answer: 4 } });
    // (2·1 + 3·0.5 + 4·0.75) / (2 + 3 + 4) = 6.5 / 9
    expect(r.score).toBe(72.22);
    expect(r.criticalFailed).toBe(false);
    expect(r.perQuestion).toEqual({ greeting: 1, identity: null, solution: 0.5, tone: 0.75 });
    expect(r.missing).toEqual([]);
  });

  it('zeros the score when a critical question fails, however good the rest', () => {
    const r = scoreEvaluation(form, { greeting: { answer: 'yes' }, identity: { answer: 'no' }, solution: { answer: 'yes' }, tone: { answer: 5 } });
    expect(r).toMatchObject({ score: 0, criticalFailed: true });
  });

  it('refuses N/A where not allowed, partial on a yes/no question, a scale value out of range and unknown questions', () => {
    const r = scoreEvaluation(form, { greeting: { answer: 'na' }, identity: { answer: 'partial' }, tone: { answer: 6 }, extra: { answer: 'yes' } });
    expect(r.invalid.map((i) => i.questionId).sort()).toEqual(['extra', 'greeting', 'identity', 'tone']);
    expect(r.missing).toEqual(['solution']);
  });

  it('rejects a form with a question id used twice or a scale without its maximum', () => {
    const twice = { sections: [{ id: 's', title: 'S', questions: [form.sections[0]!.questions[0]!, form.sections[0]!.questions[0]!] }] };
    expect(formDefinitionSchema.safeParse(twice).success).toBe(false);
    const noMax = { sections: [{ id: 's', title: 'S', questions: [{ id: 'q', text: 'Q', kind: 'scale', weight: 1, naAllowed: false, critical: false }] }] };
    expect(formDefinitionSchema.safeParse(noMax).success).toBe(false);
    expect(formDefinitionSchema.safeParse(form).success).toBe(true);
  });
});
