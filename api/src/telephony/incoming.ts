import type { Kysely } from 'kysely';
import { isCallFunctionId, newId, routing, withApp, withTenant, type AfterHoursAction, type DB, type TenantTx } from '@switchboard/db';
import { loadHours } from '../hours/service.ts';
import { hoursStatus } from '../hours/status.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { loadRules } from '../rules/service.ts';
import { suspendedAnnouncement, suspendedClosing } from '../tenants/suspension.ts';

export interface IncomingCall {
  callId: string;
  dialled: string;
  caller: string;
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

/**
 * A call the adapter reports: the number says the tenant and function, the function's hours say
 * whether it waits in the queue or gets the after-hours action; a suspended company is closed to new
 * calls (an announcement). The tenant's recording policy says whether the adapter records it. The
 * adapter's call id makes it idempotent: the same report twice answers the same. Null when nobody
 * owns the number.
 */
export async function receiveCall(db: Kysely<DB>, input: IncomingCall, now: Date): Promise<{ answer: IncomingAnswer; queued: boolean } | null> {
  const owner = await routing.tenantForNumber(db, input.dialled);
  if (!owner) return null;
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'timeZone']).where('id', '=', owner.tenantId).executeTakeFirstOrThrow());
  const attempt = () =>
    withTenant(db, tenant.id, async (tx) => {
      // Shared lock: a suspension committing meanwhile is waited for, so no call is queued for a company being suspended.
      const { status: tenantStatus } = await tx.selectFrom('tenants').select('status').where('id', '=', tenant.id).forShare().executeTakeFirstOrThrow();
      const existing = await tx.selectFrom('calls').selectAll().where('externalId', '=', input.callId).executeTakeFirst();
      const hours = await loadHours(tx);
      const record = (await loadRules(tx)).recordingPolicy !== 'never';
      const fn = isCallFunctionId(owner.function) ? owner.function : null;
      if (existing) {
        const status = hoursStatus({ timeZone: tenant.timeZone, definition: hours }, fn, new Date(existing.offeredAt));
        return { answer: answerFor(tenant.slug, existing, record, status.afterHours?.announcement), queued: false };
      }
      const status = hoursStatus({ timeZone: tenant.timeZone, definition: hours }, fn, now);
      const id = newId();
      const ref = { tenantId: tenant.id, id };
      const base = {
        tenantId: tenant.id,
        id,
        externalId: input.callId,
        function: owner.function,
        dialledNumber: input.dialled,
        callerNumber: input.caller,
        offeredAt: now,
      };
      if (tenantStatus === 'suspended') {
        const call = await tx.insertInto('calls').values({ ...base, ...suspendedClosing, forwardedTo: null, endedAt: now }).returningAll().executeTakeFirstOrThrow();
        await recordCallEvent(tx, ref, 'offered', now, { detail: { dialled: input.dialled } });
        await recordCallEvent(tx, ref, 'after_hours', now, { detail: { action: 'announcement', reason: 'tenant_suspended' } });
        return { answer: answerFor(tenant.slug, call, record), queued: false };
      }
      if (status.open) {
        const call = await tx.insertInto('calls').values({ ...base, status: 'queued', afterHoursAction: null }).returningAll().executeTakeFirstOrThrow();
        await tx.insertInto('callQueue').values({ tenantId: tenant.id, callId: id, function: owner.function, enqueuedAt: now }).execute();
        await recordCallEvent(tx, ref, 'offered', now, { detail: { dialled: input.dialled } });
        await recordCallEvent(tx, ref, 'queued', now, { detail: { function: owner.function, ...(record ? {} : { recording: 'never' }) } });
        return { answer: answerFor(tenant.slug, call, record), queued: true };
      }
      const action: AfterHoursAction = status.afterHours?.action ?? 'message';
      const forwardedTo = action === 'forward' ? await forwardDestination(tx, owner.function, status.afterHours?.forwardTo ?? null) : null;
      // A forward with nowhere to go leaves a message instead: the caller is never dropped silently.
      const effective: AfterHoursAction = action === 'forward' && !forwardedTo ? 'message' : action;
      const call = await tx
        .insertInto('calls')
        .values({ ...base, status: 'after_hours', afterHoursAction: effective, forwardedTo, endedAt: now, endedBy: 'system' })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (effective === 'callback') {
        await tx
          .insertInto('callbackRequests')
          .values({ tenantId: tenant.id, id: newId(), callId: id, function: owner.function, callerNumber: input.caller, requestedAt: now })
          .execute();
      }
      await recordCallEvent(tx, ref, 'offered', now, { detail: { dialled: input.dialled } });
      await recordCallEvent(tx, ref, 'after_hours', now, {
        detail: { action: effective, forwardTo: forwardedTo, nextOpening: status.nextChange?.at ?? null },
      });
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
