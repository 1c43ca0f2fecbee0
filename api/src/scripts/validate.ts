import { callFunctions, type CallFunctionId } from '@switchboard/db/call-functions';
import {
  answerBounds,
  answerVariablePrefix,
  choiceAnswerTypes,
  findCaptureTarget,
  requiredCaptures,
  scriptVariables,
  valueOperators,
  variablesIn,
  type AskStep,
  type ScriptBody,
  type Step,
} from './model.ts';

/**
 * The whole-script check publishing runs: every problem at once, each with the path of the field at
 * fault (`steps[3].next`), in words a non-programmer can act on. Pure, so the editor runs it too.
 */

export const scriptProblemCodes = [
  'noSteps',
  'greetingFirst',
  'duplicateId',
  'missingNext',
  'missingRuleNext',
  'missingOtherwise',
  'unknownStep',
  'sayText',
  'askText',
  'answerStepMissing',
  'answerNotQuestion',
  'unknownVariable',
  'ruleQuestion',
  'captureQuestion',
  'ruleNotQuestion',
  'captureNotQuestion',
  'fewChoices',
  'duplicateChoice',
  'choiceLabel',
  'choicesNotChoice',
  'maxBelowMin',
  'noRules',
  'ruleValue',
  'noCaptures',
  'unknownField',
  'captureType',
  'notInDirectory',
  'chooseDisposition',
  'unknownDisposition',
  'retiredDisposition',
  'neverEnds',
  'unreachable',
  'loop',
  'requiredCapture',
  'choiceOrdered',
  'notAChoice',
  'yesNoOrdered',
  'yesNoValue',
  'numberValue',
  'dateValue',
  'textOrdered',
  'textValue',
  'boundsNotApplicable',
  'scaleValue',
] as const;
export type ScriptProblemCode = (typeof scriptProblemCodes)[number];

/**
 * The values a problem's sentence names: a step name (`id`), a position (`n`), a
 * variable, a choice `value` and the `choices` offered, a capture `field` (its target code), answer
 * types (`expected`, `actual`), a directory `entry`, a wrap-up `code`.
 */
export type ScriptProblemParams = Partial<Record<'id' | 'variable' | 'value' | 'field' | 'actual' | 'entry' | 'code', string>> & {
  n?: number;
  choices?: string[];
  expected?: string[];
};

export interface ScriptProblem {
  path: string;
  /** In English, for API clients. */
  message: string;
  /** The problem as a stable code the portal translates, with the values its sentence names. */
  code: ScriptProblemCode;
  params: ScriptProblemParams;
}

type Add = (path: string, code: ScriptProblemCode, message: string, params?: ScriptProblemParams) => void;

export interface ValidationContext {
  function: CallFunctionId;
  /** The tenant's wrap-up codes; an end step must use an active one. */
  wrapUpCodes: readonly { code: string; active: boolean }[];
  /** The names of the tenant's active directory entries; left out, a transfer step's entry is not checked. */
  directory?: readonly string[];
}

/** The variable that holds the company's greeting (Rules → Greeting); a script's opening words start with it. */
export const greetingVariable = '{{tenant.greeting}}';

export function opensWithGreeting(text: string): boolean {
  return /^\s*\{\{\s*tenant\.greeting\s*\}\}/.test(text);
}

const knownVariables = new Set(scriptVariables.map((v) => v.name));
const terminalTypes = new Set<Step['type']>(['end', 'transfer']);

/** The step ids a step can go to next, with the path of each pointer. */
export function pointersOf(step: Step, index: number): { path: string; target: string | null }[] {
  const at = `steps[${index}]`;
  switch (step.type) {
    case 'say':
    case 'ask':
    case 'capture':
      return [{ path: `${at}.next`, target: step.next }];
    case 'branch':
      return [...step.rules.map((r, k) => ({ path: `${at}.rules[${k}].next`, target: r.next })), { path: `${at}.otherwise`, target: step.otherwise }];
    case 'transfer':
    case 'end':
      return [];
  }
}

export function validateScript(script: ScriptBody, context: ValidationContext): ScriptProblem[] {
  const problems: ScriptProblem[] = [];
  const add: Add = (path, code, message, params = {}) => problems.push({ path, message, code, params });
  const { steps } = script;
  if (!steps.length) {
    add('steps', 'noSteps', 'The script has no steps yet: add at least one step and an end.');
    return problems;
  }

  // One source of truth for the greeting: an inbound script that opens with words opens with the
  // company's own (the desk's "Say" line). Outbound calls open with the operator's introduction instead.
  const opening = steps[0]!;
  const inbound = callFunctions.find((f) => f.id === context.function)?.direction !== 'outbound';
  if (inbound && opening.type === 'say' && opening.text.trim() && !opensWithGreeting(opening.text)) {
    add('steps[0].text', 'greetingFirst', `Start the first step with ${greetingVariable}: the company's greeting (set under Rules) is what operators say first.`, { variable: greetingVariable });
  }

  const indexById = new Map<string, number>();
  steps.forEach((step, i) => {
    const first = indexById.get(step.id);
    if (first === undefined) indexById.set(step.id, i);
    else add(`steps[${i}].id`, 'duplicateId', `Step name '${step.id}' is already used by step ${first + 1}; each step needs its own name.`, { id: step.id, n: first + 1 });
  });
  const stepNamed = (id: string) => {
    const i = indexById.get(id);
    return i === undefined ? undefined : steps[i];
  };
  const askNamed = (id: string): AskStep | undefined => {
    const step = stepNamed(id);
    return step?.type === 'ask' ? step : undefined;
  };

  const missingPointer = {
    missingNext: 'Choose the step that comes next.',
    missingRuleNext: 'Choose where this rule goes.',
    missingOtherwise: 'Choose where to go when no rule matches.',
  } as const;
  const checkPointer = (path: string, target: string | null, missing: keyof typeof missingPointer) => {
    if (target === null) add(path, missing, missingPointer[missing]);
    else if (!indexById.has(target)) add(path, 'unknownStep', `Step '${target}' does not exist.`, { id: target });
  };

  const requiredText = { sayText: 'Enter what the operator says.', askText: 'Enter the question the operator asks.' } as const;
  const checkText = (path: string, text: string, required: keyof typeof requiredText | null) => {
    if (required && !text.trim()) add(path, required, requiredText[required]);
    for (const name of variablesIn(text)) {
      if (name.startsWith(answerVariablePrefix)) {
        const id = name.slice(answerVariablePrefix.length);
        if (!stepNamed(id)) add(path, 'answerStepMissing', `{{${name}}} refers to step '${id}', which does not exist.`, { variable: `{{${name}}}`, id });
        else if (!askNamed(id)) add(path, 'answerNotQuestion', `{{${name}}} refers to step '${id}', which is not a question.`, { variable: `{{${name}}}`, id });
      } else if (!knownVariables.has(name)) {
        add(path, 'unknownVariable', `Unknown variable {{${name}}}; pick one from the list of variables.`, { variable: `{{${name}}}` });
      }
    }
  };

  /** The question a rule or capture reads from: must exist and be an ask step. */
  const questionFor = {
    rule: { what: 'this rule tests', choose: 'ruleQuestion', notQuestion: 'ruleNotQuestion' },
    capture: { what: 'to take the answer from', choose: 'captureQuestion', notQuestion: 'captureNotQuestion' },
  } as const;
  const checkQuestion = (path: string, id: string | null, usedBy: keyof typeof questionFor): AskStep | undefined => {
    const { what, choose, notQuestion } = questionFor[usedBy];
    if (id === null) {
      add(path, choose, `Choose the question ${what}.`);
      return undefined;
    }
    const step = stepNamed(id);
    if (!step) add(path, 'unknownStep', `Step '${id}' does not exist.`, { id });
    else if (step.type !== 'ask') add(path, notQuestion, `Step '${id}' is not a question, so it has no answer ${what}.`, { id });
    return step?.type === 'ask' ? step : undefined;
  };

  steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    switch (step.type) {
      case 'say':
        checkText(`${at}.text`, step.text, 'sayText');
        checkPointer(`${at}.next`, step.next, 'missingNext');
        break;
      case 'ask': {
        checkText(`${at}.text`, step.text, 'askText');
        const { answer } = step;
        if (choiceAnswerTypes.includes(answer.type)) {
          if (answer.choices.length < 2) add(`${at}.answer.choices`, 'fewChoices', 'Offer at least two choices.');
          const seen = new Set<string>();
          answer.choices.forEach((choice, k) => {
            if (seen.has(choice.value)) add(`${at}.answer.choices[${k}].value`, 'duplicateChoice', `Choice '${choice.value}' is offered twice.`, { value: choice.value });
            seen.add(choice.value);
            if (!choice.label.trim()) add(`${at}.answer.choices[${k}].label`, 'choiceLabel', 'Enter the words the operator sees for this choice.');
          });
        } else if (answer.choices.length) {
          add(`${at}.answer.choices`, 'choicesNotChoice', 'Only a "choice" answer has choices; remove them or change the answer type.');
        }
        if ((answer.min !== null || answer.max !== null) && !answerBounds[answer.type]) {
          add(`${at}.answer.${answer.min !== null ? 'min' : 'max'}`, 'boundsNotApplicable', `A ${answer.type} answer takes no minimum or maximum; remove them.`, { actual: answer.type });
        }
        if (answer.min !== null && answer.max !== null && answer.min > answer.max) add(`${at}.answer.max`, 'maxBelowMin', 'The maximum is below the minimum.');
        checkPointer(`${at}.next`, step.next, 'missingNext');
        break;
      }
      case 'branch': {
        if (!step.rules.length) add(`${at}.rules`, 'noRules', 'Add at least one rule (e.g. "if the answer to … is …, go to …").');
        step.rules.forEach((rule, k) => {
          const rat = `${at}.rules[${k}]`;
          const question = checkQuestion(`${rat}.step`, rule.step, 'rule');
          if (valueOperators.includes(rule.op)) {
            if (rule.value === null || rule.value === '') add(`${rat}.value`, 'ruleValue', 'Enter the answer this rule compares with.');
            else if (question) checkRuleValue(rat, question, rule.op, rule.value, add);
          }
          checkPointer(`${rat}.next`, rule.next, 'missingRuleNext');
        });
        checkPointer(`${at}.otherwise`, step.otherwise, 'missingOtherwise');
        break;
      }
      case 'capture':
        if (!step.captures.length) add(`${at}.captures`, 'noCaptures', 'Add at least one field to fill.');
        step.captures.forEach((capture, k) => {
          const cat = `${at}.captures[${k}]`;
          const target = findCaptureTarget(capture.target);
          if (!target) add(`${cat}.target`, 'unknownField', `Unknown field '${capture.target}'; pick one from the list of fields.`, { field: capture.target });
          const question = checkQuestion(`${cat}.from`, capture.from, 'capture');
          if (target?.answerTypes && question && !target.answerTypes.includes(question.answer.type)) {
            add(`${cat}.from`, 'captureType', `${target.label} takes a ${target.answerTypes.join(' or ')} answer, but '${question.id}' asks for ${question.answer.type}.`, {
              field: target.target,
              expected: [...target.answerTypes],
              id: question.id,
              actual: question.answer.type,
            });
          }
        });
        checkPointer(`${at}.next`, step.next, 'missingNext');
        break;
      case 'transfer':
        checkText(`${at}.text`, step.text, null);
        if (step.to.kind === 'directory' && context.directory) {
          const name = step.to.entry.toLowerCase();
          if (!context.directory.some((d) => d.toLowerCase() === name)) add(`${at}.to.entry`, 'notInDirectory', `'${step.to.entry}' is not an active entry of the directory.`, { entry: step.to.entry });
        }
        break;
      case 'end': {
        checkText(`${at}.text`, step.text, null);
        if (step.disposition === null) add(`${at}.disposition`, 'chooseDisposition', 'Choose the wrap-up code the call ends with.');
        else {
          const code = context.wrapUpCodes.find((c) => c.code === step.disposition);
          if (!code) add(`${at}.disposition`, 'unknownDisposition', `'${step.disposition}' is not one of the company's wrap-up codes.`, { code: step.disposition });
          else if (!code.active) add(`${at}.disposition`, 'retiredDisposition', `Wrap-up code '${step.disposition}' is retired; choose an active one.`, { code: step.disposition });
        }
        break;
      }
    }
  });

  // The shape of the flow: what the start reaches, and what can still reach an end.
  const edges = steps.map((step, i) => pointersOf(step, i).flatMap((p) => (p.target !== null && indexById.has(p.target) ? [indexById.get(p.target)!] : [])));
  const reachable = new Set<number>([0]);
  for (const queue = [0]; queue.length; ) {
    for (const j of edges[queue.shift()!] ?? []) if (!reachable.has(j)) reachable.add(j), queue.push(j);
  }
  const canFinish = new Set<number>(steps.flatMap((s, i) => (terminalTypes.has(s.type) ? [i] : [])));
  for (let grew = true; grew; ) {
    grew = false;
    edges.forEach((targets, i) => {
      if (!canFinish.has(i) && targets.some((j) => canFinish.has(j))) canFinish.add(i), (grew = true);
    });
  }
  if (!steps.some((s) => terminalTypes.has(s.type))) add('steps', 'neverEnds', 'The script never ends: add an end step (or a transfer).');
  steps.forEach((step, i) => {
    if (!reachable.has(i)) {
      add(`steps[${i}]`, 'unreachable', `Step '${step.id}' cannot be reached from the start; link to it from another step, or remove it.`, { id: step.id });
      return;
    }
    // A step whose pointers are all set and valid but that still cannot finish is caught in a loop.
    const pointers = pointersOf(step, i);
    const complete = pointers.every((p) => p.target !== null && indexById.has(p.target));
    if (!canFinish.has(i) && complete && pointers.length) {
      add(`steps[${i}]`, 'loop', `Step '${step.id}' is in a loop with no way out to an end step.`, { id: step.id });
    }
  });

  const targets = steps.flatMap((s) => (s.type === 'capture' ? s.captures.map((c) => c.target) : []));
  for (const rule of requiredCaptures[context.function] ?? []) {
    if (!targets.some(rule.matches)) add('steps', 'requiredCapture', rule.message, { field: rule.field });
  }
  return problems;
}

function checkRuleValue(
  at: string,
  question: AskStep,
  op: string,
  value: string | number | boolean,
  add: Add,
): void {
  const { answer } = question;
  const ordered = op === 'less_than' || op === 'greater_than';
  switch (answer.type) {
    case 'scale_1_5':
    case 'scale_0_10':
      if (typeof value !== 'number' || !Number.isInteger(value)) add(`${at}.value`, 'scaleValue', `'${question.id}' is a scale: compare with a whole number.`, { id: question.id });
      break;
    case 'multi_choice':
    case 'choice': {
      const offered = answer.choices.map((c) => c.value);
      if (ordered) add(`${at}.op`, 'choiceOrdered', `Choices cannot be compared as more or less; use "is" or "is not".`);
      else if (typeof value !== 'string' || !offered.includes(value)) {
        add(`${at}.value`, 'notAChoice', `'${String(value)}' is not one of the choices of '${question.id}' (${offered.join(', ') || 'none yet'}).`, {
          value: String(value),
          id: question.id,
          choices: offered,
        });
      }
      break;
    }
    case 'yes_no':
      if (ordered) add(`${at}.op`, 'yesNoOrdered', 'A yes/no answer cannot be compared as more or less; use "is" or "is not".');
      else if (typeof value !== 'boolean') add(`${at}.value`, 'yesNoValue', `'${question.id}' is a yes/no question: compare with yes or no.`, { id: question.id });
      break;
    case 'number':
      if (typeof value !== 'number') add(`${at}.value`, 'numberValue', `'${question.id}' asks for a number: compare with a number.`, { id: question.id });
      break;
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) add(`${at}.value`, 'dateValue', `'${question.id}' asks for a date: compare with a date (YYYY-MM-DD).`, { id: question.id });
      break;
    default:
      if (ordered) add(`${at}.op`, 'textOrdered', `'${question.id}' asks for ${answer.type}, which cannot be compared as more or less.`, { id: question.id, actual: answer.type });
      else if (typeof value !== 'string') add(`${at}.value`, 'textValue', `'${question.id}' asks for ${answer.type}: compare with text.`, { id: question.id, actual: answer.type });
  }
}
