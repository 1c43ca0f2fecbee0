import { sql, type Kysely } from 'kysely';
import { jsonb, newId, routing, withApp, withTenant, type DB, type RoutingEntry, type TenantTx } from '@switchboard/db';
import { EVENTS_CHANNEL, publish } from '../events/publish.ts';
import { recordCallEvent } from './call-events.ts';
import { appendDeclined, loadCallSettings, lockCall, lockCallUnlessBusy, wrapUpDeadline } from './lifecycle.ts';
import { changePresence, claimForOffer, markNotResponding, releaseOffer } from './presence.ts';
import { agreementRequired, eligibleAssignments } from './eligibility.ts';

export interface DispatchReport {
  expired: number;
  returned: number;
  wrapUpTimeouts: number;
  offered: number;
}

/**
 * One routing pass at `now`: expired offers move on, transfers nobody took go back to who made them,
 * overdue wrap-ups close, then the waiting calls (oldest first) are matched to the best free operators
 * in a set: one cross-tenant query lists every (call × operator who may take it) pair, the matching is
 * done in memory, and each tenant's offers are claimed together in one short tenant transaction (see
 * offerWaitingCalls). Calls and queue rows are locked with SKIP LOCKED, so several API processes can run
 * passes at once without offering one call twice; operators are claimed with a compare-and-set on their
 * presence row, so no operator gets two offers. The cross-tenant reads are the named ones in
 * db/src/routing.ts.
 */
export async function dispatch(db: Kysely<DB>, clock: Date | (() => Date), signal?: AbortSignal): Promise<DispatchReport> {
  // The ticker passes a clock, so each step is stamped when it runs: an offer made late in a long pass
  // still gets its whole timeout. Tests pass a fixed instant.
  const at = typeof clock === 'function' ? clock : () => clock;
  const report: DispatchReport = { expired: 0, returned: 0, wrapUpTimeouts: 0, offered: 0 };
  // A pass given up at its deadline stops between steps rather than going on beside the next pass.
  const stop = () => signal?.throwIfAborted();
  for (const ref of await routing.expiredOffers(db, at())) {
    stop();
    const outcome = await withTenant(db, ref.tenantId, (tx) => expireOffer(tx, ref.callId, at()));
    if (outcome) report.expired++;
    if (outcome === 'offered') report.offered++;
  }
  for (const operatorId of await routing.wrapUpsDue(db, at())) {
    stop();
    if (await closeOverdueWrapUp(db, operatorId, at())) report.wrapUpTimeouts++;
  }
  for (const ref of await routing.transfersDue(db, at())) {
    stop();
    if (await withTenant(db, ref.tenantId, (tx) => returnTransfer(tx, ref.callId, at()))) report.returned++;
  }
  stop();
  report.offered += await offerWaitingCalls(db, at, stop);
  return report;
}

/** One offer a pass means to make: this call to this operator (`restart`: everyone eligible had let it pass, a new round begins). */
export interface PlannedOffer {
  tenantId: string;
  callId: string;
  operatorId: string;
  priority: number;
  restart: boolean;
}

/**
 * Matches waiting calls to free operators from the candidate pairs (ordered oldest call first, then
 * priority, then longest idle): each call gets the best operator nobody earlier in the pass took, skipping
 * those who let it pass in this round; when everyone eligible has, the round starts again rather than
 * leave the caller waiting forever.
 */
export function planOffers(candidates: routing.OfferCandidate[]): PlannedOffer[] {
  const taken = new Set<string>();
  const byCall = new Map<string, routing.OfferCandidate[]>();
  for (const c of candidates) {
    const list = byCall.get(c.callId);
    if (list) list.push(c);
    else byCall.set(c.callId, [c]);
  }
  const plans: PlannedOffer[] = [];
  for (const pairs of byCall.values()) {
    const free = pairs.filter((c) => !taken.has(c.operatorId));
    if (!free.length) continue;
    const fresh = free.find((c) => !c.declined);
    const chosen = fresh ?? free[0]!;
    taken.add(chosen.operatorId);
    plans.push({ tenantId: chosen.tenantId, callId: chosen.callId, operatorId: chosen.operatorId, priority: chosen.priority, restart: !fresh });
  }
  return plans;
}

/** How many tenants' claims a pass runs side by side (each its own transaction and connection). */
const claimConcurrency = 4;

/**
 * The waiting calls of every tenant, offered in a few statements: one query for the candidate pairs,
 * then one tenant transaction per tenant with offers to make, which claims them all at once; the
 * tenants' claims run side by side (a few at a time), so the last tenant's offers do not wait for every
 * other tenant's commit. Each operator is planned once per round, so the claims do not compete for one;
 * every lock they take is SKIP LOCKED, so they never wait on each other. A pair another process got to
 * first (call locked or offered, operator claimed) is left out; the pass then tries again with fresh
 * candidates, a few times at most.
 */
async function offerWaitingCalls(db: Kysely<DB>, at: () => Date, stop: () => void): Promise<number> {
  let offered = 0;
  for (let round = 0; round < 3; round++) {
    const plans = planOffers(await routing.offerCandidates(db, at()));
    if (!plans.length) break;
    const byTenant = new Map<string, PlannedOffer[]>();
    for (const plan of plans) byTenant.set(plan.tenantId, [...(byTenant.get(plan.tenantId) ?? []), plan]);
    const pending = [...byTenant.values()];
    let missed = 0;
    let failure: { error: unknown } | undefined;
    const claimer = async () => {
      // After a failure (or the pass's deadline) no further tenant is started; those running finish.
      for (let tenantPlans = pending.shift(); tenantPlans && !failure; tenantPlans = pending.shift()) {
        try {
          stop();
          const made = await withTenant(db, tenantPlans[0]!.tenantId, (tx) => claimOffers(tx, tenantPlans, at()));
          offered += made;
          missed += tenantPlans.length - made;
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(claimConcurrency, pending.length) }, claimer));
    if (failure) throw failure.error;
    if (!missed) break;
  }
  return offered;
}

/**
 * Makes one tenant's planned offers in one statement whatever their number (a round trip costs more than
 * the planning here: pnpm bench:routing timed a claim of four statements at more than half of an offer's way to
 * the desk under load). In the one lock order: the calls (NO KEY UPDATE, so a timeline insert elsewhere does not stop
 * us), their queue rows still waiting for an offer, then the operators' presence by compare-and-set
 * (available, no offer pending). Every lock is SKIP LOCKED: the statement never waits on a row another
 * transaction holds (another process, an accept, a state change), so it can be in no deadlock; a pair it
 * skips is offered in a later pass. Then the queue rows, the timeline and the notifications, for the
 * pairs claimed only: every data-modifying part of a WITH runs to completion, and PostgreSQL delivers the
 * notifications at commit, one each. Returns how many offers were made.
 */
export async function claimOffers(tx: TenantTx, plans: PlannedOffer[], now: Date): Promise<number> {
  const tenantId = plans[0]?.tenantId;
  if (!tenantId) return 0;
  const offerRows = jsonb(plans.map((p) => ({ call_id: p.callId, operator_id: p.operatorId, restart: p.restart, priority: p.priority, event_id: newId() })));
  const { rows } = await sql<{ notified: unknown }>`
    with v as (select * from jsonb_to_recordset(${offerRows}) as v(call_id uuid, operator_id uuid, restart boolean, priority int, event_id uuid)),
    locked_calls as (select c.id from calls c where c.id in (select call_id from v) for no key update skip locked),
    waiting as (
      select q.call_id from call_queue q
      where q.tenant_id = ${tenantId} and q.call_id in (select id from locked_calls) and q.offered_to is null
      for update skip locked),
    free as (
      select p.operator_id from operator_presence p join v on v.operator_id = p.operator_id
      where v.call_id in (select call_id from waiting) and p.state = 'available' and p.offer_call_id is null
        -- Re-checked under the tenant's row-level security, in this transaction: an assignment removed
        -- or an account disabled since the candidates were read gets no offer.
        and exists (select 1 from operator_assignments a where a.operator_id = p.operator_id)
        and exists (select 1 from users u where u.id = p.operator_id and u.status = 'active')
      for update of p skip locked),
    claimed as (
      update operator_presence p
      set offer_tenant_id = ${tenantId}, offer_call_id = v.call_id, updated_at = ${now}
      from v
      where p.operator_id = v.operator_id and p.operator_id in (select operator_id from free)
        -- The pair's own call, locked and waiting: never a call of another pair naming the same operator.
        and v.call_id in (select call_id from waiting)
        and p.state = 'available' and p.offer_call_id is null
      returning v.call_id, v.operator_id, v.restart, v.priority, v.event_id),
    offered as (
      update call_queue q
      set offered_to = c.operator_id,
          offer_expires_at = ${now}::timestamptz + make_interval(secs => coalesce((select s.offer_timeout_seconds from call_settings s), 15)),
          declined_by = case when c.restart then '{}'::uuid[] else q.declined_by end
      from claimed c
      where q.tenant_id = ${tenantId} and q.call_id = c.call_id
      returning q.call_id),
    timeline as (
      insert into call_events (tenant_id, id, call_id, at, kind, operator_id, detail)
      select ${tenantId}, c.event_id, c.call_id, ${now}, 'offered_to', c.operator_id, jsonb_build_object('priority', c.priority)
      from claimed c
      returning id)
    select pg_notify(${EVENTS_CHANNEL}, e.payload) as notified
    from claimed c
    cross join lateral (values
      (json_build_object('kind', 'call', 'tenantId', ${tenantId}::text, 'callId', c.call_id)::text),
      (json_build_object('kind', 'offer', 'tenantId', ${tenantId}::text, 'callId', c.call_id, 'operatorId', c.operator_id)::text)) as e(payload)`.execute(tx);
  // Two notifications per offer made: the call's and the offer's.
  return rows.length / 2;
}

/**
 * An offer ran out unanswered: the operator is marked not responding (so they are not offered it, or
 * anything else, again until they come back) and the call goes at once to the next operator who may take
 * it. Locks the call first, then its queue row, then presence — the order accept takes — so an accept
 * racing the expiry waits or is skipped, never deadlocks, and exactly one of them wins.
 */
async function expireOffer(tx: TenantTx, callId: string, now: Date): Promise<'offered' | 'waiting' | false> {
  const locked = await lockCallUnlessBusy(tx, callId);
  if (!locked) return false;
  const call = { tenantId: locked.tenantId, id: locked.id };
  const row = await tx
    .selectFrom('callQueue')
    .selectAll()
    .where('callId', '=', callId)
    .where('offeredTo', 'is not', null)
    .where('offerExpiresAt', '<=', now)
    .forUpdate()
    .executeTakeFirst();
  if (!row?.offeredTo) return false;
  const missedBy = row.offeredTo;
  await tx
    .updateTable('callQueue')
    .set({ offeredTo: null, offerExpiresAt: null, declinedBy: appendDeclined(missedBy) })
    .where('callId', '=', callId)
    .execute();
  await releaseOffer(tx, missedBy, callId, now);
  const notResponding = await markNotResponding(tx, missedBy, call, now);
  await publish(tx, { kind: 'offer', tenantId: row.tenantId, callId, operatorId: missedBy });
  await recordCallEvent(tx, call, 'offer_expired', now, { operatorId: missedBy, detail: { notResponding } });
  return (await offerWaitingCall(tx, callId, now)) === 'offered' ? 'offered' : 'waiting';
}

/** A transfer nobody answered: offered back to the operator who made it (with its note) if they can take it, else back to the function's queue. */
async function returnTransfer(tx: TenantTx, callId: string, now: Date): Promise<boolean> {
  // The call before its queue row (docs/locking.md): a caller hanging up holds the call and deletes the row.
  if (!(await lockCallUnlessBusy(tx, callId))) return false;
  const row = await tx
    .selectFrom('callQueue')
    .selectAll()
    .where('callId', '=', callId)
    .where('returnTo', 'is not', null)
    .where('offeredTo', 'is', null)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (!row?.returnTo) return false;
  const settings = await loadCallSettings(tx);
  if (now.getTime() < new Date(row.enqueuedAt).getTime() + settings.transferTimeoutSeconds * 1000) return false;
  const ref = { tenantId: row.tenantId, id: callId };
  const returnTo = row.returnTo;
  // The operator is usually still wrapping up the call they transferred: they may take it back from there.
  const claimed = await claimForOffer(tx, returnTo, ref, ['available', 'wrap_up'], now);
  await tx
    .updateTable('callQueue')
    .set({
      returnTo: null,
      requiredSkill: null,
      ...(claimed ? { offeredTo: returnTo, offerExpiresAt: new Date(now.getTime() + settings.offerTimeoutSeconds * 1000) } : {}),
    })
    .where('callId', '=', callId)
    .execute();
  await tx.updateTable('calls').set({ requiredSkill: null }).where('id', '=', callId).execute();
  await recordCallEvent(tx, ref, 'transfer_returned', now, {
    operatorId: returnTo,
    detail: { note: row.returnNote, skill: row.requiredSkill, to: claimed ? 'operator' : 'queue' },
  });
  if (claimed) {
    await recordCallEvent(tx, ref, 'offered_to', now, { operatorId: returnTo, detail: { returned: true } });
    await publish(tx, { kind: 'offer', tenantId: row.tenantId, callId, operatorId: returnTo });
  }
  return true;
}

interface Candidate {
  operatorId: string;
  priority: number;
  delaySeconds: number;
  idleSince: number;
}

function routingEntry(routingJson: unknown, skill: string): RoutingEntry {
  const entry = (routingJson as Record<string, Partial<RoutingEntry>> | null)?.[skill];
  return { priority: entry?.priority ?? 1, delaySeconds: entry?.delaySeconds ?? 0 };
}

/** Operators who may be offered the call now: available, free, serving the skill, past their delay, with the agreement if the tenant requires one. */
async function candidatesFor(tx: TenantTx, row: { requiredSkill: string | null; function: string; enqueuedAt: Date | string }, now: Date): Promise<Candidate[]> {
  const skill = row.requiredSkill ?? row.function;
  const rows = await eligibleAssignments(tx, await agreementRequired(tx))
    .innerJoin('operatorPresence as p', 'p.operatorId', 'a.operatorId')
    .select(['a.operatorId', 'a.routing', 'p.since'])
    .where('p.state', '=', 'available')
    .where('p.offerCallId', 'is', null)
    .where(sql<boolean>`${skill} = any(a.skills)`)
    .execute();
  const waitedMs = now.getTime() - new Date(row.enqueuedAt).getTime();
  return rows
    .map((r) => ({ operatorId: r.operatorId, ...routingEntry(r.routing, skill), idleSince: new Date(r.since).getTime() }))
    .filter((c) => waitedMs >= c.delaySeconds * 1000)
    .sort((a, b) => a.priority - b.priority || a.idleSince - b.idleSince || (a.operatorId < b.operatorId ? -1 : 1));
}

/** `nobody`: no operator may take this call now (so none may take a younger one of the same skill); `skipped`: locked or gone. */
async function offerWaitingCall(tx: TenantTx, callId: string, now: Date): Promise<'offered' | 'nobody' | 'skipped'> {
  const row = await tx
    .selectFrom('callQueue')
    .selectAll()
    .where('callId', '=', callId)
    .where('offeredTo', 'is', null)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (!row) return 'skipped';
  const eligible = await candidatesFor(tx, row, now);
  if (!eligible.length) return 'nobody';
  let candidates = eligible.filter((c) => !row.declinedBy.includes(c.operatorId));
  if (!candidates.length) {
    // Everyone who could take it has let it pass: start the round again rather than leave the caller waiting forever.
    candidates = eligible;
    await tx.updateTable('callQueue').set({ declinedBy: sql<string[]>`'{}'::uuid[]` }).where('callId', '=', callId).execute();
  }
  const ref = { tenantId: row.tenantId, id: callId };
  for (const candidate of candidates) {
    if (!(await claimForOffer(tx, candidate.operatorId, ref, ['available'], now))) continue;
    const settings = await loadCallSettings(tx);
    await tx
      .updateTable('callQueue')
      .set({ offeredTo: candidate.operatorId, offerExpiresAt: new Date(now.getTime() + settings.offerTimeoutSeconds * 1000) })
      .where('callId', '=', callId)
      .execute();
    await recordCallEvent(tx, ref, 'offered_to', now, { operatorId: candidate.operatorId, detail: { priority: candidate.priority } });
    await publish(tx, { kind: 'offer', tenantId: row.tenantId, callId, operatorId: candidate.operatorId });
    return 'offered';
  }
  return 'nobody';
}

/**
 * Wrap-up past the tenant's time (plus the extension taken): the call closes with no final disposition
 * but keeps the draft the desk saved (the operator completes it from their recent calls), and the
 * operator is available again. The call is locked before the presence row, the one order every path
 * that touches both follows, so this never deadlocks against the operator's own wrap-up.
 */
async function closeOverdueWrapUp(db: Kysely<DB>, operatorId: string, now: Date): Promise<boolean> {
  const presence = await withApp(db, (tx) =>
    tx.selectFrom('operatorPresence').select(['state', 'callTenantId', 'callId']).where('operatorId', '=', operatorId).executeTakeFirst(),
  );
  if (presence?.state !== 'wrap_up') return false;
  const close = async (run: TenantTx) => {
    const call = presence.callId ? await lockCall(run, presence.callId) : undefined;
    const locked = await run
      .selectFrom('operatorPresence')
      .select(['state', 'since', 'callId', 'wrapUpExtendedSeconds'])
      .where('operatorId', '=', operatorId)
      .forUpdate()
      .executeTakeFirst();
    if (locked?.state !== 'wrap_up' || locked.callId !== presence.callId) return false;
    const settings = await loadCallSettings(run);
    if (now < wrapUpDeadline(locked.since, settings.wrapUpSeconds, locked.wrapUpExtendedSeconds)) return false;
    if (call) {
      const closes = call.status === 'wrap_up' && call.operatorId === operatorId;
      if (closes) {
        await run.updateTable('calls').set({ status: 'completed', disposition: null, wrapUpEndedAt: now }).where('id', '=', call.id).execute();
      }
      const draft = closes && call.draftSavedAt ? { draftKept: true } : {};
      await recordCallEvent(run, { tenantId: call.tenantId, id: call.id }, 'wrap_up_timeout', now, { operatorId, detail: draft });
    }
    await changePresence(run, operatorId, { state: 'available' }, now);
    return true;
  };
  if (presence.callTenantId) return withTenant(db, presence.callTenantId, close);
  // A wrap-up with no call (should not happen): just make the operator available.
  await withApp(db, (tx) => changePresence(tx, operatorId, { state: 'available' }, now));
  return true;
}
