import { describe, expect, it } from 'vitest';
import { ScriptBodySchema, type ScriptBody, type ScriptBodyInput } from './model.ts';
import { scriptProblemCodes, validateScript, type ValidationContext } from './validate.ts';
import { diffScripts } from './diff.ts';
import { pizzaScript } from './test-fixtures.ts';

const codes = [
  { code: 'order_taken', active: true },
  { code: 'no_order', active: true },
  { code: 'old_code', active: false },
];
const orderContext: ValidationContext = { function: 'order_taking', wrapUpCodes: codes };

const parse = (input: ScriptBodyInput): ScriptBody => ScriptBodySchema.parse(input);
/** The pizza script with one change made to a copy. */
function changed(edit: (s: ScriptBodyInput & { steps: any[] }) => void): ScriptBody {
  const script = structuredClone(pizzaScript()) as ScriptBodyInput & { steps: any[] };
  edit(script);
  return parse(script);
}
/** The problems as path and English message; the codes are checked on their own below. */
const problemsOf = (script: ScriptBody, context: ValidationContext = orderContext) => validateScript(script, context).map(({ path, message }) => ({ path, message }));

describe('validateScript', () => {
  it('accepts a valid script, with a loop that has a way out', () => {
    expect(problemsOf(parse(pizzaScript()))).toEqual([]);
  });

  it('refuses an empty script', () => {
    expect(problemsOf(parse({ steps: [] }))).toEqual([{ path: 'steps', message: expect.stringMatching(/no steps/) }]);
  });

  it('reports a next pointer to a missing step with its path', () => {
    const script = changed((s) => (s.steps[2].next = 'nowhere'));
    expect(problemsOf(script)).toContainEqual({ path: 'steps[2].next', message: "Step 'nowhere' does not exist." });
  });

  it('reports unset pointers in a draft', () => {
    const script = changed((s) => {
      s.steps[0].next = null;
      s.steps[3].otherwise = null;
      s.steps[3].rules[0].next = null;
    });
    const paths = problemsOf(script).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['steps[0].next', 'steps[3].otherwise', 'steps[3].rules[0].next']));
  });

  it('reports steps that cannot be reached from the start', () => {
    const script = changed((s) => s.steps.splice(8, 0, { id: 'orphan', type: 'say', text: 'Hello?', next: 'done' }));
    expect(problemsOf(script)).toEqual([{ path: 'steps[8]', message: expect.stringMatching(/'orphan' cannot be reached/) }]);
  });

  it('reports a loop with no way out, on every step of the loop', () => {
    const script = parse({
      steps: [
        { id: 'a', type: 'say', text: 'A', next: 'b' },
        { id: 'b', type: 'ask', text: 'B?', answer: { type: 'text' }, next: 'a' },
        { id: 'end', type: 'end', disposition: 'no_order' },
      ],
    });
    const problems = problemsOf(script, { function: 'information', wrapUpCodes: codes });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'steps[0]', message: expect.stringMatching(/loop with no way out/) },
        { path: 'steps[1]', message: expect.stringMatching(/loop with no way out/) },
        { path: 'steps[2]', message: expect.stringMatching(/cannot be reached/) },
      ]),
    );
  });

  it('reports a script with no end at all', () => {
    const script = parse({ steps: [{ id: 'a', type: 'say', text: 'A', next: 'a' }] });
    const problems = problemsOf(script, { function: 'information', wrapUpCodes: codes });
    expect(problems).toEqual(expect.arrayContaining([{ path: 'steps', message: expect.stringMatching(/never ends/) }]));
  });

  it('reports duplicate step names', () => {
    const script = changed((s) => (s.steps[4].id = 'items'));
    expect(problemsOf(script)).toContainEqual({ path: 'steps[4].id', message: expect.stringMatching(/already used by step 3/) });
  });

  it('reports unknown variables and answers of missing or non-question steps', () => {
    const script = changed((s) => (s.steps[0].text = '{{tenant.greeting}} Hi {{caller.shoe_size}} {{answers.nope}} {{answers.greet}} {{ tenant.name }}'));
    const messages = problemsOf(script).filter((p) => p.path === 'steps[0].text').map((p) => p.message);
    expect(messages).toEqual([
      'Unknown variable {{caller.shoe_size}}; pick one from the list of variables.',
      "{{answers.nope}} refers to step 'nope', which does not exist.",
      "{{answers.greet}} refers to step 'greet', which is not a question.",
    ]);
  });

  it("refuses a script whose opening words are not the company's greeting, so the desk and the script never disagree", () => {
    const script = changed((s) => (s.steps[0].text = 'Pizza Napoli, bonjour !'));
    expect(problemsOf(script)).toEqual([{ path: 'steps[0].text', message: expect.stringMatching(/^Start the first step with \{\{tenant\.greeting\}\}/) }]);
    expect(problemsOf(changed((s) => (s.steps[0].text = '  {{ tenant.greeting }} En ce moment : {{promotions.active}}')))).toEqual([]);
    // A script that opens with a question has no words of its own to contradict the greeting.
    expect(problemsOf(changed((s) => s.steps.splice(0, 1)))).not.toContainEqual(expect.objectContaining({ path: 'steps[0].text' }));
    // An outbound call opens with the operator's introduction, not the inbound greeting.
    expect(problemsOf(script, { ...orderContext, function: 'telesales' })).not.toContainEqual(expect.objectContaining({ path: 'steps[0].text' }));
  });

  it('reports empty texts of say and ask steps', () => {
    const script = changed((s) => ((s.steps[0].text = '  '), (s.steps[1].text = '')));
    expect(problemsOf(script).map((p) => p.path)).toEqual(['steps[0].text', 'steps[1].text']);
  });

  it('reports branch values that the question does not offer', () => {
    const script = changed((s) => (s.steps[3].rules[0].value = 'drone'));
    expect(problemsOf(script)).toEqual([
      { path: 'steps[3].rules[0].value', message: "'drone' is not one of the choices of 'mode' (delivery, pickup)." },
    ]);
  });

  it('reports branch rules on non-questions, yes/no compared with text, ordered choice tests and missing values', () => {
    const script = changed((s) => {
      s.steps[3].rules.push({ step: 'greet', op: 'answered', next: 'save' });
      s.steps[3].rules.push({ step: 'mode', op: 'greater_than', value: 'pickup', next: 'save' });
      s.steps[3].rules.push({ step: 'items', op: 'equals', value: null, next: 'save' });
      s.steps[7].rules[0].value = 'no';
    });
    expect(problemsOf(script)).toEqual([
      { path: 'steps[3].rules[1].step', message: expect.stringMatching(/'greet' is not a question/) },
      { path: 'steps[3].rules[2].op', message: expect.stringMatching(/Choices cannot be compared/) },
      { path: 'steps[3].rules[3].value', message: 'Enter the answer this rule compares with.' },
      { path: 'steps[7].rules[0].value', message: expect.stringMatching(/yes\/no question/) },
    ]);
  });

  it('reports a branch with no rules', () => {
    const script = changed((s) => (s.steps[3].rules = []));
    expect(problemsOf(script)).toEqual([
      { path: 'steps[3].rules', message: expect.stringMatching(/at least one rule/) },
      { path: 'steps[4]', message: expect.stringMatching(/'address' cannot be reached/) },
    ]);
  });

  it('reports choice questions with too few or repeated choices, and bounds the wrong way round', () => {
    const script = changed((s) => {
      s.steps[1].answer.choices = [{ value: 'delivery', label: 'Delivery' }, { value: 'delivery', label: '' }];
      s.steps[2].answer = { type: 'number', min: 5, max: 1 };
    });
    expect(problemsOf(script).map((p) => p.path)).toEqual(
      expect.arrayContaining(['steps[1].answer.choices[1].value', 'steps[1].answer.choices[1].label', 'steps[2].answer.max']),
    );
    const few = changed((s) => (s.steps[1].answer.choices = [{ value: 'delivery', label: 'Delivery' }]));
    expect(problemsOf(few)).toContainEqual({ path: 'steps[1].answer.choices', message: 'Offer at least two choices.' });
  });

  it('reports captures into unknown fields, from missing questions, and of the wrong answer type', () => {
    const script = changed((s) => {
      s.steps[5].captures.push({ target: 'order.colour', from: 'items' });
      s.steps[5].captures.push({ target: 'order.notes', from: 'ghost' });
      s.steps[5].captures.push({ target: 'customer.email', from: 'confirm' });
      s.steps[5].captures.push({ target: 'survey.mood', from: null });
    });
    expect(problemsOf(script)).toEqual([
      { path: 'steps[5].captures[3].target', message: "Unknown field 'order.colour'; pick one from the list of fields." },
      { path: 'steps[5].captures[4].from', message: "Step 'ghost' does not exist." },
      { path: 'steps[5].captures[5].from', message: expect.stringMatching(/takes a email or text answer, but 'confirm' asks for yes_no/) },
      { path: 'steps[5].captures[6].from', message: 'Choose the question to take the answer from.' },
    ]);
  });

  it('gives every problem a stable code and the values its sentence names, for the portal to translate', () => {
    const script = changed((s) => {
      s.steps[5].captures.push({ target: 'order.colour', from: 'items' });
      s.steps[5].captures.push({ target: 'customer.email', from: 'confirm' });
      s.steps[0].next = 'nowhere';
    });
    const coded = validateScript(script, orderContext).map(({ path, code, params }) => ({ path, code, params }));
    expect(coded).toEqual(
      expect.arrayContaining([
        { path: 'steps[0].next', code: 'unknownStep', params: { id: 'nowhere' } },
        { path: 'steps[5].captures[3].target', code: 'unknownField', params: { field: 'order.colour' } },
        { path: 'steps[5].captures[4].from', code: 'captureType', params: { field: 'customer.email', expected: ['email', 'text'], id: 'confirm', actual: 'yes_no' } },
      ]),
    );
    expect(validateScript(parse({ steps: [] }), orderContext)).toEqual([{ path: 'steps', message: expect.stringMatching(/no steps/), code: 'noSteps', params: {} }]);
    // every code the check can give is one the schema lists (the portal has a sentence for each)
    expect(coded.every((p) => scriptProblemCodes.includes(p.code))).toBe(true);
  });

  it('reports end steps whose disposition is unknown, retired or missing', () => {
    const script = changed((s) => {
      s.steps.push({ id: 'e2', type: 'end', disposition: 'old_code' }, { id: 'e3', type: 'end', disposition: null });
      s.steps[8].disposition = 'made_up';
      s.steps[7].rules.push({ step: 'confirm', op: 'not_answered', next: 'e2' }, { step: 'confirm', op: 'answered', next: 'e3' });
    });
    expect(problemsOf(script)).toEqual([
      { path: 'steps[8].disposition', message: "'made_up' is not one of the company's wrap-up codes." },
      { path: 'steps[9].disposition', message: "Wrap-up code 'old_code' is retired; choose an active one." },
      { path: 'steps[10].disposition', message: 'Choose the wrap-up code the call ends with.' },
    ]);
  });

  it("reports a function's required captures", () => {
    const noItems = changed((s) => s.steps[5].captures.splice(0, 1));
    expect(problemsOf(noItems)).toEqual([{ path: 'steps', message: expect.stringMatching(/at least one item/) }]);
    const complaint = problemsOf(parse(pizzaScript()), { function: 'complaints', wrapUpCodes: codes }).map((p) => p.message);
    expect(complaint).toEqual([expect.stringMatching(/complaint category/), expect.stringMatching(/complaint description/)]);
    expect(problemsOf(parse(pizzaScript()), { function: 'surveys', wrapUpCodes: codes })).toEqual([
      { path: 'steps', message: expect.stringMatching(/survey answer/) },
    ]);
    expect(problemsOf(parse(pizzaScript()), { function: 'information', wrapUpCodes: codes })).toEqual([]);
  });

  it('lists every problem at once', () => {
    const script = changed((s) => {
      s.steps[0].next = 'missing';
      s.steps[3].rules[0].value = 'drone';
      s.steps[8].disposition = 'made_up';
    });
    expect(problemsOf(script).length).toBeGreaterThanOrEqual(3 + 1);
  });

  it('accepts a transfer as the way out', () => {
    const script = parse({
      steps: [
        { id: 'hello', type: 'say', text: '{{tenant.greeting}}', next: 'fraud' },
        { id: 'fraud', type: 'transfer', text: 'I am putting you through.', to: { kind: 'in_house', label: 'Fraud desk', phone: '+4969123456' } },
      ],
    });
    expect(problemsOf(script, { function: 'information', wrapUpCodes: codes })).toEqual([]);
  });
});

describe('ScriptBodySchema', () => {
  it('accepts an incomplete draft and fills the defaults', () => {
    const draft = parse({ steps: [{ id: 'a', type: 'say' }, { id: 'b', type: 'ask', answer: { type: 'text' } }] });
    expect(draft.steps[0]).toEqual({ id: 'a', type: 'say', text: '', next: null });
    expect(draft.steps[1]).toMatchObject({ answer: { required: true, choices: [], min: null, max: null }, next: null });
  });

  it('refuses a wrong shape: bad ids, unknown types or keys, bad phone numbers', () => {
    const result = ScriptBodySchema.safeParse({
      steps: [
        { id: 'Bad Id', type: 'say' },
        { id: 'x', type: 'dance' },
        { id: 'y', type: 'say', colour: 'red' },
        { id: 'z', type: 'transfer', to: { kind: 'in_house', phone: '0612' } },
      ],
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['steps.0.id', 'steps.1.type', 'steps.2', 'steps.3.to.phone']));
  });
});

describe('diffScripts', () => {
  it('lists added, removed, changed and moved steps with their field changes', () => {
    const from = parse(pizzaScript());
    const to = changed((s) => {
      s.steps[0].text = 'Pizza Napoli, bonjour';
      s.steps[1].answer.choices.push({ value: 'table', label: 'Table' });
      s.steps.splice(4, 1); // address
      s.steps.push({ id: 'bye', type: 'end', disposition: 'no_order' });
      s.steps[3].rules[0].next = 'save';
    });
    const diff = diffScripts(from, to);
    expect(diff.removed.map((r) => r.id)).toEqual(['address']);
    expect(diff.added.map((a) => a.id)).toEqual(['bye']);
    const byId = Object.fromEntries(diff.changed.map((c) => [c.id, c.fields]));
    expect(byId.greet).toEqual([{ field: 'text', before: expect.stringContaining('{{tenant.greeting}}'), after: 'Pizza Napoli, bonjour' }]);
    expect(byId.mode).toEqual([{ field: 'answer.choices', before: expect.any(Array), after: expect.arrayContaining([{ value: 'table', label: 'Table' }]) }]);
    expect(byId.route).toEqual([{ field: 'rules[0].next', before: 'address', after: 'save' }]);
    expect(diff.moved.map((m) => m.id)).toEqual(['save', 'confirm', 'confirmed', 'done']);
    expect(diffScripts(from, from)).toMatchObject({ added: [], removed: [], changed: [], moved: [], unchanged: 9 });
  });
});
