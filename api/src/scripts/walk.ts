import { answerVariablePrefix, scaleBounds, variablePattern, type AnswerSpec, type BranchRule, type BranchStep, type ScriptBody, type Step } from './model.ts';

/**
 * Walking a script the way an operator does: the preview runs it now, the operator desk later.
 * Say and ask steps wait for the operator; branch and capture steps run on their own. Pure: the
 * state is a plain value, every move answers a new one.
 */

/** An answer as the walker keeps it: text, a number, yes/no, the options of a multiple choice, or null for a question left unanswered. */
export type AnswerValue = string | number | boolean | string[] | null;

export type WalkOutcome =
  | { kind: 'end'; stepId: string; disposition: string | null }
  | { kind: 'transfer'; stepId: string; to: Extract<Step, { type: 'transfer' }>['to'] }
  | ({ kind: 'stuck'; stepId: string | null } & WalkProblem);

export interface WalkState {
  /** The step waiting for the operator (a say or ask step, or the end/transfer reached). */
  at: string | null;
  answers: Record<string, AnswerValue>;
  /** Capture target → value, e.g. `order.items` → "2 Margherita". */
  captured: Record<string, AnswerValue>;
  /** Every step passed through, in order (branch and capture steps included). */
  trail: string[];
  /** Set once the script is over: an end, a transfer, or a dead end in an unfinished draft. */
  outcome: WalkOutcome | null;
}

/** Steps run without the operator before giving up: a loop of branches that never asks anything. */
const maxAutomaticSteps = 1000;

function stepById(script: ScriptBody, id: string | null): Step | undefined {
  return id === null ? undefined : script.steps.find((s) => s.id === id);
}

export function currentStep(script: ScriptBody, state: WalkState): Step | undefined {
  return stepById(script, state.at);
}

function ruleHolds(rule: BranchRule, answers: Record<string, AnswerValue>): boolean {
  if (rule.step === null) return false;
  const answer = answers[rule.step];
  const answered = answer !== undefined && answer !== null && answer !== '' && !(Array.isArray(answer) && !answer.length);
  // A multiple choice "is" an option when the option is among those picked.
  const equal = Array.isArray(answer) ? typeof rule.value === 'string' && answer.includes(rule.value) : answer === rule.value;
  switch (rule.op) {
    case 'answered':
      return answered;
    case 'not_answered':
      return !answered;
    case 'equals':
      return answered && equal;
    case 'not_equals':
      return !answered || !equal;
    case 'less_than':
      return answered && !Array.isArray(answer) && rule.value !== null && answer! < rule.value;
    case 'greater_than':
      return answered && !Array.isArray(answer) && rule.value !== null && answer! > rule.value;
  }
}

/** Where a branch goes with these answers: the first rule that holds, else `otherwise`. */
export function branchTarget(step: BranchStep, answers: Record<string, AnswerValue>): string | null {
  return step.rules.find((rule) => ruleHolds(rule, answers))?.next ?? step.otherwise;
}

/** The step after `step` given the answers so far; null at an end, a transfer or an unset pointer. */
export function nextStepId(step: Step, answers: Record<string, AnswerValue>): string | null {
  switch (step.type) {
    case 'say':
    case 'ask':
    case 'capture':
      return step.next;
    case 'branch':
      return branchTarget(step, answers);
    case 'transfer':
    case 'end':
      return null;
  }
}

/**
 * Why the walker refuses an answer or cannot go on, as a stable code (the desk and the preview
 * translate `scriptRun.problems.<code>` with `params`) and the English `message`.
 */
export const walkProblemCodes = ['required', 'text_too_short', 'text_too_long', 'not_a_number', 'number_too_small', 'number_too_big', 'choice', 'yes_no', 'date', 'phone', 'email', 'too_few_choices', 'too_many_choices', 'scale', 'postcode', 'script_over', 'no_current_step', 'no_next', 'unknown_step', 'loop', 'no_steps'] as const;
export type WalkProblemCode = (typeof walkProblemCodes)[number];
export interface WalkProblem {
  code: WalkProblemCode;
  params?: Record<string, string | number>;
  message: string;
}
const refused = (code: WalkProblemCode, message: string, params?: Record<string, string | number>) => ({ ok: false as const, code, message, ...(params ? { params } : {}) });

/** Moves to `id`, then runs branch and capture steps until one needs the operator or the script is over. */
function arrive(script: ScriptBody, state: WalkState, id: string | null, from: string | null): WalkState {
  const next: WalkState = { ...state, answers: { ...state.answers }, captured: { ...state.captured }, trail: [...state.trail] };
  let target = id;
  let previous = from;
  for (let moves = 0; moves < maxAutomaticSteps; moves++) {
    const step = stepById(script, target);
    if (!step) {
      next.at = null;
      next.outcome = {
        kind: 'stuck',
        stepId: previous,
        ...(target === null
          ? { code: 'no_next' as const, params: { step: previous ?? '' }, message: `Step '${previous}' does not say which step comes next.` }
          : { code: 'unknown_step' as const, params: { step: target }, message: `Step '${target}' does not exist.` }),
      };
      return next;
    }
    next.trail.push(step.id);
    next.at = step.id;
    switch (step.type) {
      case 'say':
      case 'ask':
        return next;
      case 'end':
        next.outcome = { kind: 'end', stepId: step.id, disposition: step.disposition };
        return next;
      case 'transfer':
        next.outcome = { kind: 'transfer', stepId: step.id, to: step.to };
        return next;
      case 'capture':
        for (const capture of step.captures) {
          if (capture.from !== null && capture.target) next.captured[capture.target] = next.answers[capture.from] ?? null;
        }
        break;
      case 'branch':
        break;
    }
    previous = step.id;
    target = nextStepId(step, next.answers);
  }
  next.outcome = { kind: 'stuck', stepId: previous, code: 'loop', message: 'The script goes round in a loop without asking anything.' };
  return next;
}

/** A walk at the first step of the script. */
export function startWalk(script: ScriptBody): WalkState {
  const empty: WalkState = { at: null, answers: {}, captured: {}, trail: [], outcome: null };
  const first = script.steps[0];
  if (!first) return { ...empty, outcome: { kind: 'stuck', stepId: null, code: 'no_steps', message: 'The script has no steps.' } };
  return arrive(script, empty, first.id, null);
}

export type AdvanceResult = { ok: true; state: WalkState } | ({ ok: false } & WalkProblem);

/**
 * The operator moves on: past a say step, or with the answer to an ask step (typed as the operator
 * typed it; parseAnswer() checks and converts it). An invalid answer leaves the state as it was.
 */
export function advance(script: ScriptBody, state: WalkState, input?: string | number | boolean | readonly string[] | null): AdvanceResult {
  if (state.outcome) return refused('script_over', 'The script is over.');
  const step = currentStep(script, state);
  if (!step) return refused('no_current_step', 'There is no current step.');
  if (step.type === 'ask') {
    const parsed = parseAnswer(step.answer, input ?? null);
    if (!parsed.ok) return parsed;
    const answered: WalkState = { ...state, answers: { ...state.answers, [step.id]: parsed.value } };
    return { ok: true, state: arrive(script, answered, step.next, step.id) };
  }
  return { ok: true, state: arrive(script, state, nextStepId(step, state.answers), step.id) };
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const yes = new Set(['yes', 'y', 'true', 'oui', 'ja', 'да', '1']);
const no = new Set(['no', 'n', 'false', 'non', 'nein', 'нет', '0']);

const postcodePattern = /^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,8}[A-Za-z0-9])?$/;

/**
 * Checks an answer against what the question expects and converts it (numbers, yes/no, E.164 phones):
 * THE definition of a valid answer. The desk runs it as the operator types (through the walker), the
 * server again on every answer it is sent (answerSchemaFor, answers.ts), so the two never disagree. An
 * answer already converted (a number, true, a choice's value, the options picked) passes unchanged.
 */
export function parseAnswer(spec: AnswerSpec, raw: string | number | boolean | readonly string[] | null): { ok: true; value: AnswerValue } | ({ ok: false } & WalkProblem) {
  if (spec.type === 'multi_choice') return parseMultiChoice(spec, raw);
  if (Array.isArray(raw)) return refused(spec.type === 'choice' ? 'choice' : 'required', spec.type === 'choice' ? 'Pick one option.' : 'Give one answer.');
  const text = raw === null ? '' : String(raw).trim();
  if (!text) return spec.required ? refused('required', 'This question needs an answer.') : { ok: true, value: null };
  switch (spec.type) {
    case 'scale_1_5':
    case 'scale_0_10': {
      const { min, max } = scaleBounds[spec.type];
      const value = typeof raw === 'number' ? raw : Number(text);
      return Number.isInteger(value) && value >= min && value <= max ? { ok: true, value } : refused('scale', `Pick a whole number from ${min} to ${max}.`, { min, max });
    }
    case 'postcode': {
      const code = text.toUpperCase().replace(/\s+/g, ' ');
      if (!postcodePattern.test(code)) return refused('postcode', 'Enter a postcode (letters, digits, a space or a dash).');
      if (spec.min !== null && code.length < spec.min) return refused('text_too_short', `Enter at least ${spec.min} characters.`, { min: spec.min });
      if (spec.max !== null && code.length > spec.max) return refused('text_too_long', `Enter at most ${spec.max} characters.`, { max: spec.max });
      return { ok: true, value: code };
    }
    case 'text':
      if (spec.min !== null && text.length < spec.min) return refused('text_too_short', `Enter at least ${spec.min} characters.`, { min: spec.min });
      if (spec.max !== null && text.length > spec.max) return refused('text_too_long', `Enter at most ${spec.max} characters.`, { max: spec.max });
      return { ok: true, value: text };
    case 'number': {
      const value = typeof raw === 'number' ? raw : Number(text.replace(',', '.'));
      if (!Number.isFinite(value)) return refused('not_a_number', 'Enter a number.');
      if (spec.min !== null && value < spec.min) return refused('number_too_small', `Enter ${spec.min} or more.`, { min: spec.min });
      if (spec.max !== null && value > spec.max) return refused('number_too_big', `Enter ${spec.max} or less.`, { max: spec.max });
      return { ok: true, value };
    }
    case 'choice': {
      const choice = spec.choices.find((c) => c.value === text || c.label.toLowerCase() === text.toLowerCase());
      return choice ? { ok: true, value: choice.value } : refused('choice', `Pick one of: ${spec.choices.map((c) => c.label).join(', ')}.`, { choices: spec.choices.map((c) => c.label).join(', ') });
    }
    case 'yes_no':
      if (raw === true || yes.has(text.toLowerCase())) return { ok: true, value: true };
      if (raw === false || no.has(text.toLowerCase())) return { ok: true, value: false };
      return refused('yes_no', 'Answer yes or no.');
    case 'date': {
      const valid = /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
      return valid ? { ok: true, value: text } : refused('date', 'Enter a date as YYYY-MM-DD.');
    }
    case 'phone': {
      const compact = text.replace(/[\s().-]/g, '');
      return /^\+[1-9][0-9]{6,14}$/.test(compact)
        ? { ok: true, value: compact }
        : refused('phone', 'Enter the number with its country code, e.g. +33 6 12 34 56 78.');
    }
    case 'email':
      return emailPattern.test(text) ? { ok: true, value: text.toLowerCase() } : refused('email', 'Enter a valid email address.');
  }
}

/** A multiple choice: the options picked (an array, or their values or labels separated by commas), each once, in the script's order. */
function parseMultiChoice(spec: AnswerSpec, raw: string | number | boolean | readonly string[] | null) {
  const parts = Array.isArray(raw) ? raw.map((p) => String(p).trim()) : raw === null ? [] : String(raw).split(',').map((p) => p.trim());
  const given = parts.filter(Boolean);
  if (!given.length) return spec.required ? refused('required', 'This question needs an answer.') : { ok: true as const, value: null };
  const picked = new Set<string>();
  for (const part of given) {
    const choice = spec.choices.find((c) => c.value === part || c.label.toLowerCase() === part.toLowerCase());
    if (!choice) return refused('choice', `Pick among: ${spec.choices.map((c) => c.label).join(', ')}.`, { choices: spec.choices.map((c) => c.label).join(', ') });
    picked.add(choice.value);
  }
  if (spec.min !== null && picked.size < spec.min) return refused('too_few_choices', `Pick at least ${spec.min}.`, { min: spec.min });
  if (spec.max !== null && picked.size > spec.max) return refused('too_many_choices', `Pick at most ${spec.max}.`, { max: spec.max });
  return { ok: true as const, value: spec.choices.filter((c) => picked.has(c.value)).map((c) => c.value) };
}

/** How an answer reads in a text: yes/no in words, the options of a multiple choice with commas, skipped as a dash. */
export function answerText(value: AnswerValue | undefined): string {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)) return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/**
 * A text with its {{variables}} filled: from `values` (caller, customer, tenant, hours, promotions),
 * and `answers.<stepId>` from the answers given. A variable with no value stays visible as it is.
 */
export function fillVariables(text: string, values: Record<string, string>, answers: Record<string, AnswerValue> = {}): string {
  return text.replace(variablePattern, (whole, name: string) => {
    if (name.startsWith(answerVariablePrefix)) {
      const id = name.slice(answerVariablePrefix.length);
      return id in answers ? answerText(answers[id]) : whole;
    }
    return values[name] ?? whole;
  });
}
