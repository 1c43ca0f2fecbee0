import { z } from '@hono/zod-openapi';
import { applyCampaignDisposition } from '../dialer/dispositions.ts';
import { jsonb, type TenantTx } from '@switchboard/db';
import { typedText } from '../http/validators.ts';
import { StepIdSchema } from '../scripts/model.ts';
import { handledCall } from './handled-call.ts';
import type { TenantContext } from '../http/env.ts';
import { can } from '../http/permissions.ts';
import { invalid, notFound, ProblemError, fieldError } from '../http/problem.ts';
import { publish } from '../events/publish.ts';
import { redactCardNumbers, redactCardNumbersDeep } from '../rules/card-numbers.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { loadCallSettings, lockCall, wrapUpDeadline, type CallRow } from '../routing/lifecycle.ts';
import { checkCallAnswers, storeCallAnswers } from '../answers/service.ts';

/**
 * What happens to a wrap-up besides finishing it (call-actions.ts): the desk saves the operator's
 * choice and notes as a draft while they type, the operator may extend the wrap-up once, and a call
 * whose wrap-up ran out (dispatch.ts closes it, keeping the draft) is completed later by the operator
 * who handled it — or a provider admin. Each path locks the call before the presence row.
 */

/** What a script captured, as the desk sends it with a wrap-up (card numbers are redacted before it is stored). */
export const ScriptAnswersSchema = z
  .record(StepIdSchema, z.union([typedText(2000), z.number(), z.boolean(), z.array(typedText(200)).max(50), z.null()]))
  .refine((answers) => Object.keys(answers).length <= 200, { message: 'Send at most 200 answers.' });

export type ScriptAnswers = Record<string, string | number | boolean | string[] | null>;

/** Script answers as stored with a wrap-up: no card number kept, in a text answer or a number one (masking per viewer is on read: script-answers.ts). */
export function redactAnswers(answers: ScriptAnswers): ScriptAnswers {
  return redactCardNumbersDeep(answers) as ScriptAnswers;
}

async function assertActiveCode(tx: TenantTx, code: string): Promise<void> {
  const row = await tx.selectFrom('wrapUpCodes').select('code').where('code', '=', code).where('active', '=', true).executeTakeFirst();
  if (!row) throw invalid([fieldError('disposition', 'wrap_up_code.unknown', "Choose one of the tenant's wrap-up codes.")]);
}

export interface WrapUpDraftInput {
  disposition?: string | null | undefined;
  notes?: string | undefined;
  scriptAnswers?: ScriptAnswers | undefined;
}

/**
 * Saves what the operator has chosen and typed so far on their call (connected or wrapping up), so a
 * closed tab or an expired wrap-up loses nothing. Another operator's call is a 404, like a call that
 * does not exist; a call whose wrap-up is over is a 409 (its draft is completed from recent calls).
 */
export async function saveWrapUpDraft(tx: TenantTx, operatorId: string, callId: string, input: WrapUpDraftInput, now: Date) {
  const call = await lockCall(tx, callId);
  if (!call || call.operatorId !== operatorId) throw notFound('No such call.');
  if (call.status !== 'connected' && call.status !== 'wrap_up') {
    throw new ProblemError(409, 'wrap-up-over', 'Wrap-up over', 'This call is no longer being wrapped up: complete its outcome from your recent calls.');
  }
  if (input.disposition) await assertActiveCode(tx, input.disposition);
  // Checked as the final answers are: a draft never holds an answer the wrap-up would refuse.
  const checked = await checkCallAnswers(tx, call, input.scriptAnswers);
  const notes = input.notes?.trim() ? redactCardNumbers(input.notes) : null;
  await tx
    .updateTable('calls')
    .set({
      draftDisposition: input.disposition || null,
      draftNotes: notes,
      draftScriptAnswers: checked ? jsonb(redactAnswers(checked.values as ScriptAnswers)) : null,
      draftAnswersChecked: true,
      draftSavedAt: now,
    })
    .where('id', '=', callId)
    .execute();
  return { callId, savedAt: now.toISOString() };
}

/** Once per wrap-up, by the tenant's extension time (0: not allowed), before the wrap-up has run out. */
export async function extendWrapUp(tx: TenantTx, operatorId: string, callId: string, now: Date) {
  const call = await lockCall(tx, callId);
  // Another operator's call answers as one that does not exist: no probing which call ids are real.
  if (!call || call.operatorId !== operatorId) throw notFound('No such call.');
  const presence = await tx
    .selectFrom('operatorPresence')
    .select(['state', 'callId', 'since', 'wrapUpExtendedSeconds'])
    .where('operatorId', '=', operatorId)
    .forUpdate()
    .executeTakeFirst();
  if (presence?.state !== 'wrap_up' || presence.callId !== callId) throw new ProblemError(409, 'not-your-call', 'Not your call', 'You are not wrapping up this call.');
  const settings = await loadCallSettings(tx);
  if (settings.wrapUpExtensionSeconds === 0) {
    throw new ProblemError(409, 'extension-not-allowed', 'No extension', 'This client does not allow extending a wrap-up.');
  }
  if (presence.wrapUpExtendedSeconds > 0) {
    throw new ProblemError(409, 'already-extended', 'Already extended', 'A wrap-up can be extended once; this one already was.');
  }
  if (now.getTime() >= wrapUpDeadline(presence.since, settings.wrapUpSeconds, 0).getTime()) {
    throw new ProblemError(409, 'wrap-up-over', 'Wrap-up over', 'The wrap-up time has already run out.');
  }
  await tx
    .updateTable('operatorPresence')
    .set({ wrapUpExtendedSeconds: settings.wrapUpExtensionSeconds, updatedAt: now })
    .where('operatorId', '=', operatorId)
    .execute();
  await recordCallEvent(tx, { tenantId: call.tenantId, id: callId }, 'wrap_up_extended', now, { operatorId, detail: { seconds: settings.wrapUpExtensionSeconds } });
  await publish(tx, { kind: 'presence', operatorId });
  const deadline = wrapUpDeadline(presence.since, settings.wrapUpSeconds, settings.wrapUpExtensionSeconds);
  return { callId, wrapUpDeadline: deadline.toISOString() };
}

/** A handled call whose wrap-up ran out with no outcome: what the operator completes later. */
export const needsCompleting = (call: Pick<CallRow, 'status' | 'disposition' | 'answeredAt'>) =>
  call.status === 'completed' && call.disposition === null && call.answeredAt !== null;

/** A call's outcome is final: its draft goes. */
export const clearedDraft = { draftDisposition: null, draftNotes: null, draftScriptAnswers: null, draftSavedAt: null, draftAnswersChecked: false } as const;

/** The call, if the actor may complete its outcome: the operator who handled it, or a provider admin; anyone else a 404. */
async function callToComplete(ctx: Pick<TenantContext, 'tx' | 'actor' | 'access'>, callId: string): Promise<CallRow> {
  const call = await lockCall(ctx.tx, callId);
  const mine = call?.operatorId === ctx.actor.id && can(ctx.access, 'calls.outcome.completeOwn');
  if (!call || !(mine || can(ctx.access, 'calls.outcome.completeAny'))) throw notFound('No such call.');
  return call;
}

/**
 * The form to complete a call's outcome: the call, its draft and the tenant's active wrap-up codes. An
 * operator reads it (its notes) only while the call is theirs to handle (handledCall: on it, wrapping up,
 * or awaiting its outcome within My recent calls' days), not for every call they ever took.
 */
export async function loadOutcome(ctx: Pick<TenantContext, 'tx' | 'actor' | 'access'>, callId: string, now: Date) {
  const call = await callToComplete(ctx, callId);
  if (!can(ctx.access, 'calls.outcome.completeAny') && !(await handledCall(ctx.tx, ctx.actor.id, callId, now))) throw notFound('No such call.');
  const codes = await ctx.tx.selectFrom('wrapUpCodes').select(['code', 'label']).where('active', '=', true).orderBy('label').execute();
  return { call, codes };
}

export interface CompleteOutcomeInput {
  disposition: string;
  notes?: string | undefined;
}

/**
 * Completes the outcome of a call whose wrap-up ran out: the final disposition and notes (card numbers
 * redacted) replace the draft, and the call's timeline says who completed it. A call that has its
 * outcome already, or is still being handled, is a 409.
 */
export async function completeOutcome(ctx: Pick<TenantContext, 'tx' | 'actor' | 'access'>, callId: string, input: CompleteOutcomeInput, now: Date) {
  const call = await callToComplete(ctx, callId);
  if (!needsCompleting(call)) {
    throw new ProblemError(
      409,
      'outcome-recorded',
      'Nothing to complete',
      call.disposition ? 'This call already has its outcome.' : 'This call is still being handled: its operator wraps it up.',
    );
  }
  await assertActiveCode(ctx.tx, input.disposition);
  // A draft saved before answers were typed was never checked: what no longer fits is set aside (kept in the
  // timeline), not refused — the operator completing it cannot change the answers. A newer draft passed this check when saved.
  const answers = await checkCallAnswers(ctx.tx, call, call.draftScriptAnswers as ScriptAnswers | null, { lenient: !call.draftAnswersChecked });
  const notes = input.notes?.trim() ? redactCardNumbers(input.notes.trim()) : null;
  await ctx.tx
    .updateTable('calls')
    .set({ disposition: input.disposition, notes, ...clearedDraft })
    .where('id', '=', callId)
    .execute();
  const kept = answers ? await storeCallAnswers(ctx.tx, call, answers, now) : null;
  await applyCampaignDisposition(ctx.tx, call, input.disposition, call.operatorId ?? ctx.actor.id, now);
  await recordCallEvent(ctx.tx, { tenantId: call.tenantId, id: callId }, 'disposition_completed', now, {
    operatorId: ctx.actor.id,
    detail: {
      disposition: input.disposition,
      ...(notes ? { notes } : {}),
      ...(call.draftScriptAnswers ? { scriptAnswers: call.draftScriptAnswers } : {}),
      ...(answers?.setAside.length ? { answersSetAside: answers.setAside } : {}),
      ...(kept?.notKept.length ? { answersNotKept: kept.notKept } : {}),
      ...(call.operatorId !== ctx.actor.id ? { completedBy: ctx.actor.label } : {}),
    },
  });
  return { callId, disposition: input.disposition, notes };
}
