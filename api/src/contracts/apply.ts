import { jsonb, newId, type TenantTx } from '@switchboard/db';
import { writeAudit } from '../audit/write.ts';
import type { Actor } from '../http/env.ts';

/**
 * One version of a service contract as the tenant files write it (tenants/README.md, `contract`): the
 * company-wide row (function null) or one function's, in force from a date of the company's calendar.
 * Targets left null are not in the contract (the report shows "no target").
 */
export interface ContractVersionInput {
  function: string | null;
  effectiveFrom: string;
  serviceLevelPercent: number | null;
  serviceLevelSeconds: number;
  shortAbandonSeconds: number;
  abandonedInDenominator: boolean;
  maxAbandonPercent: number | null;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  fcrDays: number;
  fcrPercent: number | null;
  complaintsOnTimePercent: number | null;
  qualityMinScore: number | null;
  contactRatePercent: number | null;
  conversionPercent: number | null;
  creditsEnabled: boolean;
  credits: Record<string, number>;
  clientOperatorNames: 'full' | 'first_name' | 'pseudonym';
  notes: string | null;
}

const numeric = (v: string | number | null) => (v === null ? null : Number(v));

/**
 * Saves a contract version: inserted when the company has none for this function and date, updated when it
 * differs, left alone (and `changed: false`) when it is already so. One `contract.saved` audit row per change.
 * Kept small: the contracts service (api/src/contracts) owns the portal's verbs; a version in the past
 * changes the folded statistics only through its recompute.
 */
export async function applyContractVersion(
  tx: TenantTx,
  { tenantId, ...input }: ContractVersionInput & { tenantId: string },
  actor: Actor | null,
  now: Date,
): Promise<{ id: string; changed: boolean; created: boolean }> {
  const updatedBy = actor?.label ?? 'system';
  let query = tx.selectFrom('serviceContracts').selectAll().where('effectiveFrom', '=', input.effectiveFrom);
  query = input.function === null ? query.where('function', 'is', null) : query.where('function', '=', input.function);
  const existing = await query.forUpdate().executeTakeFirst();
  const values = { ...input, credits: jsonb(input.credits) };
  if (!existing) {
    const id = newId();
    await tx
      .insertInto('serviceContracts')
      .values({ tenantId, id, ...values, createdAt: now, updatedAt: now, updatedBy })
      .execute();
    await writeAudit(tx, tenantId, actor, { action: 'contract.saved', targetType: 'service_contract', targetId: id, after: input });
    return { id, changed: true, created: true };
  }
  const before: ContractVersionInput = {
    function: existing.function,
    effectiveFrom: String(existing.effectiveFrom),
    serviceLevelPercent: numeric(existing.serviceLevelPercent),
    serviceLevelSeconds: existing.serviceLevelSeconds,
    shortAbandonSeconds: existing.shortAbandonSeconds,
    abandonedInDenominator: existing.abandonedInDenominator,
    maxAbandonPercent: numeric(existing.maxAbandonPercent),
    asaSeconds: existing.asaSeconds,
    ahtSeconds: existing.ahtSeconds,
    fcrDays: existing.fcrDays,
    fcrPercent: numeric(existing.fcrPercent),
    complaintsOnTimePercent: numeric(existing.complaintsOnTimePercent),
    qualityMinScore: numeric(existing.qualityMinScore),
    contactRatePercent: numeric(existing.contactRatePercent),
    conversionPercent: numeric(existing.conversionPercent),
    creditsEnabled: existing.creditsEnabled,
    credits: existing.credits as Record<string, number>,
    clientOperatorNames: existing.clientOperatorNames,
    notes: existing.notes,
  };
  // jsonb keeps an object's keys in its own order: credits compare by their sorted entries.
  const canonical = (k: keyof ContractVersionInput, v: unknown) => JSON.stringify(k === 'credits' ? Object.entries(v as Record<string, number>).sort(([a], [b]) => a.localeCompare(b)) : v);
  const same = (Object.keys(input) as (keyof ContractVersionInput)[]).every((k) => canonical(k, before[k]) === canonical(k, input[k]));
  if (same) return { id: existing.id, changed: false, created: false };
  await tx.updateTable('serviceContracts').set({ ...values, updatedAt: now, updatedBy }).where('id', '=', existing.id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'contract.saved', targetType: 'service_contract', targetId: existing.id, before, after: input });
  return { id: existing.id, changed: true, created: false };
}
