import type { Random } from './random.ts';

/** What the status says to ask after a handled call (docs/telephony.md, Satisfaction survey). */
export interface SurveyQuestion {
  id: 'satisfaction' | 'solved';
  prompt: string;
  digits: string[];
}

export interface SurveyDigits {
  satisfaction?: string | null;
  solved?: string | null;
}

/** Callers who hang up rather than answer at all; of those who answer, who stop before a second question. */
const HANG_UP_SHARE = 0.12;
const STOP_AFTER_FIRST_SHARE = 0.05;
/** Cumulative shares of 1…5: most callers are pleased, some are not. */
const SCORE_CUMULATIVE = [0.05, 0.12, 0.25, 0.6, 1];
/** How likely a caller says their problem was solved, by the score they gave. */
const SOLVED_BY_SCORE = [0.2, 0.35, 0.65, 0.9, 0.97];

/**
 * How a simulated caller answers the satisfaction survey: drawn from `random` (a stream of the run's
 * seed for this call), so a run with the same seed answers the same. A caller who hangs up answers
 * nothing (`{}`): the boundary records the survey as not answered.
 */
export function answerSurvey(random: Random, questions: SurveyQuestion[]): SurveyDigits {
  if (random.uniform() < HANG_UP_SHARE) return {};
  const draw = random.uniform();
  const score = SCORE_CUMULATIVE.findIndex((share) => draw < share) + 1 || 5;
  const digits: SurveyDigits = {};
  for (const [i, question] of questions.entries()) {
    if (i > 0 && random.uniform() < STOP_AFTER_FIRST_SHARE) break;
    if (question.id === 'satisfaction') digits.satisfaction = String(score);
    else digits.solved = random.uniform() < SOLVED_BY_SCORE[score - 1]! ? '1' : '2';
  }
  return digits;
}
