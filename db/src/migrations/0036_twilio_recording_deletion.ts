import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 17, Twilio recordings: when the retention job removes a call's `twilio:RE…` recording reference it
 * also tells the Twilio adapter to delete the recording there (a `delete_recording` command written in the
 * same statement, api/src/retention/plan.ts), so its role may add commands (under the tenant's RLS policy).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`grant insert on telephony_commands to switchboard_retention`]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`revoke insert on telephony_commands from switchboard_retention`]);
}
