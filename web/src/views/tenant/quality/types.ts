import type { InferResponseType } from 'hono/client';
import type { api } from '../../../api/client.ts';

/** The quality pages' shapes, derived from the API's routes (never copied by hand). */
type Quality = (typeof api)['t'][':tenant']['quality'];

export type FormSummary = InferResponseType<Quality['forms']['$get'], 200>['forms'][number];
export type QualityForm = InferResponseType<Quality['forms'][':id']['$get'], 200>;
export type FormDefinition = QualityForm['definition'];
export type FormQuestion = FormDefinition['sections'][number]['questions'][number];
export type Evaluation = InferResponseType<Quality['evaluations'][':id']['$get'], 200>;
export type EvaluationRow = InferResponseType<Quality['evaluations']['$get'], 200>['items'][number];
export type Answers = Evaluation['answers'];
export type OwnEvaluations = InferResponseType<(typeof api)['desk']['quality']['evaluations']['$get'], 200>;

/** A fresh id for a section or question: lowercase letters and digits, as the form's schema takes. */
export const newKey = (prefix: 's' | 'q') => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;

/** The answers a question takes, in the order the evaluator reads them. */
export function choicesOf(q: FormQuestion): (string | number)[] {
  const base: (string | number)[] = q.kind === 'scale' ? Array.from({ length: q.scaleMax ?? 5 }, (_, i) => i + 1) : q.kind === 'yes_no_partial' ? ['yes', 'partial', 'no'] : ['yes', 'no'];
  return q.naAllowed ? [...base, 'na'] : base;
}
