import twilio from 'twilio';
import type { Kysely } from 'kysely';
import { isUuid, routing, withTenant, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import type { CommandPayload } from '../telephony/commands.ts';
import { pendingSurvey, recordSatisfaction } from '../satisfaction/service.ts';
import type { SatisfactionQuestionId } from '../satisfaction/survey.ts';
import { sayLanguage, type VoiceResponse } from './twiml.ts';
import { hookUrl } from './webhook.ts';

/**
 * The post-call satisfaction survey over Twilio (issue 17; issue 14 for what is asked): when the operator
 * hangs up a surveyed call, the customer's leg is redirected to `surveyTwiml` — one <Gather> per question
 * (one key), its prompt said in the company's language. Each answer goes to `/survey?call=&q=` with the
 * answers so far in the URL (signed by Twilio with the rest); after the last question the digits are
 * recorded through the satisfaction service (once per call, inside the window) and the call hangs up.
 * A key that is not one of the question's is no answer; a caller who stays silent is asked the next one.
 */

type Question = { id: string; prompt: string; digits: string[] };
type Answers = Partial<Record<SatisfactionQuestionId, string>>;

const GATHER_TIMEOUT_SECONDS = 8;

function ask(response: VoiceResponse, config: Pick<Config, 'publicUrl'>, callId: string, question: Question, answers: Answers, locale: string | null): VoiceResponse {
  const query = new URLSearchParams({ call: callId, q: question.id, ...answers });
  const gather = response.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: GATHER_TIMEOUT_SECONDS,
    action: hookUrl(config, `/survey?${query.toString()}`),
    method: 'POST',
    actionOnEmptyResult: true,
  });
  gather.say({ language: sayLanguage(locale) }, question.prompt);
  return response;
}

/** The TwiML that asks the caller the satisfaction survey by keypad (<Gather>) and reports the answers. */
export function surveyTwiml(config: Pick<Config, 'publicUrl'>, callId: string, survey: NonNullable<CommandPayload<'hang_up'>['survey']>, locale: string | null): string {
  const response = new twilio.twiml.VoiceResponse();
  const first = survey.questions[0];
  if (!first) response.hangup();
  else ask(response, config, callId, first, {}, locale);
  return response.toString();
}

const hangUp = () => {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
};

export type SurveyStep = { twiml: string; recorded: boolean };

/**
 * One answer (`Digits` for question `q`; earlier answers in `answers`): the next question, or — after the
 * last — the answers recorded and a hang-up. A call that is not (or no longer) surveyed, or whose survey
 * was already reported or has closed, just hangs up: nothing changes.
 */
export async function surveyStep(
  db: Kysely<DB>,
  config: Pick<Config, 'publicUrl'>,
  callId: string,
  q: SatisfactionQuestionId,
  answers: Answers,
  digits: string | undefined,
  now: Date,
  /** The CallSid of the leg Twilio asks from: only the call's own customer leg answers its survey. */
  callSid?: string,
): Promise<SurveyStep> {
  const tenantId = isUuid(callId) ? await routing.tenantOfCall(db, callId) : undefined;
  if (!tenantId) return { twiml: hangUp(), recorded: false };
  return withTenant(db, tenantId, async (tx) => {
    const call = await tx
      .selectFrom('calls as c')
      .innerJoin('tenants as t', 't.id', 'c.tenantId')
      .select(['c.status', 'c.carrierCallSid', 't.locale'])
      .where('c.id', '=', callId)
      .executeTakeFirstOrThrow();
    if (!call.carrierCallSid || callSid !== call.carrierCallSid) return { twiml: hangUp(), recorded: false };
    const survey = await pendingSurvey(tx, callId, call.status, now);
    const index = survey?.questions.findIndex((question) => question.id === q) ?? -1;
    if (!survey || index < 0) return { twiml: hangUp(), recorded: false };
    const question = survey.questions[index]!;
    const kept: Answers = {};
    for (const earlier of survey.questions.slice(0, index)) if (answers[earlier.id] && earlier.digits.includes(answers[earlier.id]!)) kept[earlier.id] = answers[earlier.id];
    if (digits && question.digits.includes(digits)) kept[question.id] = digits;
    const next = survey.questions[index + 1];
    if (next) return { twiml: ask(new twilio.twiml.VoiceResponse(), config, callId, next, kept, call.locale).toString(), recorded: false };
    const result = await recordSatisfaction(tx, callId, { satisfaction: kept.satisfaction ?? null, solved: kept.solved ?? null }, now);
    return { twiml: hangUp(), recorded: result.kind === 'recorded' };
  });
}
