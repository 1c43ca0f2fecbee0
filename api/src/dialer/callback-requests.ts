import { sql } from 'kysely';
import { jsonb, newId, type TenantTx, type WeekWindow } from '@switchboard/db';

const allWeek: WeekWindow = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));

/**
 * A caller's callback request (after hours, or a queue overflowing with the callback action) becomes the
 * same kind of work as a campaign's callback (issue 15): a contact of the tenant's `callbacks` campaign for
 * that function, due at `at` (the function's next opening, or now), first in line for anyone with the
 * function's skill, never lost while nobody is free. The campaign is made the first time it is needed:
 * progressive, calling from the number the caller dialled, under no canvassing rules — the person asked
 * to be called (the tenant's do-not-call list still applies). A second request from the same number
 * moves the same contact rather than adding one.
 */
export async function queueCallbackRequest(
  tx: TenantTx,
  request: { id: string; function: string; phone: string; callerId: string; at: Date; timeZone: string },
  now: Date,
): Promise<void> {
  await tx
    .insertInto('campaigns')
    .values({
      tenantId: sql<string>`app.current_tenant_id()`,
      id: newId(),
      name: `Callbacks: ${request.function}`,
      function: request.function,
      kind: 'callbacks',
      callerId: request.callerId,
      mode: 'progressive',
      status: 'running',
      callingHours: jsonb(allWeek),
      retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 60, machineMinutes: 240, failedMinutes: 30, maxAttempts: 3 }),
      dispositions: jsonb([]),
      rulesProfile: 'none',
      abandonMessage: 'Sorry, we will call you back shortly.',
      createdAt: now,
      updatedAt: now,
      updatedBy: 'callback requests',
    })
    .onConflict((oc) => oc.columns(['tenantId', 'function']).where('kind', '=', 'callbacks').doNothing())
    .execute();
  const campaign = await tx.selectFrom('campaigns').select('id').where('kind', '=', 'callbacks').where('function', '=', request.function).executeTakeFirstOrThrow();
  let list = await tx.selectFrom('contactLists').select('id').where('campaignId', '=', campaign.id).orderBy('createdAt').limit(1).executeTakeFirst();
  if (!list) {
    list = { id: newId() };
    await tx.insertInto('contactLists').values({ tenantId: sql<string>`app.current_tenant_id()`, id: list.id, campaignId: campaign.id, name: 'Callback requests', createdAt: now, createdBy: 'callback requests' }).execute();
  }
  await tx
    .insertInto('campaignContacts')
    .values({
      tenantId: sql<string>`app.current_tenant_id()`,
      id: newId(),
      campaignId: campaign.id,
      listId: list.id,
      lineNumber: 1,
      phone: request.phone,
      timeZone: request.timeZone,
      nextAttemptAt: request.at,
      callbackAt: request.at,
      callbackRequestId: request.id,
      createdAt: now,
      updatedAt: now,
    })
    .onConflict((oc) =>
      oc.columns(['tenantId', 'campaignId', 'phone']).doUpdateSet({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: request.at,
        callbackAt: request.at,
        callbackOperatorId: null,
        callbackRequestId: request.id,
        updatedAt: now,
      })
      // A contact being dialled now (the first request's callback) is left to that call.
      .where('campaignContacts.state', '<>', 'dialing'),
    )
    .execute();
  await tx.updateTable('contactLists').set({ rowCount: sql<number>`(select count(*) from campaign_contacts where list_id = ${list.id})::int` }).where('id', '=', list.id).execute();
}
