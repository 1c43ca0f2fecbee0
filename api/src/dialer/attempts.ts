import { sql, type Selectable } from 'kysely';
import {
  newId,
  type AttemptOutcome,
  type CampaignContactsTable,
  type CampaignsTable,
  type DialAttemptsTable,
  type DialMode,
  type TenantTx,
} from '@switchboard/db';
import { publish } from '../events/publish.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { changePresence, lockPresence } from '../routing/presence.ts';
import { recordingPolicyOf } from '../recordings/service.ts';
import { recordUsage } from '../usage/record.ts';
import { checkDial } from './rules-check.ts';
import { carriedByTwilio } from '../telephony/adapters.ts';
import { commandBridge, commandOriginate } from '../telephony/enqueue.ts';
import { nextLocalMidnight } from './local-time.ts';

export type Campaign = Selectable<CampaignsTable>;
export type Contact = Selectable<CampaignContactsTable>;
export type Attempt = Selectable<DialAttemptsTable>;

/**
 * Dial attempts (docs/outbound.md). ONE LOCK ORDER for outbound, like calls → call_queue → presence for
 * inbound: `campaign_contacts` → `dial_attempts` → `calls` → `operator_presence`. The contact is locked
 * first (SKIP LOCKED when the dialer picks it, so two passes never dial one contact), the attempt next,
 * a call row is created (nothing else can hold it yet), and an operator's presence row is taken last,
 * by compare-and-set (SKIP LOCKED), so a dialer pass never waits on a desk and never closes a cycle.
 */

/** An attempt's outcome other than a person answering: when the contact may be tried again (docs/outbound.md, retries). */
export function retryDelayMinutes(campaign: Pick<Campaign, 'retryRules'>, outcome: AttemptOutcome): number | null {
  const rules = campaign.retryRules;
  switch (outcome) {
    case 'busy':
      return rules.busyMinutes;
    case 'no_answer':
      return rules.noAnswerMinutes;
    case 'machine':
      return rules.machineMinutes;
    case 'failed':
      return rules.failedMinutes;
    default:
      return null;
  }
}

const callsWindowRules = new Set(['hours', 'weekday', 'holiday', 'campaign_hours']);
/** Refusals that will never turn into a lawful dial for this campaign: the contact is excluded. */
const finalRules = new Set(['do_not_call', 'opposition', 'consent']);

export type DialDecision = { placed: true; attempt: Attempt } | { placed: false; rule: string; retryAt: Date | null };

/**
 * The rules at the moment of the dial, then the attempt. A refusal is logged (checkDial) and moves the
 * contact: excluded for good (do-not-call, opposition, no consent), or to when it may be dialled again —
 * for the hours, every due contact of the campaign in the same zone waits with it, so a closed window
 * costs one refusal per zone, not one per contact per pass. `operatorId`: the operator the attempt is
 * reserved for (preview, progressive, a callback for them), who must already be claimed by the caller.
 */
export async function dialContact(
  tx: TenantTx,
  campaign: Campaign,
  contact: Contact,
  options: { operatorId: string | null; mode: DialMode | 'callback'; preview: boolean; previewAttemptId?: string },
  now: Date,
): Promise<DialDecision> {
  const judgement = await checkDial(tx, campaign, { campaignId: campaign.id, contactId: contact.id, phone: contact.phone, timeZone: contact.timeZone, region: contact.region }, now);
  if (!judgement.ok) {
    await deferContact(tx, campaign, contact, judgement.rule, judgement.retryAt, now);
    return { placed: false, rule: judgement.rule, retryAt: judgement.retryAt };
  }
  const attempt = options.previewAttemptId
    ? await tx.updateTable('dialAttempts').set({ status: 'originating', dialledAt: now }).where('id', '=', options.previewAttemptId).returningAll().executeTakeFirstOrThrow()
    : await tx
    .insertInto('dialAttempts')
    .values({
      tenantId: contact.tenantId,
      id: newId(),
      campaignId: campaign.id,
      contactId: contact.id,
      phone: contact.phone,
      callerId: campaign.callerId,
      // A caller ID on the connected Twilio account is placed by the built-in Twilio adapter; any other by the HTTP boundary.
      adapter: (await carriedByTwilio(tx, campaign.callerId)) ? 'twilio' : 'http',
      calleeTimeZone: contact.timeZone,
      mode: options.mode,
      operatorId: options.operatorId,
      status: options.preview ? 'preview' : 'originating',
      createdAt: now,
      // A preview is not a dial yet: the operator's click is (and is judged again then).
      dialledAt: options.preview ? null : now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  // The adapter is told to place it (a preview is not a dial yet: the operator's click is).
  if (attempt.status === 'originating') await commandOriginate(tx, attempt, campaign, now);
  await tx
    .updateTable('campaignContacts')
    .set({
      state: 'dialing',
      // Counted when dialled: a preview is not a dial until the operator's click.
      attempts: options.preview ? sql<number>`attempts` : sql<number>`attempts + 1`,
      lastAttemptAt: options.preview ? sql<Date | null>`last_attempt_at` : now,
      updatedAt: now,
    })
    .where('id', '=', contact.id)
    .execute();
  return { placed: true, attempt };
}

async function deferContact(tx: TenantTx, campaign: Campaign, contact: Contact, rule: string, retryAt: Date | null, now: Date): Promise<void> {
  if (finalRules.has(rule) || !retryAt) {
    await tx.updateTable('campaignContacts').set({ state: 'excluded', lastOutcome: `refused:${rule}`, updatedAt: now }).where('id', '=', contact.id).execute();
    return;
  }
  if (callsWindowRules.has(rule)) {
    // Everyone due in the same zone (and region: its own holidays) waits for the same opening.
    // Rows another pass holds are skipped, not waited for (two passes refused in one zone never deadlock).
    await tx
      .updateTable('campaignContacts')
      .set({ nextAttemptAt: retryAt, updatedAt: now })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('campaignContacts')
          .select('id')
          .where('campaignId', '=', campaign.id)
          .where('state', '=', 'pending')
          .where('nextAttemptAt', '<=', now)
          .where('timeZone', '=', contact.timeZone)
          .where((w) => (contact.region === null ? w('region', 'is', null) : w('region', '=', contact.region)))
          .where('callbackAt', 'is', null)
          .forUpdate()
          .skipLocked(),
      )
      .execute();
  }
  await tx.updateTable('campaignContacts').set({ nextAttemptAt: retryAt, lastOutcome: `refused:${rule}`, updatedAt: now }).where('id', '=', contact.id).execute();
}

/** The attempt, locked (after its contact: the one order). */
export async function lockAttempt(tx: TenantTx, attemptId: string): Promise<Attempt | undefined> {
  return tx.selectFrom('dialAttempts').selectAll().where('id', '=', attemptId).forUpdate().executeTakeFirst();
}

async function lockContact(tx: TenantTx, contactId: string): Promise<Contact | undefined> {
  return tx.selectFrom('campaignContacts').selectAll().where('id', '=', contactId).forUpdate().executeTakeFirst();
}

async function loadCampaign(tx: TenantTx, campaignId: string): Promise<Campaign> {
  return tx.selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirstOrThrow();
}

/** The contact and its attempt, locked in the one order; the attempt's contact is read from the attempt without a lock first. */
export async function lockAttemptWithContact(tx: TenantTx, attemptId: string): Promise<{ attempt: Attempt; contact: Contact } | undefined> {
  const peek = await tx.selectFrom('dialAttempts').select('contactId').where('id', '=', attemptId).executeTakeFirst();
  if (!peek) return undefined;
  const contact = await lockContact(tx, peek.contactId);
  const attempt = await lockAttempt(tx, attemptId);
  if (!contact || !attempt) return undefined;
  return { attempt, contact };
}

/**
 * Ends an attempt that reached nobody (or was skipped, cancelled, abandoned): the outcome on the attempt
 * and the contact's history, the contact rescheduled by the campaign's retry rules (at most
 * `maxAttempts` dials, then done), and a reserved operator released to `available`.
 */
export async function closeAttempt(
  tx: TenantTx,
  attempt: Attempt,
  contact: Contact,
  outcome: AttemptOutcome,
  now: Date,
  detail: { skipReason?: string; keepSchedule?: boolean } = {},
): Promise<void> {
  const campaign = await loadCampaign(tx, attempt.campaignId);
  await tx
    .updateTable('dialAttempts')
    .set({ status: 'ended', outcome, endedAt: now, skipReason: detail.skipReason ?? null })
    .where('id', '=', attempt.id)
    .execute();
  if (detail.keepSchedule) {
    // The rules refused the dial and already said when the contact may be tried (or excluded it).
    await tx.updateTable('campaignContacts').set({ state: sql`case when state = 'dialing' then 'pending' else state end`, updatedAt: now }).where('id', '=', contact.id).execute();
    if (attempt.operatorId) await releaseDialingOperator(tx, attempt.operatorId, attempt.id, now);
    await notifyCampaign(tx, attempt.tenantId, attempt.campaignId);
    return;
  }
  let next: { state: 'pending' | 'done'; nextAttemptAt: Date };
  if (outcome === 'abandoned') {
    // Heard the campaign's message: not called again that day (in the callee's zone).
    next = { state: 'pending', nextAttemptAt: nextLocalMidnight(now, contact.timeZone) };
  } else if (outcome === 'cancelled' || outcome === 'skipped') {
    // Not dialled (a preview left or skipped): the contact goes back as it was, after the others due now.
    next = { state: 'pending', nextAttemptAt: outcome === 'skipped' ? new Date(now.getTime() + campaign.retryRules.noAnswerMinutes * 60_000) : now };
  } else {
    const delay = retryDelayMinutes(campaign, outcome) ?? campaign.retryRules.noAnswerMinutes;
    next = contact.attempts >= campaign.retryRules.maxAttempts ? { state: 'done', nextAttemptAt: now } : { state: 'pending', nextAttemptAt: new Date(now.getTime() + delay * 60_000) };
  }
  await tx
    .updateTable('campaignContacts')
    .set({
      state: next.state,
      nextAttemptAt: next.nextAttemptAt,
      lastOutcome: outcome === 'cancelled' ? contact.lastOutcome : outcome,
      // A callback that was tried and reached nobody stays a callback (first in line) until it is answered.
      updatedAt: now,
    })
    .where('id', '=', contact.id)
    // Only a contact this attempt is dialling: one excluded meanwhile (an erasure, the do-not-call key) stays excluded.
    .where('state', '=', 'dialing')
    .execute();
  if (attempt.operatorId) await releaseDialingOperator(tx, attempt.operatorId, attempt.id, now);
  await notifyCampaign(tx, attempt.tenantId, attempt.campaignId);
}

/** A reserved operator goes back to `available` if they are still dialing this attempt. */
async function releaseDialingOperator(tx: TenantTx, operatorId: string, attemptId: string, now: Date): Promise<void> {
  const presence = await lockPresence(tx, operatorId);
  if (presence?.state !== 'dialing' || presence.dialAttemptId !== attemptId) return;
  await tx.updateTable('operatorPresence').set({ dialTenantId: null, dialAttemptId: null, updatedAt: now }).where('operatorId', '=', operatorId).execute();
  await changePresence(tx, operatorId, { state: 'available' }, now);
}

/**
 * Reserves an available operator for an attempt by compare-and-set (available, no offer pending):
 * `dialing`, with the attempt on the presence row. False when someone else got to them first.
 */
export async function reserveOperator(tx: TenantTx, operatorId: string, attemptId: string, now: Date): Promise<boolean> {
  const claimed = await tx
    .updateTable('operatorPresence')
    .set({ dialTenantId: sql<string>`app.current_tenant_id()`, dialAttemptId: attemptId, updatedAt: now })
    .where('operatorId', 'in', (eb) =>
      eb.selectFrom('operatorPresence').select('operatorId').where('operatorId', '=', operatorId).where('state', '=', 'available').where('offerCallId', 'is', null).forUpdate().skipLocked(),
    )
    .returning('operatorId')
    .executeTakeFirst();
  if (!claimed) return false;
  await changePresence(tx, operatorId, { state: 'dialing' }, now);
  return true;
}

/**
 * A person answered: the call is opened, connected to the reserved operator (preview, progressive,
 * callback) or to a free operator of the campaign claimed now (predictive). Nobody free: the callee is
 * abandoned — the adapter plays the campaign's message — and counts against the abandonment cap.
 */
export async function connectAnswered(
  tx: TenantTx,
  attempt: Attempt,
  contact: Contact,
  now: Date,
): Promise<{ action: 'connect'; callId: string; operatorId: string } | { action: 'abandon'; message: string }> {
  const campaign = await loadCampaign(tx, attempt.campaignId);
  let operatorId = attempt.operatorId;
  if (operatorId) {
    const presence = await lockPresence(tx, operatorId);
    if (presence?.state !== 'dialing' || presence.dialAttemptId !== attempt.id) operatorId = null;
  }
  // Predictive, or a reserved operator who is no longer there: whoever of the campaign is free now.
  operatorId ??= await claimFreeOperator(tx, campaign, now);
  if (!operatorId) {
    await closeAttempt(tx, attempt, contact, 'abandoned', now);
    return { action: 'abandon', message: campaign.abandonMessage };
  }
  const callId = newId();
  const script = campaign.scriptId ? await latestVersion(tx, campaign.scriptId) : null;
  const recording = (await recordingPolicyOf(tx)) === 'never' ? 'off' : 'on';
  await tx
    .insertInto('calls')
    .values({
      tenantId: attempt.tenantId,
      id: callId,
      externalId: `dial:${attempt.id}`,
      direction: 'outbound',
      adapter: attempt.adapter,
      function: campaign.function,
      // Outbound: the customer's number is the caller_number column (masked like an inbound caller's); the presented caller ID is the dialled_number.
      dialledNumber: attempt.callerId,
      callerNumber: attempt.phone,
      status: 'connected',
      afterHoursAction: null,
      forwardedTo: null,
      requiredSkill: null,
      operatorId,
      customerId: contact.customerId,
      scriptId: script?.scriptId ?? null,
      scriptVersion: script?.version ?? null,
      disposition: null,
      notes: null,
      recordingRef: null,
      recordingState: recording,
      offeredAt: attempt.dialledAt ?? now,
      answeredAt: now,
      endedAt: null,
      endedBy: null,
      wrapUpEndedAt: null,
      adapterSeenAt: now,
    })
    .execute();
  await tx.updateTable('dialAttempts').set({ status: 'connected', outcome: null, callId, operatorId, answeredAt: now }).where('id', '=', attempt.id).execute();
  // Reached: until the operator's disposition says otherwise, tried again tomorrow at the earliest, and not
  // at all once the campaign's attempts are used up. A contact excluded meanwhile stays excluded.
  await tx
    .updateTable('campaignContacts')
    .set({
      state: sql`case when attempts >= ${campaign.retryRules.maxAttempts} then 'done' else 'pending' end`,
      lastOutcome: 'answered',
      nextAttemptAt: new Date(now.getTime() + 86_400_000),
      callbackAt: null,
      callbackOperatorId: null,
      updatedAt: now,
    })
    .where('id', '=', contact.id)
    .where('state', '=', 'dialing')
    .execute();
  if (contact.callbackRequestId) {
    // The caller who asked to be called back is reached: their request is done.
    await tx.updateTable('callbackRequests').set({ status: 'done' }).where('id', '=', contact.callbackRequestId).where('status', '=', 'pending').execute();
  }
  const ref = { tenantId: attempt.tenantId, id: callId };
  await tx.updateTable('operatorPresence').set({ dialTenantId: null, dialAttemptId: null, updatedAt: now }).where('operatorId', '=', operatorId).execute();
  await changePresence(tx, operatorId, { state: 'on_call', call: ref }, now);
  await commandBridge(tx, { ...ref, adapter: attempt.adapter }, operatorId, recording, now);
  await recordCallEvent(tx, ref, 'outbound_answered', now, {
    operatorId,
    detail: { campaignId: campaign.id, attemptId: attempt.id, mode: attempt.mode, scriptVersion: script?.version ?? null, recording },
  });
  await recordUsage(tx, { tenantId: attempt.tenantId, function: campaign.function, metric: 'contact_reached', quantity: 1, sourceType: 'dial_attempt', sourceId: attempt.id, occurredAt: now });
  await publish(tx, { kind: 'call', tenantId: attempt.tenantId, callId });
  await notifyCampaign(tx, attempt.tenantId, campaign.id);
  return { action: 'connect', callId, operatorId };
}

async function latestVersion(tx: TenantTx, scriptId: string): Promise<{ scriptId: string; version: number } | null> {
  const row = await tx.selectFrom('scriptVersions').select(['scriptId', 'version']).where('scriptId', '=', scriptId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ?? null;
}

/**
 * The free operators who work a campaign now, longest idle first: available with no offer pending,
 * assigned to the tenant with the campaign's function as a skill, active, past their routing delay,
 * with the confidentiality agreement signed where the tenant requires it (like inbound routing).
 */
export function freeOperatorsQuery(tx: TenantTx, campaign: Pick<Campaign, 'function'>, now: Date, minIdleMs = 0) {
  return sql<{ operatorId: string }>`
    select a.operator_id as "operatorId"
    from operator_assignments a
    join users u on u.id = a.operator_id and u.status = 'active'
    join operator_presence p on p.operator_id = a.operator_id and p.state = 'available' and p.offer_call_id is null
    left join confidentiality_rules r on r.tenant_id = a.tenant_id
    where ${campaign.function} = any(a.skills)
      and (a.confidentiality_agreement_signed_at is not null or not coalesce(r.requires_confidentiality_agreement, false))
      and p.since <= ${new Date(now.getTime() - minIdleMs)}
    order by p.since, a.operator_id`;
}

async function claimFreeOperator(tx: TenantTx, campaign: Campaign, now: Date): Promise<string | null> {
  const { rows } = await freeOperatorsQuery(tx, campaign, now).execute(tx);
  for (const { operatorId } of rows.slice(0, 5)) {
    // Compare-and-set like an inbound offer: a desk changing state meanwhile is skipped, not waited for.
    const claimed = await tx
      .updateTable('operatorPresence')
      .set({ updatedAt: now })
      .where('operatorId', 'in', (eb) =>
        eb.selectFrom('operatorPresence').select('operatorId').where('operatorId', '=', operatorId).where('state', '=', 'available').where('offerCallId', 'is', null).forUpdate().skipLocked(),
      )
      .returning('operatorId')
      .executeTakeFirst();
    if (claimed) return operatorId;
  }
  return null;
}

/** The campaign board and the desk hear of it at commit. */
export async function notifyCampaign(tx: TenantTx, tenantId: string, campaignId: string): Promise<void> {
  await publish(tx, { kind: 'campaign', tenantId, campaignId });
}

/** When an outbound call ends, its attempt ends with it (answered). */
export async function endAttemptOfCall(tx: TenantTx, callId: string, now: Date): Promise<void> {
  await tx.updateTable('dialAttempts').set({ status: 'ended', outcome: 'answered', endedAt: now }).where('callId', '=', callId).where('status', '=', 'connected').execute();
}

