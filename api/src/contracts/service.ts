import { recomputeTenant } from '../kpis/recompute.ts';
import { jsonb, newId, type Tenant, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, fieldError, invalid, notFound } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { Temporal } from '@js-temporal/polyfill';
import { localDay } from '../billing/rating.ts';
import { loadContracts, termsOf, type ContractRow } from './resolve.ts';
import type { ContractVersionInput } from './definition.ts';

/**
 * The service contract (docs/contracts.md): versions per company (function null) and per function, each in
 * force from a company-calendar day. Saving a version that starts on a day already past changes how the calls
 * since then are counted (answered within Y seconds, short abandons), so the statistics are recomputed from it.
 */

export type ContractVersionStatus = 'in_force' | 'scheduled' | 'past';

export interface ContractVersion extends ReturnType<typeof termsOf> {
  id: string;
  effectiveFrom: string;
  notes: string | null;
  status: ContractVersionStatus;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

/** Today on the company's calendar. */
export const companyToday = (tenant: Pick<Tenant, 'timeZone'>, now: Date) => localDay(now, tenant.timeZone);

/** Every version, each marked in force, scheduled (starts later) or past (replaced by a later one in force). */
export function versionsOf(rows: readonly ContractRow[], today: string): ContractVersion[] {
  const inForce = new Map<string, string>();
  for (const row of rows) {
    const from = String(row.effectiveFrom).slice(0, 10);
    const scope = row.function ?? '';
    if (from <= today && from >= (inForce.get(scope) ?? '')) inForce.set(scope, from);
  }
  return rows
    .map((row) => {
      const from = String(row.effectiveFrom).slice(0, 10);
      const current = inForce.get(row.function ?? '');
      const status: ContractVersionStatus = from > today ? 'scheduled' : from === current ? 'in_force' : 'past';
      return { ...termsOf(row), id: row.id, effectiveFrom: from, notes: row.notes, status, createdAt: row.createdAt, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
    })
    .sort((a, b) => (a.function ?? '').localeCompare(b.function ?? '') || b.effectiveFrom.localeCompare(a.effectiveFrom));
}

export async function listContractVersions(tx: TenantTx, today: string): Promise<ContractVersion[]> {
  return versionsOf(await loadContracts(tx), today);
}

/**
 * The seam between a contract change and the interval statistics: a version now applies to the calls offered
 * from `fromDate` (company calendar), so [from, to) — that day's local midnight up to the quarter hour after
 * `now` — must be computed again with it, by the KPI engine's `recomputeTenant(tx, from, to, now)`
 * (api/src/kpis/recompute.ts), in this same transaction. Answers the range.
 */
export async function contractChanged(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, fromDate: string, now: Date): Promise<{ from: Date; to: Date }> {
  const range = recomputeRange(tenant, fromDate, now);
  // The calls offered since then are measured again with the thresholds now in force (docs/kpis.md, recompute).
  await recomputeTenant(tx, range.from, range.to, now);
  return range;
}

/** [local midnight of `fromDate`, the quarter hour after `now`): what a version from `fromDate` changes. */
export function recomputeRange(tenant: Pick<Tenant, 'timeZone'>, fromDate: string, now: Date): { from: Date; to: Date } {
  const from = new Date(Temporal.PlainDate.from(fromDate).toZonedDateTime({ timeZone: tenant.timeZone }).epochMilliseconds);
  const to = new Date(Math.ceil((now.getTime() + 1) / 900_000) * 900_000);
  return { from, to };
}

const columns = (input: ContractVersionInput) => ({
  serviceLevelPercent: input.serviceLevelPercent,
  serviceLevelSeconds: input.serviceLevelSeconds,
  shortAbandonSeconds: input.shortAbandonSeconds,
  abandonedInDenominator: input.abandonedInDenominator,
  maxAbandonPercent: input.maxAbandonPercent,
  asaSeconds: input.asaSeconds,
  ahtSeconds: input.ahtSeconds,
  fcrDays: input.fcrDays,
  fcrPercent: input.fcrPercent,
  complaintsOnTimePercent: input.complaintsOnTimePercent,
  qualityMinScore: input.qualityMinScore,
  contactRatePercent: input.contactRatePercent,
  conversionPercent: input.conversionPercent,
  credits: jsonb(input.credits),
  creditsEnabled: input.creditsEnabled,
  clientOperatorNames: input.clientOperatorNames,
  notes: input.notes,
});

/**
 * Saves a version: a new one, or the one of the same function and day replaced. Audited
 * (`contract.version_saved`); a version starting today or earlier recomputes the statistics from its day.
 */
export async function saveContractVersion(
  tx: TenantTx,
  tenant: Pick<Tenant, 'id' | 'timeZone'>,
  actor: Actor,
  input: ContractVersionInput,
  now: Date,
): Promise<{ id: string; created: boolean; recomputedFrom: string | null }> {
  // A version back-dated further than 400 days would refold more history than a request should (docs/contracts.md).
  const earliest = Temporal.PlainDate.from(companyToday(tenant, now)).subtract({ days: 400 }).toString();
  if (input.effectiveFrom < earliest) {
    throw invalid([fieldError('effectiveFrom', 'invalid', `A version starts at most 400 days back (from ${earliest}).`)]);
  }
  let query = tx.selectFrom('serviceContracts').selectAll().where('effectiveFrom', '=', input.effectiveFrom);
  query = input.function === null ? query.where('function', 'is', null) : query.where('function', '=', input.function);
  const before = await query.executeTakeFirst();
  const values = { ...columns(input), updatedAt: now, updatedBy: actor.label };
  let id: string;
  if (before) {
    id = before.id;
    await tx.updateTable('serviceContracts').set(values).where('id', '=', id).execute();
  } else {
    id = newId();
    await tx
      .insertInto('serviceContracts')
      .values({ tenantId: tenant.id, id, function: input.function, effectiveFrom: input.effectiveFrom, createdAt: now, ...values })
      .execute();
  }
  await writeAudit(tx, tenant.id, actor, {
    action: 'contract.version_saved',
    targetType: 'service_contract',
    targetId: id,
    before: before ? { ...termsOf(before), notes: before.notes } : undefined,
    after: input,
  });
  const today = companyToday(tenant, now);
  // Today's calls so far were counted with the version in force this morning: today counts as past too.
  const recomputedFrom = input.effectiveFrom <= today ? input.effectiveFrom : null;
  if (recomputedFrom) await contractChanged(tx, tenant, recomputedFrom, now);
  return { id, created: !before, recomputedFrom };
}

/** Removes a version not yet in force (one that was in force is history: a later version replaces it). */
export async function removeContractVersion(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'timeZone'>, actor: Actor, id: string, now: Date): Promise<void> {
  const row = await tx.selectFrom('serviceContracts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('This company has no such contract version.');
  if (String(row.effectiveFrom).slice(0, 10) <= companyToday(tenant, now)) {
    throw conflict('contract.version_started', 'This version has already applied to calls: add a new version from a later day instead.');
  }
  await tx.deleteFrom('serviceContracts').where('id', '=', id).execute();
  await writeAudit(tx, tenant.id, actor, { action: 'contract.version_removed', targetType: 'service_contract', targetId: id, before: { ...termsOf(row), notes: row.notes } });
}
