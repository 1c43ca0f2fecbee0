import type { TenantTx } from '@switchboard/db';
import type { TenantContext } from '../http/env.ts';
import { can, requirePermission } from '../http/permissions.ts';
import { forbidden } from '../http/problem.ts';
import { handledCall } from '../desk/handled-call.ts';
import { normalizePhone } from './common.ts';

/** What a capture names: the call it is taken on and the customer it is for (by id, or by phone for an upsert). */
export interface CaptureTarget {
  callId?: string | undefined;
  customerId?: string | undefined;
  /** A phone left out is the call's own number (the server fills it in): the caller by definition. */
  customer?: { phone?: string | undefined } | undefined;
}

const notOnYourCall = () => forbidden('You may capture records only on a call you are handling, for its caller.');

/** The customers that are a call's caller: the call's own, the one with the caller's number, and any a record on the call names. */
async function callersCustomers(tx: TenantTx, call: { id: string; customerId: string | null; callerNumber: string | null }): Promise<Set<string>> {
  const ids = new Set<string>(call.customerId ? [call.customerId] : []);
  if (call.callerNumber) {
    for (const row of await tx.selectFrom('customers').select('id').where('phone', '=', call.callerNumber).execute()) ids.add(row.id);
  }
  for (const table of ['orders', 'complaints', 'informationRequests'] as const) {
    const rows = await tx.selectFrom(table).select('customerId').where('callId', '=', call.id).where('customerId', 'is not', null).execute();
    for (const row of rows) ids.add(row.customerId!);
  }
  return ids;
}

/**
 * Who may write a customer, order, complaint or information request, and on what (issue 11, least
 * privilege). Tenant-wide capture (`records.capture`, the admins on either side) names any call or
 * none. On-call capture (`records.captureOnCall`, operators) must name a call of this tenant the
 * operator is handling (handledCall) and may touch only that call's caller: a customerId, or a phone
 * number of an existing customer, must be the caller's. Everything else is one 403, whether the call
 * is another operator's, another tenant's or none at all, checked before anything is written.
 */
export async function requireCaptureScope(ctx: Pick<TenantContext, 'tx' | 'access' | 'actor' | 'tenant'>, target: CaptureTarget, now: Date): Promise<void> {
  if (can(ctx.access, 'records.capture')) return;
  requirePermission(ctx, 'records.captureOnCall');
  const call = target.callId ? await handledCall(ctx.tx, ctx.actor.id, target.callId, now) : undefined;
  if (!call) throw notOnYourCall();
  if (target.customerId === undefined && target.customer === undefined) return;
  const callers = await callersCustomers(ctx.tx, call);
  if (target.customerId !== undefined && !callers.has(target.customerId)) throw notOnYourCall();
  // A number that is not a phone number is the upsert's own 400; a new number makes a new customer.
  const phone = target.customer?.phone ? normalizePhone(target.customer.phone, ctx.tenant.locale) : null;
  if (phone) {
    const existing = await ctx.tx.selectFrom('customers').select('id').where('phone', '=', phone).executeTakeFirst();
    if (existing && !callers.has(existing.id)) throw notOnYourCall();
  }
}
