import type { TenantTx } from '@switchboard/db';
import { ProblemError } from '../http/problem.ts';
import { publish } from '../events/publish.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { releaseOffer } from '../routing/presence.ts';
import { commandRedirect } from '../telephony/enqueue.ts';

/**
 * A suspended company is closed to new calls (issue 11, finding 9): a call that arrives gets this
 * announcement instead of a queue, and the calls waiting when it is suspended are withdrawn with it.
 * A call already answered is in progress: it may finish (talk, transfer, wrap-up, outcome).
 */
export const suspendedAnnouncement = 'This line is not available at the moment. Please call again later.';

/** What a call closed because its company is suspended says on its timeline and to the adapter. */
export const suspendedClosing = {
  status: 'after_hours',
  afterHoursAction: 'announcement',
  closedReason: 'tenant_suspended',
  endedBy: 'system',
} as const;

export const suspendedProblem = (tenantName: string, detail = 'its data can be read but not changed') =>
  new ProblemError(403, 'tenant-suspended', 'Tenant suspended', `${tenantName} is suspended: ${detail}.`, undefined, {}, { params: { tenant: tenantName } });

/**
 * Withdraws every queued call of the transaction's tenant that no operator has answered yet: out of the
 * queue, its offer taken back from the operator's desk, closed with the announcement and the reason.
 * Locks each call before its queue row and the operator's presence (the one order for a call). Answers
 * how many were withdrawn.
 */
export async function withdrawNewCalls(tx: TenantTx, now: Date): Promise<number> {
  const waiting = await tx
    .selectFrom('calls')
    .select(['tenantId', 'id', 'offeredAt', 'adapter'])
    .where('status', '=', 'queued')
    .where('answeredAt', 'is', null)
    .orderBy('id')
    .forNoKeyUpdate() // as lockCall: excludes other writers of the call, not the key-share lock of an event insert (docs/locking.md)
    .execute();
  for (const call of waiting) {
    const removed = await tx.deleteFrom('callQueue').where('callId', '=', call.id).returning(['offeredTo']).executeTakeFirst();
    const ref = { tenantId: call.tenantId, id: call.id };
    if (removed?.offeredTo) {
      await releaseOffer(tx, removed.offeredTo, call.id, now);
      await publish(tx, { kind: 'offer', tenantId: call.tenantId, callId: call.id, operatorId: removed.offeredTo });
      await recordCallEvent(tx, ref, 'offer_withdrawn', now, { operatorId: removed.offeredTo, detail: { reason: 'tenant_suspended' } });
    }
    await tx
      .updateTable('calls')
      .set({ ...suspendedClosing, endedAt: now })
      .where('id', '=', call.id)
      .execute();
    await recordCallEvent(tx, ref, 'after_hours', now, {
      detail: { action: 'announcement', reason: 'tenant_suspended', waitedSeconds: Math.floor((now.getTime() - new Date(call.offeredAt).getTime()) / 1000) },
    });
    await commandRedirect(tx, call, { action: 'announcement', forwardTo: null, announcement: suspendedAnnouncement, reason: 'tenant_suspended' }, now);
  }
  return waiting.length;
}
