import { z } from '@hono/zod-openapi';
import { Temporal } from '@js-temporal/polyfill';
import { complaintSeverities, complaintStatuses, newId, type ComplaintSeverity, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, invalid, notFound, fieldError, type FieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { publish } from '../events/publish.ts';
import { recordUsage } from '../usage/record.ts';
import type { Rules } from '../rules/definition.ts';
import { applyRules, exportableFields } from '../rules/visibility.ts';
import { CustomerBriefSchema, CustomerInputSchema, customerBrief } from '../contacts/service.ts';
import { linkCallAndCustomer, nextNumber } from '../orders/service.ts';
import { boundary, freeText, iso, optionalFreeText } from '../records/common.ts';
import { EXPORT_ROW_LIMIT, type ExportColumn, type ExportTable } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';
import type { Language } from '@switchboard/db/languages';


export const defaultComplaintDueDays: Record<ComplaintSeverity, number> = { low: 10, medium: 5, high: 2, critical: 1 };

export const ComplaintInputSchema = z
  .object({
    callId: z.uuid().optional(),
    customerId: z.uuid().optional(),
    customer: CustomerInputSchema.optional().openapi({ description: 'Created, or updated by its phone number' }),
    category: freeText(80).pipe(z.string().min(1, 'Enter a category.')),
    severity: z.enum(complaintSeverities),
    description: freeText(4000).pipe(z.string().min(1, 'Describe the complaint.')),
    desiredResolution: optionalFreeText(2000),
  })
  .superRefine((complaint, ctx) => {
    if (complaint.customer && complaint.customerId) ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'Give either the customer or its customerId, not both.', params: { code: 'not_both', fields: ['customer', 'customerId'] } });
  })
  .openapi('ComplaintInput', {
    example: {
      customer: { phone: '+33 6 12 34 56 78', name: 'Marie Dupont' },
      category: 'Late delivery',
      severity: 'medium',
      description: 'The pizza arrived an hour late and cold.',
      desiredResolution: 'A voucher for the next order.',
    },
  });
export type ComplaintInput = z.output<typeof ComplaintInputSchema>;

export const ComplaintSchema = z
  .object({
    id: z.uuid(),
    number: z.number().int(),
    status: z.enum(complaintStatuses),
    callId: z.uuid().nullable(),
    customer: CustomerBriefSchema.nullable(),
    category: z.string().nullable(),
    severity: z.string().nullable(),
    description: z.string().nullable(),
    desiredResolution: z.string().nullable(),
    dueAt: z.string(),
    overdue: z.boolean(),
    createdByName: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Complaint', { description: "Masked for the viewer by the tenant's rules" });
export type ComplaintJson = z.infer<typeof ComplaintSchema>;

export const ComplaintStatusPatchSchema = z
  .object({ status: z.enum(complaintStatuses) })
  .openapi('ComplaintStatusChange', { example: { status: 'in_progress' } });

export const complaintSelection = (tx: TenantTx) =>
  tx
    .selectFrom('complaints as k')
    .leftJoin('customers as c', 'c.id', 'k.customerId')
    .leftJoin('users as u', 'u.id', 'k.createdBy')
    .select([
      'k.id',
      'k.number',
      'k.status',
      'k.callId',
      'k.category',
      'k.severity',
      'k.description',
      'k.desiredResolution',
      'k.dueAt',
      'k.createdAt',
      'k.updatedAt',
      'k.customerId',
      'c.name as customerName',
      'c.phone as customerPhone',
      'c.email as customerEmail',
      'c.address as customerAddress',
      'u.displayName as createdByName',
    ]);
type ComplaintRow = Awaited<ReturnType<ReturnType<typeof complaintSelection>['executeTakeFirstOrThrow']>>;

const open = (status: string) => status === 'open' || status === 'in_progress';

export function complaintToJson(row: ComplaintRow, rules: Rules, viewer: UserKind, now: Date): ComplaintJson {
  const fields = applyRules(
    { category: row.category as string | null, severity: row.severity as string | null, description: row.description as string | null, desiredResolution: row.desiredResolution },
    'complaint',
    rules,
    viewer,
  );
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    callId: row.callId,
    customer: row.customerId ? customerBrief({ id: row.customerId, name: row.customerName, phone: row.customerPhone ?? '' }, rules, viewer) : null,
    ...fields,
    dueAt: row.dueAt.toISOString(),
    overdue: open(row.status) && row.dueAt.getTime() < now.getTime(),
    createdByName: row.createdByName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findComplaint(tx: TenantTx, id: string): Promise<ComplaintRow | undefined> {
  return complaintSelection(tx).where('k.id', '=', id).executeTakeFirst();
}

/** Days to resolve per severity: the tenant's call settings, or the defaults for a tenant that has none. */
export async function complaintDueDays(tx: TenantTx): Promise<Record<ComplaintSeverity, number>> {
  const row = await tx.selectFrom('callSettings').select('complaintDueDays').executeTakeFirst();
  const saved = (row?.complaintDueDays ?? {}) as Partial<Record<ComplaintSeverity, unknown>>;
  return Object.fromEntries(
    complaintSeverities.map((s) => [s, typeof saved[s] === 'number' && saved[s] >= 0 ? saved[s] : defaultComplaintDueDays[s]]),
  ) as Record<ComplaintSeverity, number>;
}

/** Calendar days on the tenant's wall clock, so a due date keeps its time of day across a daylight-saving change. */
export function dueAt(created: Date, days: number, timeZone: string): Date {
  const zoned = Temporal.Instant.fromEpochMilliseconds(created.getTime()).toZonedDateTimeISO(timeZone);
  return new Date(zoned.add({ days }).epochMilliseconds);
}

export async function createComplaint(tx: TenantTx, tenant: Tenant, actor: Actor, input: ComplaintInput, now: Date): Promise<string> {
  const errors: FieldError[] = [];
  const links = await linkCallAndCustomer(tx, tenant, actor, input, now, errors);
  if (errors.length) throw invalid(errors);
  const days = (await complaintDueDays(tx))[input.severity];
  const id = newId();
  const number = await nextNumber(tx, tenant.id, 'complaints');
  await tx
    .insertInto('complaints')
    .values({
      tenantId: tenant.id,
      id,
      number,
      callId: links.callId,
      customerId: links.customerId,
      category: input.category,
      severity: input.severity,
      description: input.description,
      desiredResolution: input.desiredResolution ?? null,
      dueAt: dueAt(now, days, tenant.timeZone),
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  await recordUsage(tx, { tenantId: tenant.id, function: 'complaints', metric: 'complaint', quantity: 1, sourceType: 'complaint', sourceId: id, occurredAt: now, tenant });
  await writeAudit(tx, tenant.id, actor, { action: 'complaint.created', targetType: 'complaint', targetId: id, after: { number, severity: input.severity } });
  await publish(tx, { kind: 'record', tenantId: tenant.id, recordType: 'complaint', recordId: id });
  return id;
}

/** A closed complaint stays closed; a resolved one may be reopened. */
export async function changeComplaintStatus(tx: TenantTx, tenantId: string, actor: Actor, id: string, status: (typeof complaintStatuses)[number], now: Date) {
  const before = await tx.selectFrom('complaints').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
  if (!before) throw notFound();
  if (before.status === status) return;
  if (before.status === 'closed') throw conflict('complaint.closed', 'This complaint is closed: its status no longer changes.', undefined, [fieldError('status', 'complaint.closed', 'The complaint is closed.')]);
  await tx.updateTable('complaints').set({ status, updatedAt: now }).where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'complaint.status_changed', targetType: 'complaint', targetId: id, before: { status: before.status }, after: { status } });
  await publish(tx, { kind: 'record', tenantId, recordType: 'complaint', recordId: id });
}

export interface ComplaintFilter {
  status?: (typeof complaintStatuses)[number] | undefined;
  severity?: ComplaintSeverity | undefined;
  overdue?: 'true' | 'false' | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
}

export function complaintQuery(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, rules: Rules, filter: ComplaintFilter, now: Date) {
  let query = complaintSelection(tx);
  if (filter.status) query = query.where('k.status', '=', filter.status);
  if (filter.severity && rules.classification['complaint.severity'] !== 'sensitive') query = query.where('k.severity', '=', filter.severity);
  if (filter.overdue === 'true') query = query.where('k.status', 'in', ['open', 'in_progress']).where('k.dueAt', '<', now);
  const from = boundary(filter.from, tenant.timeZone, false);
  const to = boundary(filter.to, tenant.timeZone, true);
  if (from) query = query.where('k.createdAt', '>=', from);
  if (to) query = query.where('k.createdAt', '<', to);
  // `#12` is order number 12 only; a bare `12` is also looked for in phone numbers.
  const byNumberOnly = /^#\d{1,9}$/.test(filter.q?.trim() ?? '');
  const q = filter.q?.trim().replace(/^#/, '');
  if (q && byNumberOnly) query = query.where('k.number', '=', Number(q));
  else if (q) {
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const customerFields = (['name', 'phone'] as const).filter((f) => rules.classification[`customer.${f}`] !== 'sensitive');
    query = query.where((eb) =>
      eb.or([
        ...(/^\d{1,9}$/.test(q) ? [eb('k.number', '=', Number(q))] : []),
        ...(rules.classification['complaint.category'] !== 'sensitive' ? [eb('k.category', 'ilike', like)] : []),
        ...customerFields.map((f) => eb(`c.${f}`, 'ilike', like)),
      ]),
    );
  }
  return query;
}

/** The export: number, status, dates, then only the complaint and customer fields the tenant's rules let leave; codes in the export's language. */
export async function complaintsExport(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, rules: Rules, filter: ComplaintFilter, now: Date, language: Language): Promise<ExportTable> {
  const rows = await complaintQuery(tx, tenant, rules, filter, now).orderBy('k.createdAt', 'desc').orderBy('k.id', 'desc').limit(EXPORT_ROW_LIMIT).execute();
  const fields = exportableFields('complaint', rules) as ('category' | 'severity' | 'description' | 'desired_resolution')[];
  const customerFields = exportableFields('customer', rules).filter((f) => ['name', 'phone', 'email', 'address'].includes(f)) as ('name' | 'phone' | 'email' | 'address')[];
  const columns: ExportColumn[] = [
    { header: 'number', kind: 'integer' },
    { header: 'status', kind: 'text' },
    { header: 'recordedAt', kind: 'time' },
    { header: 'dueAt', kind: 'time' },
    { header: 'overdue', kind: 'text' },
    ...fields.map((f): ExportColumn => ({ header: f, kind: 'text' })),
    ...customerFields.map((f): ExportColumn => ({ header: `customer_${f}`, kind: f === 'phone' ? 'phone' : 'text' })),
  ];
  const body = rows.map((r) => {
    const own: Record<string, string | null> = { category: r.category, severity: valueWord(language, r.severity), description: r.description, desired_resolution: r.desiredResolution };
    const customer: Record<string, string | null> = { name: r.customerName, phone: r.customerPhone, email: r.customerEmail, address: r.customerAddress };
    return [
      r.number,
      valueWord(language, r.status),
      r.createdAt,
      r.dueAt,
      valueWord(language, open(r.status) && r.dueAt < now ? 'yes' : 'no'),
      ...fields.map((f) => own[f] ?? null),
      ...customerFields.map((f) => customer[f] ?? null),
    ];
  });
  return { sheet: 'complaints', columns, rows: body };
}
