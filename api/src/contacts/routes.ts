import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { invalid, notFound, problemResponses, fieldError, type FieldError } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { applyRules } from '../rules/visibility.ts';
import { refuseMaskedFilters } from '../rules/viewer.ts';
import { IdempotencyHeadersSchema, idempotent, replayHeaders } from '../idempotency/keys.ts';
import { IdParamSchema, decodeCursor, pageOf } from '../records/common.ts';
import { requireCaptureScope } from '../records/capture-scope.ts';
import {
  CustomerInputSchema,
  CustomerPatchSchema,
  CustomerSchema,
  callerNumberOf,
  withCallerPhone,
  customerToJson,
  findCustomer,
  listCustomers,
  maskPhone,
  patchCustomer,
  upsertCustomer,
} from './service.ts';

/** Who captures customer data: the operators on the calls, and the admins on either side. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['contacts'];

const ContactHistorySchema = z.object({
  calls: z.array(
    z.object({ id: z.uuid(), function: z.string(), status: z.string(), callerNumber: z.string().nullable(), offeredAt: z.string(), disposition: z.string().nullable() }),
  ),
  orders: z.array(z.object({ id: z.uuid(), number: z.number().int(), status: z.string(), totalMinor: z.number().int(), currency: z.string(), createdAt: z.string() })),
  complaints: z.array(
    z.object({ id: z.uuid(), number: z.number().int(), category: z.string().nullable(), severity: z.string().nullable(), status: z.string(), dueAt: z.string(), createdAt: z.string() }),
  ),
});

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/contacts',
  tags,
  summary: "The tenant's customers, newest first, masked for the viewer",
  request: {
    params: TenantParamSchema,
    query: z.object({
      phone: z.string().max(40).optional().openapi({ description: 'Exactly this number (any format; read in E.164)', example: '+33612345678' }),
      q: z.string().trim().max(200).optional().openapi({ description: 'In the name, email or phone (not in fields the rules make sensitive)' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(CustomerSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 404) },
});

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/contacts/{id}',
  tags,
  summary: "One customer with its history with this tenant (calls, orders, complaints), masked",
  request: { params: IdParamSchema },
  responses: { 200: { description: 'The customer', ...json(CustomerSchema.extend({ history: ContactHistorySchema })) }, ...problemResponses(401, 404) },
});

/** A customer saved on a call names it: an operator may save only the caller of a call they are handling. */
const ContactInputSchema = CustomerInputSchema.extend({
  callId: z.uuid().optional().openapi({
    description: "The call the customer is captured on (required of operators: a call they are handling); the phone, left out, is the call's number",
  }),
}).openapi('ContactInput', { example: { phone: '+33 6 12 34 56 78', name: 'Marie Dupont', email: 'marie.dupont@example.fr' } });

const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/contacts',
  tags,
  summary: 'Create the customer with this phone number, or update the one that has it (fields left out stay); Idempotency-Key honoured',
  request: { params: TenantParamSchema, headers: IdempotencyHeadersSchema, body: { ...json(ContactInputSchema), required: true } },
  responses: {
    201: { description: 'Created', ...json(CustomerSchema) },
    200: { description: 'Updated (a customer had this number)', ...json(CustomerSchema) },
    ...problemResponses(400, 401, 403, 404),
    422: { description: 'Idempotency-Key reused with another body' },
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/t/{tenant}/contacts/{id}',
  tags,
  summary: 'Change some of a customer’s fields',
  request: { params: IdParamSchema, body: { ...json(CustomerPatchSchema), required: true } },
  responses: { 200: { description: 'Saved', ...json(CustomerSchema) }, ...problemResponses(400, 401, 403, 404) },
});

export const contactRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    refuseMaskedFilters(rules, ctx.access, { phone: { field: 'customer.phone', value: query.phone } });
    const rows = await listCustomers(ctx.tx, ctx.tenant, rules, { ...query, cursor: decodeCursor(query.cursor) });
    const page = pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return c.json({ items: page.items.map((r) => customerToJson(r, rules, ctx.access)), nextCursor: page.nextCursor }, 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const row = await findCustomer(ctx.tx, c.req.valid('param').id);
    if (!row) throw notFound();
    const rules = await loadRules(ctx.tx);
    // One after another: a transaction is one connection.
    const calls = await ctx.tx
        .selectFrom('calls')
        .select(['id', 'function', 'status', 'callerNumber', 'offeredAt', 'disposition'])
        .where((eb) => eb.or([eb('customerId', '=', row.id), eb('callerNumber', '=', row.phone)]))
        .orderBy('offeredAt', 'desc')
        .limit(20)
        .execute();
    const orders = await ctx.tx
        .selectFrom('orders')
        .select(['id', 'number', 'status', 'totalMinor', 'currency', 'createdAt'])
        .where('customerId', '=', row.id)
        .orderBy('createdAt', 'desc')
        .limit(20)
        .execute();
    const complaints = await ctx.tx
        .selectFrom('complaints')
        .select(['id', 'number', 'category', 'severity', 'status', 'dueAt', 'createdAt'])
        .where('customerId', '=', row.id)
        .orderBy('createdAt', 'desc')
        .limit(20)
        .execute();
    return c.json(
      {
        ...customerToJson(row, rules, ctx.access),
        history: {
          calls: calls.map((r) => ({ ...r, callerNumber: maskPhone(r.callerNumber, rules, ctx.access), offeredAt: r.offeredAt.toISOString() })),
          orders: orders.map((r) => ({ ...r, totalMinor: Number(r.totalMinor), currency: r.currency.trim(), createdAt: r.createdAt.toISOString() })),
          complaints: complaints.map((r) => ({
            ...r,
            ...applyRules({ category: r.category as string | null, severity: r.severity as string | null }, 'complaint', rules, ctx.access),
            dueAt: r.dueAt.toISOString(),
            createdAt: r.createdAt.toISOString(),
          })),
        },
      },
      200,
    );
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    const { callId, ...input } = c.req.valid('json');
    const now = c.var.deps.now();
    await requireCaptureScope(ctx, { callId, customer: input }, now);
    const result = await idempotent(ctx.tx, ctx.tenant.id, 'POST contacts', c.req.valid('header')['idempotency-key'], { callId, ...input }, async () => {
      const errors: FieldError[] = [];
      const customer = input;
      const callerNumber = callId ? await callerNumberOf(ctx.tx, callId) : null;
      if (callId && !callerNumber) errors.push(fieldError('callId', 'no_such_call', 'There is no such call.'));
      const given = Object.entries({ ...customer, phone: true }).filter(([, v]) => v !== undefined).map(([k]) => k);
      const saved = await upsertCustomer(ctx.tx, ctx.tenant, withCallerPhone(customer, callerNumber), now, { actor: ctx.actor, fields: given }, '', errors);
      if (!saved) throw invalid(errors);
      return { status: saved.created ? 201 : 200, id: saved.id };
    });
    const rules = await loadRules(ctx.tx);
    const row = (await findCustomer(ctx.tx, result.id))!;
    return c.json(customerToJson(row, rules, ctx.access), result.status, replayHeaders(result));
  })
  .openapi(patch, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.capture');
    const { id } = c.req.valid('param');
    await patchCustomer(ctx.tx, ctx.tenant, ctx.actor, id, c.req.valid('json'), c.var.deps.now());
    const rules = await loadRules(ctx.tx);
    return c.json(customerToJson((await findCustomer(ctx.tx, id))!, rules, ctx.access), 200);
  });
