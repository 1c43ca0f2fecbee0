import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import type { CommandKind, CommandPayload } from '../telephony/commands.ts';
import type { TwilioAccount, TwilioClient } from './client.ts';
import { bridge, conference, consult, consultCancel, consultHandover, hangUp, hold, mute, redirect, requeue, resume, unmute } from './call-control.ts';
import { originate } from './outbound.ts';
import { deleteRecording, recording } from './recordings.ts';

/**
 * The built-in Twilio adapter's side of the push boundary: the delivery pass (api/src/telephony/delivery.ts)
 * hands it each command of a call it carries (calls.adapter = 'twilio'), after commit and outside any
 * transaction, and it carries the command out with Twilio's REST API. A handler throws to be retried
 * (Twilio down, a 5xx); it must be safe to run twice (the pass may retry one whose answer was lost).
 *
 * Naming, so that no extra state is needed: a call's audio is the Twilio conference `sb-<call id>`; its
 * participants are labelled `caller`, `operator` and `target` (Twilio addresses a participant by label).
 */
export interface TwilioCommandContext<K extends CommandKind = CommandKind> {
  db: Kysely<DB>;
  config: Config;
  account: TwilioAccount;
  client: TwilioClient;
  now: Date;
  tenantId: string;
  command: { id: string; kind: K; payload: CommandPayload<K>; callId: string | null; dialId: string | null };
}

export type TwilioHandler<K extends CommandKind> = (ctx: TwilioCommandContext<K>) => Promise<void>;

export { conferenceName } from './twiml.ts';

export const twilioHandlers: { [K in CommandKind]: TwilioHandler<K> } = {
  bridge,
  requeue,
  redirect,
  hold,
  resume,
  mute,
  unmute,
  recording,
  consult,
  consult_handover: consultHandover,
  consult_cancel: consultCancel,
  conference,
  hang_up: hangUp,
  originate,
  delete_recording: deleteRecording,
};

export async function executeTwilioCommand(ctx: TwilioCommandContext): Promise<void> {
  const handler = twilioHandlers[ctx.command.kind] as TwilioHandler<CommandKind>;
  await handler(ctx);
}
