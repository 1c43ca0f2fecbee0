import { createRoute, z } from '@hono/zod-openapi';
import { requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { SlugSchema } from '../http/validators.ts';
import { loadOperatorFigures } from './figures.ts';

const seconds = z.number().int().nullable().openapi({ description: 'Average handle time (answer to end of wrap-up) in seconds; null with no call handled' });

const ClientFiguresSchema = z.object({
  slug: z.string(),
  name: z.string(),
  brandColor: z.string(),
  date: z.string().openapi({ description: "The client's local date (YYYY-MM-DD) the figures count", example: '2026-12-04' }),
  handled: z.number().int().openapi({ description: 'Calls this operator finished (wrap-up ended) today' }),
  averageHandleSeconds: seconds,
  wrapUpSeconds: z.number().int().nullable().openapi({ description: 'Average after-call work today (end of the call to end of wrap-up) in seconds; null with no call handled' }),
  latestQualityScore: z.number().nullable().openapi({ description: "The score (0–100) of the operator's latest submitted quality evaluation for this client; null if none" }),
});

export const OperatorFiguresSchema = z
  .object({ tenants: z.array(ClientFiguresSchema), total: z.object({ handled: z.number().int(), averageHandleSeconds: seconds }) })
  .openapi('OperatorFigures');

const FiguresQuerySchema = z.object({
  tenant: SlugSchema.optional().openapi({ description: 'Only this client (one the operator serves; else 404)' }),
});

const getFigures = createRoute({
  method: 'get',
  path: '/desk/figures',
  tags: ['desk'],
  summary: "The operator's own figures for today, per client they serve (each client's local day): calls handled and average handle time",
  request: { query: FiguresQuerySchema },
  responses: {
    200: { description: "The asking operator's figures; never another operator's", content: { 'application/json': { schema: OperatorFiguresSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const deskFiguresRoutes = createRouter().openapi(getFigures, async (c) => {
  const user = currentUser(c);
  requireUserPermission(user, 'desk.figures');
  const { db, now } = c.var.deps;
  return c.json(await loadOperatorFigures(db, user.id, now(), c.req.valid('query').tenant), 200);
});
