/**
 * How far a calibration's evaluators are apart (docs/quality.md): per question, the spread of the points
 * each gave (0–1, as `scoreEvaluation` scores them: yes 1, partial 0.5, no 0, scales in between; a
 * question answered "not applicable" is left out), and overall the spread of their scores (0–100).
 * PURE: the close route feeds it the submitted evaluations, already scored.
 */
export interface ScoredEvaluation {
  evaluatorId: string;
  /** 0–100, or null when nothing was answered. */
  score: number | null;
  /** Points per question id, 0–1; null or missing: not applicable. */
  perQuestion: Record<string, number | null | undefined>;
}

export interface Spread {
  /** How many evaluators gave a value. */
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation (the evaluators are the whole session, not a sample of one). */
  stdDev: number | null;
}

export interface QuestionSpread extends Spread {
  questionId: string;
  /** Share of the evaluators who answered that gave the most common points, 0–100; null when none answered. */
  agreementPercent: number | null;
}

export interface CalibrationSpread {
  questions: QuestionSpread[];
  overall: Spread;
  /** Mean of the questions' agreement (questions nobody answered left out), 0–100. */
  agreementPercent: number | null;
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export function spreadOf(values: readonly number[], digits = 4): Spread {
  const count = values.length;
  if (!count) return { count, min: null, max: null, mean: null, stdDev: null };
  const mean = values.reduce((s, v) => s + v, 0) / count;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / count;
  return { count, min: Math.min(...values), max: Math.max(...values), mean: round(mean, digits), stdDev: round(Math.sqrt(variance), digits) };
}

/** The share of values equal to the most common one (points compared to 1e-6). */
export function agreementOf(values: readonly number[]): number | null {
  if (!values.length) return null;
  const counts = new Map<number, number>();
  for (const v of values) {
    const key = Math.round(v * 1e6);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return round((Math.max(...counts.values()) / values.length) * 100, 2);
}

/** The spread of a closed calibration: `questionIds` in the form's order. */
export function calibrationSpread(questionIds: readonly string[], evaluations: readonly ScoredEvaluation[]): CalibrationSpread {
  const questions = questionIds.map((questionId): QuestionSpread => {
    const values: number[] = [];
    for (const e of evaluations) {
      const v = e.perQuestion[questionId];
      if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
    }
    return { questionId, ...spreadOf(values), agreementPercent: agreementOf(values) };
  });
  const scores = evaluations.map((e) => e.score).filter((s): s is number => typeof s === 'number' && Number.isFinite(s));
  const agreements = questions.map((q) => q.agreementPercent).filter((a): a is number => a !== null);
  return {
    questions,
    overall: spreadOf(scores, 2),
    agreementPercent: agreements.length ? round(agreements.reduce((s, a) => s + a, 0) / agreements.length, 2) : null,
  };
}
