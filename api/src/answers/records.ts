import { z } from '@hono/zod-openapi';
import { leadStatuses, type LeadStatus, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import type { Language } from '@switchboard/db/languages';
import type { Actor } from '../http/env.ts';
import { notFound } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { publish } from '../events/publish.ts';
import type { Rules } from '../rules/definition.ts';
import { captureTargets } from '../scripts/model.ts';
import { boundary } from '../records/common.ts';
import { EXPORT_ROW_LIMIT, type ExportColumn, type ExportTable } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';
import { answerClassification, targetClassification, valueAsSeenBy } from './service.ts';

/**
 * What a client reads of its calls' answers: the qualified leads (and where it has taken each), the
 * customer records its calls created or changed (before and after, per field), and a call's typed
 * answers. Every value is masked for its viewer by the tenant's rules, the same way wherever it shows.
 */

/** The lead fields in the capture catalog's order (the export's columns, the page's). */
export const leadFieldNames = captureTargets.filter((t) => t.entity === 'lead' && t.target !== 'lead.qualified').map((t) => t.target.slice('lead.'.length));

const AnswerJson = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

export const LeadSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(leadStatuses),
    fields: z.record(z.string(), AnswerJson).openapi({ description: "The lead's fields (`name`, `phone`…), sensitive ones masked for the viewer" }),
    callId: z.uuid(),
    function: z.string(),
    operatorName: z.string().nullable(),
    createdAt: z.string(),
    statusChangedAt: z.string().nullable(),
    statusChangedBy: z.string().nullable(),
  })
  .openapi('Lead');

export type LeadJson = z.infer<typeof LeadSchema>;

export interface LeadFilter {
  status?: LeadStatus | undefined;
  function?: string | undefined;
  operator?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function leadQuery(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, filter: LeadFilter) {
  let q = tx
    .selectFrom('leads as l')
    .innerJoin('calls as c', 'c.id', 'l.callId')
    .leftJoin('users as u', 'u.id', 'c.operatorId')
    .select(['l.id', 'l.status', 'l.fields', 'l.callId', 'l.function', 'l.createdAt', 'l.statusChangedAt', 'l.statusChangedByLabel', 'u.displayName as operatorName']);
  if (filter.status) q = q.where('l.status', '=', filter.status);
  if (filter.function) q = q.where('l.function', '=', filter.function);
  if (filter.operator) q = q.where('c.operatorId', '=', filter.operator);
  const from = boundary(filter.from, tenant.timeZone, false);
  const to = boundary(filter.to, tenant.timeZone, true);
  if (from) q = q.where('l.createdAt', '>=', from);
  if (to) q = q.where('l.createdAt', '<', to);
  return q;
}
export type LeadRow = Awaited<ReturnType<ReturnType<typeof leadQuery>['executeTakeFirstOrThrow']>>;

const fieldsOf = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** A lead's fields as this viewer may see them (`lead.phone` masked as the rules mask a customer's phone). */
export function leadFieldsAsSeenBy(fields: unknown, rules: Rules, viewer: UserKind) {
  return Object.fromEntries(Object.entries(fieldsOf(fields)).map(([k, v]) => [k, valueAsSeenBy(v, targetClassification(`lead.${k}`, rules), rules, viewer)])) as Record<string, z.infer<typeof AnswerJson>>;
}

export function leadToJson(row: LeadRow, rules: Rules, viewer: UserKind): z.infer<typeof LeadSchema> {
  return {
    id: row.id,
    status: row.status,
    fields: leadFieldsAsSeenBy(row.fields, rules, viewer),
    callId: row.callId,
    function: row.function,
    operatorName: row.operatorName,
    createdAt: row.createdAt.toISOString(),
    statusChangedAt: row.statusChangedAt ? row.statusChangedAt.toISOString() : null,
    statusChangedBy: row.statusChangedByLabel,
  };
}

export async function findLead(tx: TenantTx, id: string) {
  return leadQuery(tx, { timeZone: 'UTC' }, {}).where('l.id', '=', id).executeTakeFirst();
}

/** The client moves a lead along (new → contacted → converted or rejected, or back): who and when are kept, and audited. */
export async function changeLeadStatus(tx: TenantTx, tenantId: string, actor: Actor, id: string, status: LeadStatus, now: Date) {
  const before = await tx.selectFrom('leads').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
  if (!before) throw notFound('No such lead.');
  if (before.status === status) return;
  await tx.updateTable('leads').set({ status, statusChangedAt: now, statusChangedByLabel: actor.label }).where('id', '=', id).execute();
  await publish(tx, { kind: 'lead', tenantId, leadId: id });
  await writeAudit(tx, tenantId, actor, { action: 'lead.status_changed', targetType: 'lead', targetId: id, before: { status: before.status }, after: { status } });
}

/**
 * The leads export: when, status, function, operator, then the lead fields the rules let leave — a field
 * the rules classify (a lead's name, phone, e-mail, postcode as the customer's) only when it is in the
 * tenant's export list and not sensitive; the client's own questions (interest, budget…) always.
 */
export async function leadsExport(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, rules: Rules, filter: LeadFilter, language: Language): Promise<ExportTable> {
  const rows = await leadQuery(tx, tenant, filter).orderBy('l.createdAt', 'desc').orderBy('l.id', 'desc').limit(EXPORT_ROW_LIMIT).execute();
  const fields = leadFieldNames.filter((f) => {
    const target = captureTargets.find((t) => t.target === `lead.${f}`)!;
    if (!target.classifiedAs) return true;
    return rules.exportFields.includes(target.classifiedAs as never) && targetClassification(target.target, rules) !== 'sensitive';
  });
  const columns: ExportColumn[] = [
    { header: 'createdAt', kind: 'time' },
    { header: 'status', kind: 'text' },
    { header: 'function', kind: 'text' },
    { header: 'operator', kind: 'text' },
    ...fields.map((f): ExportColumn => ({ header: `lead_${f}` as ExportColumn['header'], kind: f === 'phone' ? 'phone' : 'text' })),
  ];
  const cell = (v: unknown) => (v === null || v === undefined ? null : Array.isArray(v) ? v.join(', ') : typeof v === 'boolean' ? valueWord(language, v ? 'yes' : 'no') : typeof v === 'number' ? v : String(v));
  return {
    sheet: 'leads',
    columns,
    rows: rows.map((r) => [r.createdAt, valueWord(language, r.status), valueWord(language, r.function), r.operatorName, ...fields.map((f) => cell(fieldsOf(r.fields)[f]))]),
  };
}

// ---- data entry: customer records created or changed from calls ---------------------------------

export const RecordChangeSchema = z
  .object({
    id: z.uuid(),
    customerId: z.uuid(),
    callId: z.uuid(),
    action: z.enum(['created', 'updated']),
    at: z.string(),
    operatorName: z.string().nullable(),
    changes: z.array(
      z.object({
        field: z.string(),
        before: z.string().nullable(),
        after: z.string().nullable(),
        held: z.boolean().optional().openapi({ description: "true: not applied — the number captured is another customer's, so neither record took it; `after` is then null (which number it was is not kept)" }),
      }),
    ),
  })
  .openapi('CustomerRecordChange', { description: "Each changed field's value before and after the call, sensitive ones masked for the viewer" });

export function recordChangeQuery(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, filter: { from?: string | undefined; to?: string | undefined; action?: 'created' | 'updated' | undefined }) {
  let q = tx
    .selectFrom('customerRecordChanges as r')
    .innerJoin('calls as c', 'c.id', 'r.callId')
    .leftJoin('users as u', 'u.id', 'c.operatorId')
    .select(['r.id', 'r.customerId', 'r.callId', 'r.action', 'r.at', 'r.changes', 'u.displayName as operatorName']);
  if (filter.action) q = q.where('r.action', '=', filter.action);
  const from = boundary(filter.from, tenant.timeZone, false);
  const to = boundary(filter.to, tenant.timeZone, true);
  if (from) q = q.where('r.at', '>=', from);
  if (to) q = q.where('r.at', '<', to);
  return q;
}
type ChangeRow = Awaited<ReturnType<ReturnType<typeof recordChangeQuery>['executeTakeFirstOrThrow']>>;

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

export function recordChangeToJson(row: ChangeRow, rules: Rules, viewer: UserKind): z.infer<typeof RecordChangeSchema> {
  const changes = Array.isArray(row.changes) ? (row.changes as { field: string; before: unknown; after: unknown; held?: boolean }[]) : [];
  return {
    id: row.id,
    customerId: row.customerId,
    callId: row.callId,
    action: row.action,
    at: row.at.toISOString(),
    operatorName: row.operatorName,
    changes: changes.map((c) => {
      const classification = answerClassification([c.field], rules);
      return {
        field: c.field,
        before: text(valueAsSeenBy(c.before, classification, rules, viewer)),
        // A held number is another customer's, shown to nobody (changes kept before it was dropped still hold it).
        after: c.held ? null : text(valueAsSeenBy(c.after, classification, rules, viewer)),
        ...(c.held ? { held: true } : {}),
      };
    }),
  };
}

// ---- a call's typed answers, and the questionnaire results' grouping ------------------------------

export const CallAnswerSchema = z
  .object({
    stepId: z.string(),
    type: z.string(),
    targets: z.array(z.string()),
    value: AnswerJson,
    onPath: z.boolean().openapi({ description: "false: the question is on a branch the script's walk left with these answers; kept with the call, counted in no result" }),
  })
  .openapi('CallAnswer', { description: 'A typed answer, masked for the viewer as the fields it went into are' });

/** The answers of one call under the script version it was answered with, or null when it kept none. */
export async function callAnswers(tx: TenantTx, callId: string, rules: Rules, viewer: UserKind) {
  const set = await tx.selectFrom('callAnswerSets').selectAll().where('callId', '=', callId).executeTakeFirst();
  if (!set) return null;
  const rows = await tx.selectFrom('callAnswers').select(['stepId', 'answerType', 'targets', 'value', 'onPath']).where('callId', '=', callId).orderBy('stepId').execute();
  return {
    scriptId: set.scriptId,
    scriptVersion: set.scriptVersion,
    completed: set.completed,
    questionnaire: set.isSurvey,
    answers: rows.map((r) => ({
      stepId: r.stepId,
      type: r.answerType,
      targets: r.targets,
      value: valueAsSeenBy(r.value, answerClassification(r.targets, rules), rules, viewer) as z.infer<typeof AnswerJson>,
      onPath: r.onPath,
    })),
  };
}
