import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { newId, type Tenant, type TenantTx } from '@switchboard/db';
import { writeAudit } from '../audit/write.ts';
import type { Actor } from '../http/env.ts';
import { conflict, notFound } from '../http/problem.ts';
import { typedText } from '../http/validators.ts';
import { regionOf } from '../records/common.ts';
import type { ExportColumn, ExportTable, ExportValue } from '../records/export.ts';
import { EXPORT_ROW_LIMIT } from '../records/export.ts';
import { exportableFields } from '../rules/visibility.ts';
import type { Rules } from '../rules/definition.ts';
// The one place the list import's parser is named.
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, parseContactImport, previewColumns, type ColumnMapping, type ImportReport } from './import-parse.ts';

/**
 * A campaign's contact lists (issue 15): a client's file (CSV or XLSX) read through the client's column
 * mapping, every row checked, and nothing saved while any row has a problem (unless the client chose to
 * leave the invalid rows out). Numbers given twice in the file, or already in the campaign from any of
 * its lists, are duplicates: reported line by line, the first one kept. The rows are stored in batches
 * of a few thousand, each one multi-row INSERT from a single JSON parameter, inside the tenant's
 * transaction: the whole list is saved or none of it. A list can be appended to, paused (its contacts
 * are not dialled meanwhile) and exported with each contact's state and outcome.
 */

/** The file travels base64-encoded in the JSON body: the character guard sees text, and a 50 MB file fits. */
export const UPLOAD_BODY_LIMIT = Math.ceil(MAX_IMPORT_BYTES / 3) * 4 + 256 * 1024;
/** The upload routes, which alone take bodies up to UPLOAD_BODY_LIMIT (app.ts). */
export const isUploadPath = (path: string) => /^\/api\/t\/[^/]+\/campaigns\/[^/]+\/lists(?:\/preview|\/[^/]+\/rows)?$/.test(path);

const INSERT_BATCH = 5000;
/** How many errors and duplicates the answer lists one by one (all are counted). */
const LISTED = 1000;

const FileSchema = {
  kind: z.enum(['csv', 'xlsx']).openapi({ description: 'What the file is' }),
  content: z
    .base64({ error: 'Send the file base64-encoded.' })
    .max(Math.ceil(MAX_IMPORT_BYTES / 3) * 4, 'The file is larger than 50 MB: split it into several lists.')
    .openapi({ description: 'The file, base64-encoded (at most 50 MB once decoded)', example: 'cGhvbmUsbmFtZQ0KMDYxMjM0NTY3OCxNYXJpZSBEdXBvbnQNCg==' }),
};

const header = z.string().min(1).max(200);
export const ColumnMappingSchema = z
  .strictObject({
    phone: header,
    name: z.union([header, z.array(header).min(1).max(4)]).optional(),
    email: header.optional(),
    timeZone: header.optional(),
    postcode: header.optional(),
    custom: z
      .record(header, z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'Use letters, digits and _ (up to 40), starting with a letter.'))
      .refine((r) => Object.keys(r).length <= 50, 'At most 50 custom fields.')
      .optional()
      .openapi({ description: 'Custom fields the script shows: {column header: key}' }),
  })
  .openapi('ContactColumnMapping', { example: { phone: 'phone', name: 'name' } });

const exampleFile = { kind: 'csv' as const, content: 'cGhvbmUsbmFtZQ0KMDYxMjM0NTY3OCxNYXJpZSBEdXBvbnQNCg==' };
export const ListPreviewInputSchema = z.strictObject(FileSchema).openapi('ContactListPreviewInput', { example: exampleFile });
export const ListPreviewSchema = z
  .object({
    headers: z.array(z.string()),
    sample: z.array(z.array(z.string())),
    errors: z.array(z.object({ line: z.number().int().nullable(), field: z.string().nullable(), column: z.string().optional(), code: z.string(), message: z.string() })),
  })
  .openapi('ContactListPreview');

const importOptions = {
  mapping: ColumnMappingSchema,
  skipInvalid: z.boolean().optional().openapi({ description: 'Save the valid rows and leave out the invalid ones (default: save nothing while any row is invalid)' }),
  checkOnly: z.boolean().optional().openapi({ description: 'Check the file and answer the report; save nothing' }),
};
export const ListImportInputSchema = z
  .strictObject({ name: typedText(200).pipe(z.string().min(1, 'Name the list, e.g. Subscribers December.')).openapi({ example: 'Subscribers December' }), ...FileSchema, ...importOptions })
  .openapi('ContactListImportInput', { example: { name: 'Subscribers December', ...exampleFile, mapping: { phone: 'phone', name: 'name' }, skipInvalid: false, checkOnly: false } });
export const ListAppendInputSchema = z
  .strictObject({ ...FileSchema, ...importOptions })
  .openapi('ContactListAppendInput', { example: { ...exampleFile, mapping: { phone: 'phone', name: 'name' }, skipInvalid: false, checkOnly: false } });
export type ListImportInput = z.output<typeof ListImportInputSchema>;
export type ListAppendInput = z.output<typeof ListAppendInputSchema>;

export const ContactListSchema = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    name: z.string(),
    status: z.enum(['active', 'paused']),
    rowCount: z.number().int(),
    contacts: z.object({ pending: z.number().int(), dialing: z.number().int(), done: z.number().int(), excluded: z.number().int() }),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('ContactList');
export type ContactList = z.infer<typeof ContactListSchema>;

export const ImportResultSchema = z
  .object({
    saved: z.boolean().openapi({ description: 'Whether rows were stored (false: a check, or rows with problems and skipInvalid not set)' }),
    list: ContactListSchema.nullable(),
    stored: z.number().int().openapi({ description: 'Rows stored by this request' }),
    totals: z.object({
      rows: z.number().int(),
      valid: z.number().int(),
      invalid: z.number().int(),
      duplicates: z.number().int().openapi({ description: 'Numbers given twice in the file' }),
      alreadyInCampaign: z.number().int().openapi({ description: 'Numbers the campaign already has (from any of its lists)' }),
      errors: z.number().int(),
      blank: z.number().int(),
    }),
    errors: z.array(ListPreviewSchema.shape.errors.element).openapi({ description: `The problems, line by line (the first ${LISTED})` }),
    duplicates: z
      .array(z.object({ line: z.number().int(), phone: z.string(), firstLine: z.number().int().nullable(), inList: z.string().nullable().openapi({ description: 'The list already holding the number (null: earlier in this file)' }) }))
      .openapi({ description: `Rows left out because their number is already there, line by line (the first ${LISTED})` }),
  })
  .openapi('ContactListImport');
export type ImportResult = z.infer<typeof ImportResultSchema>;

// ---- reading -------------------------------------------------------------------------------------

async function listsOf(tx: TenantTx, campaignId: string, listId?: string): Promise<ContactList[]> {
  let query = tx
    .selectFrom('contactLists')
    .select(['id', 'campaignId', 'name', 'status', 'rowCount', 'createdAt', 'createdBy'])
    .where('campaignId', '=', campaignId)
    .orderBy('createdAt')
    .orderBy('id');
  if (listId) query = query.where('id', '=', listId);
  const rows = await query.execute();
  if (!rows.length) return [];
  const counts = await tx
    .selectFrom('campaignContacts')
    .select(['listId', 'state', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaignId', '=', campaignId)
    .where(
      'listId',
      'in',
      rows.map((r) => r.id),
    )
    .groupBy(['listId', 'state'])
    .execute();
  return rows.map((r) => {
    const contacts = { pending: 0, dialing: 0, done: 0, excluded: 0 };
    for (const c of counts) if (c.listId === r.id) contacts[c.state as keyof typeof contacts] = Number(c.n);
    return { ...r, contacts, createdAt: r.createdAt.toISOString() };
  });
}

async function requireCampaign(tx: TenantTx, campaignId: string, { lock = false } = {}): Promise<{ status: string }> {
  let query = tx.selectFrom('campaigns').select('status').where('id', '=', campaignId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('No such campaign.');
  return row;
}

export async function listContactLists(tx: TenantTx, campaignId: string): Promise<ContactList[]> {
  await requireCampaign(tx, campaignId);
  return listsOf(tx, campaignId);
}

async function getList(tx: TenantTx, campaignId: string, listId: string): Promise<ContactList> {
  const [list] = await listsOf(tx, campaignId, listId);
  if (!list) throw notFound('No such contact list.');
  return list;
}

// ---- importing -----------------------------------------------------------------------------------

const bytesOf = (content: string) => new Uint8Array(Buffer.from(content, 'base64'));

export async function previewList(tx: TenantTx, campaignId: string, input: z.output<typeof ListPreviewInputSchema>): Promise<z.infer<typeof ListPreviewSchema>> {
  await requireCampaign(tx, campaignId);
  const { headers, sample, errors } = await previewColumns(bytesOf(input.content), input.kind);
  return { headers, sample, errors };
}

type ImportContext = { tenant: Pick<Tenant, 'id' | 'locale' | 'timeZone'>; actor: Actor; now: Date };

/** The file checked against itself and against the numbers the campaign already has. */
async function check(tx: TenantTx, campaignId: string, tenant: ImportContext['tenant'], input: ListAppendInput): Promise<{ report: ImportReport; existing: Map<string, { line: number; list: string }> }> {
  const report = await parseContactImport(bytesOf(input.content), {
    kind: input.kind,
    mapping: input.mapping as ColumnMapping,
    country: regionOf(tenant.locale),
    timeZone: tenant.timeZone,
    listLimit: LISTED,
  });
  const existing = new Map<string, { line: number; list: string }>();
  for (let at = 0; at < report.rows.length; at += INSERT_BATCH) {
    const phones = report.rows.slice(at, at + INSERT_BATCH).map((r) => r.phone);
    const found = await sql<{ phone: string; lineNumber: number; listName: string }>`
      select c.phone, c.line_number, l.name as list_name
        from campaign_contacts c join contact_lists l on l.tenant_id = c.tenant_id and l.id = c.list_id
       where c.campaign_id = ${campaignId} and c.phone in (select jsonb_array_elements_text(cast(${JSON.stringify(phones)}::text as jsonb)))`.execute(tx);
    for (const row of found.rows) existing.set(row.phone, { line: row.lineNumber, list: row.listName });
  }
  return { report, existing };
}

/** Multi-row INSERTs of a few thousand rows each, every row from one JSON parameter (not 16 parameters a row). */
async function storeRows(tx: TenantTx, tenantId: string, campaignId: string, listId: string, rows: ImportReport['rows'], now: Date): Promise<void> {
  for (let at = 0; at < rows.length; at += INSERT_BATCH) {
    const batch = rows.slice(at, at + INSERT_BATCH).map((r) => ({
      id: newId(),
      line_number: r.line,
      phone: r.phone,
      name: r.name,
      email: r.email,
      time_zone: r.timeZone,
      region: r.region,
      postcode: r.postcode,
      fields: r.fields,
    }));
    await sql`
      insert into campaign_contacts (tenant_id, id, campaign_id, list_id, line_number, phone, name, email, time_zone, region, postcode, fields, state, attempts, next_attempt_at, created_at, updated_at)
      select ${tenantId}::uuid, r.id, ${campaignId}::uuid, ${listId}::uuid, r.line_number, r.phone, r.name, r.email, r.time_zone, r.region, r.postcode, coalesce(r.fields, '{}'::jsonb), 'pending', 0, ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
        from jsonb_to_recordset(cast(${JSON.stringify(batch)}::text as jsonb))
          as r(id uuid, line_number integer, phone text, name text, email text, time_zone text, region text, postcode text, fields jsonb)`.execute(tx);
  }
}

async function importInto(
  tx: TenantTx,
  ctx: ImportContext,
  campaignId: string,
  input: ListAppendInput,
  target: { listId: string; create?: string },
): Promise<ImportResult> {
  const campaign = await requireCampaign(tx, campaignId, { lock: true });
  if (campaign.status === 'finished') throw conflict('campaign.finished', 'The campaign is finished: it no longer changes.');
  const { report, existing } = await check(tx, campaignId, ctx.tenant, input);
  const fresh = report.rows.filter((r) => !existing.has(r.phone));
  const duplicates: ImportResult['duplicates'] = [
    ...report.duplicates.map((d) => ({ line: d.line, phone: d.phone, firstLine: d.firstLine, inList: null })),
    ...report.rows.filter((r) => existing.has(r.phone)).map((r) => ({ line: r.line, phone: r.phone, firstLine: existing.get(r.phone)!.line, inList: existing.get(r.phone)!.list })),
  ]
    .sort((a, b) => a.line - b.line)
    .slice(0, LISTED);
  const totals = { ...report.totals, alreadyInCampaign: report.rows.length - fresh.length };
  const errors = report.errors.map((e) => ({ line: e.line, field: e.field, ...(e.column !== undefined && { column: e.column }), code: e.code, message: e.message }));
  // A problem with the file as a whole (a missing column, too many rows, unreadable) has a code of its own: nothing is saved, whatever skipInvalid says.
  const fileRefused = errors.some((e) => e.line === null || e.code.startsWith('import.'));
  const blocked = fileRefused || (report.totals.errors > 0 && !input.skipInvalid) || input.checkOnly === true;
  if (blocked) return { saved: false, list: null, stored: 0, totals, errors, duplicates };

  if (target.create !== undefined) {
    await tx.insertInto('contactLists').values({ tenantId: ctx.tenant.id, id: target.listId, campaignId, name: target.create, createdAt: ctx.now, createdBy: ctx.actor.label }).execute();
  }
  await storeRows(tx, ctx.tenant.id, campaignId, target.listId, fresh, ctx.now);
  await tx
    .updateTable('contactLists')
    .set((eb) => ({ rowCount: eb('rowCount', '+', fresh.length) }))
    .where('id', '=', target.listId)
    .execute();
  await writeAudit(tx, ctx.tenant.id, ctx.actor, {
    action: target.create !== undefined ? 'contact_list.imported' : 'contact_list.appended',
    targetType: 'contact_list',
    targetId: target.listId,
    after: { campaignId, ...(target.create !== undefined && { name: target.create }), stored: fresh.length, skippedInvalid: report.totals.invalid, duplicates: report.totals.duplicates, alreadyInCampaign: totals.alreadyInCampaign },
  });
  return { saved: true, list: await getList(tx, campaignId, target.listId), stored: fresh.length, totals, errors, duplicates };
}

export async function importList(tx: TenantTx, ctx: ImportContext, campaignId: string, input: ListImportInput): Promise<ImportResult> {
  const { name, ...file } = input;
  return importInto(tx, ctx, campaignId, file, { listId: newId(), create: name });
}

export async function appendToList(tx: TenantTx, ctx: ImportContext, campaignId: string, listId: string, input: ListAppendInput): Promise<ImportResult> {
  await getList(tx, campaignId, listId);
  return importInto(tx, ctx, campaignId, input, { listId });
}

export async function setListStatus(tx: TenantTx, tenantId: string, actor: Actor, campaignId: string, listId: string, status: 'active' | 'paused'): Promise<ContactList> {
  const before = await getList(tx, campaignId, listId);
  if (before.status === status) return before;
  await tx.updateTable('contactLists').set({ status }).where('id', '=', listId).execute();
  await writeAudit(tx, tenantId, actor, { action: status === 'paused' ? 'contact_list.paused' : 'contact_list.resumed', targetType: 'contact_list', targetId: listId, before: { status: before.status }, after: { status } });
  return getList(tx, campaignId, listId);
}

// ---- exporting -----------------------------------------------------------------------------------

/** A CSV export carries a whole list (an import holds at most MAX_IMPORT_ROWS); a workbook, built in memory, the shared limit. */
export const listExportLimit = (format: 'csv' | 'xlsx') => (format === 'csv' ? MAX_IMPORT_ROWS : EXPORT_ROW_LIMIT);

/** Each contact of the list, in the file's order, with where it stands: through the shared export (formula guard, language). */
export async function listExport(tx: TenantTx, rules: Rules, campaignId: string, listId: string, limit = EXPORT_ROW_LIMIT): Promise<ExportTable> {
  await getList(tx, campaignId, listId);
  const rows = await tx
    .selectFrom('campaignContacts')
    .select(['lineNumber', 'phone', 'name', 'email', 'timeZone', 'postcode', 'fields', 'state', 'attempts', 'lastOutcome', 'lastAttemptAt', 'disposition', 'callbackAt'])
    .where('campaignId', '=', campaignId)
    .where('listId', '=', listId)
    .orderBy('lineNumber')
    .limit(limit)
    .execute();
  const exportable = new Set(exportableFields('customer', rules));
  const custom = [...new Set(rows.flatMap((r) => Object.keys(r.fields ?? {})))].sort();
  const columns: ExportColumn[] = [
    { header: 'contact_line', kind: 'integer' },
    ...(exportable.has('phone') ? [{ header: 'lead_phone', kind: 'phone' } as const] : []),
    ...(exportable.has('name') ? [{ header: 'lead_name', kind: 'text' } as const] : []),
    ...(exportable.has('email') ? [{ header: 'lead_email', kind: 'text' } as const] : []),
    { header: 'lead_postcode', kind: 'text' },
    { header: 'time_zone', kind: 'text' },
    { header: 'contact_state', kind: 'text' },
    { header: 'attempts', kind: 'integer' },
    { header: 'last_outcome', kind: 'text' },
    { header: 'last_attempt_at', kind: 'time' },
    { header: 'disposition', kind: 'text' },
    { header: 'callback_at', kind: 'time' },
    ...custom.map((key) => ({ header: 'notes', kind: 'text', label: key }) as const),
  ];
  return {
    sheet: 'contacts',
    columns,
    rows: rows.map((r): ExportValue[] => [
      r.lineNumber,
      ...(exportable.has('phone') ? [r.phone] : []),
      ...(exportable.has('name') ? [r.name] : []),
      ...(exportable.has('email') ? [r.email] : []),
      r.postcode,
      r.timeZone,
      r.state,
      r.attempts,
      r.lastOutcome,
      r.lastAttemptAt,
      r.disposition,
      r.callbackAt,
      ...custom.map((key) => r.fields?.[key] ?? null),
    ]),
  };
}
