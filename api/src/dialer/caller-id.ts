import { sql } from 'kysely';
import type { TenantTx } from '@switchboard/db';
import { writeAudit } from '../audit/write.ts';
import { notifyCampaign, type Campaign } from './attempts.ts';

/**
 * Whether this number is still one of the company's (phone_numbers is under the tenant's RLS). The row is
 * held (FOR SHARE) until the dial's transaction ends: a provider moving the number meanwhile waits for it,
 * so no dial is written with a number already gone. Moving a number locks no campaign or contact: no cycle.
 */
export async function ownsCallerId(tx: TenantTx, number: string): Promise<boolean> {
  return !!(await tx.selectFrom('phoneNumbers').select('number').where('number', '=', number).forShare().executeTakeFirst());
}

/**
 * A campaign's caller ID is checked when it is saved, but the provider can move the number to another
 * company afterwards: the dialer checks it again at each turn, so a company never calls in another's name.
 * A campaign whose number has gone is paused (audited, the page says why) and cannot start again until
 * another number is chosen. The company's callback campaign has no editor and must never stop: it moves
 * to the company's number for the same function, else to any of its numbers; while the company has none
 * it skips its turns (nothing dialled) and moves by itself once a number is assigned again.
 * `campaign` is locked by the caller (the turn's first lock). Returns whether the turn may dial.
 */
export async function keepCallerId(tx: TenantTx, campaign: Campaign, now: Date): Promise<boolean> {
  if (await ownsCallerId(tx, campaign.callerId)) return true;
  if (campaign.kind === 'callbacks') {
    const next = await tx
      .selectFrom('phoneNumbers')
      .select('number')
      .orderBy(sql`function is distinct from ${campaign.function}`)
      .orderBy('createdAt')
      .orderBy('number')
      .limit(1)
      .forShare()
      .executeTakeFirst();
    if (!next) return false;
    await tx.updateTable('campaigns').set({ callerId: next.number, updatedAt: now, updatedBy: 'dialer' }).where('id', '=', campaign.id).execute();
    await writeAudit(tx, campaign.tenantId, null, { action: 'campaign.caller_id_moved', targetType: 'campaign', targetId: campaign.id, before: { callerId: campaign.callerId }, after: { callerId: next.number, reason: 'caller_id_not_owned' } });
    campaign.callerId = next.number;
    return true;
  }
  await tx.updateTable('campaigns').set({ status: 'paused', updatedAt: now, updatedBy: 'dialer' }).where('id', '=', campaign.id).where('status', '=', 'running').execute();
  await writeAudit(tx, campaign.tenantId, null, { action: 'campaign.pause', targetType: 'campaign', targetId: campaign.id, before: { status: campaign.status, callerId: campaign.callerId }, after: { status: 'paused', reason: 'caller_id_not_owned' } });
  await notifyCampaign(tx, campaign.tenantId, campaign.id);
  return false;
}
