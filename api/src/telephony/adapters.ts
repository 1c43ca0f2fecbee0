import type { Kysely, Transaction } from 'kysely';
import type { DB } from '@switchboard/db';

/**
 * Which adapter carries a number's calls: the built-in Twilio adapter when the number is one of the connected
 * Twilio account's (twilio_numbers, global: the provider's inventory, no tenant data), the signed HTTP
 * boundary otherwise (the simulator, or an adapter of the provider's own).
 */
export async function carriedByTwilio(db: Kysely<DB> | Transaction<DB>, number: string): Promise<boolean> {
  const row = await db
    .selectFrom('twilioNumbers as n')
    .innerJoin('twilioAccounts as a', (join) => join.on('a.id', '=', 'default'))
    .select('n.sid')
    .where('n.number', '=', number)
    .executeTakeFirst();
  return !!row;
}
