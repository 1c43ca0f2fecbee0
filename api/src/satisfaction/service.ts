import { sql, type RawBuilder } from 'kysely';
import type { SatisfactionOutcome, TenantTx } from '@switchboard/db';
import type { CallSettings } from '../call-handling/definition.ts';
import { loadCallSettings } from '../call-handling/service.ts';
import { publish } from '../events/publish.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { surveyClosesAt, surveyedAs, surveyFor, type Survey, type SurveyedCall } from './survey.ts';

const surveyColumns = ['id', 'tenantId', 'function', 'status', 'operatorId', 'answeredAt', 'endedAt', 'endedBy', 'closedReason', 'surveyAskedSolved'] as const;

interface CallForSurvey extends SurveyedCall {
  id: string;
  tenantId: string;
  operatorId: string | null;
  surveyAskedSolved: boolean | null;
}

async function readCall(tx: TenantTx, callId: string): Promise<CallForSurvey | undefined> {
  return tx.selectFrom('calls').select(surveyColumns).where('id', '=', callId).executeTakeFirst();
}

/**
 * As the operator hangs up (routing/lifecycle.ts, before the call's row is updated): whether this call is
 * surveyed and what is asked, under the settings of that moment — kept on the call (`surveyAskedSolved`),
 * so turning the survey or "solved?" off afterwards does not lose or misfile the caller's answers.
 */
export function surveyAtHangUp(call: SurveyedCall): RawBuilder<boolean | null> | null {
  // Whether the call may be surveyed at all is known here; whether its function asks, and what, is the
  // settings row's, read inside the statement that ends the call (no statement of its own).
  if (!surveyedAs(call, { satisfactionSurvey: { [call.function]: { askSolved: false } } as CallSettings['satisfactionSurvey'] })) return null;
  return sql<boolean | null>`(select case when s.satisfaction_survey ? ${call.function}
      then coalesce((s.satisfaction_survey -> ${call.function} ->> 'askSolved')::boolean, false) end
    from call_settings s)`;
}

/** What the caller of this call is asked (fixed at hang-up), or null when the call is not surveyed. */
function askedOf(call: CallForSurvey): { askSolved: boolean } | null {
  if (call.surveyAskedSolved === null || !call.endedAt || call.closedReason) return null;
  if (call.status !== 'wrap_up' && call.status !== 'completed') return null;
  return { askSolved: call.surveyAskedSolved };
}

/**
 * The survey the adapter is to ask for this call, now: only for a call surveyed at hang-up, within the
 * window after it ended, and not yet reported. Cheap for every other call (no settings read).
 */
export async function pendingSurvey(tx: TenantTx, callId: string, status: string, now: Date): Promise<Survey | undefined> {
  if (status !== 'wrap_up' && status !== 'completed') return undefined;
  // Adapters read a call's status often: the call, whether its survey was reported and the tenant's
  // language in one statement (three before).
  const call = await tx
    .selectFrom('calls as c')
    .innerJoin('tenants as t', 't.id', 'c.tenantId')
    .select(surveyColumns.map((column) => `c.${column}` as const))
    .select((eb) => ['t.locale', eb.exists(eb.selectFrom('callSatisfaction as s').select('s.callId').whereRef('s.callId', '=', 'c.id')).as('reported')])
    .where('c.id', '=', callId)
    .executeTakeFirst();
  const asked = call && askedOf(call);
  if (!call || !asked || surveyClosesAt(call) <= now || call.reported) return undefined;
  return surveyFor(call, asked.askSolved, call.locale);
}

export interface SatisfactionDigits {
  satisfaction?: string | null | undefined;
  solved?: string | null | undefined;
}

export interface SatisfactionResult {
  outcome: SatisfactionOutcome;
  score: number | null;
  solved: boolean | null;
  askedSolved: boolean;
  recordedAt: Date;
}

export type RecordSatisfaction =
  | { kind: 'not_surveyed' }
  | { kind: 'solved_not_asked' }
  | { kind: 'recorded'; result: SatisfactionResult }
  /** Already reported (the first report stands), or reported after the window: nothing changed. */
  | { kind: 'unchanged'; result: SatisfactionResult | null };

function outcomeOf(score: number | null, solved: boolean | null, askedSolved: boolean): SatisfactionOutcome {
  const asked = askedSolved ? 2 : 1;
  const answered = (score !== null ? 1 : 0) + (solved !== null ? 1 : 0);
  return answered === 0 ? 'not_answered' : answered === asked ? 'answered' : 'partial';
}

async function stored(tx: TenantTx, callId: string): Promise<SatisfactionResult | null> {
  const row = await tx.selectFrom('callSatisfaction').select(['outcome', 'score', 'solved', 'askedSolved', 'recordedAt']).where('callId', '=', callId).executeTakeFirst();
  return row ?? null;
}

/**
 * Keeps what the caller keyed (digits already checked at the edge): once per call, inside the window.
 * A caller who hung up before answering is a survey `not_answered` (or `partial`), never an error. The
 * score goes on the call's timeline, with the call's operator.
 */
export async function recordSatisfaction(tx: TenantTx, callId: string, digits: SatisfactionDigits, now: Date): Promise<RecordSatisfaction> {
  const call = await readCall(tx, callId);
  if (!call) return { kind: 'not_surveyed' };
  const asked = askedOf(call);
  if (!asked) return { kind: 'not_surveyed' };
  // A resent report is answered with the kept one before its digits are judged.
  const previous = await stored(tx, callId);
  if (previous || surveyClosesAt(call) <= now) return { kind: 'unchanged', result: previous };
  if (!asked.askSolved && digits.solved) return { kind: 'solved_not_asked' };
  const score = digits.satisfaction ? Number(digits.satisfaction) : null;
  const solved = asked.askSolved && digits.solved ? digits.solved === '1' : null;
  const outcome = outcomeOf(score, solved, asked.askSolved);
  const inserted = await tx
    .insertInto('callSatisfaction')
    .values({ tenantId: call.tenantId, callId, function: call.function, operatorId: call.operatorId, askedSolved: asked.askSolved, score, solved, outcome, callEndedAt: call.endedAt!, recordedAt: now })
    .onConflict((oc) => oc.columns(['tenantId', 'callId']).doNothing())
    .returning('callId')
    .executeTakeFirst();
  // A report racing this one got there first: its answer stands.
  if (!inserted) return { kind: 'unchanged', result: await stored(tx, callId) };
  await recordCallEvent(tx, call, 'satisfaction', now, { operatorId: call.operatorId, detail: { outcome, score, solved } });
  // The client's Satisfaction page refreshes (at commit; re-read under the tenant before anyone hears of it).
  await publish(tx, { kind: 'record', tenantId: call.tenantId, recordType: 'satisfaction', recordId: callId });
  return { kind: 'recorded', result: { outcome, score, solved, askedSolved: asked.askSolved, recordedAt: now } };
}
