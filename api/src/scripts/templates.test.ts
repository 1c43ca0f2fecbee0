import { describe, expect, it } from 'vitest';
import { callFunctionIds } from '@switchboard/db/call-functions';
import { requiredCaptures, scriptVariables, variablesIn } from './model.ts';
import { scriptTemplates, templateFor, templatesIn } from './templates.ts';
import { templateWords } from './template-words.ts';
import { opensWithGreeting, validateScript } from './validate.ts';
import { startWalk, advance } from './walk.ts';

describe('script templates', () => {
  it('offers one template per call-center function', () => {
    expect(scriptTemplates.map((t) => t.function)).toEqual(callFunctionIds);
  });

  it.each(scriptTemplates.map((t) => [t.function, t] as const))('%s passes the publish check with only its own wrap-up codes', (_fn, template) => {
    const wrapUpCodes = template.wrapUpCodes.map((c) => ({ code: c.code, active: true }));
    expect(validateScript(template.body, { function: template.function, wrapUpCodes })).toEqual([]);
    // …and fails it without them, naming the end steps that need them.
    const without = validateScript(template.body, { function: template.function, wrapUpCodes: [] });
    expect(without.length).toBeGreaterThan(0);
    expect(without.every((p) => p.path.endsWith('.disposition'))).toBe(true);
    // Every code it names is used by an end step, and every end step's code is listed.
    const used = new Set(template.body.steps.flatMap((s) => (s.type === 'end' && s.disposition ? [s.disposition] : [])));
    expect([...used].sort()).toEqual(template.wrapUpCodes.map((c) => c.code).sort());
  });

  it('opens inbound calls with the company’s greeting (the desk’s one greeting), then the operator’s name', () => {
    for (const fn of ['order_taking', 'information', 'complaints', 'data_entry'] as const) {
      const first = templateFor(fn)!.body.steps[0]!;
      expect(first.type).toBe('say');
      expect('text' in first && variablesIn(first.text)).toEqual(['tenant.greeting', 'operator.firstName']);
      expect('text' in first && opensWithGreeting(first.text)).toBe(true);
    }
  });

  it('captures what each function’s record requires', () => {
    for (const [fn, rules] of Object.entries(requiredCaptures)) {
      const targets = templateFor(fn as never)!.body.steps.flatMap((s) => (s.type === 'capture' ? s.captures.map((c) => c.target) : []));
      for (const rule of rules) expect(targets.some(rule.matches), `${fn}: ${rule.message}`).toBe(true);
    }
    const complaint = templateFor('complaints')!.body.steps.flatMap((s) => (s.type === 'capture' ? s.captures.map((c) => c.target) : []));
    expect(complaint).toContain('complaint.severity');
  });

  it('walks the order template from greeting to the order taken', () => {
    const { body } = templateFor('order_taking')!;
    let state = startWalk(body);
    for (const answer of [undefined, 'Claire', 'pickup', '2 Margherita', true]) {
      const moved = advance(body, state, answer);
      if (!moved.ok) throw new Error(moved.message);
      state = moved.state;
    }
    expect(state.captured).toMatchObject({ 'customer.name': 'Claire', 'order.fulfilment': 'pickup', 'order.items': '2 Margherita' });
    expect(state.outcome).toEqual({ kind: 'end', stepId: 'close', disposition: 'order_taken' });
  });

  it('names only variables the editor lists', () => {
    const known = new Set(scriptVariables.map((v) => v.name));
    for (const t of scriptTemplates) {
      for (const step of t.body.steps) {
        for (const name of 'text' in step ? variablesIn(step.text) : []) expect(known.has(name) || name.startsWith('answers.'), `${t.function}: ${name}`).toBe(true);
      }
    }
  });

  it('speaks French and German: every word written, the same flow, still passing the publish check', () => {
    for (const [language, words] of Object.entries(templateWords)) {
      const translated = templatesIn(language as 'fr' | 'de');
      for (const [i, t] of translated.entries()) {
        const english = scriptTemplates[i]!;
        const w = words![t.function];
        expect(t.name, `${language} ${t.function}`).toBe(w.name);
        // the same steps in the same order, with the same links, captures and codes; only words differ
        expect(t.body.steps.map((s) => [s.id, s.type])).toEqual(english.body.steps.map((s) => [s.id, s.type]));
        expect(t.wrapUpCodes.map((c) => c.code)).toEqual(english.wrapUpCodes.map((c) => c.code));
        for (const [k, step] of t.body.steps.entries()) {
          const before = english.body.steps[k]!;
          // every English text and choice has its translation (none is left in English by mistake)
          if ('text' in before && before.text) expect(w.text[before.id], `${language} ${t.function}.${before.id}`).toBeDefined();
          if (before.type === 'ask' && step.type === 'ask') {
            for (const c of before.answer.choices) expect(w.choices?.[before.id]?.[c.value], `${language} ${t.function}.${before.id}.${c.value}`).toBeDefined();
            expect(step.answer.choices.map((c) => c.value)).toEqual(before.answer.choices.map((c) => c.value));
          }
          // the variables are the English ones (same answers, same greeting first)
          if ('text' in step && 'text' in before) expect(variablesIn(step.text).sort()).toEqual(variablesIn(before.text).sort());
        }
        const wrapUpCodes = t.wrapUpCodes.map((c) => ({ code: c.code, active: true }));
        expect(validateScript(t.body, { function: t.function, wrapUpCodes }), `${language} ${t.function}`).toEqual([]);
      }
    }
    expect(templateFor('order_taking')!.body.steps[1]).toMatchObject({ text: 'May I have your name, please?' });
    expect(templatesIn('fr').find((t) => t.function === 'order_taking')!.body.steps[1]).toMatchObject({ text: 'Puis-je avoir votre nom, s’il vous plaît ?' });
    // A language with no words yet gets the English templates.
    expect(templatesIn('ru')).toBe(scriptTemplates);
    expect(templatesIn(null)).toBe(scriptTemplates);
  });
});
