import { createRoute, z } from '@hono/zod-openapi';
import { callStatuses, complaintSeverities, complaintStatuses, orderStatuses, paymentMethods } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { HoursStatusSchema } from '../hours/routes.ts';
import { recordingPolicies } from '../rules/fields.ts';
import { ScriptBodySchema } from '../scripts/model.ts';
import { loadCallContext } from './context.ts';
import { CustomerSchema } from '../contacts/service.ts';
import { DirectoryTargetSchema } from '../directory/service.ts';
import { OutboundOfCallSchema } from './outbound-routes.ts';

const CallParamSchema = TenantParamSchema.extend({
  callId: z.uuid().openapi({ param: { name: 'callId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
});

/** Masked values are strings of •, or null when the rules hide the field. */
const masked = z.string().nullable();


export const CallContextSchema = z
  .object({
    call: z.object({
      id: z.string(),
      function: z.string(),
      callerNumber: masked.openapi({ description: "Masked as the tenant's rules mask a customer's phone for this viewer" }),
      callerNumberInClear: z.boolean().openapi({ description: 'False when the number is masked: records captured on the call leave the phone out and the server takes the call\'s' }),
      status: z.enum(callStatuses),
      offeredAt: z.string(),
      answeredAt: z.string().nullable(),
      scriptVersion: z.number().int().nullable(),
      requiredSkill: z.string().nullable(),
    }),
    tenant: z.object({
      slug: z.string(),
      name: z.string(),
      brandColor: z.string(),
      timeZone: z.string(),
      locale: z.string(),
      currency: z.string(),
    }),
    greeting: z.string().openapi({ description: "What the operator says on picking up: the client's greeting from its rules (required under white label), else a default; a script's first words are {{tenant.greeting}}" }),
    whiteLabel: z.boolean(),
    hours: HoursStatusSchema,
    recordingPolicy: z.enum(recordingPolicies),
    script: z
      .object({ id: z.string(), version: z.number().int(), body: ScriptBodySchema })
      .nullable()
      .openapi({ description: 'The version recorded on the call at accept, else the latest published one; null when the function has none' }),
    customer: CustomerSchema.nullable().openapi({ description: "The caller's customer record with this tenant (by phone), masked per its rules" }),
    caller: z
      .object({
        returning: z.boolean(),
        earlierCalls: z.number().int(),
        lastContactAt: z.string().nullable(),
      })
      .openapi({ description: 'Whether the caller has called this client before (from this number or as this customer), how often, and when last' }),
    history: z.object({
      calls: z.array(
        z.object({
          id: z.string(),
          function: z.string(),
          status: z.enum(callStatuses),
          offeredAt: z.string(),
          answeredAt: z.string().nullable(),
          endedAt: z.string().nullable(),
          disposition: z.string().nullable(),
          dispositionLabel: z.string().nullable().openapi({ description: "The wrap-up code's label, as the client named it" }),
        }),
      ),
      orders: z.array(
        z.object({
          id: z.string(),
          number: z.number().int(),
          status: z.enum(orderStatuses),
          items: z.unknown(),
          currency: z.string(),
          totalMinor: z.number().int(),
          deliveryAddress: masked,
          paymentMethod: z.enum(paymentMethods),
          paymentReference: masked,
          notes: masked,
          createdAt: z.string(),
        }),
      ),
      complaints: z.array(
        z.object({
          id: z.string(),
          number: z.number().int(),
          status: z.enum(complaintStatuses),
          category: masked,
          severity: z.union([z.enum(complaintSeverities), z.string()]).nullable(),
          description: masked,
          desiredResolution: masked,
          dueAt: z.string(),
          createdAt: z.string(),
        }),
      ),
    }),
    wrapUpCodes: z.array(z.object({ code: z.string(), label: z.string() })),
    outbound: OutboundOfCallSchema,
    wrapUpSeconds: z.number().int(),
    transfer: z.object({
      skills: z.array(z.string()).openapi({ description: "Skills this tenant's operators have, other than the call's function" }),
      inHouse: z.object({ phone: z.string().nullable(), email: z.string().nullable() }).nullable(),
      directory: z.array(DirectoryTargetSchema).openapi({ description: "The client's own lines (its active directory entries), transferred to with {kind: 'directory', entryId}" }),
    }),
    variables: z.record(z.string(), z.string()).openapi({ description: 'Values for the script\'s {{variables}} (caller, customer, tenant, today\'s hours, active promotions)' }),
  })
  .openapi('CallContext');

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/desk/calls/{callId}',
  tags: ['desk'],
  summary: "Everything the desk shows for a call: the client's greeting, hours, script, the caller's masked history with this client, wrap-up codes",
  request: { params: CallParamSchema },
  responses: {
    200: { description: 'The call in its client context', content: { 'application/json': { schema: CallContextSchema } } },
    ...problemResponses(401, 403, 404),
  },
});

export const deskContextRoutes = createRouter().openapi(get, async (c) => {
  const ctx = tenantContext(c);
  const user = c.var.user!;
  const context = await loadCallContext(ctx.tx, ctx.tenant, { id: user.id, kind: ctx.access, displayName: user.displayName }, c.req.valid('param').callId, c.var.deps.now());
  return c.json(context, 200);
});
