import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { afterHoursActions, callFunctionIds } from '@switchboard/db';
import { createRouter, issueError } from '../http/router.ts';
import { invalid, problemResponses, type FieldErrorInput } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { HoursDefinitionSchema, salvagedHoursIssues, weekdays } from './definition.ts';
import { loadHours, replaceHours } from './service.ts';
import { hoursStatus } from './status.ts';

const HoursSchema = z
  .object({
    timeZone: z.string().openapi({ description: "The tenant's IANA zone, in which every local time and date is read", example: 'Europe/Paris' }),
    hours: HoursDefinitionSchema,
  })
  .openapi('Hours');

const StatusQuerySchema = z.object({
  function: z
    .enum(callFunctionIds)
    .optional()
    .openapi({ param: { name: 'function', in: 'query' }, description: "Left out: the tenant's default schedule" }),
  at: z.iso
    .datetime({ offset: true, message: 'Use an ISO 8601 instant such as 2026-03-29T01:30:00Z.' })
    .optional()
    .openapi({ param: { name: 'at', in: 'query' }, description: 'Left out: now', example: '2026-03-29T01:30:00Z' }),
});

const LocalIntervalSchema = { start: z.string().optional(), end: z.string().optional() };
export const HoursStatusSchema = z
  .object({
    function: z.enum(callFunctionIds).nullable(),
    at: z.string(),
    local: z.string().openapi({ description: "The instant on the tenant's clock", example: '2026-03-29T03:00+02:00' }),
    timeZone: z.string(),
    open: z.boolean(),
    schedule: z.string().nullable(),
    inForce: z
      .union([
        z.object({ kind: z.literal('weekly'), schedule: z.string(), day: z.enum(weekdays), date: z.string(), start: z.string(), end: z.string() }),
        z.object({ kind: z.literal('override'), label: z.string(), from: z.string(), to: z.string(), closed: z.boolean(), date: z.string(), ...LocalIntervalSchema }),
      ])
      .nullable(),
    nextChange: z.object({ at: z.string(), local: z.string(), opens: z.boolean() }).nullable(),
    afterHours: z.object({ action: z.enum(afterHoursActions), forwardTo: z.string().nullable(), announcement: z.string().nullable() }).nullable(),
  })
  .openapi('HoursStatus');

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/hours',
  tags: ['hours'],
  summary: "The tenant's hours: schedules, dated overrides, and each function's schedule and after-hours action",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Hours', content: { 'application/json': { schema: HoursSchema } } },
    ...problemResponses(401, 404),
  },
});

const replace = createRoute({
  method: 'put',
  path: '/t/{tenant}/hours',
  tags: ['hours'],
  summary: "Replace the tenant's hours as a whole (every problem is listed with its path; nothing is saved unless all is valid)",
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: HoursDefinitionSchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: HoursSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const status = createRoute({
  method: 'get',
  path: '/t/{tenant}/hours/status',
  tags: ['hours'],
  summary: 'Open or closed at an instant, what is in force, and the next opening or closing',
  request: { params: TenantParamSchema, query: StatusQuerySchema },
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: HoursStatusSchema } } },
    ...problemResponses(400, 401, 404),
  },
});

export const hoursRoutes = createRouter()
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    return c.json({ timeZone: ctx.tenant.timeZone, hours: await loadHours(ctx.tx) }, 200);
  })
  .openapi(
    replace,
    async (c) => {
      const ctx = tenantContext(c);
      requirePermission(ctx, 'hours.manage');
      const { after } = await replaceHours(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json'));
      return c.json({ timeZone: ctx.tenant.timeZone, hours: after }, 200);
    },
    // Every problem at once: the shape errors Zod found, and the cross-field ones over whatever parsed.
    (result) => {
      if (result.success) return undefined;
      const errors: FieldErrorInput[] = result.error.issues.map((issue) => issueError(issue, issue.path.map(String).join('.') || (result.target === 'json' ? '(body)' : `(${result.target})`)));
      const seen = new Set(errors.map((e) => `${e.path}\u0000${e.message}`));
      const sent = result.target === 'json' ? (result as { data?: unknown }).data : undefined;
      for (const issue of salvagedHoursIssues(sent)) {
        const error = { path: issue.path.map(String).join('.'), code: issue.code, ...(issue.params ? { params: issue.params } : {}), message: issue.message };
        if (!seen.has(`${error.path}\u0000${error.message}`)) errors.push(error);
      }
      throw invalid(errors);
    },
  )
  .openapi(status, async (c) => {
    const ctx = tenantContext(c);
    const query = c.req.valid('query');
    const at = query.at ? new Date(query.at) : c.var.deps.now();
    const result = hoursStatus({ timeZone: ctx.tenant.timeZone, definition: await loadHours(ctx.tx) }, query.function ?? null, at);
    return c.json(result, 200);
  });
