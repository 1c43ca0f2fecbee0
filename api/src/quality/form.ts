import { z } from '@hono/zod-openapi';

/**
 * A quality evaluation form's definition (docs/quality.md), as stored in quality_form_versions.definition,
 * and the score of an evaluation against it. Pure: the forms, evaluations, calibration and the reports all
 * score through `scoreEvaluation`, so a question's points are defined once.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'Lower-case letters, digits, - and _ (at most 40).');
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'Control characters are not allowed.');

export const questionKinds = ['yes_no', 'yes_no_partial', 'scale'] as const;
export type QuestionKind = (typeof questionKinds)[number];

export const formQuestionSchema = z
  .object({
    id,
    text: text(300),
    kind: z.enum(questionKinds),
    /** For `scale`: answers 1..scaleMax (2–10). */
    scaleMax: z.number().int().min(2).max(10).optional(),
    weight: z.number().int().min(1).max(100),
    naAllowed: z.boolean(),
    /** Answered `no` (or the scale's lowest), the whole evaluation scores 0. */
    critical: z.boolean(),
    guidance: text(1000).optional(),
  })
  .refine((q) => q.kind !== 'scale' || q.scaleMax !== undefined, { message: 'A scale question needs its maximum.', path: ['scaleMax'] })
  .openapi('QualityFormQuestion');

export const formSectionSchema = z
  .object({ id, title: text(120), questions: z.array(formQuestionSchema).min(1).max(50) })
  .openapi('QualityFormSection');

export const formDefinitionSchema = z
  .object({ sections: z.array(formSectionSchema).min(1).max(20) })
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.sections.forEach((s, si) =>
      s.questions.forEach((q, qi) => {
        if (seen.has(q.id)) ctx.addIssue({ code: 'custom', message: `The question id "${q.id}" is used twice.`, path: ['sections', si, 'questions', qi, 'id'] });
        seen.add(q.id);
      }),
    );
  })
  .openapi('QualityFormDefinition');

export type FormQuestion = z.infer<typeof formQuestionSchema>;
export type FormDefinition = z.infer<typeof formDefinitionSchema>;

/** One question's answer: yes/no/partial, a scale value, or not applicable. */
export const answerValueSchema = z.union([z.enum(['yes', 'no', 'partial', 'na']), z.number().int().min(1).max(10)]);
export type AnswerValue = z.infer<typeof answerValueSchema>;

export const evaluationAnswersSchema = z.record(
  id,
  z.object({ answer: answerValueSchema, comment: text(2000).optional() }),
);
export type EvaluationAnswers = z.infer<typeof evaluationAnswersSchema>;

export interface EvaluationScore {
  /** 0–100 (two decimals); null while no scored question is answered. */
  score: number | null;
  criticalFailed: boolean;
  /** Per question: points 0–1, or null (N/A or unanswered). */
  perQuestion: Record<string, number | null>;
  /** Question ids not answered yet (an evaluation is submitted only with none). */
  missing: string[];
  /** Answers that do not fit their question (N/A where not allowed, partial on yes/no, a scale value out of range, unknown ids). */
  invalid: { questionId: string; message: string }[];
}

export const questions = (d: FormDefinition): FormQuestion[] => d.sections.flatMap((s) => s.questions);

/** A question's points for an answer: yes 1, partial ½, no 0, scale k of max (k−1)/(max−1); N/A null. */
export function pointsOf(q: FormQuestion, answer: AnswerValue): number | null | 'invalid' {
  if (answer === 'na') return q.naAllowed ? null : 'invalid';
  if (q.kind === 'scale') {
    if (typeof answer !== 'number' || answer > (q.scaleMax ?? 0)) return 'invalid';
    return (answer - 1) / ((q.scaleMax ?? 2) - 1);
  }
  if (answer === 'yes') return 1;
  if (answer === 'no') return 0;
  if (answer === 'partial') return q.kind === 'yes_no_partial' ? 0.5 : 'invalid';
  return 'invalid';
}

/**
 * Σ weight · points / Σ weight over the answered, applicable questions, × 100. A critical question answered
 * at zero points (no, or the scale's lowest) fails the evaluation: score 0, criticalFailed.
 */
export function scoreEvaluation(definition: FormDefinition, answers: EvaluationAnswers): EvaluationScore {
  const perQuestion: Record<string, number | null> = {};
  const missing: string[] = [];
  const invalid: EvaluationScore['invalid'] = [];
  const known = new Set(questions(definition).map((q) => q.id));
  for (const key of Object.keys(answers)) if (!known.has(key)) invalid.push({ questionId: key, message: 'This question is not on the form.' });
  let weighted = 0;
  let weights = 0;
  let criticalFailed = false;
  for (const q of questions(definition)) {
    const given = answers[q.id];
    if (!given) {
      missing.push(q.id);
      perQuestion[q.id] = null;
      continue;
    }
    const points = pointsOf(q, given.answer);
    if (points === 'invalid') {
      invalid.push({ questionId: q.id, message: given.answer === 'na' ? 'This question cannot be marked not applicable.' : 'This answer does not fit the question.' });
      perQuestion[q.id] = null;
      continue;
    }
    perQuestion[q.id] = points;
    if (points === null) continue;
    weighted += q.weight * points;
    weights += q.weight;
    if (q.critical && points === 0) criticalFailed = true;
  }
  const score = criticalFailed ? 0 : weights > 0 ? Math.round((weighted / weights) * 10000) / 100 : null;
  return { score, criticalFailed, perQuestion, missing, invalid };
}
