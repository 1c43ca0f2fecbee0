import type { TwilioHandler } from './executor.ts';

// FOUNDATION PLACEHOLDERS: the outbound/recordings helper replaces them (issue 17).
export const recording: TwilioHandler<'recording'> = async () => {
  throw new Error('Twilio command recording is not implemented yet');
};
export const deleteRecording: TwilioHandler<'delete_recording'> = async () => {
  throw new Error('Twilio command delete_recording is not implemented yet');
};
