import { sql, type Kysely } from 'kysely';
import { routing, withApp, withTenant, type DB, type RoutingEntry, type TenantTx } from '@switchboard/db';
import { publish } from '../events/publish.ts';
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
 * overdue wrap-ups close, then each waiting call (oldest first) is offered to the best free operator.
 * Every step is its own short tenant transaction that locks its queue row with SKIP LOCKED, so several
 * API processes can run passes at once without offering one call twice; the operator is claimed with a
 * compare-and-set on its presence row, so no operator gets two offers. The cross-tenant reads are the
 * named ones in db/src/routing.ts.
 */
export async function dispatch(db: Kysely<DB>, clock: Date | (() => Date)): Promise<DispatchReport> {
  // The ticker passes a clock, so each step is stamped when it runs: an offer made late in a long pass
  // still gets its whole timeout. Tests pass a fixed instant.
  const at = typeof clock === 'function' ? clock : () => clock;
  const report: DispatchReport = { expired: 0, returned: 0, wrapUpTimeouts: 0, offered: 0 };
  for (const ref of await routing.expiredOffers(db, at())) {
    const outcome = await withTenant(db, ref.tenantId, (tx) => expireOffer(tx, ref.callId, at()));
    if (outcome) report.expired++;
    if (outcome === 'offered') report.offered++;
  }
  for (const operatorId of await routing.wrapUpsDue(db, at())) {
    if (await closeOverdueWrapUp(db, operatorId, at())) report.wrapUpTimeouts++;
  }
  for (const ref of await routing.transfersDue(db, at())) {
    if (await withTenant(db, ref.tenantId, (tx) => returnTransfer(tx, ref.callId, at()))) report.returned++;
  }
  if (await routing.anyOperatorFree(db)) {
    // A (tenant, skill) whose oldest waiting call found nobody will not find anybody for a younger one
    // in this pass either: skip the rest of it, so a long queue costs one transaction per group, not per call.
    const exhausted = new Set<string>();
    for (const ref of await routing.waitingCalls(db)) {
      const group = `${ref.tenantId}/${ref.skill}`;
      if (exhausted.has(group)) continue;
      const outcome = await withTenant(db, ref.tenantId, (tx) => offerWaitingCall(tx, ref.callId, at()));
      if (outcome === 'offered') report.offered++;
      else if (outcome === 'nobody') exhausted.add(group);
      if (outcome === 'offered' && !(await routing.anyOperatorFree(db))) break;
    }
  }
  return report;
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
