import { sql } from 'kysely';
import { newId, type TenantTx } from '@switchboard/db';
import type { CallRow } from '../routing/lifecycle.ts';
import { recordUsage } from '../usage/record.ts';
import { notifyCampaign } from './attempts.ts';

/**
 * The operator's disposition of an outbound call moves its contact (docs/outbound.md): a success or done
 * ends it, retry tries it again after the campaign's no-answer delay, a refusal ends it and keeps the
 * number out of every campaign of the tenant for 60 days (the rules read solicitation_refusals), and
 * do-not-call puts the number on the tenant's own list. A disposition that names a usage metric (a sale,
 * a completed survey) is billed once per call. Codes the campaign does not list count as done.
 */
export async function applyCampaignDisposition(tx: TenantTx, call: Pick<CallRow, 'id' | 'tenantId' | 'direction' | 'callerNumber' | 'function'>, code: string, operatorId: string, now: Date): Promise<void> {
  if (call.direction !== 'outbound') return;
  const row = await tx
    .selectFrom('dialAttempts as a')
    .innerJoin('campaigns as c', (join) => join.onRef('c.tenantId', '=', 'a.tenantId').onRef('c.id', '=', 'a.campaignId'))
    .select(['a.contactId', 'a.campaignId', 'c.dispositions', 'c.retryRules', 'c.function'])
    .where('a.callId', '=', call.id)
    .executeTakeFirst();
  if (!row) return;
  const disposition = row.dispositions.find((d) => d.code === code);
  const outcome = disposition?.outcome ?? 'done';
  const retryAt = new Date(now.getTime() + row.retryRules.noAnswerMinutes * 60_000);
  await tx
    .updateTable('campaignContacts')
    .set({
      disposition: code,
      state: outcome === 'retry' ? sql`case when attempts >= ${row.retryRules.maxAttempts} then 'done' else 'pending' end` : outcome === 'do_not_call' ? 'excluded' : 'done',
      nextAttemptAt: outcome === 'retry' ? retryAt : now,
      updatedAt: now,
    })
    .where('id', '=', row.contactId)
    .where('state', '<>', 'excluded')
    // A callback scheduled on this call (state pending, callback_at set) is kept: the disposition names the call, the callback the next one.
    .where((eb) => eb.or([eb('callbackAt', 'is', null), eb.lit(outcome !== 'retry' && outcome !== 'done' && outcome !== 'success')]))
    .execute();
  if (outcome === 'refused') {
    await tx.insertInto('solicitationRefusals').values({ tenantId: call.tenantId, id: newId(), phone: call.callerNumber, campaignId: row.campaignId, refusedAt: now }).execute();
  }
  if (outcome === 'do_not_call') {
    await tx
      .insertInto('doNotCall')
      .values({ tenantId: call.tenantId, phone: call.callerNumber, source: 'desk', note: null, addedAt: now, addedBy: operatorId })
      .onConflict((oc) => oc.columns(['tenantId', 'phone']).doNothing())
      .execute();
  }
  if (disposition?.usageMetric) {
    await recordUsage(tx, { tenantId: call.tenantId, function: row.function, metric: disposition.usageMetric, quantity: 1, sourceType: 'call', sourceId: call.id, occurredAt: now });
  }
  await notifyCampaign(tx, call.tenantId, row.campaignId);
}

/**
 * A callee asks to be called back at a given time (their own wall clock, in their zone): the contact
 * waits for that instant and then goes first in line — for the same operator when asked, else for anyone
 * on the campaign. It is never lost: it stays due at the head of the queue until someone calls.
 */
export async function scheduleCallback(tx: TenantTx, callId: string, input: { at: Date; forOperator: string | null; note: string | null }, now: Date): Promise<{ contactId: string } | null> {
  const attempt = await tx.selectFrom('dialAttempts').select(['contactId', 'campaignId', 'tenantId']).where('callId', '=', callId).executeTakeFirst();
  if (!attempt) return null;
  await tx
    .updateTable('campaignContacts')
    .set({ state: 'pending', callbackAt: input.at, callbackOperatorId: input.forOperator, callbackNote: input.note, nextAttemptAt: input.at, updatedAt: now })
    .where('id', '=', attempt.contactId)
    .execute();
  await notifyCampaign(tx, attempt.tenantId, attempt.campaignId);
  return { contactId: attempt.contactId };
}
