import { describe, expect, it } from 'vitest';
import { ScriptBodySchema, type Step } from './model.ts';
import { goesToFollowing, insertStep } from './edit.ts';

const steps = (input: unknown[]): Step[] => ScriptBodySchema.parse({ steps: input }).steps;
const say = (id: string, next: string | null = null): Step => steps([{ id, type: 'say', text: id, next }])[0]!;
const nexts = (list: Step[]) => list.map((s) => `${s.id}→${'next' in s ? s.next : s.type === 'branch' ? `[${s.rules.map((r) => r.next).join(',')}|${s.otherwise}]` : '.'}`);

describe('insertStep links a new step into the flow', () => {
  it('appended after a step with no next yet: the previous step goes to it', () => {
    const result = insertStep([say('greet')], 1, say('ask_name'));
    expect(nexts(result)).toEqual(['greet→ask_name', 'ask_name→null']);
    expect(goesToFollowing(result, 0)).toBe(true);
    expect(goesToFollowing(result, 1)).toBe(false);
  });

  it('inserted between two linked steps: previous → new → the step that followed', () => {
    const result = insertStep([say('greet', 'close'), ...steps([{ id: 'close', type: 'end', disposition: 'done' }])], 1, say('hold'));
    expect(nexts(result)).toEqual(['greet→hold', 'hold→close', 'close→.']);
  });

  it('keeps a jump elsewhere, a branch and an end as they were', () => {
    const jump = insertStep([say('a', 'c'), say('b', 'c'), say('c')], 1, say('new'));
    expect(nexts(jump)).toEqual(['a→c', 'new→null', 'b→c', 'c→null']);

    const branching = steps([
      { id: 'q', type: 'ask', text: 'Q?', answer: { type: 'yes_no' }, next: 'route' },
      { id: 'route', type: 'branch', rules: [{ step: 'q', op: 'equals', value: true, next: 'q' }], otherwise: null },
    ]);
    expect(nexts(insertStep(branching, 2, say('after')))).toEqual(['q→route', 'route→[q|null]', 'after→null']);

    const ended = steps([{ id: 'done', type: 'end', disposition: 'x' }]);
    expect(nexts(insertStep(ended, 1, say('after')))).toEqual(['done→.', 'after→null']);
  });

  it('a new first step leads to the old start', () => {
    expect(nexts(insertStep([say('greet')], 0, say('intro')))).toEqual(['intro→greet', 'greet→null']);
  });

  it('does not change the list it was given', () => {
    const before = [say('greet')];
    insertStep(before, 1, say('next'));
    expect(nexts(before)).toEqual(['greet→null']);
  });
});
