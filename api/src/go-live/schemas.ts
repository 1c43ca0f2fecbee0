import { z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { goLiveItemKeys, goLiveItemStatuses, goLiveStatuses, MIN_OPERATORS_PER_FUNCTION } from './service.ts';

const GoLiveItemSchema = z
  .object({
    key: z.enum(goLiveItemKeys).openapi({ description: 'What the item checks; the portal links each to the page where it is fixed' }),
    status: z.enum(goLiveItemStatuses),
    detail: z.string(),
    fixedBy: z.enum(['client', 'provider']).openapi({ description: 'Who can fix it: the client company in its portal, or the provider' }),
  })
  .openapi('GoLiveItem');

export const GoLiveSummarySchema = z
  .object({
    status: z.enum(goLiveStatuses).openapi({ description: 'not_started: no function chosen yet; in_progress: something is missing; live: every chosen function can take calls' }),
    missing: z.number().int(),
    warnings: z.number().int(),
    understaffed: z.array(z.enum(callFunctionIds)).openapi({ description: `Delegated functions fewer than ${MIN_OPERATORS_PER_FUNCTION} operators can take` }),
  })
  .openapi('GoLiveSummary');

export const GoLiveSchema = GoLiveSummarySchema.extend({
  minOperatorsPerFunction: z.number().int(),
  functions: z.array(
    z.object({
      function: z.enum(callFunctionIds),
      label: z.string(),
      direction: z.enum(['inbound', 'outbound']),
      delegated: z.boolean(),
      operatorsAble: z.number().int(),
      understaffed: z.boolean(),
      live: z.boolean(),
      items: z.array(GoLiveItemSchema),
    }),
  ),
}).openapi('GoLive');

