import { z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { coded, typedText } from '../http/validators.ts';
import type { ContractTerms } from './resolve.ts';
import type { QueueKpis } from '../kpis/definitions.ts';

/**
 * A contract version as the API takes it (docs/contracts.md): the bounds are the migration's checks
 * (0031), so a value the database would refuse is a 400 naming the field, never a 500.
 */

/**
 * The KPIs a missed target can credit, each with the contract term that targets it and the figure it is
 * measured by (kpis/definitions.ts). The complaint, quality and outbound targets are not credited yet:
 * their figures are not in the queue statistics the credits are computed from.
 */
export const creditKpis = {
  service_level: { term: 'serviceLevelPercent', figure: 'serviceLevel' },
  abandon_rate: { term: 'maxAbandonPercent', figure: 'abandonRate' },
  asa: { term: 'asaSeconds', figure: 'asa' },
  aht: { term: 'ahtSeconds', figure: 'aht' },
  fcr: { term: 'fcrPercent', figure: 'fcr' },
} as const satisfies Record<string, { term: keyof ContractTerms; figure: keyof QueueKpis }>;
export type CreditKpi = keyof typeof creditKpis;
export const creditKpiNames = Object.keys(creditKpis) as [CreditKpi, ...CreditKpi[]];

const isoDate = z.iso.date({ error: 'Use a date as YYYY-MM-DD.' });
/** A percent target as numeric(5, 2) keeps it: two decimals. */
const round2 = (n: number) => Math.round(n * 100) / 100;
const percentTarget = (what: string) =>
  z
    .number()
    .gt(0, `A ${what} target is above 0 %.`)
    .max(100, `A ${what} target is at most 100 %.`)
    .transform(round2)
    .nullable()
    .default(null);
const seconds = (min: number, max: number) => z.number().int('Use a whole number of seconds.').min(min).max(max);

export const ContractVersionInputSchema = z
  .strictObject({
    function: z
      .enum(callFunctionIds)
      .nullable()
      .default(null)
      .openapi({ description: 'null: the company-wide contract; a function: its own terms, which replace the company-wide ones for that function' }),
    effectiveFrom: isoDate
      .refine((d) => d >= '2000-01-01' && d <= '2099-12-31', coded('invalid', 'Give a date between 2000 and 2099.'))
      .openapi({ description: "The company-calendar day this version applies from; a day already past recomputes the statistics from it", example: '2026-02-01' }),
    serviceLevelPercent: percentTarget('service level').openapi({ description: 'X in "X % of calls answered within Y seconds"; null: no service-level target', example: 80 }),
    serviceLevelSeconds: seconds(1, 3600).default(20).openapi({ description: 'Y in "X % answered within Y seconds"', example: 20 }),
    shortAbandonSeconds: seconds(0, 120).default(5).openapi({ description: 'Callers who hang up before this many seconds are not counted at all (0: every abandon counts)' }),
    abandonedInDenominator: z.boolean().default(true).openapi({ description: 'Whether calls abandoned after the short-abandon threshold count against the service level' }),
    maxAbandonPercent: z.number().min(0).max(100).transform(round2).nullable().default(null).openapi({ description: 'The most calls that may be abandoned, in percent' }),
    asaSeconds: seconds(1, 3600).nullable().default(null).openapi({ description: 'Average speed of answer target' }),
    ahtSeconds: seconds(1, 36000).nullable().default(null).openapi({ description: 'Average handle time (talk + hold + wrap-up) target' }),
    fcrDays: z.number().int('Use a whole number of days.').min(1).max(90).default(7).openapi({ description: 'A call is resolved first time when the caller does not call again about the same function within this many days' }),
    fcrPercent: percentTarget('first-contact resolution'),
    complaintsOnTimePercent: percentTarget('complaints-on-time'),
    qualityMinScore: percentTarget('quality score'),
    contactRatePercent: percentTarget('contact rate'),
    conversionPercent: percentTarget('conversion'),
    credits: z
      .partialRecord(z.enum(creditKpiNames), z.number().int('Use a whole amount in cents.').min(1).max(100_000_000))
      .default({})
      .openapi({ description: 'What a missed target credits the client for the month, per KPI, in minor units (cents) of the company currency', example: { service_level: 50000 } }),
    creditsEnabled: z.boolean().default(false).openapi({ description: 'Whether missed targets propose credits on the monthly statement', example: true }),
    clientOperatorNames: z.enum(['full', 'first_name', 'pseudonym']).default('first_name').openapi({ description: "How the client's reports name the provider's operators" }),
    notes: typedText(2000).nullable().default(null).openapi({ description: 'Anything else agreed, for both sides to read' }),
  })
  .superRefine((v, ctx) => {
    // A credit needs the target it is paid on.
    for (const kpi of Object.keys(v.credits) as CreditKpi[]) {
      if (v[creditKpis[kpi].term as keyof typeof v] === null) {
        ctx.addIssue({ code: 'custom', path: ['credits', kpi], ...coded('contract.credit_without_target', `The contract sets no ${kpi.replaceAll('_', ' ')} target: a credit needs one.`, { kpi }) });
      }
    }
  })
  .openapi('ContractVersionInput', {
    example: {
      function: null,
      effectiveFrom: '2026-02-01',
      serviceLevelPercent: 80,
      serviceLevelSeconds: 20,
      shortAbandonSeconds: 5,
      abandonedInDenominator: true,
      maxAbandonPercent: 5,
      asaSeconds: 30,
      ahtSeconds: 300,
      fcrDays: 7,
      fcrPercent: 75,
      complaintsOnTimePercent: null,
      qualityMinScore: null,
      contactRatePercent: null,
      conversionPercent: null,
      credits: { service_level: 50000 },
      creditsEnabled: true,
      clientOperatorNames: 'first_name',
      notes: 'Reviewed every quarter',
    },
  });
export type ContractVersionInput = z.output<typeof ContractVersionInputSchema>;
