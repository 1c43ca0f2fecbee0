import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { Temporal } from '@js-temporal/polyfill';
import type { Context } from 'hono';
import type { AppEnv } from '../http/env.ts';
import { createRouter } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { fieldError, invalid, ProblemError, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { requiredText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { decodeCursor, encodeCursor, normalizePhone, optionalFreeText, PhoneInputSchema } from '../records/common.ts';
import { loadRules } from '../rules/service.ts';
import { maskPhone, refuseMaskedFilters } from '../rules/viewer.ts';
import { handledCall } from '../desk/handled-call.ts';
import { writeAudit } from '../audit/write.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import {
  addOppositionNumbers,
  addToDoNotCall,
  createOppositionList,
  deleteOppositionList,
  findOppositionList,
  listConsents,
  listDoNotCall,
  listOppositionLists,
  oppositionWarning,
  recordConsent,
  removeFromDoNotCall,
  withdrawConsent,
  type ConsentRow,
  type OppositionListRow,
} from './service.ts';
import { MAX_REPORTED, parseOppositionText } from './opposition-parse.ts';
import { loadProof, proofTable } from './proof.ts';

const tags = ['calling lists'];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/** A number as typed: no control characters (a NUL byte never reaches the database). */
const PhoneTyped = PhoneInputSchema.refine((v) => !/[\u0000-\u001f]/.test(v), 'Enter a valid phone number.');

function phoneIn(ctx: { tenant: { locale: string } }, input: string, path = 'phone'): string {
  const phone = normalizePhone(input, ctx.tenant.locale);
  if (!phone) throw invalid([fieldError(path, 'phone', 'Enter a valid phone number, with its country code (+33…) if it is not a local one.')]);
  return phone;
}

const pagingQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
};

// ---- do-not-call -------------------------------------------------------------------------------

const DoNotCallEntrySchema = z
  .object({
    phone: z.string().nullable().openapi({ description: "E.164, or masked as the tenant's rules say for this viewer", example: '+33612345678' }),
    source: z.enum(['desk', 'portal', 'import']),
    note: z.string().nullable(),
    addedAt: z.string(),
    addedBy: z.string(),
  })
  .openapi('DoNotCallEntry');
const DoNotCallPageSchema = z.object({ items: z.array(DoNotCallEntrySchema), nextCursor: z.string().nullable() }).openapi('DoNotCallPage');
const DoNotCallInputSchema = z
  .strictObject({
    phone: PhoneTyped,
    note: optionalFreeText(500).openapi({ description: 'Why (the person asked on a call, by letter…)', example: 'Asked by letter on 2 December' }),
  })
  .openapi('DoNotCallInput', { example: { phone: '+33 6 12 34 56 78', note: 'Asked by letter on 2 December' } });
const DoNotCallAddedSchema = z.object({ added: z.boolean().openapi({ description: 'false: the number was already on the list (its first entry stays)' }), entry: DoNotCallEntrySchema }).openapi('DoNotCallAdded');
const PhoneParamSchema = TenantParamSchema.extend({ phone: z.string().max(40).openapi({ param: { name: 'phone', in: 'path' }, example: '+33612345678' }) });

const listDnc = createRoute({
  method: 'get',
  path: '/t/{tenant}/do-not-call',
  tags,
  summary: "The tenant's own do-not-call list, newest first: it applies to every campaign of the tenant at every dial",
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, q: z.string().max(100).optional().openapi({ description: "Digits of the number, or words of the note" }) }) },
  responses: { 200: json(DoNotCallPageSchema, 'A page'), ...problemResponses(400, 401, 403, 404) },
});
const addDnc = createRoute({
  method: 'post',
  path: '/t/{tenant}/do-not-call',
  tags,
  summary: "Put a number on the do-not-call list (normalised to E.164 in the tenant's country); already there: nothing changes",
  request: { params: TenantParamSchema, ...body(DoNotCallInputSchema) },
  responses: { 200: json(DoNotCallAddedSchema, 'On the list'), ...problemResponses(400, 401, 403, 404) },
});
const removeDnc = createRoute({
  method: 'delete',
  path: '/t/{tenant}/do-not-call/{phone}',
  tags,
  summary: 'Take a number off the do-not-call list (the person asked to be called again)',
  request: { params: PhoneParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(400, 401, 403, 404) },
});
const deskDnc = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/do-not-call',
  tags: ['desk'],
  summary: "One key at the desk: put the customer of the call you are handling on the do-not-call list, without the number being shown",
  request: { params: TenantParamSchema.extend({ callId: z.uuid().openapi({ param: { name: 'callId', in: 'path' } }) }) },
  responses: { 200: json(z.object({ added: z.boolean() }).openapi('DeskDoNotCall'), 'On the list'), ...problemResponses(401, 403, 404, 409) },
});

// ---- opposition lists --------------------------------------------------------------------------

const WarningSchema = z
  .object({ code: z.enum(['opposition.stale', 'opposition.none']), checkedOn: z.string().nullable(), days: z.number().int().nullable(), message: z.string() })
  .openapi('OppositionWarning');
const OppositionListSchema = z
  .object({ id: z.string(), source: z.enum(['bloctel', 'other']), name: z.string(), checkedOn: z.string(), rowCount: z.number().int(), uploadedAt: z.string(), uploadedBy: z.string() })
  .openapi('OppositionList');
const OppositionListsSchema = z.object({ lists: z.array(OppositionListSchema), warning: WarningSchema.nullable() }).openapi('OppositionLists');
const ChunkSchema = {
  text: z
    .string()
    .max(900_000, 'Send the file in parts of at most 900,000 characters.')
    .optional()
    .openapi({ description: 'Part of the file: whole lines, one number per line, or a CSV with a numbers column (and a status column for a Bloctel checked file)' }),
  column: z.union([z.number().int().min(1).max(100), z.string().max(100)]).optional().openapi({ description: "The numbers' column: a header name or a 1-based position; absent: found from the rows" }),
};
const OppositionCreateSchema = z
  .strictObject({
    source: z.enum(['bloctel', 'other']).default('bloctel'),
    name: requiredText(200, 'Enter a name, e.g. Bloctel check of December.'),
    checkedOn: z.iso.date('Use a date (YYYY-MM-DD).').openapi({ description: 'The day the list was checked against Bloctel', example: '2026-12-01' }),
    ...ChunkSchema,
  })
  .openapi('OppositionListInput', { example: { source: 'bloctel', name: 'Bloctel check, December', checkedOn: '2026-12-01', text: 'numero;statut\n0612345678;inscrit\n0698765432;inscrit\n' } });
const OppositionChunkSchema = z
  .strictObject({
    text: z.string().min(1).max(900_000, 'Send the file in parts of at most 900,000 characters.'),
    column: z.number().int().min(1).max(100).openapi({ description: "The numbers' column the first part answered" }),
    statusColumn: z.number().int().min(1).max(100).nullable().optional(),
  })
  .openapi('OppositionChunk', { example: { text: '0612345679;inscrit\n0698765433;inscrit\n', column: 1, statusColumn: 2 } });
const UploadResultSchema = z
  .object({
    list: OppositionListSchema,
    added: z.number().int(),
    invalid: z.array(z.object({ line: z.number().int(), value: z.string() })).openapi({ description: `The first ${MAX_REPORTED} lines without a valid number` }),
    invalidCount: z.number().int(),
    notListed: z.number().int().openapi({ description: 'Rows whose status said the number is not on the opposition list' }),
    column: z.number().int(),
    header: z.string().nullable(),
    statusColumn: z.number().int().nullable(),
    warning: WarningSchema.nullable(),
  })
  .openapi('OppositionUpload');
const ListParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const listOpp = createRoute({
  method: 'get',
  path: '/t/{tenant}/opposition-lists',
  tags,
  summary: 'The uploaded opposition (Bloctel) lists, newest check first, with a warning when the newest Bloctel check is older than 30 days',
  request: { params: TenantParamSchema },
  responses: { 200: json(OppositionListsSchema, 'Lists'), ...problemResponses(401, 403, 404) },
});
const createOpp = createRoute({
  method: 'post',
  path: '/t/{tenant}/opposition-lists',
  tags,
  summary: 'Upload an opposition list with the day it was checked, and its first part (a large file follows in parts: …/numbers)',
  request: { params: TenantParamSchema, ...body(OppositionCreateSchema) },
  responses: { 201: json(UploadResultSchema, 'Uploaded'), ...problemResponses(400, 401, 403, 404) },
});
const appendOpp = createRoute({
  method: 'post',
  path: '/t/{tenant}/opposition-lists/{id}/numbers',
  tags,
  summary: 'The next part of a large list (whole lines, no header), read with the columns the first part answered',
  request: { params: ListParamSchema, ...body(OppositionChunkSchema) },
  responses: { 200: json(UploadResultSchema, 'Added'), ...problemResponses(400, 401, 403, 404) },
});
const deleteOpp = createRoute({
  method: 'delete',
  path: '/t/{tenant}/opposition-lists/{id}',
  tags,
  summary: 'Delete a list and its numbers',
  request: { params: ListParamSchema },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404) },
});

// ---- consents ----------------------------------------------------------------------------------

const ConsentSchema = z
  .object({ id: z.string(), phone: z.string().nullable(), source: z.string(), givenAt: z.string(), withdrawnAt: z.string().nullable(), recordedAt: z.string(), recordedBy: z.string() })
  .openapi('Consent');
const ConsentPageSchema = z.object({ items: z.array(ConsentSchema), nextCursor: z.string().nullable() }).openapi('ConsentPage');
const ConsentInputSchema = z
  .strictObject({
    phone: PhoneTyped,
    source: requiredText(200, 'Say where the consent was given, e.g. web form of 3 December.').openapi({ example: 'Web form, newsletter page' }),
    givenAt: z.iso.datetime({ offset: true, message: 'Use an ISO date-time, e.g. 2026-12-03T10:15:00Z.' }).openapi({ example: '2026-12-03T10:15:00Z' }),
  })
  .openapi('ConsentInput', { example: { phone: '+33 6 12 34 56 78', source: 'Web form, newsletter page', givenAt: '2026-12-03T10:15:00Z' } });
const ConsentParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const listCons = createRoute({
  method: 'get',
  path: '/t/{tenant}/consents',
  tags,
  summary: 'Consent records (prior consent to prospecting calls, from 11 August 2026), newest first; filter by number',
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, phone: z.string().max(40).optional() }) },
  responses: { 200: json(ConsentPageSchema, 'A page'), ...problemResponses(400, 401, 403, 404) },
});
const addCons = createRoute({
  method: 'post',
  path: '/t/{tenant}/consents',
  tags,
  summary: 'Record a consent: the number, where it was given and when',
  request: { params: TenantParamSchema, ...body(ConsentInputSchema) },
  responses: { 201: json(ConsentSchema, 'Recorded'), ...problemResponses(400, 401, 403, 404) },
});
const withdrawCons = createRoute({
  method: 'post',
  path: '/t/{tenant}/consents/{id}/withdraw',
  tags,
  summary: 'Withdraw a consent now (the record stays, with when it was withdrawn)',
  request: { params: ConsentParamSchema },
  responses: { 200: json(ConsentSchema, 'Withdrawn'), ...problemResponses(401, 403, 404) },
});

// ---- proof of compliance -----------------------------------------------------------------------

const proof = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaigns/{campaignId}/contacts/{contactId}/proof',
  tags: ['campaigns'],
  summary:
    "A contact's proof of compliance with the calling rules: every attempt of the number for the tenant (all campaigns) in UTC and the callee's zone, refusals by the rules, refusals by the person, consents, opposition lists checked and the do-not-call entry",
  request: {
    params: TenantParamSchema.extend({
      campaignId: z.uuid().openapi({ param: { name: 'campaignId', in: 'path' } }),
      contactId: z.uuid().openapi({ param: { name: 'contactId', in: 'path' } }),
    }),
    query: z.object({ lang: exportQuery.lang, format: z.enum(['csv', 'xlsx', 'json']).default('json') }),
  },
  responses: { 200: { ...exportResponse, content: { ...exportResponse.content, 'application/json': { schema: z.record(z.string(), z.unknown()) } } }, ...problemResponses(400, 401, 403, 404) },
});

// ---- handlers ----------------------------------------------------------------------------------

function manager(c: Context<AppEnv>) {
  const ctx = tenantContext(c);
  requirePermission(ctx, 'callingLists.manage');
  return ctx;
}

const listToJson = (l: OppositionListRow) => ({ ...l, uploadedAt: l.uploadedAt.toISOString() });
const today = (now: Date, timeZone: string) => Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timeZone).toPlainDate().toString();

/**
 * The do-not-call page's cursor names the last entry's number (the keyset is (added_at, phone)): it is
 * sealed (AES-256-GCM under a key derived from the server's secret), so a viewer who sees numbers masked
 * cannot read them out of it. A cursor that does not open is a 400.
 */
const cursorKey = (secret: string) => createHash('sha256').update(`do-not-call cursor\0${secret}`).digest();

function sealDncCursor(secret: string, at: Date, phone: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify([at.toISOString(), phone]), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function decodeDncCursor(secret: string, value: string | undefined): { at: Date; phone: string } | undefined {
  if (!value) return undefined;
  try {
    const raw = Buffer.from(value, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', cursorKey(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const [at, phone] = JSON.parse(text) as [string, string];
    const date = new Date(at);
    if (typeof phone !== 'string' || !/^\+[1-9]\d{6,14}$/.test(phone) || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { at: date, phone };
  } catch {
    throw invalid([fieldError('cursor', 'cursor', 'This cursor is not one a list answered; start from the first page.')]);
  }
}

export const callingListRoutes = createRouter()
  .openapi(listDnc, async (c) => {
    const ctx = manager(c);
    const { limit, cursor, q } = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    if (q && /\d/.test(q)) refuseMaskedFilters(rules, ctx.access, { q: { field: 'customer.phone', value: q } });
    const secret = c.var.deps.config.telephonySecret;
    const rows = await listDoNotCall(ctx.tx, { search: q, limit, after: decodeDncCursor(secret, cursor) });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return c.json(
      {
        items: items.map((r) => ({ ...r, phone: maskPhone(r.phone, rules, ctx.access), addedAt: r.addedAt.toISOString() })),
        nextCursor: rows.length > limit && last ? sealDncCursor(secret, last.addedAt, last.phone) : null,
      },
      200,
    );
  })
  .openapi(addDnc, async (c) => {
    const ctx = manager(c);
    const input = c.req.valid('json');
    const phone = phoneIn(ctx, input.phone);
    const now = c.var.deps.now();
    const added = await addToDoNotCall(ctx.tx, { phone, source: 'portal', note: input.note ?? null, addedBy: ctx.actor.label, at: now });
    if (added) await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'do_not_call.added', targetType: 'do_not_call', after: { phone, source: 'portal', note: input.note ?? null } });
    const entry = (await ctx.tx.selectFrom('doNotCall').select(['phone', 'source', 'note', 'addedAt', 'addedBy']).where('phone', '=', phone).executeTakeFirstOrThrow());
    const rules = await loadRules(ctx.tx);
    return c.json({ added, entry: { ...entry, phone: maskPhone(entry.phone, rules, ctx.access), addedAt: entry.addedAt.toISOString() } }, 200);
  })
  .openapi(removeDnc, async (c) => {
    const ctx = manager(c);
    const phone = phoneIn(ctx, c.req.valid('param').phone);
    await removeFromDoNotCall(ctx.tx, ctx.tenant.id, ctx.actor, phone);
    return c.body(null, 204);
  })
  .openapi(deskDnc, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'calls.handle');
    const { callId } = c.req.valid('param');
    const now = c.var.deps.now();
    const call = await handledCall(ctx.tx, ctx.actor.id, callId, now);
    if (!call) throw new ProblemError(404, 'not-found', 'Not found', 'No such call, or you are not handling it.');
    const phone = call.callerNumber && /^\+[1-9]\d{6,14}$/.test(call.callerNumber) ? call.callerNumber : null;
    if (!phone) throw new ProblemError(409, 'conflict', 'Conflict', 'This call has no customer number to put on the list (withheld or erased).');
    const added = await addToDoNotCall(ctx.tx, { phone, source: 'desk', note: null, addedBy: ctx.actor.label, at: now });
    // The audit names the call, not the number: the operator's trail never holds what they may not see.
    if (added) await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'do_not_call.added', targetType: 'call', targetId: callId, after: { source: 'desk' } });
    return c.json({ added }, 200);
  })
  .openapi(listOpp, async (c) => {
    const ctx = manager(c);
    const lists = await listOppositionLists(ctx.tx);
    return c.json({ lists: lists.map(listToJson), warning: oppositionWarning(lists, today(c.var.deps.now(), ctx.tenant.timeZone)) }, 200);
  })
  .openapi(createOpp, async (c) => {
    const ctx = manager(c);
    const input = c.req.valid('json');
    const now = c.var.deps.now();
    if (input.checkedOn > today(now, ctx.tenant.timeZone)) throw invalid([fieldError('checkedOn', 'invalid', 'The check cannot be in the future.')]);
    const parsed = input.text !== undefined ? parseOppositionText(input.text, { locale: ctx.tenant.locale, column: input.column }) : null;
    const created = await createOppositionList(ctx.tx, ctx.tenant.id, ctx.actor, { source: input.source, name: input.name, checkedOn: input.checkedOn }, now);
    const added = parsed ? await addOppositionNumbers(ctx.tx, created.id, parsed.numbers) : 0;
    const list = (await findOppositionList(ctx.tx, created.id))!;
    return c.json(
      {
        list: listToJson(list),
        added,
        invalid: parsed?.invalid ?? [],
        invalidCount: parsed?.invalidCount ?? 0,
        notListed: parsed?.notListed ?? 0,
        column: parsed?.column ?? 1,
        header: parsed?.header ?? null,
        statusColumn: parsed?.statusColumn ?? null,
        warning: oppositionWarning(await listOppositionLists(ctx.tx), today(now, ctx.tenant.timeZone)),
      },
      201,
    );
  })
  .openapi(appendOpp, async (c) => {
    const ctx = manager(c);
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    if (!(await findOppositionList(ctx.tx, id))) throw new ProblemError(404, 'not-found', 'Not found', 'No such opposition list.');
    const parsed = parseOppositionText(input.text, { locale: ctx.tenant.locale, continuation: { column: input.column, statusColumn: input.statusColumn ?? null } });
    const added = await addOppositionNumbers(ctx.tx, id, parsed.numbers);
    const list = (await findOppositionList(ctx.tx, id))!;
    return c.json(
      {
        list: listToJson(list),
        added,
        invalid: parsed.invalid,
        invalidCount: parsed.invalidCount,
        notListed: parsed.notListed,
        column: parsed.column,
        header: null,
        statusColumn: parsed.statusColumn,
        warning: oppositionWarning(await listOppositionLists(ctx.tx), today(c.var.deps.now(), ctx.tenant.timeZone)),
      },
      200,
    );
  })
  .openapi(deleteOpp, async (c) => {
    const ctx = manager(c);
    await deleteOppositionList(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(listCons, async (c) => {
    const ctx = manager(c);
    const { limit, cursor, phone: typed } = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    refuseMaskedFilters(rules, ctx.access, { phone: { field: 'customer.phone', value: typed } });
    const phone = typed ? phoneIn(ctx, typed) : undefined;
    const after = decodeCursor(cursor) ?? undefined;
    const rows = await listConsents(ctx.tx, { phone, limit, after });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return c.json({ items: items.map((r) => consentToJson(r, rules, ctx.access)), nextCursor: rows.length > limit && last ? encodeCursor(last.recordedAt, last.id) : null }, 200);
  })
  .openapi(addCons, async (c) => {
    const ctx = manager(c);
    const input = c.req.valid('json');
    const now = c.var.deps.now();
    const phone = phoneIn(ctx, input.phone);
    const givenAt = new Date(input.givenAt);
    if (givenAt.getTime() > now.getTime() + 60_000) throw invalid([fieldError('givenAt', 'invalid', 'A consent cannot be given in the future.')]);
    if (givenAt.getUTCFullYear() < 2000) throw invalid([fieldError('givenAt', 'invalid', 'Use a date from 2000 on.')]);
    const row = await recordConsent(ctx.tx, ctx.tenant.id, ctx.actor, { phone, source: input.source, givenAt }, now);
    return c.json(consentToJson(row, await loadRules(ctx.tx), ctx.access), 201);
  })
  .openapi(withdrawCons, async (c) => {
    const ctx = manager(c);
    const row = await withdrawConsent(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, c.var.deps.now());
    return c.json(consentToJson(row, await loadRules(ctx.tx), ctx.access), 200);
  })
  .openapi(proof, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.export');
    const { campaignId, contactId } = c.req.valid('param');
    const { lang, format } = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    const now = c.var.deps.now();
    const data = await loadProof(ctx.tx, campaignId, contactId, rules, ctx.access);
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'campaign.proof_exported', targetType: 'campaign_contact', targetId: contactId, after: { campaignId, format } });
    if (format === 'json') return c.json(data as unknown as Record<string, unknown>, 200);
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const rendered = await renderExport(proofTable(data, language, rules), { language, format, timeZone: 'UTC' });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'proof', now));
  });

function consentToJson(r: ConsentRow, rules: Awaited<ReturnType<typeof loadRules>>, viewer: Parameters<typeof maskPhone>[2]) {
  return {
    id: r.id,
    phone: maskPhone(r.phone, rules, viewer),
    source: r.source,
    givenAt: r.givenAt.toISOString(),
    withdrawnAt: r.withdrawnAt?.toISOString() ?? null,
    recordedAt: r.recordedAt.toISOString(),
    recordedBy: r.recordedBy,
  };
}
