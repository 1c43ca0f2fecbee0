import { z } from '@hono/zod-openapi';
import { typedText } from '../http/validators.ts';
import { callFunctionIds, callFunctions, complaintSeverities, type CallFunctionId } from '@switchboard/db';
import { AfterHoursSchema } from '../hours/definition.ts';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * How the provider handles a tenant's calls (the call_settings row) and the numbers callers dial to
 * reach it (phone_numbers). The same documents are what the API answers and what the `callHandling`
 * section of a tenant file holds. A tenant with no settings row is handled with the defaults below,
 * which are the table's own column defaults.
 */

export const defaultCallSettings = {
  offerTimeoutSeconds: 15,
  wrapUpSeconds: 60,
  answerTargetSeconds: 20,
  transferTimeoutSeconds: 30,
  wrapUpExtensionSeconds: 0,
  complaintDueDays: { low: 10, medium: 5, high: 2, critical: 1 },
  maxQueueWaitSeconds: 300,
  connectedSilenceMinutes: 240,
} as const;

/** What a function's overflowing call gets when the tenant has not said: a message (the caller is never dropped silently). */
export const defaultOverflow = { action: 'message' } as const;

const seconds = (min: number, max: number, what: string) =>
  z
    .number({ error: 'Enter a whole number of seconds.' })
    .int('Enter a whole number of seconds.')
    .min(min, `${what} is at least ${min} seconds.`)
    .max(max, `${what} is at most ${max} seconds.`);

const minutes = (min: number, max: number, what: string) =>
  z
    .number({ error: 'Enter a whole number of minutes.' })
    .int('Enter a whole number of minutes.')
    .min(min, `${what} is at least ${min} minutes.`)
    .max(max, `${what} is at most ${max} minutes.`);

/** Per function, what a call that waited past the maximum gets (the after-hours actions); a function left out takes a message. */
export const QueueOverflowSchema = z
  .strictObject(Object.fromEntries(callFunctionIds.map((id) => [id, AfterHoursSchema.optional()])) as Record<CallFunctionId, z.ZodOptional<typeof AfterHoursSchema>>)
  .openapi('QueueOverflow', { example: { order_taking: { action: 'forward', forwardTo: '+33142868299' }, complaints: { action: 'callback' } } });
export type QueueOverflow = z.output<typeof QueueOverflowSchema>;

/** A function whose callers are asked, after a handled call, how satisfied they were (1–5) and, if `askSolved`, whether their problem was solved. */
export const SatisfactionSurveyEntrySchema = z
  .strictObject({
    askSolved: z.boolean({ error: 'Say whether the caller is also asked if their problem was solved.' }).default(false).openapi({
      description: 'Also ask "was your problem solved?" (1 yes, 2 no) after the 1–5 satisfaction question',
    }),
  })
  .openapi('SatisfactionSurveyEntry');

/** Per function, the post-call satisfaction survey; a function left out is not surveyed. */
export const SatisfactionSurveySchema = z
  .strictObject(
    Object.fromEntries(callFunctionIds.map((id) => [id, SatisfactionSurveyEntrySchema.optional()])) as Record<CallFunctionId, z.ZodOptional<typeof SatisfactionSurveyEntrySchema>>,
  )
  .superRefine((survey, ctx) => {
    // Only an inbound call has a caller to ask once the operator hangs up.
    for (const f of callFunctions) {
      if (f.direction !== 'inbound' && survey[f.id]) ctx.addIssue({ code: 'custom', path: [f.id], message: `${f.label} is an outbound function: only inbound functions can be surveyed.` });
    }
  })
  .openapi('SatisfactionSurvey', { example: { order_taking: { askSolved: true } } });
export type SatisfactionSurvey = z.output<typeof SatisfactionSurveySchema>;

const dueDays = z
  .number({ error: 'Enter a whole number of days.' })
  .int('Enter a whole number of days.')
  .min(1, 'A complaint is due at least 1 day after it is recorded.')
  .max(365, 'Use at most 365 days.');

export const ComplaintDueDaysSchema = z
  .strictObject({
    low: dueDays.default(defaultCallSettings.complaintDueDays.low),
    medium: dueDays.default(defaultCallSettings.complaintDueDays.medium),
    high: dueDays.default(defaultCallSettings.complaintDueDays.high),
    critical: dueDays.default(defaultCallSettings.complaintDueDays.critical),
  })
  .openapi('ComplaintDueDays', { example: { low: 10, medium: 5, high: 2, critical: 1 } });

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

export const CallSettingsSchema = z
  .strictObject({
    offerTimeoutSeconds: seconds(5, 120, 'The offer time').default(defaultCallSettings.offerTimeoutSeconds).openapi({
      description: 'An offer an operator has not accepted within this goes to the next operator',
    }),
    wrapUpSeconds: seconds(0, 900, 'The wrap-up time').default(defaultCallSettings.wrapUpSeconds).openapi({
      description: 'How long an operator has to wrap up a call before being made available again',
    }),
    answerTargetSeconds: seconds(1, 600, 'The answer target').default(defaultCallSettings.answerTargetSeconds).openapi({
      description: 'Service level: calls answered within this many seconds of being queued',
    }),
    transferTimeoutSeconds: seconds(5, 300, 'The transfer time').default(defaultCallSettings.transferTimeoutSeconds).openapi({
      description: 'A transfer not answered within this comes back to the operator who made it',
    }),
    wrapUpExtensionSeconds: seconds(0, 600, 'The wrap-up extension').default(defaultCallSettings.wrapUpExtensionSeconds).openapi({
      description: 'An operator may extend a wrap-up once by this many seconds; 0: not allowed',
    }),
    complaintDueDays: ComplaintDueDaysSchema.default({ ...defaultCallSettings.complaintDueDays }).openapi({
      description: 'Days a complaint has to be resolved in, per severity',
    }),
    maxQueueWaitSeconds: seconds(30, 3600, 'The maximum queue wait').default(defaultCallSettings.maxQueueWaitSeconds).openapi({
      description: "A caller waiting in the queue longer than this (and not being offered to an operator) gets the function's overflow action",
    }),
    queueOverflow: QueueOverflowSchema.default({}).openapi({
      description: 'Per function, what a call that waited past the maximum gets: message, callback, forward (to forwardTo, else the in-house line) or announcement; left out: message',
    }),
    connectedSilenceMinutes: minutes(5, 1440, 'The connected-call limit').default(defaultCallSettings.connectedSilenceMinutes).openapi({
      description: 'A connected call the telephony adapter has said nothing about (no report, no keep-alive) for this long is closed and its operator freed',
    }),
    satisfactionSurvey: SatisfactionSurveySchema.default({}).openapi({
      description: 'Per function, the post-call satisfaction survey (CSAT) the telephony adapter asks by keypad after a handled call; a function left out is not surveyed',
    }),
  })
  .superRefine((settings, ctx) => {
    for (const [fn, overflow] of Object.entries(settings.queueOverflow)) {
      if (!overflow) continue;
      const at = (field: string) => ['queueOverflow', fn, field];
      if (overflow.forwardTo !== undefined && overflow.action !== 'forward') {
        ctx.addIssue({ code: 'custom', path: at('forwardTo'), message: 'Only a forward has a destination.', params: { code: 'hours.forward_only' } });
      }
      if (overflow.action === 'announcement' && overflow.announcement === undefined) {
        ctx.addIssue({ code: 'custom', path: at('announcement'), message: 'Enter the announcement text.', params: { code: 'hours.announcement_required' } });
      }
      if (overflow.announcement !== undefined && overflow.action !== 'announcement') {
        ctx.addIssue({ code: 'custom', path: at('announcement'), message: 'Only an announcement has a text.', params: { code: 'hours.announcement_only' } });
      }
    }
    // A more severe complaint is never due later than a milder one.
    const order = complaintSeverities;
    for (let i = 1; i < order.length; i++) {
      const milder = order[i - 1]!;
      const severe = order[i]!;
      if (settings.complaintDueDays[severe] > settings.complaintDueDays[milder]) {
        ctx.addIssue({
          code: 'custom',
          path: ['complaintDueDays', severe],
          message: `A ${severe} complaint cannot be due later than a ${milder} one (${days(settings.complaintDueDays[milder])}).`,
        });
      }
    }
  })
  .openapi('CallSettings', {
    example: {
      offerTimeoutSeconds: 20,
      wrapUpSeconds: 45,
      answerTargetSeconds: 30,
      transferTimeoutSeconds: 40,
      wrapUpExtensionSeconds: 30,
      complaintDueDays: { low: 14, medium: 7, high: 3, critical: 1 },
      maxQueueWaitSeconds: 240,
      queueOverflow: { order_taking: { action: 'callback' } },
      connectedSilenceMinutes: 180,
      satisfactionSurvey: { order_taking: { askSolved: true } },
    },
  });

export type CallSettings = z.output<typeof CallSettingsSchema>;
export type CallSettingsInput = z.input<typeof CallSettingsSchema>;

/** The fields in one order, so two equal settings compare equal as JSON. */
export function normalizeCallSettings(s: CallSettings): CallSettings {
  const d = s.complaintDueDays;
  return {
    offerTimeoutSeconds: s.offerTimeoutSeconds,
    wrapUpSeconds: s.wrapUpSeconds,
    answerTargetSeconds: s.answerTargetSeconds,
    transferTimeoutSeconds: s.transferTimeoutSeconds,
    wrapUpExtensionSeconds: s.wrapUpExtensionSeconds,
    complaintDueDays: { low: d.low, medium: d.medium, high: d.high, critical: d.critical },
    maxQueueWaitSeconds: s.maxQueueWaitSeconds,
    queueOverflow: normalizeOverflow(s.queueOverflow),
    connectedSilenceMinutes: s.connectedSilenceMinutes,
    satisfactionSurvey: normalizeSatisfactionSurvey(s.satisfactionSurvey),
  };
}

function normalizeSatisfactionSurvey(survey: SatisfactionSurvey): SatisfactionSurvey {
  const out: SatisfactionSurvey = {};
  for (const id of callFunctionIds) {
    const entry = survey[id];
    if (entry) out[id] = { askSolved: entry.askSolved };
  }
  return out;
}

/** Functions in their catalogue order, each entry's fields in one order. */
function normalizeOverflow(overflow: QueueOverflow): QueueOverflow {
  const out: QueueOverflow = {};
  for (const id of callFunctionIds) {
    const entry = overflow[id];
    if (!entry) continue;
    out[id] = { action: entry.action, ...(entry.forwardTo !== undefined ? { forwardTo: entry.forwardTo } : {}), ...(entry.announcement !== undefined ? { announcement: entry.announcement } : {}) };
  }
  return out;
}

/**
 * A dialled number in E.164, or null when it is not a valid number: libphonenumber-js knows each
 * country's number ranges, so a number with a digit too few is refused here rather than never ringing.
 */
export function toE164(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim());
  return parsed?.isValid() ? parsed.number : null;
}

export const phoneNumberMessage = 'Use a valid international number with its country code, such as +33 1 42 86 82 01.';

export const PhoneNumberSchema = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const e164 = toE164(value);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: phoneNumberMessage });
      return z.NEVER;
    }
    return e164;
  })
  .openapi({ type: 'string', example: '+33142868201' });

export const PhoneNumberBodySchema = z
  .strictObject({
    function: z.enum(callFunctionIds, { error: 'Choose one of the call-center functions.' }).openapi({ description: 'The function a call to this number is for' }),
    label: typedText(120).default('').openapi({ description: 'What the number is, for people: where it is printed' }),
  })
  .openapi('PhoneNumberBody', { example: { function: 'order_taking', label: 'Commandes — flyer Paris 11e' } });

/** A number as a tenant file lists it. */
export const PhoneNumberEntrySchema = z.strictObject({ number: PhoneNumberSchema, ...PhoneNumberBodySchema.shape });
export type PhoneNumberEntry = z.output<typeof PhoneNumberEntrySchema>;

export const byNumber = (a: { number: string }, b: { number: string }) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
