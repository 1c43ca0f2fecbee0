import { describe, expect, it } from 'vitest';
import { ScriptBodySchema, type AnswerSpec } from './model.ts';
import { advance, fillVariables, parseAnswer, startWalk, type WalkState } from './walk.ts';
import { pizzaScript } from './test-fixtures.ts';

const script = ScriptBodySchema.parse(pizzaScript());

/** Answers the walk step by step (undefined moves past a say step) and fails on a refused answer. */
function run(state: WalkState, ...inputs: (string | boolean | undefined)[]): WalkState {
  for (const input of inputs) {
    const result = advance(script, state, input);
    if (!result.ok) throw new Error(result.message);
    state = result.state;
  }
  return state;
}

describe('walking a script', () => {
  it('starts at the first step and waits on say and ask steps', () => {
    const state = startWalk(script);
    expect(state).toMatchObject({ at: 'greet', outcome: null, trail: ['greet'] });
    expect(run(state, undefined).at).toBe('mode');
  });

  it('branches on a choice, captures the answers and ends with the disposition', () => {
    const state = run(startWalk(script), undefined, 'delivery', '2 Margherita', '12 rue de la Paix', 'yes');
    expect(state.trail).toEqual(['greet', 'mode', 'items', 'route', 'address', 'save', 'confirm', 'confirmed', 'done']);
    expect(state.captured).toEqual({ 'order.items': '2 Margherita', 'order.delivery_address': '12 rue de la Paix', 'order.fulfilment': 'delivery' });
    expect(state.outcome).toEqual({ kind: 'end', stepId: 'done', disposition: 'order_taken' });
  });

  it('takes the other way when no rule holds (pickup skips the address)', () => {
    const state = run(startWalk(script), undefined, 'Pickup', 'Calzone');
    expect(state.at).toBe('confirm');
    expect(state.trail).not.toContain('address');
    expect(state.captured['order.delivery_address']).toBeNull();
  });

  it('goes round a loop and keeps the latest answer', () => {
    const state = run(startWalk(script), undefined, 'pickup', 'Calzone', 'no');
    expect(state.at).toBe('items');
    const again = run(state, '1 Regina', 'oui');
    expect(again.captured['order.items']).toBe('1 Regina');
    expect(again.outcome?.kind).toBe('end');
  });

  it('refuses an invalid answer and stays where it was', () => {
    const state = run(startWalk(script), undefined);
    const result = advance(script, state, 'drone');
    expect(result).toEqual({ ok: false, code: 'choice', params: { choices: 'Delivery, Pickup' }, message: 'Pick one of: Delivery, Pickup.' });
    expect(advance(script, state, '')).toEqual({ ok: false, code: 'required', message: 'This question needs an answer.' });
  });

  it('cannot go past the end', () => {
    const state = run(startWalk(script), undefined, 'pickup', 'Calzone', 'yes');
    expect(advance(script, state)).toEqual({ ok: false, code: 'script_over', message: 'The script is over.' });
  });

  it('stops on a dead end of an unfinished draft, and on a loop that never asks anything', () => {
    const draft = ScriptBodySchema.parse({ steps: [{ id: 'a', type: 'say', text: 'Hi' }] });
    const state = run2(draft);
    expect(state.outcome).toEqual({ kind: 'stuck', stepId: 'a', code: 'no_next', params: { step: 'a' }, message: "Step 'a' does not say which step comes next." });
    const spin = ScriptBodySchema.parse({ steps: [{ id: 'x', type: 'branch', otherwise: 'y' }, { id: 'y', type: 'capture', next: 'x' }] });
    expect(startWalk(spin).outcome).toMatchObject({ kind: 'stuck', message: expect.stringMatching(/loop/) });
    expect(startWalk(ScriptBodySchema.parse({ steps: [] })).outcome).toMatchObject({ kind: 'stuck' });

    function run2(s: typeof draft) {
      const first = startWalk(s);
      const next = advance(s, first);
      if (!next.ok) throw new Error(next.message);
      return next.state;
    }
  });

  it('ends on a transfer with its target', () => {
    const transfer = ScriptBodySchema.parse({
      steps: [
        { id: 'lost', type: 'ask', text: 'Card lost?', answer: { type: 'yes_no' }, next: 'route' },
        { id: 'route', type: 'branch', rules: [{ step: 'lost', op: 'equals', value: true, next: 'fraud' }], otherwise: 'bye' },
        { id: 'fraud', type: 'transfer', to: { kind: 'in_house', label: 'Fraud desk', phone: '+4969123456' } },
        { id: 'bye', type: 'end', disposition: 'info_given' },
      ],
    });
    const result = advance(transfer, startWalk(transfer), 'ja');
    expect(result.ok && result.state.outcome).toEqual({ kind: 'transfer', stepId: 'fraud', to: { kind: 'in_house', label: 'Fraud desk', phone: '+4969123456' } });
  });

  it('compares numbers in branch rules', () => {
    const scored = ScriptBodySchema.parse({
      steps: [
        { id: 'score', type: 'ask', text: 'Score 1–10?', answer: { type: 'number', min: 1, max: 10 }, next: 'route' },
        { id: 'route', type: 'branch', rules: [{ step: 'score', op: 'less_than', value: 5, next: 'sorry' }], otherwise: 'thanks' },
        { id: 'sorry', type: 'end', disposition: 'unhappy' },
        { id: 'thanks', type: 'end', disposition: 'happy' },
      ],
    });
    const low = advance(scored, startWalk(scored), '3');
    expect(low.ok && low.state.outcome).toMatchObject({ disposition: 'unhappy' });
    const high = advance(scored, startWalk(scored), '9');
    expect(high.ok && high.state.outcome).toMatchObject({ disposition: 'happy' });
    expect(advance(scored, startWalk(scored), '11')).toEqual({ ok: false, code: 'number_too_big', params: { max: 10 }, message: 'Enter 10 or less.' });
  });
});

describe('parseAnswer', () => {
  const spec = (type: AnswerSpec['type'], extra: Partial<AnswerSpec> = {}): AnswerSpec => ({ type, required: true, choices: [], min: null, max: null, ...extra });
  it('checks and converts each answer type', () => {
    expect(parseAnswer(spec('number'), '4,5')).toEqual({ ok: true, value: 4.5 });
    expect(parseAnswer(spec('yes_no'), 'Nein')).toEqual({ ok: true, value: false });
    expect(parseAnswer(spec('yes_no'), 'да')).toEqual({ ok: true, value: true });
    expect(parseAnswer(spec('date'), '2026-02-30')).toMatchObject({ ok: false });
    expect(parseAnswer(spec('date'), '2026-02-28')).toEqual({ ok: true, value: '2026-02-28' });
    expect(parseAnswer(spec('phone'), '+33 6 12 34 56 78')).toEqual({ ok: true, value: '+33612345678' });
    expect(parseAnswer(spec('phone'), '06 12 34 56 78')).toMatchObject({ ok: false });
    expect(parseAnswer(spec('email'), 'A@Example.com')).toEqual({ ok: true, value: 'a@example.com' });
    expect(parseAnswer(spec('email'), 'nope')).toMatchObject({ ok: false });
    expect(parseAnswer(spec('text', { min: 3 }), 'ab')).toMatchObject({ ok: false });
    expect(parseAnswer(spec('text', { required: false }), ' ')).toEqual({ ok: true, value: null });
  });

  it('says why an answer is refused with a stable code and the values its sentence names', () => {
    expect(parseAnswer(spec('text', { min: 3 }), 'ab')).toEqual({ ok: false, code: 'text_too_short', params: { min: 3 }, message: 'Enter at least 3 characters.' });
    expect(parseAnswer(spec('number', { max: 10 }), '12')).toMatchObject({ ok: false, code: 'number_too_big', params: { max: 10 } });
    expect(parseAnswer(spec('text'), '')).toMatchObject({ ok: false, code: 'required' });
    expect(parseAnswer(spec('yes_no'), 'peut-être')).toMatchObject({ ok: false, code: 'yes_no' });
  });
});

describe('fillVariables', () => {
  it('fills known values and answers, and leaves the rest visible', () => {
    expect(fillVariables('{{tenant.name}}: {{answers.items}} / {{answers.ok}} / {{caller.name}}', { 'tenant.name': 'Pizza Napoli' }, { items: '2 pizzas', ok: true })).toBe(
      'Pizza Napoli: 2 pizzas / yes / {{caller.name}}',
    );
  });
});
