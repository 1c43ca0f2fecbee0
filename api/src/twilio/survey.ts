import type { Config } from '../config.ts';
import type { CommandPayload } from '../telephony/commands.ts';

// FOUNDATION PLACEHOLDER: the outbound/recordings/survey helper replaces it (issue 17).
/** The TwiML that asks the caller the satisfaction survey by keypad (<Gather>) and reports the answers. */
export function surveyTwiml(_config: Pick<Config, 'publicUrl'>, _callId: string, _survey: NonNullable<CommandPayload<'hang_up'>['survey']>, _locale: string | null): string {
  throw new Error('surveyTwiml is not implemented yet');
}
