import { z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { goLiveDetailCodes, goLiveItemKeys, goLiveItemStatuses, goLiveStatuses, MIN_OPERATORS_PER_FUNCTION } from './service.ts';

const GoLiveItemSchema = z
  .object({
    key: z.enum(goLiveItemKeys).openapi({ description: 'What the item checks; the portal links each to the page where it is fixed' }),
    status: z.enum(goLiveItemStatuses),
    detail: z.string().openapi({ description: 'What is there or missing, in English (for API clients); the portal shows `code` translated' }),
    code: z.enum(goLiveDetailCodes).openapi({ description: 'The detail as a stable code, to translate; its values are in `params`' }),
    params: z
      .object({
        n: z.number().int().optional().openapi({ description: 'A count (codes wrapUpCodesSome, operatorsEnough, agreementsUnsigned)' }),
        min: z.number().int().optional().openapi({ description: 'The operators wanted per function (operatorsOne)' }),
        numbers: z.array(z.string()).optional().openapi({ description: 'The numbers that ring for the function (phoneNumberRouted)' }),
      })
      .openapi({ description: 'The values the code’s sentence names' }),
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

