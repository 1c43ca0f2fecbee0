import type { TenantTx, UserKind } from '@switchboard/db';
import { classifications, type Classification } from '../rules/fields.ts';
import { ruleFieldOf } from '../answers/service.ts';
import type { Rules } from '../rules/definition.ts';
import { maskValue, sensitiveVisibilityFor } from '../rules/visibility.ts';
import { ScriptBodySchema, type ScriptBody } from '../scripts/model.ts';
import type { ScriptAnswers } from './wrap-up.ts';

/**
 * Script answers are fields under the tenant's confidentiality rules like any other value an operator
 * types (card numbers are redacted before they are stored: wrap-up.ts). How each answer is classified:
 * - an answer a capture step copies into a classified field (customer.birth_date, order.notes…) is that
 *   field: the strictest of the fields it goes into, as the tenant's rules classify them today;
 * - any other answer — a free question, a survey or lead answer, an answer to a step the script does
 *   not (or no longer) have — is personal, like the call's notes: the client marks a question
 *   sensitive by capturing it into a sensitive field.
 * Sensitive answers are masked per viewer on every read, exactly as the field they capture is.
 */

const strictness = (c: Classification) => classifications.indexOf(c);

/** The classification of each ask step's answer in this script, under these rules. */
export function answerClassifications(body: ScriptBody, rules: Rules): Map<string, Classification> {
  const classified = new Map<string, Classification>();
  for (const step of body.steps) {
    if (step.type !== 'capture') continue;
    for (const capture of step.captures) {
      // A field the rules name, or one classified as such (a lead's phone is a customer's phone).
      const ruleField = ruleFieldOf(capture.target);
      if (!capture.from || !ruleField) continue;
      const field = rules.classification[ruleField];
      const before = classified.get(capture.from) ?? 'personal';
      classified.set(capture.from, strictness(field) > strictness(before) ? field : before);
    }
  }
  return classified;
}

/** The answers as this viewer may see them: sensitive ones masked (or left out, when hidden). */
export function answersAsSeenBy(answers: ScriptAnswers, classified: Map<string, Classification>, rules: Rules, viewer: UserKind): ScriptAnswers {
  const visibility = sensitiveVisibilityFor(viewer, rules);
  return Object.fromEntries(
    Object.entries(answers).map(([step, value]) => [step, classified.get(step) === 'sensitive' && value !== null ? maskValue(value, visibility) : value]),
  );
}

/** The classifications for a call's script (the version it was answered with); none when the call ran no script. */
export async function callAnswerClassifications(tx: TenantTx, call: { scriptId: string | null; scriptVersion: number | null }, rules: Rules) {
  if (!call.scriptId || call.scriptVersion === null) return new Map<string, Classification>();
  const version = await tx
    .selectFrom('scriptVersions')
    .select('body')
    .where('scriptId', '=', call.scriptId)
    .where('version', '=', call.scriptVersion)
    .executeTakeFirst();
  const parsed = ScriptBodySchema.safeParse(version?.body ?? { steps: [] });
  return parsed.success ? answerClassifications(parsed.data, rules) : new Map<string, Classification>();
}

/** A timeline event's detail as this viewer may see it: the script answers it carries masked per their classification. */
export function eventDetailAsSeenBy(detail: Record<string, unknown>, classified: Map<string, Classification>, rules: Rules, viewer: UserKind) {
  const answers = detail.scriptAnswers;
  if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return detail;
  return { ...detail, scriptAnswers: answersAsSeenBy(answers as ScriptAnswers, classified, rules, viewer) };
}
