import { z } from 'zod';
import { findCaptureTarget, type AskStep, type ScriptBody } from './model.ts';
import { advance, parseAnswer, startWalk, type AnswerValue, type WalkProblem, type WalkState } from './walk.ts';

/**
 * A call's answers checked against the script version they were asked with: the server's side of the
 * desk's check. Both run parseAnswer (walk.ts), so the rules of a valid answer are written once. Pure.
 */

/** An answer as a client sends it: what the operator typed, or the value the walker already converted. */
export type RawAnswer = string | number | boolean | readonly string[] | null;

export interface AnswerProblem {
  /** `scriptAnswers.<stepId>`, the field at fault. */
  path: string;
  code: WalkProblem['code'] | 'not_a_question';
  message: string;
  params?: Record<string, string | number>;
}

export const askStepsOf = (body: ScriptBody): AskStep[] => body.steps.filter((s): s is AskStep => s.type === 'ask');

/** Each ask step's capture targets (`survey.nps`, `lead.phone`…), in the script's order. */
export function captureTargetsOf(body: ScriptBody): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const step of body.steps) {
    if (step.type !== 'capture') continue;
    for (const c of step.captures) if (c.from) targets.set(c.from, [...(targets.get(c.from) ?? []), c.target]);
  }
  return targets;
}

/** The script captures survey answers: walked to its end, it is a completed questionnaire. */
export const isQuestionnaire = (body: ScriptBody) => [...captureTargetsOf(body).values()].some((ts) => ts.some((t) => findCaptureTarget(t)?.entity === 'survey'));

/** How a number typed into a phone field becomes E.164 (null: not a phone number). */
export type PhoneNormalizer = (value: string) => string | null;

/** Without the tenant's country: only a number already written with its country code (what the customers table holds). */
const internationalOnly: PhoneNormalizer = (value) => {
  const compact = value.replace(/[\s().-]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : null;
};

/** The fields that keep a phone number in E.164 (a customer's is unique and checked by the database). */
const phoneTargets = new Set(['customer.phone', 'lead.phone']);

/**
 * Every answer checked (all problems at once) and converted to its typed value. An answer going into a
 * phone field (`customer.phone`, `lead.phone`, whatever its question's type) is normalised to E.164 by
 * `phone` (the server passes libphonenumber with the tenant's country: "06 12 34 56 78" in France is
 * +33612345678), and refused when it is not a phone number: stored as typed, it would fail the customer
 * record's check on every retry of the wrap-up.
 */
export function checkAnswers(
  body: ScriptBody,
  answers: Record<string, RawAnswer>,
  options: { phone?: PhoneNormalizer } = {},
): { values: Record<string, AnswerValue>; problems: AnswerProblem[] } {
  const normalizePhone = options.phone ?? internationalOnly;
  const asks = new Map(askStepsOf(body).map((s) => [s.id, s]));
  const targets = captureTargetsOf(body);
  const values: Record<string, AnswerValue> = {};
  const problems: AnswerProblem[] = [];
  for (const [id, raw] of Object.entries(answers)) {
    const path = `scriptAnswers.${id}`;
    const step = asks.get(id);
    if (!step) {
      problems.push({ path, code: 'not_a_question', message: `'${id}' is not a question of the script this call was answered with.` });
      continue;
    }
    // A question left unanswered (skipped, or not reached) is no answer, whatever it requires: whether the
    // script was finished is the walk's business (replayAnswers), not one answer's.
    const empty = raw === null || raw === '' || (Array.isArray(raw) && !raw.length);
    if (empty) {
      values[id] = null;
      continue;
    }
    const parsed = parseAnswer(step.answer, raw);
    if (!parsed.ok) {
      problems.push({ path, code: parsed.code, message: parsed.message, ...(parsed.params ? { params: parsed.params } : {}) });
      continue;
    }
    // A value copied into a customer record must fit its column, or the wrap-up would fail on every retry.
    const value = parsed.value;
    const tooLong = typeof value === 'string' ? (targets.get(id) ?? []).find((t) => value.length > (customerFieldMax[t] ?? Infinity)) : undefined;
    if (tooLong) {
      const max = customerFieldMax[tooLong]!;
      problems.push({ path, code: 'text_too_long', message: `This answer goes into ${tooLong}, which holds at most ${max} characters.`, params: { max } });
      continue;
    }
    const phoneTarget = typeof value === 'string' ? (targets.get(id) ?? []).find((t) => phoneTargets.has(t)) : undefined;
    if (phoneTarget) {
      const phone = normalizePhone(value as string) ?? internationalOnly(value as string);
      if (!phone) {
        problems.push({ path, code: 'phone', message: `This answer goes into ${phoneTarget}: enter a phone number, e.g. +33 6 12 34 56 78.` });
        continue;
      }
      values[id] = phone;
      continue;
    }
    values[id] = parsed.value;
  }
  return { values, problems };
}

/** The longest value each customer field holds (db migration 0007: customers). */
const customerFieldMax: Partial<Record<string, number>> = { 'customer.name': 200, 'customer.email': 254, 'customer.address': 500 };

/**
 * The walk these answers make, from the start: where it stops (an end, a transfer, or a question with no
 * valid answer) and what its capture steps filled. A questionnaire is complete when it reaches an end.
 */
export function replayAnswers(body: ScriptBody, values: Record<string, AnswerValue>): WalkState {
  let state = startWalk(body);
  for (let moves = 0; !state.outcome && moves < body.steps.length * 2 + 1; moves++) {
    const step = body.steps.find((s) => s.id === state.at);
    const result = advance(body, state, step?.type === 'ask' ? (values[step.id] ?? null) : undefined);
    if (!result.ok) break;
    state = result.state;
  }
  return state;
}

export const completedWalk = (state: WalkState) => state.outcome?.kind === 'end';

/** The zod form of the check, for a caller that holds the script: refuses with every problem by path. */
export function answersSchemaFor(body: ScriptBody) {
  return z.record(z.string(), z.any()).transform((answers, ctx) => {
    const { values, problems } = checkAnswers(body, answers as Record<string, RawAnswer>);
    for (const p of problems) ctx.addIssue({ code: 'custom', path: [p.path.slice('scriptAnswers.'.length)], message: p.message, params: { walk: p.code } });
    return values;
  });
}
