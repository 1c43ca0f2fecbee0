import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 17, the Twilio adapter's calls: `calls.carrier_conference_sid`: the Twilio conference (`CF…`) the call's legs meet in. Twilio creates a
 *   participant in a conference named by its friendly name (`sb-<call id>`), but updates and removes
 *   participants (hold, mute, hand over) only through the conference's SID, learnt from the conference's
 *   status callback or looked up by name.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table calls add column carrier_conference_sid text check (carrier_conference_sid ~ '^CF[0-9a-fA-F]{32}$')`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`alter table calls drop column carrier_conference_sid`]);
}
