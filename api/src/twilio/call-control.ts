import type { TwilioHandler } from './executor.ts';

// FOUNDATION PLACEHOLDERS: the call-control helper replaces every body (issue 17).
const todo = (kind: string): never => {
  throw new Error(`Twilio command ${kind} is not implemented yet`);
};
export const bridge: TwilioHandler<'bridge'> = async () => todo('bridge');
export const requeue: TwilioHandler<'requeue'> = async () => todo('requeue');
export const redirect: TwilioHandler<'redirect'> = async () => todo('redirect');
export const hold: TwilioHandler<'hold'> = async () => todo('hold');
export const resume: TwilioHandler<'resume'> = async () => todo('resume');
export const mute: TwilioHandler<'mute'> = async () => todo('mute');
export const unmute: TwilioHandler<'unmute'> = async () => todo('unmute');
export const consult: TwilioHandler<'consult'> = async () => todo('consult');
export const consultHandover: TwilioHandler<'consult_handover'> = async () => todo('consult_handover');
export const consultCancel: TwilioHandler<'consult_cancel'> = async () => todo('consult_cancel');
export const conference: TwilioHandler<'conference'> = async () => todo('conference');
export const hangUp: TwilioHandler<'hang_up'> = async () => todo('hang_up');
