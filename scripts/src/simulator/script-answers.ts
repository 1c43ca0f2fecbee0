import { advance, scaleBounds, startWalk, type AnswerSpec, type AnswerValue, type ScriptBody } from '@switchboard/api/scripts';
import type { Random } from './random.ts';

/**
 * How a floor bot answers a script's questions: it walks the script with the walker the desk uses, and
 * gives each question an answer a caller plausibly gives — mostly satisfied callers (a 0–10
 * recommendation leans to 8–10, a few detractors), one or two options of a multiple choice, the caller's
 * own number for a phone question — so the demo's questionnaires and leads fill with believable data.
 * Every answer fits its question (the server checks them all again).
 */

const words = ['Fast delivery', 'Friendly staff', 'Hot and tasty', 'A bit late', 'Good value', 'Will order again'];
const names = ['Claire Martin', 'Lukas Becker', 'Sofia Rossi', 'Hugo Lefèvre', 'Anna Schmidt', 'Léa Dubois'];
const companies = ['Atelier Lumière', 'Becker Bau GmbH', 'Rossi Trasporti', 'Nordwind Consulting'];

/** Weights of 0–10: most callers give 8–10, some 6–7, a few less (an NPS of about +40). */
const recommendWeights = [1, 1, 1, 1, 2, 3, 5, 9, 18, 25, 34];

function weighted(random: Random, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random.uniform() * total;
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]!) < 0) return i;
  return weights.length - 1;
}

export function plausibleAnswer(spec: AnswerSpec, random: Random, context: { callerNumber: string; stepId: string; now: Date }): AnswerValue {
  if (!spec.required && random.uniform() < 0.15) return null;
  const pick = <T>(list: readonly T[]): T => list[random.int(0, list.length - 1)]!;
  switch (spec.type) {
    case 'scale_0_10':
      return weighted(random, recommendWeights);
    case 'scale_1_5':
      return scaleBounds.scale_1_5.min + weighted(random, [1, 2, 5, 14, 20]);
    case 'choice':
      return spec.choices.length ? pick(spec.choices).value : null;
    case 'multi_choice': {
      const want = Math.max(spec.min ?? 1, Math.min(spec.max ?? 2, random.int(1, 2), spec.choices.length));
      const shuffled = [...spec.choices].sort(() => random.uniform() - 0.5).slice(0, want);
      return spec.choices.filter((c) => shuffled.includes(c)).map((c) => c.value);
    }
    case 'yes_no':
      return random.uniform() < 0.7;
    case 'number': {
      const min = spec.min ?? 0;
      const max = spec.max ?? Math.max(min + 10, 10);
      return random.int(Math.ceil(min), Math.floor(max));
    }
    case 'date': {
      // A date of birth is decades ago; any other date (a call back, a delivery) in the coming weeks.
      const days = /birth|geburt|naiss|dob/.test(context.stepId) ? -random.int(18 * 365, 80 * 365) : random.int(1, 21);
      return new Date(context.now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    }
    case 'phone':
      // The caller's own number, unless the desk sees it masked: then the number the caller reads out.
      return /^\+[1-9][0-9]{6,14}$/.test(context.callerNumber) ? context.callerNumber : `+336${random.int(10_000_000, 99_999_999)}`;
    case 'email':
      return `caller${random.int(100, 999)}@example.com`;
    case 'postcode':
      return String(random.int(10000, 99999));
    case 'text': {
      const text = /name/.test(context.stepId) ? pick(names) : /compan/.test(context.stepId) ? pick(companies) : pick(words);
      const min = spec.min ?? 0;
      const max = spec.max ?? 4000;
      return text.padEnd(min, '.').slice(0, max);
    }
  }
}

/** The answers a walk of the script takes, question after question, to its end (or where it stops). */
export function answerScript(body: ScriptBody, random: Random, context: { callerNumber: string; now: Date }): Record<string, AnswerValue> {
  let state = startWalk(body);
  for (let moves = 0; !state.outcome && moves < body.steps.length * 2 + 1; moves++) {
    const step = body.steps.find((s) => s.id === state.at);
    const answer = step?.type === 'ask' ? plausibleAnswer(step.answer, random, { ...context, stepId: step.id }) : undefined;
    const result = advance(body, state, answer);
    if (!result.ok) break;
    state = result.state;
  }
  return state.answers;
}
