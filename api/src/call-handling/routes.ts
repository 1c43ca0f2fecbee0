import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { invalid, notFound, problemResponses, fieldError } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { CallSettingsSchema, PhoneNumberBodySchema, phoneNumberMessage, toE164 } from './definition.ts';
import { deletePhoneNumber, listPhoneNumbers, loadCallSettings, putPhoneNumber, replaceCallSettings, type PhoneNumberRow } from './service.ts';

const CallSettingsResponseSchema = z
  .object({
    settings: CallSettingsSchema,
    updatedAt: z.string().nullable().openapi({ description: 'Null: the tenant has saved none, these are the defaults' }),
    updatedBy: z.string().nullable(),
  })
  .openapi('CallSettingsResponse');

const PhoneNumberSchema = z
  .object({
    number: z.string().openapi({ example: '+33142868201' }),
    function: z.enum(callFunctionIds),
    label: z.string(),
    createdAt: z.string(),
  })
  .openapi('PhoneNumber');

const NumberParamSchema = TenantParamSchema.extend({
  number: z.string().openapi({ param: { name: 'number', in: 'path' }, description: 'E.164, e.g. +33142868201 (URL-encode the + as %2B if your client turns + into a space)', example: '+33142868201' }),
});

const getSettings = createRoute({
  method: 'get',
  path: '/t/{tenant}/call-settings',
  tags: ['call handling'],
  summary: "How the tenant's calls are handled: offer timeout, wrap-up time, answer target, transfer timeout, complaint due days, maximum queue wait and its overflow actions, the connected-call limit",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Settings (the defaults when none were saved)', content: { 'application/json': { schema: CallSettingsResponseSchema } } },
    ...problemResponses(401, 404),
  },
});

const putSettings = createRoute({
  method: 'put',
  path: '/t/{tenant}/call-settings',
  tags: ['call handling'],
  summary: 'Replace the call-handling settings (fields left out take their defaults)',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: CallSettingsSchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: CallSettingsResponseSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const listNumbers = createRoute({
  method: 'get',
  path: '/t/{tenant}/phone-numbers',
  tags: ['call handling'],
  summary: 'The numbers callers dial to reach the tenant, each for one function',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Numbers', content: { 'application/json': { schema: z.object({ numbers: z.array(PhoneNumberSchema) }) } } },
    ...problemResponses(401, 404),
  },
});

const putNumber = createRoute({
  method: 'put',
  path: '/t/{tenant}/phone-numbers/{number}',
  tags: ['call handling'],
  summary: 'Add a number to the tenant, or change the function it answers for (a number belongs to one tenant only: 409 otherwise)',
  request: { params: NumberParamSchema, body: { content: { 'application/json': { schema: PhoneNumberBodySchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: PhoneNumberSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

const deleteNumber = createRoute({
  method: 'delete',
  path: '/t/{tenant}/phone-numbers/{number}',
  tags: ['call handling'],
  summary: 'Take a number off the tenant',
  request: { params: NumberParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404) },
});

const numberToJson = (row: PhoneNumberRow) => ({ number: row.number, function: row.function, label: row.label, createdAt: row.createdAt.toISOString() });

/** The number in the path in E.164; a number that is not valid is a 400 naming the path parameter. */
function numberParam(raw: string): string {
  const number = toE164(raw);
  if (!number) throw invalid([fieldError('number', 'phone_number', phoneNumberMessage)]);
  return number;
}

export const callHandlingRoutes = createRouter()
  .openapi(getSettings, async (c) => {
    const { settings, updatedAt, updatedBy } = await loadCallSettings(tenantContext(c).tx);
    return c.json({ settings, updatedAt: updatedAt?.toISOString() ?? null, updatedBy }, 200);
  })
  .openapi(putSettings, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'callHandling.manage');
    await replaceCallSettings(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json'), c.var.deps.now());
    const { settings, updatedAt, updatedBy } = await loadCallSettings(ctx.tx);
    return c.json({ settings, updatedAt: updatedAt?.toISOString() ?? null, updatedBy }, 200);
  })
  .openapi(listNumbers, async (c) => {
    const numbers = await listPhoneNumbers(tenantContext(c).tx);
    return c.json({ numbers: numbers.map(numberToJson) }, 200);
  })
  .openapi(putNumber, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'numbers.manage');
    const number = numberParam(c.req.valid('param').number);
    const { row } = await putPhoneNumber(ctx.tx, ctx.tenant.id, ctx.actor, { number, ...c.req.valid('json') }, c.var.deps.now());
    return c.json(numberToJson(row), 200);
  })
  .openapi(deleteNumber, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'numbers.manage');
    const number = toE164(c.req.valid('param').number);
    if (!number || !(await deletePhoneNumber(ctx.tx, ctx.tenant.id, ctx.actor, number))) throw notFound('This client company has no such number.');
    return c.body(null, 204);
  });
