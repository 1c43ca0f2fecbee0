import type { TwilioHandler } from './executor.ts';

// FOUNDATION PLACEHOLDER: the outbound/recordings helper replaces it (issue 17).
export const originate: TwilioHandler<'originate'> = async () => {
  throw new Error('Twilio command originate is not implemented yet');
};
