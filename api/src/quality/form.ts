import { z } from '@hono/zod-openapi';
import { typedText } from '../http/validators.ts';

/**
 * PLACEHOLDER until the lead's form.ts (main) is merged: same contract as KPI-DESIGN.md describes.
 */
const Id = z.string().regex(/^[a-z0-9_-]{1,40}$/);
export const QuestionSchema = z.object({
  id: Id,
  text: typedText(500).pipe(z.string().min(1)),
  kind: z.enum(['yes_no', 'yes_no_partial', 'scale']),
  scaleMax: z.number().int().min(2).max(10).optional(),
  weight: z.number().min(0).max(100),
  naAllowed: z.boolean(),
  critical: z.boolean(),
  guidance: typedText(1000).optional(),
});
export const FormDefinitionSchema = z.object({
  sections: z.array(z.object({ id: Id, title: typedText(200).pipe(z.string().min(1)), questions: z.array(QuestionSchema).max(100) })).max(30),
});
export type FormDefinition = z.infer<typeof FormDefinitionSchema>;
export type Answer = 'yes' | 'no' | 'partial' | 'na' | number;

export function scoreEvaluation(definition: FormDefinition, answers: Record<string, { answer: Answer } | undefined>) {
  let num = 0;
  let den = 0;
  let criticalFailed = false;
  const perQuestion: Record<string, number | null> = {};
  for (const q of definition.sections.flatMap((s) => s.questions)) {
    const a = answers[q.id]?.answer;
    let p: number | null = null;
    if (a === 'yes') p = 1;
    else if (a === 'partial') p = 0.5;
    else if (a === 'no') p = 0;
    else if (typeof a === 'number') p = (a - 1) / ((q.scaleMax ?? 5) - 1);
    perQuestion[q.id] = p;
    if (q.critical && a === 'no') criticalFailed = true;
    if (p === null) continue;
    num += q.weight * p;
    den += q.weight;
  }
  const score = criticalFailed ? 0 : den ? Math.round((num / den) * 10000) / 100 : null;
  return { score, criticalFailed, perQuestion };
}
