import { z } from '@hono/zod-openapi';
import { jsonb, newId, type TelephonyAdapterKind, type TenantTx } from '@switchboard/db';
import { requestDelivery } from './delivery-wake.ts';

/**
 * The push boundary (issue 17, docs/telephony.md "Commands"): what Switchboard tells a call's adapter to do,
 * when it happens. A command is written to `telephony_commands` in the transaction of the action that caused
 * it (an operator accepts, transfers, holds…), so it exists exactly when the action committed, and is
 * delivered after commit by the delivery pass (delivery.ts), in order per call, retried until the adapter
 * acknowledges it; its `id` is the idempotency key the adapter dedupes on.
 *
 * Who receives it is the call's adapter (`calls.adapter`): 'http', the signed HTTP boundary (pushed to the
 * adapter's registered callback, or read by a polling adapter), or 'twilio', the built-in Twilio adapter
 * (api/src/twilio/executor.ts), which carries it out with Twilio's REST API.
 */

const e164 = z.string().regex(/^\+[1-9]\d{4,14}$/);
/** Where a call goes: E.164, `sip:user@host`, or `client:<identity>` (a browser leg). */
const address = z.string().min(1).max(300);
const id = z.string().uuid();

/** How an operator's voice reaches the call: a browser (Voice SDK identity), a phone number or a SIP address. */
export const operatorLegSchema = z.object({
  kind: z.enum(['browser', 'phone', 'sip', 'desk']).describe("'desk': no carrier leg configured (the simulator's desks)"),
  address: address.nullable(),
});
export type OperatorLeg = z.infer<typeof operatorLegSchema>;

export const surveyQuestionSchema = z.object({ id: z.string(), prompt: z.string(), digits: z.array(z.string()) });

export const commandSchemas = {
  /** An operator accepted the call (or it came back to them): bridge the caller to the operator's leg. */
  bridge: z.object({ callId: id, operatorId: id, leg: operatorLegSchema, record: z.enum(['on', 'paused', 'off']) }),
  /** Back to the queue (a transfer to a skill): hold music until another `bridge`. */
  requeue: z.object({ callId: id }),
  /** Leave Switchboard's hands: forward (a transfer out, an overflow or after-hours forward), or play and hang up. */
  redirect: z.object({
    callId: id,
    action: z.enum(['forward', 'callback', 'message', 'announcement']),
    forwardTo: z.string().max(300).nullable(),
    announcement: z.string().max(2000).nullable(),
    reason: z.string().max(40),
  }),
  hold: z.object({ callId: id }),
  resume: z.object({ callId: id }),
  mute: z.object({ callId: id }),
  unmute: z.object({ callId: id }),
  /** The recording command changed (on, paused for payment details, off). */
  recording: z.object({ callId: id, state: z.enum(['on', 'paused', 'off']) }),
  /** Warm transfer, step 1: hold the caller, ring `target` for the operator alone. */
  consult: z.object({ callId: id, target: address, label: z.string().max(200) }),
  /** Warm transfer, step 2: the operator leaves; the caller and the target talk. */
  consult_handover: z.object({ callId: id }),
  /** Warm transfer abandoned: the target leaves, the caller comes back off hold. */
  consult_cancel: z.object({ callId: id }),
  /** Three-way: caller, operator and `target` together (after a consult, or directly). */
  conference: z.object({ callId: id, target: address, label: z.string().max(200) }),
  /** The operator hung up: end the caller's leg, after the survey when there is one. */
  hang_up: z.object({
    callId: id,
    survey: z.object({ questions: z.array(surveyQuestionSchema), answerBy: z.string() }).nullable(),
  }),
  /** Place an outbound call (the dialer): report progress on POST /api/telephony/dials/{dialId}/progress. */
  originate: z.object({
    dialId: id,
    from: e164,
    to: e164,
    ringTimeoutSeconds: z.number().int(),
    detectMachine: z.boolean(),
    campaign: z.string(),
  }),
  /** Retention or erasure removed a call's recording: delete it where the adapter keeps it. */
  delete_recording: z.object({ ref: z.string().max(500) }),
} as const;

export type CommandKind = keyof typeof commandSchemas;
export type CommandPayload<K extends CommandKind> = z.infer<(typeof commandSchemas)[K]>;
export const commandKinds = Object.keys(commandSchemas) as CommandKind[];

export interface CommandRef {
  tenantId: string;
  adapter: TelephonyAdapterKind;
  callId?: string | null;
  dialId?: string | null;
}

/**
 * Writes a command in the caller's tenant transaction; the delivery pass sends it after commit. Returns its
 * id (the idempotency key). The payload is checked against the kind's schema: a command an adapter could
 * not read is a bug here, not there.
 */
export async function enqueueCommand<K extends CommandKind>(
  tx: TenantTx,
  ref: CommandRef,
  kind: K,
  payload: CommandPayload<K>,
  now: Date,
): Promise<string> {
  const parsed = commandSchemas[kind].parse(payload);
  const commandId = newId();
  await tx
    .insertInto('telephonyCommands')
    .values({
      tenantId: ref.tenantId,
      id: commandId,
      adapter: ref.adapter,
      callId: ref.callId ?? null,
      dialId: ref.dialId ?? null,
      kind,
      payload: jsonb(parsed),
      nextAttemptAt: now,
      createdAt: now,
    })
    .execute();
  requestDelivery();
  return commandId;
}
