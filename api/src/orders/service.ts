import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { compiledOnce, jsonb, newId, orderStatuses, paymentMethods, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, invalid, notFound, fieldError, type FieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { EVENTS_CHANNEL, publish, type BusEvent } from '../events/publish.ts';
import { recordUsage } from '../usage/record.ts';
import type { Rules } from '../rules/definition.ts';
import { applyRules, exportableFields } from '../rules/visibility.ts';
import { findCardNumbers } from '../rules/card-numbers.ts';
import { SkuSchema } from '../catalog/schemas.ts';
import { CustomerBriefSchema, CustomerInputSchema, customerBrief, upsertCustomer, withCallerPhone } from '../contacts/service.ts';
import { boundary, iso, optionalFreeText } from '../records/common.ts';
import { EXPORT_ROW_LIMIT, type ExportColumn, type ExportTable } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';
import type { Language } from '@switchboard/db/languages';
import { typedIdentifier } from '../http/validators.ts';
import { describeLine, priceLines, type OrderLine } from './pricing.ts';


const computedKeys = ['unitPriceMinor', 'lineTotalMinor', 'priceMinor', 'subtotalMinor', 'discountMinor', 'totalMinor', 'currency', 'number', 'status'];
/** Unknown keys are refused, prices above all: a client that thinks it sets a price learns at once that it does not. */
const strictKeys = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys'
      ? (issue.keys ?? []).some((k) => computedKeys.includes(k))
        ? `Prices, totals and numbers are computed by the server; leave out ${issue.keys!.join(', ')}.`
        : `Unknown field${issue.keys!.length > 1 ? 's' : ''}: ${issue.keys!.join(', ')}.`
      : undefined,
};

export const OrderLineInputSchema = z
  .strictObject(
    {
      itemId: z.uuid().optional().openapi({ description: 'The catalog item (or give its sku)' }),
      sku: SkuSchema.optional(),
      quantity: z.number().int('Use a whole quantity.').min(1, 'Order at least 1.').max(99, 'At most 99 of one item per line.'),
      options: z
        .record(z.string().max(80), z.union([z.string().max(80), z.array(z.string().max(80)).max(50)]))
        .default({})
        .openapi({ description: 'Option group name → choice name (or names, for a group that allows several)' }),
    },
    strictKeys,
  )
  .superRefine((line, ctx) => {
    if (!line.itemId === !line.sku) ctx.addIssue({ code: 'custom', path: ['itemId'], message: 'Name the item by its itemId or its sku (one of them).', params: { code: 'one_of', fields: ['itemId', 'sku'] } });
  });

export const OrderInputSchema = z
  .strictObject(
    {
      callId: z.uuid().optional().openapi({ description: 'The call the order was taken on' }),
      customerId: z.uuid().optional(),
      customer: CustomerInputSchema.optional().openapi({ description: 'Created, or updated by its phone number' }),
      items: z.array(OrderLineInputSchema).min(1, 'Add at least one item.').max(50, 'At most 50 lines.'),
      deliveryAddress: optionalFreeText(500),
      deliveryTime: z.iso.datetime({ offset: true, error: 'Use an ISO date-time such as 2025-03-01T19:30:00+01:00.' }).optional(),
      paymentMethod: z.enum(paymentMethods),
      paymentReference: typedIdentifier(64)
        .transform((v) => v || null)
        .optional()
        .openapi({ description: 'A voucher or invoice reference — never a card number (refused)' }),
      notes: optionalFreeText(2000),
    },
    strictKeys,
  )
  .superRefine((order, ctx) => {
    if (order.customer && order.customerId) ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'Give either the customer or its customerId, not both.', params: { code: 'not_both', fields: ['customer', 'customerId'] } });
  })
  .openapi('OrderInput', {
    example: {
      customer: { phone: '+33 6 12 34 56 78', name: 'Marie Dupont' },
      items: [{ sku: 'PIZZA-MARGHERITA', quantity: 2, options: { Size: 'Large' } }],
      deliveryAddress: '12 rue de la Paix, 75002 Paris',
      deliveryTime: '2025-03-01T19:30:00+01:00',
      paymentMethod: 'cash',
      notes: 'Ring twice, third floor.',
    },
  });
export type OrderInput = z.output<typeof OrderInputSchema>;

const OrderLineSchema = z
  .object({
    itemId: z.uuid(),
    sku: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    options: z.array(z.object({ group: z.string(), choice: z.string(), priceDeltaMinor: z.number().int() })),
    unitPriceMinor: z.number().int(),
    lineTotalMinor: z.number().int(),
  })
  .openapi('OrderLine');

export const OrderSchema = z
  .object({
    id: z.uuid(),
    number: z.number().int(),
    status: z.enum(orderStatuses),
    callId: z.uuid().nullable(),
    customer: CustomerBriefSchema.nullable(),
    items: z.array(OrderLineSchema).nullable().openapi({ description: "null when the tenant's rules make order items sensitive" }),
    currency: z.string(),
    subtotalMinor: z.number().int(),
    discountMinor: z.number().int(),
    totalMinor: z.number().int(),
    deliveryAddress: z.string().nullable(),
    deliveryTime: z.string().nullable(),
    paymentMethod: z.enum(paymentMethods),
    paymentReference: z.string().nullable(),
    notes: z.string().nullable(),
    createdByName: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Order', { description: "Masked for the viewer by the tenant's rules; prices in minor units of `currency`" });
export type OrderJson = z.infer<typeof OrderSchema>;

export const OrderStatusPatchSchema = z
  .object({ status: z.enum(orderStatuses) })
  .openapi('OrderStatusChange', { example: { status: 'confirmed' } });

const orderColumns = [
  'o.id',
  'o.number',
  'o.status',
  'o.callId',
  'o.items',
  'o.currency',
  'o.subtotalMinor',
  'o.discountMinor',
  'o.totalMinor',
  'o.deliveryAddress',
  'o.deliveryTime',
  'o.paymentMethod',
  'o.paymentReference',
  'o.notes',
  'o.createdAt',
  'o.updatedAt',
  'o.customerId',
  'c.name as customerName',
  'c.phone as customerPhone',
  'c.email as customerEmail',
  'c.address as customerAddress',
  'u.displayName as createdByName',
] as const;

export const orderSelection = (tx: TenantTx) =>
  tx.selectFrom('orders as o').leftJoin('customers as c', 'c.id', 'o.customerId').leftJoin('users as u', 'u.id', 'o.createdBy').select(orderColumns);
export type OrderRow = Awaited<ReturnType<ReturnType<typeof orderSelection>['executeTakeFirstOrThrow']>>;

export function orderToJson(row: OrderRow, rules: Rules, viewer: UserKind): OrderJson {
  const fields = applyRules(
    { items: row.items as OrderLine[] | string | null, deliveryAddress: row.deliveryAddress, paymentReference: row.paymentReference, notes: row.notes },
    'order',
    rules,
    viewer,
  );
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    callId: row.callId,
    customer: row.customerId ? customerBrief({ id: row.customerId, name: row.customerName, phone: row.customerPhone ?? '' }, rules, viewer) : null,
    items: Array.isArray(fields.items) ? fields.items : null,
    currency: row.currency.trim(),
    subtotalMinor: Number(row.subtotalMinor),
    discountMinor: Number(row.discountMinor),
    totalMinor: Number(row.totalMinor),
    deliveryAddress: fields.deliveryAddress,
    deliveryTime: iso(row.deliveryTime),
    paymentMethod: row.paymentMethod,
    paymentReference: fields.paymentReference,
    notes: fields.notes,
    createdByName: row.createdByName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// The order read by id is one fixed statement: compiled once (db/src/compiled-once.ts).
const selectOrderById = compiledOnce((db, id: string) => orderSelection(db as TenantTx).where('o.id', '=', id));

export async function findOrder(tx: TenantTx, id: string): Promise<OrderRow | undefined> {
  return (await selectOrderById(tx, id))[0];
}

/**
 * The next number of a per-tenant sequence taken under an advisory lock (complaints; orders number from
 * their counter row in prepareOrder). A transaction-scoped advisory lock per (tenant, table) makes
 * concurrent creations take turns instead of colliding on the unique number.
 */
export async function nextNumber(tx: TenantTx, tenantId: string, table: 'complaints'): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${table}:${tenantId}`}, 0))`.execute(tx);
  const row = await tx.selectFrom(table).select(sql<number>`coalesce(max(number), 0)`.as('last')).executeTakeFirstOrThrow();
  return Number(row.last) + 1;
}

/**
 * The call and customer an order or complaint names, checked to be this tenant's; the customer created
 * or updated by phone, with its audit row and event (upsertCustomer), rolled back with the rest if the
 * caller then refuses the record.
 */
export async function linkCallAndCustomer(
  tx: TenantTx,
  tenant: Pick<Tenant, 'id' | 'locale'>,
  actor: Actor,
  input: { callId?: string | undefined; customerId?: string | undefined; customer?: z.output<typeof CustomerInputSchema> | undefined },
  now: Date,
  errors: FieldError[],
): Promise<{ callId: string | null; customerId: string | null }> {
  let callId: string | null = null;
  let customerId: string | null = null;
  let callerNumber: string | null = null;
  if (input.callId) {
    const call = await tx.selectFrom('calls').select(['id', 'customerId', 'callerNumber']).where('id', '=', input.callId).executeTakeFirst();
    if (!call) errors.push(fieldError('callId', 'no_such_call', 'There is no such call.'));
    else {
      callId = call.id;
      customerId = call.customerId;
      callerNumber = call.callerNumber;
    }
  }
  if (input.customerId) {
    const customer = await tx.selectFrom('customers').select('id').where('id', '=', input.customerId).executeTakeFirst();
    if (!customer) errors.push(fieldError('customerId', 'no_such_customer', 'There is no such customer.'));
    else customerId = customer.id;
  }
  if (input.customer) {
    // A customer without a phone is the call's caller: the desk may see the number only masked.
    const fields = Object.entries(input.customer).filter(([, v]) => v !== undefined).map(([k]) => k);
    const saved = await upsertCustomer(tx, tenant, withCallerPhone(input.customer, callerNumber), now, { actor, fields }, 'customer.', errors);
    if (saved) customerId = saved.id;
  }
  return { callId, customerId };
}

/** A payment reference may be a voucher or an invoice number, never a card number: refused, not redacted, so the operator knows. */
export function paymentReferenceErrors(reference: string | null | undefined): FieldError[] {
  if (!reference) return [];
  return findCardNumbers(reference).length
    ? [fieldError('paymentReference', 'card_number', 'This looks like a payment card number: card numbers are never stored. Leave the reference out.')]
    : [];
}

/** An order checked, priced and counted, waiting only for its number (takeNumber), the last thing its transaction does. */
export interface PendingOrder {
  id: string;
  /** Takes the tenant's next number and writes the order and its audit row; answers the order as findOrder reads it. */
  takeNumber(): Promise<OrderRow>;
}

/**
 * Takes an order in the request's transaction. Everything that may fail or wait — pricing, the call
 * and customer, usage, the customer's audit — happens first; the tenant's number is taken last
 * (DESIGN.md traps: a per-tenant lock is held until commit) by ONE statement that increments the
 * tenant's counter row (order_counters, migration 0025), numbers and writes the order with its audit
 * row, sends its event and reads it back. The counter row's lock is the tenant's number lock: concurrent
 * orders of one tenant queue on it for that one statement and the commit, not for the whole request.
 */
export async function prepareOrder(tx: TenantTx, tenant: Tenant, actor: { id: string } & Actor, input: OrderInput, now: Date): Promise<PendingOrder> {
  const errors: FieldError[] = paymentReferenceErrors(input.paymentReference);
  const priced = await priceLines(tx, tenant.currency.trim(), input.items);
  errors.push(...priced.errors);
  // Every problem is found before anything is written; the customer upsert below is rolled back with the rest if any.
  const links = await linkCallAndCustomer(tx, tenant, actor, input, now, errors);
  if (errors.length) throw invalid(errors);
  // Promotions are described in words (conditions), not as machine-readable discounts: none is applied here.
  const discountMinor = 0;
  const totalMinor = priced.subtotalMinor - discountMinor;
  const id = newId();
  await recordUsage(tx, { tenantId: tenant.id, function: 'order_taking', metric: 'order', quantity: 1, sourceType: 'order', sourceId: id, occurredAt: now, tenant });
  const takeNumber = async (): Promise<OrderRow> => {
    // The event is sent at commit whichever statement queues it.
    const event: BusEvent = { kind: 'record', tenantId: tenant.id, recordType: 'order', recordId: id };
    const audited = { lines: priced.lines.length, totalMinor, currency: priced.currency };
    // The tenant's counter row, locked until commit: a concurrent order waits at `n`, then reads the
    // number the previous holder committed (an update re-reads the newest version of a row it waited
    // for). The first order of a tenant inserts the row; the orders' own maximum (this statement's
    // snapshot) keeps the counter ahead of any order written without it (imports, fixtures). Written as
    // SQL: built with the query builder, this statement cost Node more CPU than the database's work.
    const { rows } = await sql<OrderRow>`
      with n as (
        insert into order_counters (tenant_id, last_number) values (${tenant.id}, (select coalesce(max(number), 0) + 1 from orders))
        on conflict (tenant_id) do update set last_number = greatest(order_counters.last_number + 1, excluded.last_number)
        returning last_number),
      o as (
        insert into orders (tenant_id, id, number, call_id, customer_id, items, currency, subtotal_minor, discount_minor, total_minor,
          delivery_address, delivery_time, payment_method, payment_reference, notes, created_by, created_at, updated_at)
        values (${tenant.id}, ${id}, (select last_number from n), ${links.callId}, ${links.customerId}, ${jsonb(priced.lines)}, ${priced.currency},
          ${priced.subtotalMinor}, ${discountMinor}, ${totalMinor}, ${input.deliveryAddress ?? null}, ${input.deliveryTime ? new Date(input.deliveryTime) : null},
          ${input.paymentMethod}, ${input.paymentReference ?? null}, ${input.notes ?? null}, ${actor.id}, ${now}, ${now})
        returning *),
      audit as (
        -- writeAudit's row (audit/write.ts), with the number only this statement knows.
        insert into audit_log (tenant_id, id, actor_id, actor_label, action, target_type, target_id, before, after)
        select o.tenant_id, ${newId()}, ${actor.id}, ${actor.label}, 'order.created', 'order', o.id, null::jsonb,
          ${jsonb(audited)} || jsonb_build_object('number', o.number)
        from o)
      select o.id, o.number, o.status, o.call_id, o.items, o.currency, o.subtotal_minor, o.discount_minor, o.total_minor, o.delivery_address,
        o.delivery_time, o.payment_method, o.payment_reference, o.notes, o.created_at, o.updated_at, o.customer_id, c.name as customer_name,
        c.phone as customer_phone, c.email as customer_email, c.address as customer_address, u.display_name as created_by_name,
        pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(event)}) as notified
      from o left join customers c on c.id = o.customer_id left join users u on u.id = o.created_by`.execute(tx);
    const { notified: _notified, ...order } = rows[0] as OrderRow & { notified: string };
    return order;
  };
  return { id, takeNumber };
}

/** Takes an order (prepareOrder, then its number): answers its id. */
export async function createOrder(tx: TenantTx, tenant: Tenant, actor: { id: string } & Actor, input: OrderInput, now: Date): Promise<string> {
  const pending = await prepareOrder(tx, tenant, actor, input, now);
  await pending.takeNumber();
  return pending.id;
}

/** Delivered and cancelled orders are final. */
export async function changeOrderStatus(tx: TenantTx, tenantId: string, actor: Actor, id: string, status: (typeof orderStatuses)[number], now: Date) {
  const before = await tx.selectFrom('orders').select(['status']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!before) throw notFound();
  if (before.status === status) return;
  if (before.status === 'delivered' || before.status === 'cancelled') {
    throw conflict('order.final_status', `This order is ${before.status}: its status no longer changes.`, { status: before.status }, [
      fieldError('status', 'order.final_status', `The order is already ${before.status}.`, { status: before.status }),
    ]);
  }
  await tx.updateTable('orders').set({ status, updatedAt: now }).where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'order.status_changed', targetType: 'order', targetId: id, before: { status: before.status }, after: { status } });
  await publish(tx, { kind: 'record', tenantId, recordType: 'order', recordId: id });
}

export interface OrderFilter {
  status?: (typeof orderStatuses)[number] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  cursor: { at: Date; id: string } | null;
  limit: number;
}

/** Orders newest first. `q` is an order number, or part of the customer's name or phone (unless the rules make those sensitive). */
export function orderQuery(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, rules: Rules, filter: Omit<OrderFilter, 'limit' | 'cursor'>) {
  let query = orderSelection(tx);
  if (filter.status) query = query.where('o.status', '=', filter.status);
  const from = boundary(filter.from, tenant.timeZone, false);
  const to = boundary(filter.to, tenant.timeZone, true);
  if (from) query = query.where('o.createdAt', '>=', from);
  if (to) query = query.where('o.createdAt', '<', to);
  // `#12` is order number 12 only; a bare `12` is also looked for in phone numbers.
  const byNumberOnly = /^#\d{1,9}$/.test(filter.q?.trim() ?? '');
  const q = filter.q?.trim().replace(/^#/, '');
  if (q && byNumberOnly) query = query.where('o.number', '=', Number(q));
  else if (q) {
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const searchable = (['name', 'phone'] as const).filter((f) => rules.classification[`customer.${f}`] !== 'sensitive');
    query = query.where((eb) =>
      eb.or([
        ...(/^\d{1,9}$/.test(q) ? [eb('o.number', '=', Number(q))] : []),
        ...searchable.map((f) => eb(`c.${f}`, 'ilike', like)),
      ]),
    );
  }
  return query;
}

export async function listOrders(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, rules: Rules, filter: OrderFilter) {
  let query = orderQuery(tx, tenant, rules, filter);
  if (filter.cursor) {
    const { at, id } = filter.cursor;
    query = query.where((eb) => eb.or([eb('o.createdAt', '<', at), eb.and([eb('o.createdAt', '=', at), eb('o.id', '<', id)])]));
  }
  return query.orderBy('o.createdAt', 'desc').orderBy('o.id', 'desc').limit(filter.limit + 1).execute();
}

/**
 * The export: the non-personal columns (number, status, dates, amounts, payment method), then only the
 * order and customer fields the tenant's rules let leave (exportableFields); statuses and payment
 * methods in the export's language.
 */
export async function ordersExport(
  tx: TenantTx,
  tenant: Pick<Tenant, 'timeZone'>,
  rules: Rules,
  filter: Omit<OrderFilter, 'limit' | 'cursor'>,
  language: Language,
): Promise<ExportTable> {
  const rows = await orderQuery(tx, tenant, rules, filter).orderBy('o.createdAt', 'desc').orderBy('o.id', 'desc').limit(EXPORT_ROW_LIMIT).execute();
  const orderFields = exportableFields('order', rules) as ('items' | 'delivery_address' | 'payment_reference' | 'notes')[];
  const customerFields = exportableFields('customer', rules).filter((f) => ['name', 'phone', 'email', 'address'].includes(f)) as ('name' | 'phone' | 'email' | 'address')[];
  const columns: ExportColumn[] = [
    { header: 'number', kind: 'integer' },
    { header: 'status', kind: 'text' },
    { header: 'createdAt', kind: 'time' },
    { header: 'deliveryTime', kind: 'time' },
    { header: 'paymentMethod', kind: 'text' },
    { header: 'currency', kind: 'text' },
    { header: 'subtotal', kind: 'money' },
    { header: 'discount', kind: 'money' },
    { header: 'total', kind: 'money' },
    ...orderFields.map((f): ExportColumn => ({ header: f, kind: 'text' })),
    ...customerFields.map((f): ExportColumn => ({ header: `customer_${f}`, kind: f === 'phone' ? 'phone' : 'text' })),
  ];
  const body = rows.map((r) => {
    const currency = r.currency.trim();
    const order: Record<string, string | null> = {
      items: (r.items as OrderLine[]).map(describeLine).join('; '),
      delivery_address: r.deliveryAddress,
      payment_reference: r.paymentReference,
      notes: r.notes,
    };
    const customer: Record<string, string | null> = { name: r.customerName, phone: r.customerPhone, email: r.customerEmail, address: r.customerAddress };
    return [
      r.number,
      valueWord(language, r.status),
      r.createdAt,
      r.deliveryTime,
      valueWord(language, r.paymentMethod),
      currency,
      { minor: Number(r.subtotalMinor), currency },
      { minor: Number(r.discountMinor), currency },
      { minor: Number(r.totalMinor), currency },
      ...orderFields.map((f) => order[f] ?? null),
      ...customerFields.map((f) => customer[f] ?? null),
    ];
  });
  return { sheet: 'orders', columns, rows: body };
}
