import type { TenantTx } from '@switchboard/db';

/** How far back "my recent calls" reaches: an operator completes (and captures on) their calls awaiting an outcome within it. */
export const recentDays = 7;

/**
 * A call of the tenant of the transaction that this operator is handling: on it, in its wrap-up, or
 * handled and still awaiting its outcome (a wrap-up that ran out, which they complete from My recent
 * calls, within the days that list reaches). What an operator may see (the desk's context) and capture
 * records on; any other call of the tenant is not theirs.
 */
export function handledCall(tx: TenantTx, operatorId: string, callId: string, now: Date) {
  const since = new Date(now.getTime() - recentDays * 24 * 3600 * 1000);
  return tx
    .selectFrom('calls')
    .select(['id', 'customerId', 'callerNumber'])
    .where('id', '=', callId)
    .where('operatorId', '=', operatorId)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['connected', 'wrap_up']),
        eb.and([eb('status', '=', 'completed'), eb('disposition', 'is', null), eb('answeredAt', '>=', since)]),
      ]),
    )
    .executeTakeFirst();
}
