import { z } from 'zod';
import { applyContractVersion, creditKpiNames, SkillSchema, type ContractVersionInput } from '@switchboard/api';
import type { TenantTx } from '@switchboard/db';

/**
 * The `contract` section of a tenant file: what the provider promised the client (docs/kpis.md), as
 * versions — the company-wide one (no `function`) and any function's own — each in force from a date of
 * the company's calendar. Versions are matched by function and date: added, or changed to what the file
 * says; a version the file does not list is left alone (the past is history).
 */

const percent = (what: string) =>
  z.number({ message: `Give ${what} as a number of percent.` }).gt(0, `${what} must be above 0 %.`).max(100, `${what} is at most 100 %.`);

/** What a missed target can credit: the KPIs a contract sets targets for. */
/** The KPIs a credit may be on: the contracts service's list (complaint, quality and outbound figures are not credited yet). */
export const creditKpis = creditKpiNames;

export const ContractVersionSchema = z
  .strictObject({
    /** Left out: the company-wide version, which applies to every function without one of its own. */
    function: SkillSchema.optional(),
    effectiveFrom: z.iso.date({ message: 'Use a date such as 2026-01-01.' }),
    /** "80/20": 80 % of calls answered within 20 seconds. */
    serviceLevel: z.strictObject({ percent: percent('The service level'), seconds: z.number().int().min(1).max(3600).default(20) }).optional(),
    shortAbandonSeconds: z.number().int().min(0).max(120).default(5),
    abandonedInDenominator: z.boolean().default(true),
    maxAbandonPercent: z.number().min(0).max(100, 'The abandonment rate is at most 100 %.').optional(),
    asaSeconds: z.number().int().min(1).max(3600).optional(),
    ahtSeconds: z.number().int().min(1).max(36000).optional(),
    fcrDays: z.number().int().min(1).max(90).default(7),
    fcrPercent: percent('First-contact resolution').optional(),
    complaintsOnTimePercent: percent('Complaints handled on time').optional(),
    qualityMinScore: z.number().gt(0, 'The quality score must be above 0.').max(100, 'The quality score is at most 100.').optional(),
    contactRatePercent: percent('The contact rate').optional(),
    conversionPercent: percent('The conversion rate').optional(),
    /** Credits: per KPI, what a missed month credits the client, in minor units of its currency. */
    credits: z
      .strictObject({
        enabled: z.boolean(),
        amounts: z.partialRecord(z.enum(creditKpis), z.number().int().min(0, 'A credit cannot be negative.').max(100_000_000)).default({}),
      })
      .optional(),
    clientOperatorNames: z.enum(['full', 'first_name', 'pseudonym']).default('first_name'),
    notes: z.string().trim().max(2000).optional(),
  })
  .superRefine((version, ctx) => {
    const targetOf: Record<(typeof creditKpis)[number], unknown> = {
      service_level: version.serviceLevel,
      abandon_rate: version.maxAbandonPercent,
      asa: version.asaSeconds,
      aht: version.ahtSeconds,
      fcr: version.fcrPercent,
    };
    for (const kpi of Object.keys(version.credits?.amounts ?? {}) as (typeof creditKpis)[number][]) {
      if (targetOf[kpi] === undefined) ctx.addIssue({ code: 'custom', path: ['credits', 'amounts', kpi], message: `The contract sets no ${kpi} target to credit.` });
    }
  });
export type ContractVersionDefinition = z.output<typeof ContractVersionSchema>;

const keyOf = (v: { function?: string | undefined; effectiveFrom: string }) => `${v.function ?? ''}/${v.effectiveFrom}`;

/** Ordered by function (company-wide first), then date; the same function and date twice is an error at its repeat. */
export const ContractSectionSchema = z
  .array(ContractVersionSchema)
  .max(200)
  .superRefine((versions, ctx) => {
    const seen = new Map<string, number>();
    versions.forEach((version, index) => {
      const first = seen.get(keyOf(version));
      if (first === undefined) seen.set(keyOf(version), index);
      else ctx.addIssue({ code: 'custom', path: [index, 'effectiveFrom'], message: `This version is already listed at contract[${first}].` });
    });
  })
  .transform((versions) => [...versions].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)));

/** The row a version becomes (api/src/contracts/apply.ts). */
export function contractInput(version: ContractVersionDefinition): ContractVersionInput {
  return {
    function: version.function ?? null,
    effectiveFrom: version.effectiveFrom,
    serviceLevelPercent: version.serviceLevel?.percent ?? null,
    serviceLevelSeconds: version.serviceLevel?.seconds ?? 20,
    shortAbandonSeconds: version.shortAbandonSeconds,
    abandonedInDenominator: version.abandonedInDenominator,
    maxAbandonPercent: version.maxAbandonPercent ?? null,
    asaSeconds: version.asaSeconds ?? null,
    ahtSeconds: version.ahtSeconds ?? null,
    fcrDays: version.fcrDays,
    fcrPercent: version.fcrPercent ?? null,
    complaintsOnTimePercent: version.complaintsOnTimePercent ?? null,
    qualityMinScore: version.qualityMinScore ?? null,
    contactRatePercent: version.contactRatePercent ?? null,
    conversionPercent: version.conversionPercent ?? null,
    creditsEnabled: version.credits?.enabled ?? false,
    credits: version.credits?.amounts ?? {},
    clientOperatorNames: version.clientOperatorNames,
    notes: version.notes || null,
  };
}

/** Applies the section: each version saved when missing or different; the rest left alone. */
export async function applyContract(
  tx: TenantTx,
  tenantId: string,
  section: ContractVersionDefinition[],
  now: Date,
  changed: (field: string, change: string) => void,
): Promise<void> {
  for (const version of section) {
    const saved = await applyContractVersion(tx, { tenantId, ...contractInput(version) }, null, now);
    if (saved.changed) changed('contract', `contract: ${version.function ?? 'company-wide'} from ${version.effectiveFrom} ${saved.created ? 'added' : 'changed'}`);
  }
}

const num = (v: string | number | null) => (v === null ? undefined : Number(v));

/** The section as export writes it (every version on file, the parsed form: defaults written out); null when there is none. */
export async function exportContract(tx: TenantTx): Promise<ContractVersionDefinition[] | null> {
  const rows = await tx.selectFrom('serviceContracts').selectAll().execute();
  if (!rows.length) return null;
  const versions = rows.map((row): ContractVersionDefinition => {
    const amounts = row.credits as Record<string, number>;
    const version = {
      ...(row.function ? { function: row.function } : {}),
      effectiveFrom: String(row.effectiveFrom),
      ...(row.serviceLevelPercent !== null ? { serviceLevel: { percent: Number(row.serviceLevelPercent), seconds: row.serviceLevelSeconds } } : {}),
      shortAbandonSeconds: row.shortAbandonSeconds,
      abandonedInDenominator: row.abandonedInDenominator,
      maxAbandonPercent: num(row.maxAbandonPercent),
      asaSeconds: row.asaSeconds ?? undefined,
      ahtSeconds: row.ahtSeconds ?? undefined,
      fcrDays: row.fcrDays,
      fcrPercent: num(row.fcrPercent),
      complaintsOnTimePercent: num(row.complaintsOnTimePercent),
      qualityMinScore: num(row.qualityMinScore),
      contactRatePercent: num(row.contactRatePercent),
      conversionPercent: num(row.conversionPercent),
      ...(row.creditsEnabled || Object.keys(amounts).length ? { credits: { enabled: row.creditsEnabled, amounts } } : {}),
      clientOperatorNames: row.clientOperatorNames,
      ...(row.notes ? { notes: row.notes } : {}),
    };
    return Object.fromEntries(Object.entries(version).filter(([, v]) => v !== undefined)) as ContractVersionDefinition;
  });
  return ContractSectionSchema.parse(versions);
}
