import { createRoute, z } from '@hono/zod-openapi';
import { campaignFunctions, campaignStatuses, dialModes } from '@switchboard/db';
import { requirePermission, requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { IdParamSchema } from '../records/common.ts';
import { campaignBoard, liveCampaigns } from './board.ts';

/** The live campaign board (tenant) and the provider's list of running campaigns (staff). Figures: board.ts. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const pct = z.number().nullable();

const BoardPointSchema = z
  .object({ at: z.string(), dials: z.number().int(), reached: z.number().int(), successes: z.number().int(), abandoned: z.number().int() })
  .openapi('CampaignBoardPoint');

const CampaignBoardSchema = z
  .object({
    at: z.string(),
    campaign: z.object({
      id: z.uuid(),
      name: z.string(),
      function: z.enum(campaignFunctions),
      mode: z.enum(dialModes),
      status: z.enum(campaignStatuses),
      rulesProfile: z.string(),
      abandonCapPercent: z.number(),
    }),
    timeZone: z.string().openapi({ description: "The tenant's zone: today and the 15-minute slots are on its clock" }),
    todayStartsAt: z.string(),
    contacts: z.object({ pending: z.number().int(), dialing: z.number().int(), done: z.number().int(), excluded: z.number().int(), total: z.number().int() }),
    today: z.object({
      dials: z.number().int(),
      reached: z.number().int().openapi({ description: 'People who answered and were connected to an operator' }),
      successes: z.number().int().openapi({ description: "Reached calls wrapped up with one of the campaign's success dispositions" }),
      abandoned: z.number().int().openapi({ description: 'People who answered and found no operator: they heard the campaign’s message' }),
      contactRate: pct.openapi({ description: 'Reached ÷ dials, %' }),
      conversion: pct.openapi({ description: 'Successes ÷ reached, %' }),
    }),
    lastHour: z.object({
      dials: z.number().int(),
      reached: z.number().int(),
      abandoned: z.number().int(),
      abandonRate: pct.openapi({ description: 'Abandoned ÷ (reached + abandoned) over the rolling last hour, %' }),
      overCap: z.boolean(),
    }),
    callsPerHour: z.number().int(),
    inFlight: z.number().int(),
    operators: z.array(z.object({ id: z.uuid(), name: z.string(), state: z.enum(['dialing', 'on_call', 'wrap_up']) })),
    refusalsToday: z.array(z.object({ rule: z.string(), count: z.number().int() })),
    series: z.array(BoardPointSchema),
  })
  .openapi('CampaignBoard');

const LiveCampaignSchema = z
  .object({
    tenant: z.object({ slug: z.string(), name: z.string(), brandColor: z.string() }),
    id: z.uuid(),
    name: z.string(),
    function: z.enum(campaignFunctions),
    mode: z.enum(dialModes),
    pending: z.number().int(),
    dialsToday: z.number().int(),
    reachedToday: z.number().int(),
    successesToday: z.number().int(),
    abandonRate: pct,
    abandonCapPercent: z.number(),
    callsPerHour: z.number().int(),
    operators: z.number().int(),
  })
  .openapi('LiveCampaign');

const boardRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaigns/{id}/board',
  tags: ['campaigns'],
  summary: "A campaign's live board: contacts remaining, today's dials, contact rate, conversion, abandonment against the cap, operators on it, refusals by rule, a series per 15 minutes",
  request: { params: IdParamSchema },
  responses: { 200: { description: 'The board', ...json(CampaignBoardSchema) }, ...problemResponses(400, 401, 403, 404) },
});

const liveRoute = createRoute({
  method: 'get',
  path: '/campaigns/live',
  tags: ['campaigns'],
  summary: 'Every running campaign of every client company with its headline figures (provider staff)',
  responses: { 200: { description: 'Running campaigns', ...json(z.object({ at: z.string(), items: z.array(LiveCampaignSchema) })) }, ...problemResponses(401, 403) },
});

export const campaignBoardRoutes = createRouter()
  .openapi(boardRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.read');
    const board = await campaignBoard(ctx.tx, ctx.tenant, c.req.valid('param').id, c.var.deps.now());
    if (!board) throw notFound();
    return c.json(board, 200);
  })
  .openapi(liveRoute, async (c) => {
    requireUserPermission(currentUser(c), 'campaigns.board');
    const now = c.var.deps.now();
    return c.json({ at: now.toISOString(), items: await liveCampaigns(c.var.deps.db, now) }, 200);
  });
