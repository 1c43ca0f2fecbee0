import { sql, type Kysely } from 'kysely';
import { isCallFunctionId, outbound, withTenant, type DB, type TenantTx } from '@switchboard/db';
import { startPeriodic, type StopPeriodic } from '../periodic.ts';
import { closeAttempt, dialContact, freeOperatorsQuery, lockAttemptWithContact, notifyCampaign, reserveOperator, type Campaign, type Contact } from './attempts.ts';
import { callsToPlace } from './pacing.ts';
import { loadHours } from '../hours/service.ts';
import { hoursStatus } from '../hours/status.ts';
import { keepCallerId } from './caller-id.ts';

export interface DialerReport {
  placed: number;
  previews: number;
  refused: number;
  closed: number;
}

/** An operator just made available is left to inbound routing for this long first: inbound calls are served before a dial reserves them. */
const inboundFirstMs = 1_000;
/** Contacts refused by the rules one after another before a campaign gives up its turn in this pass. */
const refusalsPerTurn = 20;
/** The rolling window the predictive pacing measures answers and abandons over. */
const pacingWindowMinutes = 60;

/**
 * One dialer pass at `now`: attempts the adapter never picked up or never finished are closed, then each
 * running campaign gets its turn in its tenant's transaction — preview and progressive reserve one free
 * operator per dial; predictive places the number of calls its pacing says. Every dial is judged by the
 * calling rules at that moment (dialContact). Cross-tenant reads are the named ones in db/src/outbound.ts.
 */
export async function dialerPass(db: Kysely<DB>, clock: Date | (() => Date), signal?: AbortSignal): Promise<DialerReport> {
  const at = typeof clock === 'function' ? clock : () => clock;
  const stop = () => signal?.throwIfAborted();
  const report: DialerReport = { placed: 0, previews: 0, refused: 0, closed: 0 };
  for (const ref of await outbound.staleAttempts(db, at())) {
    stop();
    if (await withTenant(db, ref.tenantId, (tx) => closeStaleAttempt(tx, ref.attemptId, at()))) report.closed++;
  }
  for (const ref of await outbound.runningCampaigns(db, at())) {
    stop();
    const turn = await withTenant(db, ref.tenantId, (tx) => campaignTurn(tx, ref.campaignId, at()));
    report.placed += turn.placed;
    report.previews += turn.previews;
    report.refused += turn.refused;
  }
  return report;
}

async function closeStaleAttempt(tx: TenantTx, attemptId: string, now: Date): Promise<boolean> {
  const locked = await lockAttemptWithContact(tx, attemptId);
  if (!locked) return false;
  const { attempt, contact } = locked;
  if (attempt.status === 'originating') await closeAttempt(tx, attempt, contact, 'failed', now);
  else if (attempt.status === 'ringing') await closeAttempt(tx, attempt, contact, 'no_answer', now);
  else if (attempt.status === 'preview') await closeAttempt(tx, attempt, contact, 'cancelled', now);
  else return false;
  return true;
}

/** A campaign's dates, in its tenant's zone: before its first day it waits, after its last it is finished. */
async function withinDates(tx: TenantTx, campaign: Campaign, now: Date): Promise<boolean> {
  if (!campaign.startsOn && !campaign.endsOn) return true;
  const { rows } = await sql<{ today: string }>`select to_char((${now}::timestamptz at time zone t.time_zone)::date, 'YYYY-MM-DD') as today from tenants t where t.id = app.current_tenant_id()`.execute(tx);
  const today = rows[0]!.today;
  if (campaign.endsOn && today > campaign.endsOn) {
    await tx.updateTable('campaigns').set({ status: 'finished', updatedAt: now, updatedBy: 'dialer' }).where('id', '=', campaign.id).where('status', '=', 'running').execute();
    await notifyCampaign(tx, campaign.tenantId, campaign.id);
    return false;
  }
  return !campaign.startsOn || today >= campaign.startsOn;
}

/**
 * The next contact due for a campaign, locked (SKIP LOCKED: another pass's contact is left to it):
 * callbacks first — the ones for this operator, then the ones for anyone — at their time, then the
 * others by when they are due and their line in the list. Only contacts of active (not paused) lists.
 * Two queries, each walking an index in its order (a 100,000-contact campaign is never sorted per pick):
 * callbacks by campaign_contacts_callbacks_idx, the others by campaign_contacts_due_idx.
 */
async function nextContact(tx: TenantTx, campaignId: string, operatorId: string | null, now: Date, options: { callbacksFor?: boolean } = {}): Promise<Contact | undefined> {
  const base = () =>
    tx
      .selectFrom('campaignContacts as c')
      .selectAll('c')
      .where('c.campaignId', '=', campaignId)
      .where('c.state', '=', 'pending')
      .where('c.nextAttemptAt', '<=', now)
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('contactLists as l').select('l.id').whereRef('l.tenantId', '=', 'c.tenantId').whereRef('l.id', '=', 'c.listId').where('l.status', '=', 'active')),
      );
  let callbacks = base().where('c.callbackAt', 'is not', null).where('c.callbackAt', '<=', now);
  if (options.callbacksFor && operatorId) return callbacks.where('c.callbackOperatorId', '=', operatorId).orderBy('c.callbackAt').limit(1).forUpdate('c').skipLocked().executeTakeFirst();
  callbacks = operatorId
    ? callbacks.where((eb) => eb.or([eb('c.callbackOperatorId', 'is', null), eb('c.callbackOperatorId', '=', operatorId)])).orderBy(sql`c.callback_operator_id is distinct from ${operatorId}::uuid`)
    : callbacks.where('c.callbackOperatorId', 'is', null);
  const callback = await callbacks.orderBy('c.callbackAt').limit(1).forUpdate('c').skipLocked().executeTakeFirst();
  if (callback) return callback;
  return base().where('c.callbackAt', 'is', null).orderBy('c.nextAttemptAt').orderBy('c.lineNumber').limit(1).forUpdate('c').skipLocked().executeTakeFirst();
}

/** The operator was taken meanwhile (an inbound offer, a state change): the attempt never happened. */
async function undoDial(tx: TenantTx, attemptId: string, contact: Contact, now: Date): Promise<void> {
  await tx.deleteFrom('dialAttempts').where('id', '=', attemptId).execute();
  await tx.updateTable('campaignContacts').set({ state: 'pending', attempts: contact.attempts, lastAttemptAt: contact.lastAttemptAt, updatedAt: now }).where('id', '=', contact.id).execute();
}

async function functionOpen(tx: TenantTx, campaign: Campaign, now: Date): Promise<boolean> {
  const tenant = await tx.selectFrom('tenants').select('timeZone').where('id', '=', campaign.tenantId).executeTakeFirstOrThrow();
  const fn = isCallFunctionId(campaign.function) ? campaign.function : null;
  return hoursStatus({ timeZone: tenant.timeZone, definition: await loadHours(tx) }, fn, now).open;
}

async function campaignTurn(tx: TenantTx, campaignId: string, now: Date): Promise<{ placed: number; previews: number; refused: number }> {
  const turn = { placed: 0, previews: 0, refused: 0 };
  // One turn per campaign at a time across processes: a turn another pass is taking is skipped, not doubled
  // (two predictive turns at once would each place the calls the pacing allows). The campaign row is the first lock.
  const campaign = await tx.selectFrom('campaigns').selectAll().where('id', '=', campaignId).where('status', '=', 'running').forUpdate().skipLocked().executeTakeFirst();
  if (!campaign || !(await withinDates(tx, campaign, now))) return turn;
  // The company's callback requests are called while their function is open (its hours, holidays included), never at night.
  if (campaign.kind === 'callbacks' && !(await functionOpen(tx, campaign, now))) return turn;
  const { rows: free } = await freeOperatorsQuery(tx, campaign, now, inboundFirstMs).execute(tx);
  if (!free.length) return turn;
  // Checked (and held) only when a dial may follow: an idle turn costs no lookup of the number.
  if (!(await keepCallerId(tx, campaign, now))) return turn;
  if (campaign.mode === 'predictive') {
    // A callback promised to one operator is theirs, placed for them as in progressive dialling when they are free.
    let reserved = 0;
    const promised = await tx
      .selectFrom('campaignContacts')
      .select('id')
      .where('campaignId', '=', campaign.id)
      .where('state', '=', 'pending')
      .where('callbackOperatorId', 'is not', null)
      .where('callbackAt', '<=', now)
      .limit(1)
      .executeTakeFirst();
    for (const { operatorId } of promised ? free : []) {
      const mine = await nextContact(tx, campaign.id, operatorId, now, { callbacksFor: true });
      if (!mine) continue;
      const decision = await dialContact(tx, campaign, mine, { operatorId, mode: 'callback', preview: false }, now);
      if (!decision.placed) turn.refused++;
      else if (await reserveOperator(tx, operatorId, decision.attempt.id, now)) {
        turn.placed++;
        reserved++;
      } else await undoDial(tx, decision.attempt.id, mine, now);
    }
    // The pacing counts the operators still free for whoever answers.
    const wanted = free.length - reserved > 0 ? await predictiveDials(tx, campaign, free.length - reserved, now) : 0;
    for (let i = 0; i < wanted && turn.refused < refusalsPerTurn; ) {
      const contact = await nextContact(tx, campaign.id, null, now);
      if (!contact) break;
      const decision = await dialContact(tx, campaign, contact, { operatorId: null, mode: 'predictive', preview: false }, now);
      if (decision.placed) {
        turn.placed++;
        i++;
      } else turn.refused++;
    }
  } else {
    for (const { operatorId } of free) {
      if (turn.refused >= refusalsPerTurn) break;
      let placed = false;
      while (!placed && turn.refused < refusalsPerTurn) {
        const contact = await nextContact(tx, campaign.id, operatorId, now);
        if (!contact) break;
        const preview = campaign.mode === 'preview';
        const callback = contact.callbackAt !== null;
        const decision = await dialContact(tx, campaign, contact, { operatorId, mode: callback ? 'callback' : campaign.mode, preview }, now);
        if (!decision.placed) {
          turn.refused++;
          continue;
        }
        if (!(await reserveOperator(tx, operatorId, decision.attempt.id, now))) {
          await undoDial(tx, decision.attempt.id, contact, now);
          break;
        }
        placed = true;
        if (preview) turn.previews++;
        else turn.placed++;
      }
      if (!placed) break;
    }
  }
  if (turn.placed || turn.previews) await notifyCampaign(tx, campaign.tenantId, campaign.id);
  return turn;
}

/** How many calls predictive pacing places now, from the campaign's last hour: answers per dial, abandons per answer, dials in flight. */
async function predictiveDials(tx: TenantTx, campaign: Campaign, freeOperators: number, now: Date): Promise<number> {
  const { rows } = await sql<{ dialled: number; answered: number; abandoned: number; inFlight: number }>`
    select count(*) filter (where dialled_at > ${now}::timestamptz - make_interval(mins => ${pacingWindowMinutes}) and status = 'ended')::int as dialled,
           count(*) filter (where answered_at > ${now}::timestamptz - make_interval(mins => ${pacingWindowMinutes}) or (outcome = 'abandoned' and ended_at > ${now}::timestamptz - make_interval(mins => ${pacingWindowMinutes})))::int as answered,
           count(*) filter (where outcome = 'abandoned' and ended_at > ${now}::timestamptz - make_interval(mins => ${pacingWindowMinutes}))::int as abandoned,
           count(*) filter (where status in ('originating', 'ringing'))::int as "inFlight"
    from dial_attempts
    where campaign_id = ${campaign.id} and created_at > ${now}::timestamptz - make_interval(mins => ${pacingWindowMinutes})`.execute(tx);
  const m = rows[0]!;
  return callsToPlace({
    freeOperators,
    operatorsSoonFree: 0,
    dialsInFlight: m.inFlight,
    answerRate: m.dialled ? m.answered / m.dialled : 0.3,
    abandonRate: m.answered ? m.abandoned / m.answered : 0,
    capPercent: Number(campaign.abandonCapPercent),
    maxRatio: Number(campaign.maxDialRatio),
    answeredInWindow: m.answered,
  });
}

export interface DialerDeps {
  db: Kysely<DB>;
  now: () => Date;
  intervalMs?: number;
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}

/** The dialer: a pass every second (each with a deadline, never overlapping); every process may run it. */
export function startDialer(deps: DialerDeps): StopPeriodic {
  return startPeriodic({
    name: 'Dialer pass',
    intervalMs: deps.intervalMs ?? 1_000,
    timeoutMs: deps.timeoutMs ?? 10_000,
    pass: (signal) => dialerPass(deps.db, deps.now, signal),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
