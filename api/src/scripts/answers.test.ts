import { describe, expect, it } from 'vitest';
import { ScriptBodySchema, type AnswerSpec } from './model.ts';
import { parseAnswer } from './walk.ts';
import { answersSchemaFor, checkAnswers, completedWalk, isQuestionnaire, replayAnswers } from './answers.ts';
import { validateScript } from './validate.ts';

const spec = (answer: Partial<AnswerSpec> & Pick<AnswerSpec, 'type'>): AnswerSpec => ({ required: true, choices: [], min: null, max: null, ...answer });
const options = [{ value: 'taste', label: 'Taste' }, { value: 'speed', label: 'Speed' }, { value: 'price', label: 'Price' }];

describe('typed answers (the one definition the desk and the server share)', () => {
  it('checks scales, multiple choices and postcodes', () => {
    expect(parseAnswer(spec({ type: 'scale_0_10' }), '0')).toEqual({ ok: true, value: 0 });
    expect(parseAnswer(spec({ type: 'scale_0_10' }), 10)).toEqual({ ok: true, value: 10 });
    expect(parseAnswer(spec({ type: 'scale_0_10' }), 11)).toMatchObject({ ok: false, code: 'scale' });
    expect(parseAnswer(spec({ type: 'scale_1_5' }), 0)).toMatchObject({ ok: false, code: 'scale' });
    expect(parseAnswer(spec({ type: 'scale_1_5' }), '4.5')).toMatchObject({ ok: false, code: 'scale' });
    const multi = spec({ type: 'multi_choice', choices: options, min: 1, max: 2 });
    expect(parseAnswer(multi, ['speed', 'taste'])).toEqual({ ok: true, value: ['taste', 'speed'] });
    expect(parseAnswer(multi, 'Taste, price')).toEqual({ ok: true, value: ['taste', 'price'] });
    expect(parseAnswer(multi, ['taste', 'speed', 'price'])).toMatchObject({ ok: false, code: 'too_many_choices' });
    expect(parseAnswer(multi, ['nope'])).toMatchObject({ ok: false, code: 'choice' });
    expect(parseAnswer(multi, [])).toMatchObject({ ok: false, code: 'required' });
    expect(parseAnswer(spec({ type: 'postcode' }), ' sw1a  1aa ')).toEqual({ ok: true, value: 'SW1A 1AA' });
    expect(parseAnswer(spec({ type: 'postcode' }), '=cmd|x')).toMatchObject({ ok: false, code: 'postcode' });
    expect(parseAnswer(spec({ type: 'choice', choices: options }), ['taste'])).toMatchObject({ ok: false, code: 'choice' });
  });

  const body = ScriptBodySchema.parse({
    steps: [
      { id: 'nps', type: 'ask', text: 'Recommend?', answer: { type: 'scale_0_10' }, next: 'why' },
      { id: 'why', type: 'ask', text: 'Why?', answer: { type: 'text', required: false, max: 20 }, next: 'save' },
      { id: 'save', type: 'capture', captures: [{ target: 'survey.nps', from: 'nps' }], next: 'done' },
      { id: 'done', type: 'end', text: 'Thanks', disposition: 'done' },
    ],
  });

  it('lists every answer at fault, and replays the walk to tell a completed questionnaire', () => {
    expect(isQuestionnaire(body)).toBe(true);
    const { problems } = checkAnswers(body, { nps: 12, why: 'x'.repeat(21), ghost: 1 });
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['scriptAnswers.nps', 'scale'],
      ['scriptAnswers.why', 'text_too_long'],
      ['scriptAnswers.ghost', 'not_a_question'],
    ]);
    expect(completedWalk(replayAnswers(body, checkAnswers(body, { nps: 9 }).values))).toBe(true);
    expect(completedWalk(replayAnswers(body, checkAnswers(body, { why: 'late' }).values))).toBe(false);
    const parsed = answersSchemaFor(body).safeParse({ nps: '7' });
    expect(parsed.success && parsed.data).toEqual({ nps: 7 });
    expect(answersSchemaFor(body).safeParse({ nps: 'ten' }).success).toBe(false);
  });

  it("refuses a value longer than the customer field it goes into (the wrap-up would fail on every retry)", () => {
    const customer = ScriptBodySchema.parse({
      steps: [
        { id: 'name', type: 'ask', text: 'Name?', answer: { type: 'text' }, next: 'mail' },
        { id: 'mail', type: 'ask', text: 'E-mail?', answer: { type: 'email' }, next: 'save' },
        { id: 'save', type: 'capture', captures: [{ target: 'customer.name', from: 'name' }, { target: 'customer.email', from: 'mail' }], next: 'done' },
        { id: 'done', type: 'end', text: 'Thanks', disposition: 'done' },
      ],
    });
    const long = checkAnswers(customer, { name: 'N'.repeat(201), mail: `${'m'.repeat(250)}@x.fr` });
    expect(long.problems.map((p) => [p.path, p.code, p.params])).toEqual([
      ['scriptAnswers.name', 'text_too_long', { max: 200 }],
      ['scriptAnswers.mail', 'text_too_long', { max: 254 }],
    ]);
    expect(checkAnswers(customer, { name: 'N'.repeat(200), mail: 'a@b.fr' }).problems).toEqual([]);
  });

  it('stores a number going into a phone field in E.164, through the normaliser it is given, and refuses one that is no number', () => {
    const phones = ScriptBodySchema.parse({
      steps: [
        { id: 'phone', type: 'ask', text: 'Number?', answer: { type: 'text' }, next: 'friend' },
        { id: 'friend', type: 'ask', text: 'Friend?', answer: { type: 'text', required: false }, next: 'save' },
        { id: 'save', type: 'capture', captures: [{ target: 'customer.phone', from: 'phone' }, { target: 'lead.phone', from: 'friend' }], next: 'done' },
        { id: 'done', type: 'end', text: 'Thanks', disposition: 'done' },
      ],
    });
    const french = (v: string) => (v.replace(/\s/g, '') === '0612345678' ? '+33612345678' : null);
    expect(checkAnswers(phones, { phone: '06 12 34 56 78', friend: '+44 20 7946 0958' }, { phone: french })).toEqual({ values: { phone: '+33612345678', friend: '+442079460958' }, problems: [] });
    // Without the tenant's country, only a number written with its country code is one.
    expect(checkAnswers(phones, { phone: '06 12 34 56 78' }).problems.map((p) => [p.path, p.code])).toEqual([['scriptAnswers.phone', 'phone']]);
    expect(checkAnswers(phones, { phone: 'not a phone', friend: 'call me' }, { phone: french }).problems.map((p) => [p.path, p.code])).toEqual([
      ['scriptAnswers.phone', 'phone'],
      ['scriptAnswers.friend', 'phone'],
    ]);
  });

  it('refuses bounds on a type that takes none, and a scale rule value that is not a whole number', () => {
    const problems = validateScript(
      ScriptBodySchema.parse({
        steps: [
          { id: 'nps', type: 'ask', text: 'Recommend?', answer: { type: 'scale_0_10', max: 3 }, next: 'b' },
          { id: 'b', type: 'branch', rules: [{ step: 'nps', op: 'less_than', value: 'low', next: 'done' }], otherwise: 'done' },
          { id: 'done', type: 'end', text: 'Thanks', disposition: 'done' },
        ],
      }),
      { function: 'surveys', wrapUpCodes: [{ code: 'done', active: true }] },
    );
    expect(problems.map((p) => p.code)).toEqual(expect.arrayContaining(['boundsNotApplicable', 'scaleValue']));
  });
});
