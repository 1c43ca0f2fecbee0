import { z } from '@hono/zod-openapi';

/** A connected call's hold, mute and consultation, as the desk reads them (desk state and every carrier control's answer). */
export const CarrierStateSchema = z
  .object({
    callId: z.string(),
    held: z.boolean(),
    heldSince: z.string().nullable().openapi({ description: 'Since when the caller is on hold (also through a consultation)' }),
    holdSeconds: z.number().int().openapi({ description: 'Seconds on hold so far, holds that ended' }),
    muted: z.boolean(),
    consult: z
      .object({
        kind: z.enum(['consult', 'conference']),
        label: z.string().openapi({ description: "The directory entry's name, or `in_house` for the function's in-house line" }),
        startedAt: z.string(),
      })
      .nullable(),
  })
  .openapi('DeskCarrierState');
