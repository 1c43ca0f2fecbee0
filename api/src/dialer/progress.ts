import { withTenant, outbound, type DB, type TenantTx } from '@switchboard/db';
import type { Kysely } from 'kysely';
import { ProblemError } from '../http/problem.ts';
import { ownsCallerId } from './caller-id.ts';
import { closeAttempt, connectAnswered, dialContact, lockAttemptWithContact, notifyCampaign, type Attempt } from './attempts.ts';

export const progressEvents = ['ringing', 'answered', 'machine', 'busy', 'no_answer', 'failed'] as const;
export type ProgressEvent = (typeof progressEvents)[number];

export type ProgressAnswer =
  | { action: 'connect'; callId: string }
  | { action: 'abandon'; message: string }
  | { action: 'hang_up' }
  | { action: 'none' };

/**
 * The adapter's report on an attempt it placed (docs/telephony.md, outbound). Idempotent: an attempt
 * already past the reported step answers what it became (the call to connect, or hang up), and changes
 * nothing. `ringing` marks the attempt ringing; `answered` (a person) connects an operator or abandons;
 * a machine, busy, no answer or failure ends it and the contact is tried again by the campaign's rules.
 */
export async function reportDialProgress(
  db: Kysely<DB>,
  attemptId: string,
  event: ProgressEvent,
  now: Date,
  /** The carrier's id of the callee's leg (Twilio's CallSid), kept on the call a person's answer creates, in the same transaction. */
  options: { carrierCallSid?: string } = {},
): Promise<ProgressAnswer | null> {
  const tenantId = await outbound.tenantOfAttempt(db, attemptId);
  if (!tenantId) return null;
  return withTenant(db, tenantId, async (tx) => {
    const locked = await lockAttemptWithContact(tx, attemptId);
    if (!locked) return null;
    const { attempt, contact } = locked;
    if (attempt.status === 'preview') throw new ProblemError(409, 'not-dialled', 'Not dialled', 'The operator has not dialled this contact yet.');
    if (attempt.status === 'connected') return { action: 'connect', callId: attempt.callId! };
    if (attempt.status === 'ended') return attempt.outcome === 'abandoned' ? { action: 'abandon', message: await abandonMessage(tx, attempt) } : { action: 'hang_up' };
    switch (event) {
      case 'ringing':
        if (attempt.status === 'originating') {
          await tx.updateTable('dialAttempts').set({ status: 'ringing' }).where('id', '=', attempt.id).execute();
          await notifyCampaign(tx, attempt.tenantId, attempt.campaignId);
        }
        return { action: 'none' };
      case 'answered': {
        const answer = await connectAnswered(tx, attempt, contact, now);
        if (answer.action === 'connect' && options.carrierCallSid) {
          await tx.updateTable('calls').set({ carrierCallSid: options.carrierCallSid }).where('id', '=', answer.callId).execute();
        }
        return answer;
      }
      default:
        await closeAttempt(tx, attempt, contact, event, now);
        return { action: 'hang_up' };
    }
  });
}

async function abandonMessage(tx: TenantTx, attempt: Attempt): Promise<string> {
  const row = await tx.selectFrom('campaigns').select('abandonMessage').where('id', '=', attempt.campaignId).executeTakeFirstOrThrow();
  return row.abandonMessage;
}

/** The operator's preview: the attempt they are reserved for, still a preview. */
async function myPreview(tx: TenantTx, operatorId: string, attemptId: string) {
  const locked = await lockAttemptWithContact(tx, attemptId);
  if (!locked || locked.attempt.operatorId !== operatorId || locked.attempt.status !== 'preview') {
    throw new ProblemError(409, 'not-your-preview', 'Not your preview', 'This contact is not (or no longer) waiting for you to dial it.');
  }
  return locked;
}

/**
 * The operator dials the contact on their preview card: the rules are judged again at this moment (the
 * card may have waited), and the attempt goes to the adapter. Refused: the card closes and the refusal is
 * logged; the operator is available again.
 */
export async function dialPreview(tx: TenantTx, operatorId: string, attemptId: string, now: Date): Promise<{ status: 'originating' } | { status: 'refused'; rule: string }> {
  const { attempt, contact } = await myPreview(tx, operatorId, attemptId);
  const campaign = await tx.selectFrom('campaigns').selectAll().where('id', '=', attempt.campaignId).executeTakeFirstOrThrow();
  const list = await tx.selectFrom('contactLists').select('status').where('id', '=', contact.listId).executeTakeFirstOrThrow();
  if (contact.state !== 'dialing' || campaign.status !== 'running' || list.status !== 'active') {
    // Paused, finished, or the person excluded since the card opened: the card closes, nothing is dialled.
    await closeAttempt(tx, attempt, contact, 'cancelled', now, { keepSchedule: true });
    throw new ProblemError(409, 'not-your-preview', 'Not your preview', 'This contact can no longer be dialled: its campaign or list was paused, or the person was excluded.');
  }
  // The provider moved the caller ID to another company since the card opened: nothing is dialled in its
  // name. The contact keeps its turn; the dialer's next turn pauses the campaign (keepCallerId: the campaign
  // row is locked before contacts there, so it is not paused from here).
  if (!(await ownsCallerId(tx, campaign.callerId))) {
    await closeAttempt(tx, attempt, contact, 'cancelled', now, { keepSchedule: true });
    return { status: 'refused', rule: 'caller_id' };
  }
  // The preview's own row becomes the dial (one attempt per dial); a refusal ends it.
  const decision = await dialContact(tx, campaign, contact, { operatorId, mode: attempt.mode, preview: false, previewAttemptId: attempt.id }, now);
  if (!decision.placed) {
    const fresh = await tx.selectFrom('campaignContacts').selectAll().where('id', '=', contact.id).executeTakeFirstOrThrow();
    await closeAttempt(tx, attempt, fresh, 'cancelled', now, { keepSchedule: true });
    return { status: 'refused', rule: decision.rule };
  }
  await notifyCampaign(tx, attempt.tenantId, attempt.campaignId);
  return { status: 'originating' };
}

/** The operator skips the contact on their preview card, with a reason: tried again later by the retry rules. */
export async function skipPreview(tx: TenantTx, operatorId: string, attemptId: string, reason: string, now: Date): Promise<void> {
  const { attempt, contact } = await myPreview(tx, operatorId, attemptId);
  await closeAttempt(tx, attempt, contact, 'skipped', now, { skipReason: reason });
}

/**
 * The operator leaves `dialing` (a break, offline): a preview not yet dialled is given back; a call
 * already being placed for them cannot be taken back (409), they wait for its answer.
 */
export async function leaveDialing(tx: TenantTx, operatorId: string, attemptId: string, now: Date): Promise<void> {
  const locked = await lockAttemptWithContact(tx, attemptId);
  if (!locked) return;
  if (locked.attempt.status === 'preview') {
    await closeAttempt(tx, locked.attempt, locked.contact, 'cancelled', now);
    return;
  }
  if (locked.attempt.status === 'originating' || locked.attempt.status === 'ringing') {
    throw new ProblemError(409, 'dialing', 'A call is being placed for you', 'Wait for the callee to answer or not; you can change your status then.');
  }
}

/** The attempts waiting for the adapter, each read under its tenant (a named cross-tenant read lists their ids). */
export async function pendingDialsFor(db: Kysely<DB>) {
  const refs = await outbound.pendingDials(db);
  const byTenant = new Map<string, string[]>();
  for (const ref of refs) byTenant.set(ref.tenantId, [...(byTenant.get(ref.tenantId) ?? []), ref.attemptId]);
  const dials: { id: string; tenant: string; from: string; to: string; ringTimeoutSeconds: number; detectMachine: boolean; campaign: string; function: string }[] = [];
  for (const [tenantId, ids] of byTenant) {
    const rows = await withTenant(db, tenantId, (tx) =>
      tx
        .selectFrom('dialAttempts as a')
        .innerJoin('campaigns as c', (join) => join.onRef('c.tenantId', '=', 'a.tenantId').onRef('c.id', '=', 'a.campaignId'))
        .innerJoin('tenants as t', 't.id', 'a.tenantId')
        .select(['a.id', 't.slug', 'a.callerId', 'a.phone', 'c.ringTimeoutSeconds', 'c.mode', 'c.id as campaignId', 'c.function'])
        .where('a.id', 'in', ids)
        .where('a.status', '=', 'originating')
        // The built-in Twilio adapter places its own (an `originate` command); the HTTP boundary lists the rest.
        .where('a.adapter', '=', 'http')
        .orderBy('a.createdAt')
        .execute(),
    );
    for (const r of rows) {
      dials.push({ id: r.id, tenant: r.slug, from: r.callerId, to: r.phone, ringTimeoutSeconds: r.ringTimeoutSeconds, detectMachine: r.mode !== 'preview', campaign: r.campaignId, function: r.function });
    }
  }
  return dials;
}
