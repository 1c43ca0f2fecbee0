import { sql } from 'kysely';
import { Temporal } from '@js-temporal/polyfill';
import { callFunctionIds, type CallFunctionId, type CallStatus, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import { notFound, forbidden } from '../http/problem.ts';
import { loadRules } from '../rules/service.ts';
import { applyRules } from '../rules/visibility.ts';
import { maskPhone, seesInClear } from '../rules/viewer.ts';
import { customerSelection, customerToJson } from '../contacts/service.ts';
import type { Rules } from '../rules/definition.ts';
import type { RecordingPolicy } from '../rules/fields.ts';
import { loadHours } from '../hours/service.ts';
import { handledCall } from './handled-call.ts';
import { functionEntry, hoursStatus, type HoursStatus } from '../hours/status.ts';
import { weekdays, type HoursDefinition, type Interval } from '../hours/definition.ts';
import { ScriptBodySchema, type ScriptBody } from '../scripts/model.ts';
import { todayIn } from '../catalog/search-config.ts';
import { directoryTargets } from '../directory/service.ts';
import { outboundOfCall } from './outbound.ts';

/**
 * Everything the operator desk shows for one call, read in the call's tenant transaction only, so
 * nothing of another client can be in it. Personal records go through the tenant's confidentiality
 * rules for this viewer (applyRules) before they leave: the browser never holds what it may not show.
 */

/** How much of the caller's past with this client the desk lists. */
export const historyLimit = 10;

export interface Viewer {
  id: string;
  kind: UserKind;
  /** Fills {{operator.name}} and {{operator.firstName}} in the script. */
  displayName?: string;
}

const isCallFunction = (value: string): value is CallFunctionId => (callFunctionIds as readonly string[]).includes(value);

/**
 * The one greeting of a tenant: the desk shows it, and a script's opening words start with it
 * ({{tenant.greeting}}, enforced at publishing), so the two can never disagree. The client's own
 * words when its rules set them (required under white label); else a neutral default.
 */
export function greetingFor(tenantName: string, rules: Pick<Rules, 'whiteLabel' | 'greetingText'>, direction: 'inbound' | 'outbound' = 'inbound'): string {
  if (rules.greetingText) return rules.greetingText;
  return direction === 'outbound' ? `Hello, this is ${tenantName}.` : `Thank you for calling ${tenantName}. How may I help you?`;
}

/** The intervals the function's schedule opens on the tenant's local date, as "11:00–14:30, 18:00–23:30" (or "closed"). */
export function hoursOn(definition: HoursDefinition, fn: CallFunctionId | null, date: string): string {
  const override = definition.overrides.find((o) => o.from <= date && date <= o.to);
  let intervals: Interval[];
  if (override) {
    intervals = override.closed ? [] : override.intervals;
  } else {
    const name = functionEntry(definition, fn)?.schedule ?? definition.defaultSchedule;
    const schedule = definition.schedules.find((s) => s.name === name);
    if (!schedule) return 'no hours set';
    intervals = schedule.week[weekdays[Temporal.PlainDate.from(date).dayOfWeek - 1]!];
  }
  return intervals.length ? intervals.map((i) => `${i.start}–${i.end}`).join(', ') : 'closed';
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function loadCallContext(tx: TenantTx, tenant: Tenant, viewer: Viewer, callId: string, now: Date) {
  if (viewer.kind === 'client_admin' || viewer.kind === 'client_member') throw forbidden('The desk is for operators and provider staff.');
  const call = await tx
    .selectFrom('calls')
    .select(['id', 'direction', 'function', 'callerNumber', 'status', 'operatorId', 'customerId', 'scriptId', 'scriptVersion', 'offeredAt', 'answeredAt', 'requiredSkill'])
    .where('id', '=', callId)
    .executeTakeFirst();
  // An operator sees the call they are handling (on it, wrapping it up, or completing its outcome);
  // another operator's call, or one of theirs long done, is as absent as another tenant's.
  if (!call || (viewer.kind === 'operator' && !(await handledCall(tx, viewer.id, callId, now)))) throw notFound();

  const fn = isCallFunction(call.function) ? call.function : null;
  const rules = await loadRules(tx);
  const definition = await loadHours(tx);
  const today = todayIn(tenant.timeZone, now);

  const script = await scriptFor(tx, call.function, call.scriptId, call.scriptVersion);

  const customerRow = await customerSelection(tx)
    .where((eb) => (call.customerId ? eb('id', '=', call.customerId) : eb('phone', '=', call.callerNumber)))
    .executeTakeFirst();
  const customer = customerRow ? customerToJson(customerRow, rules, viewer.kind) : null;

  // The caller's calls with this client: from this number, or linked to their customer record (they
  // may call from another phone). Whether they have a customer record does not decide "returning".
  const earlierCalls = () =>
    tx
      .selectFrom('calls')
      .where((eb) => eb.or([eb('callerNumber', '=', call.callerNumber), ...(customerRow ? [eb('customerId', '=', customerRow.id)] : [])]))
      .where('id', '!=', call.id);
  const calls = await earlierCalls()
    .leftJoin('wrapUpCodes', 'wrapUpCodes.code', 'calls.disposition')
    .select(['calls.id', 'calls.function', 'calls.status', 'calls.offeredAt', 'calls.answeredAt', 'calls.endedAt', 'calls.disposition', 'wrapUpCodes.label as dispositionLabel'])
    .orderBy('calls.offeredAt', 'desc')
    .limit(historyLimit)
    .execute();
  const past = await earlierCalls()
    .select((eb) => [eb.fn.countAll<string | number>().as('count'), eb.fn.max('offeredAt').as('last')])
    .executeTakeFirstOrThrow();
  const earlierCount = Number(past.count);

  // A customer's records, or (no customer record yet) those of calls from the same number.
  const callerCalls = tx.selectFrom('calls').select('id').where('callerNumber', '=', call.callerNumber);
  const orders = await tx
    .selectFrom('orders')
    .select(['id', 'number', 'status', 'items', 'currency', 'totalMinor', 'deliveryAddress', 'paymentMethod', 'paymentReference', 'notes', 'createdAt'])
    .where((eb) => eb.or([...(customerRow ? [eb('customerId', '=', customerRow.id)] : []), eb('callId', 'in', callerCalls)]))
    .where('callId', 'is distinct from', call.id)
    .orderBy('createdAt', 'desc')
    .limit(historyLimit)
    .execute();
  const complaints = await tx
    .selectFrom('complaints')
    .select(['id', 'number', 'status', 'category', 'severity', 'description', 'desiredResolution', 'dueAt', 'createdAt'])
    .where((eb) => eb.or([...(customerRow ? [eb('customerId', '=', customerRow.id)] : []), eb('callId', 'in', callerCalls)]))
    .where('callId', 'is distinct from', call.id)
    .orderBy('createdAt', 'desc')
    .limit(historyLimit)
    .execute();

  const wrapUpCodes = await tx.selectFrom('wrapUpCodes').select(['code', 'label']).where('active', '=', true).orderBy('code').execute();
  const settings = await tx.selectFrom('callSettings').select(['wrapUpSeconds']).executeTakeFirst();
  const promotions = await tx
    .selectFrom('promotions')
    .select('title')
    .where(sql<boolean>`valid_from <= ${today}::date and (valid_until is null or valid_until >= ${today}::date)`)
    .orderBy('title')
    .execute();
  const delegation = fn
    ? await tx.selectFrom('delegations').select(['inHousePhone', 'inHouseEmail']).where('function', '=', fn).executeTakeFirst()
    : undefined;
  const skillRows = await tx.selectFrom('operatorAssignments').select('skills').execute();
  const skills = [...new Set(skillRows.flatMap((r) => r.skills))].filter((s) => s !== call.function).sort();

  // The caller's number leaves masked as the rules mask a customer's phone for this viewer; the lookups
  // above ran on the stored number, and transfers dial server-side, so the desk never needs it in clear.
  const callerNumber = maskPhone(call.callerNumber, rules, viewer.kind);
  const greeting = greetingFor(tenant.name, rules, call.direction);
  const hours: HoursStatus = hoursStatus({ timeZone: tenant.timeZone, definition }, fn, now);
  const variables: Record<string, string> = {
    ...(callerNumber ? { 'caller.phone': callerNumber } : {}),
    'tenant.name': tenant.name,
    'tenant.greeting': greeting,
    'hours.today': hoursOn(definition, fn, today),
    'promotions.active': promotions.length ? promotions.map((p) => p.title).join(', ') : 'none at the moment',
  };
  if (viewer.displayName?.trim()) {
    variables['operator.name'] = viewer.displayName.trim();
    variables['operator.firstName'] = viewer.displayName.trim().split(/\s+/)[0]!;
  }
  if (customer) {
    for (const [name, value] of [
      ['caller.name', customer.name],
      ['customer.name', customer.name],
      ['customer.email', customer.email],
      ['customer.phone', customer.phone],
      ['customer.address', customer.address],
      ['customer.number', customer.accountNumber],
    ] as const) {
      if (value) variables[name] = value;
    }
  }

  return {
    call: {
      id: call.id,
      function: call.function,
      callerNumber,
      /** False when the rules mask the number for this viewer: records captured on the call then take it from the call. */
      callerNumberInClear: seesInClear('customer.phone', rules, viewer.kind),
      status: call.status as CallStatus,
      offeredAt: call.offeredAt.toISOString(),
      answeredAt: iso(call.answeredAt),
      scriptVersion: script?.version ?? null,
      requiredSkill: call.requiredSkill,
    },
    tenant: {
      slug: tenant.slug,
      name: tenant.name,
      brandColor: tenant.brandColor,
      timeZone: tenant.timeZone,
      locale: tenant.locale,
      currency: tenant.currency.trim(),
    },
    greeting,
    whiteLabel: rules.whiteLabel,
    hours,
    recordingPolicy: rules.recordingPolicy as RecordingPolicy,
    script,
    customer,
    caller: {
      returning: earlierCount > 0,
      earlierCalls: earlierCount,
      lastContactAt: past.last ? new Date(past.last).toISOString() : null,
    },
    history: {
      calls: calls.map((c) => ({ ...c, offeredAt: c.offeredAt.toISOString(), answeredAt: iso(c.answeredAt), endedAt: iso(c.endedAt) })),
      orders: orders.map((o) => ({
        ...applyRules(
          { items: o.items, deliveryAddress: o.deliveryAddress, paymentReference: o.paymentReference, notes: o.notes },
          'order',
          rules,
          viewer.kind,
        ),
        id: o.id,
        number: o.number,
        status: o.status,
        currency: o.currency.trim(),
        totalMinor: Number(o.totalMinor),
        paymentMethod: o.paymentMethod,
        createdAt: o.createdAt.toISOString(),
      })),
      complaints: complaints.map((c) => ({
        ...applyRules(
          { category: c.category, severity: c.severity, description: c.description, desiredResolution: c.desiredResolution },
          'complaint',
          rules,
          viewer.kind,
        ),
        id: c.id,
        number: c.number,
        status: c.status,
        dueAt: c.dueAt.toISOString(),
        createdAt: c.createdAt.toISOString(),
      })),
    },
    wrapUpCodes,
    outbound: call.direction === 'outbound' ? await outboundOfCall(tx, call.id, viewer, rules, now) : null,
    wrapUpSeconds: settings?.wrapUpSeconds ?? 60,
    transfer: {
      skills,
      inHouse: delegation && (delegation.inHousePhone || delegation.inHouseEmail) ? { phone: delegation.inHousePhone, email: delegation.inHouseEmail } : null,
      directory: await directoryTargets(tx),
    },
    variables,
  };
}

export type CallContext = Awaited<ReturnType<typeof loadCallContext>>;

/** The version the call recorded on accept; before that (or without one), the function's latest published version. */
async function scriptFor(tx: TenantTx, fn: string, scriptId: string | null, version: number | null): Promise<{ id: string; version: number; body: ScriptBody } | null> {
  let query = tx
    .selectFrom('scriptVersions')
    .innerJoin('scripts', 'scripts.id', 'scriptVersions.scriptId')
    .select(['scriptVersions.scriptId', 'scriptVersions.version', 'scriptVersions.body']);
  query =
    scriptId && version !== null
      ? query.where('scriptVersions.scriptId', '=', scriptId).where('scriptVersions.version', '=', version)
      : query.where('scripts.function', '=', fn).orderBy('scriptVersions.version', 'desc');
  const row = await query.limit(1).executeTakeFirst();
  return row ? { id: row.scriptId, version: row.version, body: ScriptBodySchema.parse(row.body) } : null;
}
