import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission } from '../http/permissions.ts';
import { callStatuses, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import type { Rules } from '../rules/definition.ts';
import { exportableFields } from '../rules/visibility.ts';
import { maskPhone } from '../contacts/service.ts';
import { refuseMaskedFilters } from '../rules/viewer.ts';
import { callAnswerClassifications, eventDetailAsSeenBy } from '../desk/script-answers.ts';
import { IdParamSchema, boundary, decodeCursor, iso, normalizePhone, pageOf, pagingQuery } from '../records/common.ts';
import { EXPORT_ROW_LIMIT, exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport, type ExportColumn } from '../records/export.ts';
import { valueWord } from '../records/export-words.ts';

/**
 * The tenant's calls as its portal shows them (read-only: calls are written by routing and the desk),
 * and the callback requests taken out of hours. The caller's number is a customer's phone: it is
 * masked exactly as the rules mask `customer.phone`.
 */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['calls'];

const CallSchema = z
  .object({
    id: z.uuid(),
    direction: z.enum(['inbound', 'outbound']),
    function: z.string(),
    status: z.enum(callStatuses),
    callerNumber: z.string().nullable(),
    dialledNumber: z.string(),
    offeredAt: z.string(),
    answeredAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    waitSeconds: z.number().int().nullable().openapi({ description: 'From offered to answered (or to the end, for a call never answered)' }),
    talkSeconds: z.number().int().nullable(),
    disposition: z.string().nullable(),
    dispositionLabel: z.string().nullable(),
    operatorName: z.string().nullable(),
    afterHoursAction: z.string().nullable(),
    forwardedTo: z.string().nullable(),
    scriptVersion: z.number().int().nullable(),
  })
  .openapi('Call');

const CallEventSchema = z
  .object({ id: z.uuid(), at: z.string(), kind: z.string(), operatorName: z.string().nullable(), detail: z.record(z.string(), z.unknown()) })
  .openapi('CallEvent');

const CallDetailSchema = CallSchema.extend({
  notes: z.string().nullable(),
  hasRecording: z
    .boolean()
    .openapi({ description: 'A recording is kept; its reference is read through GET …/calls/{id}/recording, which logs who listened (never returned here)' }),
  timeline: z.array(CallEventSchema),
}).openapi('CallDetail');

const CallbackSchema = z
  .object({ id: z.uuid(), callId: z.uuid(), function: z.string(), callerNumber: z.string().nullable(), status: z.enum(['pending', 'done', 'cancelled']), requestedAt: z.string() })
  .openapi('CallbackRequest');

const filters = {
  status: z.enum(callStatuses).optional(),
  function: z.string().max(40).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  phone: z.string().max(40).optional().openapi({ description: "The caller's number (any format)" }),
};
const { limit: _limit, cursor: _cursor, ...exportPaging } = pagingQuery;
type CallFilter = { status?: string | undefined; function?: string | undefined; direction?: string | undefined; phone?: string | undefined; from?: string | undefined; to?: string | undefined };

const callSelection = (tx: TenantTx) =>
  tx
    .selectFrom('calls as k')
    .leftJoin('users as u', 'u.id', 'k.operatorId')
    .leftJoin('wrapUpCodes as w', 'w.code', 'k.disposition')
    .select([
      'k.id',
      'k.direction',
      'k.function',
      'k.status',
      'k.callerNumber',
      'k.dialledNumber',
      'k.offeredAt',
      'k.answeredAt',
      'k.endedAt',
      'k.disposition',
      'w.label as dispositionLabel',
      'u.displayName as operatorName',
      'k.afterHoursAction',
      'k.forwardedTo',
      'k.scriptVersion',
      'k.notes',
      'k.recordingRef',
    ]);
type CallRow = Awaited<ReturnType<ReturnType<typeof callSelection>['executeTakeFirstOrThrow']>>;

/** The recording's reference is read through the logged route only: older `recording` events carried it in their detail. */
function withoutRecordingRef(kind: string, detail: unknown): Record<string, unknown> {
  const d = (detail ?? {}) as Record<string, unknown>;
  if (kind !== 'recording' || !('ref' in d)) return d;
  const { ref: _ref, ...rest } = d;
  return rest;
}

const seconds = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : null);

function callToJson(row: CallRow, rules: Rules, viewer: UserKind): z.infer<typeof CallSchema> {
  const { notes: _notes, recordingRef: _recordingRef, ...r } = row;
  return {
    ...r,
    callerNumber: maskPhone(r.callerNumber, rules, viewer),
    offeredAt: r.offeredAt.toISOString(),
    answeredAt: iso(r.answeredAt),
    endedAt: iso(r.endedAt),
    waitSeconds: seconds(r.offeredAt, r.answeredAt ?? (r.status === 'queued' ? null : r.endedAt)),
    talkSeconds: seconds(r.answeredAt, r.endedAt),
  };
}

function callQuery(tx: TenantTx, tenant: Pick<Tenant, 'timeZone' | 'locale'>, filter: CallFilter) {
  let query = callSelection(tx);
  if (filter.status) query = query.where('k.status', '=', filter.status as (typeof callStatuses)[number]);
  if (filter.function) query = query.where('k.function', '=', filter.function);
  if (filter.direction) query = query.where('k.direction', '=', filter.direction as 'inbound' | 'outbound');
  if (filter.phone) query = query.where('k.callerNumber', '=', normalizePhone(filter.phone, tenant.locale) ?? filter.phone);
  const from = boundary(filter.from, tenant.timeZone, false);
  const to = boundary(filter.to, tenant.timeZone, true);
  if (from) query = query.where('k.offeredAt', '>=', from);
  if (to) query = query.where('k.offeredAt', '<', to);
  return query;
}

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls',
  tags,
  summary: "The tenant's calls, newest first: direction, times, wait, talk, disposition, operator",
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, ...filters }) },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(CallSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 404) },
});

const exportCsv = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls.csv',
  tags,
  summary: "Calls as CSV or XLSX in a language (same filters); the caller's number only when the rules let customer phones leave",
  request: { params: TenantParamSchema, query: z.object({ ...exportPaging, ...filters, ...exportQuery }) },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 404) },
});

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls/{id}',
  tags,
  summary: 'One call with its timeline (offered, queued, offered to, answered, transfers, ended, wrap-up)',
  request: { params: IdParamSchema },
  responses: { 200: { description: 'The call', ...json(CallDetailSchema) }, ...problemResponses(401, 404) },
});

const callbacks = createRoute({
  method: 'get',
  path: '/t/{tenant}/callbacks',
  tags,
  summary: 'Callback requests taken out of hours, newest first',
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, status: z.enum(['pending', 'done', 'cancelled']).optional() }) },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(CallbackSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 404) },
});

export const callRoutes = createRouter()
  .openapi(exportCsv, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const rules = await loadRules(ctx.tx);
    const now = c.var.deps.now();
    const { lang, format, ...query } = c.req.valid('query');
    refuseMaskedFilters(rules, ctx.access, { phone: { field: 'customer.phone', value: query.phone } });
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const rows = await callQuery(ctx.tx, ctx.tenant, query).orderBy('k.offeredAt', 'desc').orderBy('k.id', 'desc').limit(EXPORT_ROW_LIMIT).execute();
    const withPhone = exportableFields('customer', rules).includes('phone');
    const columns: ExportColumn[] = [
      { header: 'offeredAt', kind: 'time' },
      { header: 'direction', kind: 'text' },
      { header: 'function', kind: 'text' },
      { header: 'status', kind: 'text' },
      ...(withPhone ? [{ header: 'callerNumber', kind: 'phone' } as const] : []),
      { header: 'answeredAt', kind: 'time' },
      { header: 'endedAt', kind: 'time' },
      { header: 'waitSeconds', kind: 'integer' },
      { header: 'talkSeconds', kind: 'integer' },
      { header: 'disposition', kind: 'text' },
      { header: 'operator', kind: 'text' },
    ];
    const table = {
      sheet: 'calls' as const,
      columns,
      rows: rows.map((r) => {
        const j = callToJson(r, rules, ctx.access);
        const word = (code: string) => valueWord(language, code);
        return [r.offeredAt, word(j.direction), word(j.function), word(j.status), ...(withPhone ? [j.callerNumber] : []), r.answeredAt, r.endedAt, j.waitSeconds, j.talkSeconds, j.dispositionLabel ?? j.disposition, j.operatorName];
      }),
    };
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'calls', now));
  })
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    refuseMaskedFilters(rules, ctx.access, { phone: { field: 'customer.phone', value: query.phone } });
    let q = callQuery(ctx.tx, ctx.tenant, query);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('k.offeredAt', '<', cursor.at), eb.and([eb('k.offeredAt', '=', cursor.at), eb('k.id', '<', cursor.id)])]));
    const rows = await q.orderBy('k.offeredAt', 'desc').orderBy('k.id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.offeredAt, id: r.id }));
    return c.json({ items: page.items.map((r) => callToJson(r, rules, ctx.access)), nextCursor: page.nextCursor }, 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const row = await callSelection(ctx.tx).where('k.id', '=', c.req.valid('param').id).executeTakeFirst();
    if (!row) throw notFound();
    const rules = await loadRules(ctx.tx);
    const script = await ctx.tx.selectFrom('calls').select(['scriptId', 'scriptVersion']).where('id', '=', row.id).executeTakeFirstOrThrow();
    // Script answers are fields like any other: masked for this viewer as the fields they capture are.
    const classified = await callAnswerClassifications(ctx.tx, script, rules);
    const events = await ctx.tx
      .selectFrom('callEvents as e')
      .leftJoin('users as u', 'u.id', 'e.operatorId')
      .select(['e.id', 'e.at', 'e.kind', 'e.detail', 'u.displayName as operatorName'])
      .where('e.callId', '=', row.id)
      .orderBy('e.at')
      .orderBy('e.id')
      .execute();
    return c.json(
      {
        ...callToJson(row, rules, ctx.access),
        notes: row.notes,
        hasRecording: row.recordingRef !== null,
        timeline: events.map((e) => ({
          id: e.id,
          at: e.at.toISOString(),
          kind: e.kind,
          operatorName: e.operatorName,
          detail: eventDetailAsSeenBy(withoutRecordingRef(e.kind, e.detail), classified, rules, ctx.access),
        })),
      },
      200,
    );
  })
  .openapi(callbacks, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    let q = ctx.tx.selectFrom('callbackRequests').select(['id', 'callId', 'function', 'callerNumber', 'status', 'requestedAt']);
    if (query.status) q = q.where('status', '=', query.status);
    const from = boundary(query.from, ctx.tenant.timeZone, false);
    const to = boundary(query.to, ctx.tenant.timeZone, true);
    if (from) q = q.where('requestedAt', '>=', from);
    if (to) q = q.where('requestedAt', '<', to);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('requestedAt', '<', cursor.at), eb.and([eb('requestedAt', '=', cursor.at), eb('id', '<', cursor.id)])]));
    const rows = await q.orderBy('requestedAt', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.requestedAt, id: r.id }));
    return c.json(
      {
        items: page.items.map((r) => ({ ...r, callerNumber: maskPhone(r.callerNumber, rules, ctx.access), requestedAt: r.requestedAt.toISOString() })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });
