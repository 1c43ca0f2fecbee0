import { sql, type Insertable, type Kysely } from 'kysely';
import { queueCallbackRequest } from '../dialer/callback-requests.ts';
import { isCallFunctionId, jsonb, newId, routing, withTenant, type AfterHoursAction, type CallsTable, type DB, type TelephonyAdapterKind, type TenantTx } from '@switchboard/db';
import { EVENTS_CHANNEL, type BusEvent } from '../events/publish.ts';
import { loadHours } from '../hours/service.ts';
import { hoursStatus } from '../hours/status.ts';
import type { CallEventKind } from '../routing/call-events.ts';
import { loadRules } from '../rules/service.ts';
import { suspendedAnnouncement, suspendedClosing } from '../tenants/suspension.ts';

export interface IncomingCall {
  callId: string;
  dialled: string;
  caller: string;
  /** Who carries it (calls.adapter): the signed HTTP boundary by default, 'twilio' from its voice webhook. */
  adapter?: TelephonyAdapterKind;
  /** The function the caller chose in the number's keypad menu (api/src/ivr); the number's own otherwise. */
  function?: string;
  /**
   * The walk through the number's keypad menu that led here (api/src/ivr): written on the timeline as a
   * `menu` event; `afterHours` (the menu's after-hours choice): the function's after-hours action whatever the hours.
   */
  menu?: { keys: string; afterHours?: boolean };
}

export interface IncomingAnswer {
  id: string;
  tenant: string;
  function: string;
  outcome: 'queued' | AfterHoursAction;
  forwardTo?: string;
  announcement?: string;
  /** Whether to record the call once an operator is bridged (the tenant's recording policy); the status says when to pause. */
  record: boolean;
}

const defaultAnnouncement = 'We are closed at the moment. Please call again during our opening hours.';

type AnsweredCall = { id: string; function: string; status: string; afterHoursAction: AfterHoursAction | null; forwardedTo: string | null; closedReason: string | null };

function answerFor(tenantSlug: string, call: AnsweredCall, record: boolean, announcement?: string | null): IncomingAnswer {
  const outcome = call.status === 'after_hours' && call.afterHoursAction ? call.afterHoursAction : 'queued';
  if (call.closedReason === 'tenant_suspended') announcement = suspendedAnnouncement;
  return {
    id: call.id,
    tenant: tenantSlug,
    function: call.function,
    outcome,
    ...(outcome === 'forward' && call.forwardedTo ? { forwardTo: call.forwardedTo } : {}),
    ...(outcome === 'announcement' ? { announcement: announcement ?? defaultAnnouncement } : {}),
    record: outcome === 'queued' && record,
  };
}

/** Where a forwarded after-hours call goes: the after-hours forwardTo, else the function's in-house destination. */
export async function forwardDestination(tx: TenantTx, fn: string, forwardTo: string | null): Promise<string | null> {
  if (forwardTo) return forwardTo;
  const delegation = await tx.selectFrom('delegations').select(['inHousePhone', 'inHouseEmail']).where('function', '=', fn).executeTakeFirst();
  return delegation?.inHousePhone ?? delegation?.inHouseEmail ?? null;
}

type CallValues = Insertable<CallsTable>;
type EventRow = { kind: CallEventKind; detail: Record<string, unknown> };

/**
 * Writes a new call, its first steps on the timeline, its queue entry when it waits, and the desks'
 * notice, in ONE statement (recordCallEvent's rows, one NOTIFY: the same notice twice in a transaction
 * is delivered once anyway). The foreign keys of call_queue and call_events are checked at the end of
 * the statement, after the call row exists; nothing else holds these new rows, so the lock order of
 * DESIGN.md (calls, then call_queue) has nothing to invert.
 */
async function openCall(tx: TenantTx, values: CallValues, events: EventRow[], queue: { function: string; enqueuedAt: Date } | null): Promise<AnsweredCall> {
  const ref = { tenantId: values.tenantId, callId: values.id };
  let query = tx
    .with('c', (db) => db.insertInto('calls').values(values).returning(['id', 'function', 'status', 'afterHoursAction', 'forwardedTo', 'closedReason']))
    .with('e', (db) =>
      db.insertInto('callEvents').values(
        events.map((e) => ({ ...ref, id: newId(), at: values.offeredAt, kind: e.kind, operatorId: null, detail: jsonb(e.detail) })),
      ),
    );
  if (queue) query = query.with('q', (db) => db.insertInto('callQueue').values({ ...ref, ...queue })) as unknown as typeof query;
  const notice: BusEvent = { kind: 'call', tenantId: values.tenantId, callId: values.id };
  return query
    .selectFrom('c')
    .select(['c.id', 'c.function', 'c.status', 'c.afterHoursAction', 'c.forwardedTo', 'c.closedReason', sql<string>`pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(notice)})`.as('notified')])
    .executeTakeFirstOrThrow();
}

/**
 * A call the adapter reports: the number says the tenant and function, the function's hours say
 * whether it waits in the queue or gets the after-hours action; a suspended company is closed to new
 * calls (an announcement). The tenant's recording policy says whether the adapter records it. The
 * adapter's call id makes it idempotent: the same report twice answers the same. Null when nobody
 * owns the number. One lookup of the number, then one tenant transaction whose first statement reads
 * the tenant and any call already made for this report, and whose last writes the call.
 */
export async function receiveCall(
  db: Kysely<DB>,
  input: IncomingCall,
  now: Date,
  /** The number's owner when the caller already looked it up (the menu's walk did). */
  known?: { tenantId: string; function: string },
): Promise<{ answer: IncomingAnswer; queued: boolean } | null> {
  const owner = known ?? (await routing.tenantForNumber(db, input.dialled));
  if (!owner) return null;
  const attempt = () =>
    withTenant(db, owner.tenantId, async (tx) => {
      // Shared lock: a suspension committing meanwhile is waited for, so no call is queued for a company being suspended.
      const tenant = await tx
        .selectFrom('tenants as t')
        .leftJoin('calls as c', (join) => join.on('c.externalId', '=', input.callId))
        .select(['t.id', 't.slug', 't.timeZone', 't.status', 'c.id as callId', 'c.function', 'c.status as callStatus', 'c.afterHoursAction', 'c.forwardedTo', 'c.closedReason', 'c.offeredAt'])
        .where('t.id', '=', owner.tenantId)
        .forShare('t')
        .executeTakeFirstOrThrow();
      const hours = await loadHours(tx);
      const record = (await loadRules(tx)).recordingPolicy !== 'never';
      const chosen = input.function ?? owner.function;
      const fn = isCallFunctionId(chosen) ? chosen : null;
      if (tenant.callId) {
        const existing = { id: tenant.callId, function: tenant.function!, status: tenant.callStatus!, afterHoursAction: tenant.afterHoursAction, forwardedTo: tenant.forwardedTo, closedReason: tenant.closedReason };
        const status = hoursStatus({ timeZone: tenant.timeZone, definition: hours }, fn, new Date(tenant.offeredAt!));
        return { answer: answerFor(tenant.slug, existing, record, status.afterHours?.announcement), queued: false };
      }
      const status = hoursStatus({ timeZone: tenant.timeZone, definition: hours }, fn, now);
      const id = newId();
      const base = {
        tenantId: tenant.id,
        id,
        externalId: input.callId,
        function: chosen,
        adapter: input.adapter ?? 'http',
        carrierCallSid: input.adapter === 'twilio' ? input.callId : null,
        dialledNumber: input.dialled,
        callerNumber: input.caller,
        offeredAt: now,
      };
      const offered: EventRow = { kind: 'offered', detail: { dialled: input.dialled } };
      if (tenant.status === 'suspended') {
        const call = await openCall(tx, { ...base, ...suspendedClosing, forwardedTo: null, endedAt: now }, [
          offered,
          { kind: 'after_hours', detail: { action: 'announcement', reason: 'tenant_suspended' } },
        ], null);
        return { answer: answerFor(tenant.slug, call, record), queued: false };
      }
      // The keypad menu's walk, between the offer and where it led.
      const walked: EventRow[] = input.menu ? [{ kind: 'menu', detail: { keys: input.menu.keys, function: chosen, ...(input.menu.afterHours ? { afterHours: true } : {}) } }] : [];
      if (status.open && !input.menu?.afterHours) {
        const call = await openCall(tx, { ...base, status: 'queued', afterHoursAction: null }, [
          offered,
          ...walked,
          { kind: 'queued', detail: { function: chosen, ...(record ? {} : { recording: 'never' }) } },
        ], { function: chosen, enqueuedAt: now });
        return { answer: answerFor(tenant.slug, call, record), queued: true };
      }
      const action: AfterHoursAction = status.afterHours?.action ?? 'message';
      const forwardedTo = action === 'forward' ? await forwardDestination(tx, chosen, status.afterHours?.forwardTo ?? null) : null;
      // A forward with nowhere to go leaves a message instead: the caller is never dropped silently.
      const effective: AfterHoursAction = action === 'forward' && !forwardedTo ? 'message' : action;
      const call = await openCall(tx, { ...base, status: 'after_hours', afterHoursAction: effective, forwardedTo, endedAt: now, endedBy: 'system' }, [
        offered,
        ...walked,
        { kind: 'after_hours', detail: { action: effective, forwardTo: forwardedTo, nextOpening: status.nextChange?.at ?? null } },
      ], null);
      if (effective === 'callback') {
        const requestId = newId();
        await tx
          .insertInto('callbackRequests')
          .values({ tenantId: tenant.id, id: requestId, callId: id, function: chosen, callerNumber: input.caller, requestedAt: now })
          .execute();
        // Called back when the function opens again, first in line (docs/outbound.md, callbacks).
        const opensAt = status.nextChange?.opens ? new Date(status.nextChange.at) : now;
        await queueCallbackRequest(tx, { id: requestId, function: chosen, phone: input.caller, callerId: input.dialled, at: opensAt, timeZone: tenant.timeZone }, now);
      }
      return { answer: answerFor(tenant.slug, call, record, status.afterHours?.announcement), queued: false };
    });
  try {
    return await attempt();
  } catch (error) {
    // Two reports of one call at once: the loser hits the unique adapter id, and answers what the winner made.
    if (/unique|duplicate/i.test(String((error as Error).message))) return attempt();
    throw error;
  }
}
