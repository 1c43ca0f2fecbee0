import { requireUserPermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { operatorStates } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { computeWallboard, type Wallboard } from './compute.ts';

const WallboardQueueSchema = z
  .object({
    function: z.string().openapi({ example: 'order_taking' }),
    waiting: z.number().int(),
    longestWaitSeconds: z.number().int(),
    oldestEnqueuedAt: z.string().nullable(),
    operators: z.object({
      available: z.number().int(),
      onCall: z.number().int(),
      wrapUp: z.number().int(),
      notResponding: z.number().int().openapi({ description: 'Serving operators who let an offer run out and are not offered calls until they come back' }),
    }),
    handledToday: z.number().int(),
    abandonedToday: z.number().int(),
    answeredWithinTargetToday: z.number().int(),
    serviceLevelBaseToday: z.number().int().openapi({ description: 'Answered + abandoned after the target: the service level is answeredWithinTargetToday over this' }),
    serviceLevelToday: z.number().nullable().openapi({
      description: "% answered within the tenant's answer target, over answered + abandoned after the target (null before any)",
      example: 87.5,
    }),
    averageHandleSeconds: z.number().int().nullable(),
    operatorsAble: z.number().int().openapi({ description: 'Operators who could take these calls at all (assigned with the skill, active, agreement on file if required)' }),
    understaffed: z.boolean().openapi({ description: 'Delegated, and fewer than two operators could take it' }),
  })
  .openapi('WallboardQueue');

const WallboardSchema = z
  .object({
    at: z.string(),
    tenants: z.array(
      z.object({
        slug: z.string(),
        name: z.string(),
        brandColor: z.string(),
        timeZone: z.string(),
        status: z.enum(['active', 'suspended']),
        answerTargetSeconds: z.number().int(),
        todayStartsAt: z.string().openapi({ description: "Midnight on the tenant's clock, from which today's figures count" }),
        queues: z.array(WallboardQueueSchema),
        satisfactionToday: z
          .object({
            scored: z.number().int().openapi({ description: 'Callers who keyed a 1–5 score since midnight' }),
            average: z.number().nullable().openapi({ description: 'Their mean score, two decimals; null before any' }),
            satisfiedShare: z.number().nullable().openapi({ description: '% who keyed 4 or 5; null before any' }),
          })
          .openapi({ description: "Today's post-call satisfaction (CSAT) of the tenant's surveyed calls" }),
      }),
    ),
    operators: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        state: z.enum(operatorStates),
        breakReason: z.string().nullable(),
        since: z.string().nullable(),
        tenant: z.object({ slug: z.string(), name: z.string(), brandColor: z.string() }).nullable(),
      }),
    ),
  })
  .openapi('Wallboard');

const get = createRoute({
  method: 'get',
  path: '/wallboard',
  tags: ['wallboard'],
  summary: "Every tenant's queues, today's service level and handle time, and each operator's state (provider admins and supervisors)",
  responses: {
    200: { description: 'Wallboard', content: { 'application/json': { schema: WallboardSchema } } },
    ...problemResponses(401, 403),
  },
});

export const wallboardRoutes = createRouter().openapi(get, async (c) => {
  const user = currentUser(c);
  requireUserPermission(user, 'wallboard.read');
  const { db, now } = c.var.deps;
  const board: Wallboard = await computeWallboard(db, now());
  return c.json(board, 200);
});
