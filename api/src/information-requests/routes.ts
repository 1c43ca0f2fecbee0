import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { newId } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { invalid, problemResponses, fieldError, type FieldError } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { writeAudit } from '../audit/write.ts';
import { publish } from '../events/publish.ts';
import { boundary, decodeCursor, freeText, optionalFreeText, pageOf, pagingQuery } from '../records/common.ts';
import { CustomerBriefSchema, CustomerInputSchema, customerBrief } from '../contacts/service.ts';
import { linkCallAndCustomer } from '../orders/service.ts';
import { requireCaptureScope } from '../records/capture-scope.ts';

/** What a caller asked and was told (information & advice calls), with a flag when the client must follow up. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['information-requests'];

const InformationRequestInputSchema = z
  .object({
    callId: z.uuid().optional(),
    customerId: z.uuid().optional(),
    customer: CustomerInputSchema.optional(),
    topic: freeText(200).pipe(z.string().min(1, 'Enter the topic.')),
    question: optionalFreeText(4000),
    answer: optionalFreeText(4000),
    followUp: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    if (r.customer && r.customerId) ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'Give either the customer or its customerId, not both.', params: { code: 'not_both', fields: ['customer', 'customerId'] } });
  })
  .openapi('InformationRequestInput', {
    example: {
      topic: 'Delivery area',
      question: 'Do you deliver to Boulogne-Billancourt?',
      answer: 'Yes, from the Paris 16e restaurant, within 5 km.',
      followUp: false,
    },
  });

const InformationRequestSchema = z
  .object({
    id: z.uuid(),
    callId: z.uuid().nullable(),
    customer: CustomerBriefSchema.nullable(),
    topic: z.string(),
    question: z.string().nullable(),
    answer: z.string().nullable(),
    followUp: z.boolean(),
    createdByName: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('InformationRequest');

const selection = (tx: Parameters<typeof loadRules>[0]) =>
  tx
    .selectFrom('informationRequests as r')
    .leftJoin('customers as c', 'c.id', 'r.customerId')
    .leftJoin('users as u', 'u.id', 'r.createdBy')
    .select(['r.id', 'r.callId', 'r.customerId', 'r.topic', 'r.question', 'r.answer', 'r.followUp', 'r.createdAt', 'c.name as customerName', 'c.phone as customerPhone', 'u.displayName as createdByName']);

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/information-requests',
  tags,
  summary: 'Information requests, newest first',
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, followUp: z.enum(['true', 'false']).optional() }) },
  responses: {
    200: { description: 'A page', ...json(z.object({ items: z.array(InformationRequestSchema), nextCursor: z.string().nullable() })) },
    ...problemResponses(400, 401, 404),
  },
});

const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/information-requests',
  tags,
  summary: 'Record what a caller asked and was told',
  request: { params: TenantParamSchema, body: { ...json(InformationRequestInputSchema), required: true } },
  responses: { 201: { description: 'Recorded', ...json(InformationRequestSchema) }, ...problemResponses(400, 401, 403, 404) },
});

export const informationRequestRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    let q = selection(ctx.tx);
    if (query.followUp) q = q.where('r.followUp', '=', query.followUp === 'true');
    const from = boundary(query.from, ctx.tenant.timeZone, false);
    const to = boundary(query.to, ctx.tenant.timeZone, true);
    if (from) q = q.where('r.createdAt', '>=', from);
    if (to) q = q.where('r.createdAt', '<', to);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('r.createdAt', '<', cursor.at), eb.and([eb('r.createdAt', '=', cursor.at), eb('r.id', '<', cursor.id)])]));
    const rows = await q.orderBy('r.createdAt', 'desc').orderBy('r.id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return c.json(
      {
        items: page.items.map(({ customerId, customerName, customerPhone, createdAt, ...r }) => ({
          ...r,
          customer: customerId ? customerBrief({ id: customerId, name: customerName, phone: customerPhone ?? '' }, rules, ctx.access) : null,
          createdAt: createdAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    const input = c.req.valid('json');
    const now = c.var.deps.now();
    await requireCaptureScope(ctx, input, now);
    const errors: FieldError[] = [];
    const links = await linkCallAndCustomer(ctx.tx, ctx.tenant, ctx.actor, input, now, errors);
    if (errors.length) throw invalid(errors);
    const id = newId();
    await ctx.tx
      .insertInto('informationRequests')
      .values({
        tenantId: ctx.tenant.id,
        id,
        callId: links.callId,
        customerId: links.customerId,
        topic: input.topic,
        question: input.question ?? null,
        answer: input.answer ?? null,
        followUp: input.followUp,
        createdBy: ctx.actor.id,
        createdAt: now,
      })
      .execute();
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'information_request.created', targetType: 'information_request', targetId: id });
    await publish(ctx.tx, { kind: 'record', tenantId: ctx.tenant.id, recordType: 'information_request', recordId: id });
    const rules = await loadRules(ctx.tx);
    const { customerId, customerName, customerPhone, createdAt, ...row } = (await selection(ctx.tx).where('r.id', '=', id).executeTakeFirstOrThrow());
    return c.json(
      {
        ...row,
        customer: customerId ? customerBrief({ id: customerId, name: customerName, phone: customerPhone ?? '' }, rules, ctx.access) : null,
        createdAt: createdAt.toISOString(),
      },
      201,
    );
  });
