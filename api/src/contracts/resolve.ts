import type { Selectable } from 'kysely';
import type { ServiceContractsTable, TenantTx } from '@switchboard/db';

/**
 * Which contract applies (docs/contracts.md): per function, the latest version in force on a company-calendar
 * date — the function's own row first, else the company-wide row (function null); with neither, the
 * defaults below, which carry no target at all (every KPI then reads `no_target`).
 */
export type ContractRow = Selectable<ServiceContractsTable>;

/** The thresholds and targets a KPI is measured with, numbers only. */
export interface ContractTerms {
  id: string | null;
  function: string | null;
  effectiveFrom: string | null;
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
  credits: Record<string, number>;
  creditsEnabled: boolean;
  clientOperatorNames: 'full' | 'first_name' | 'pseudonym';
}

export const defaultContract: ContractTerms = {
  id: null,
  function: null,
  effectiveFrom: null,
  serviceLevelPercent: null,
  serviceLevelSeconds: 20,
  shortAbandonSeconds: 5,
  abandonedInDenominator: true,
  maxAbandonPercent: null,
  asaSeconds: null,
  ahtSeconds: null,
  fcrDays: 7,
  fcrPercent: null,
  complaintsOnTimePercent: null,
  qualityMinScore: null,
  contactRatePercent: null,
  conversionPercent: null,
  credits: {},
  creditsEnabled: false,
  clientOperatorNames: 'first_name',
};

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

export function termsOf(row: ContractRow): ContractTerms {
  return {
    id: row.id,
    function: row.function,
    effectiveFrom: String(row.effectiveFrom).slice(0, 10),
    serviceLevelPercent: num(row.serviceLevelPercent),
    serviceLevelSeconds: row.serviceLevelSeconds,
    shortAbandonSeconds: row.shortAbandonSeconds,
    abandonedInDenominator: row.abandonedInDenominator,
    maxAbandonPercent: num(row.maxAbandonPercent),
    asaSeconds: row.asaSeconds,
    ahtSeconds: row.ahtSeconds,
    fcrDays: row.fcrDays,
    fcrPercent: num(row.fcrPercent),
    complaintsOnTimePercent: num(row.complaintsOnTimePercent),
    qualityMinScore: num(row.qualityMinScore),
    contactRatePercent: num(row.contactRatePercent),
    conversionPercent: num(row.conversionPercent),
    credits: Object.fromEntries(Object.entries((row.credits ?? {}) as Record<string, unknown>).map(([k, v]) => [k, Number(v)])),
    creditsEnabled: row.creditsEnabled,
    clientOperatorNames: row.clientOperatorNames,
  };
}

/** Every contract version of the tenant, oldest first (a handful of rows: read once per report or fold batch). */
export async function loadContracts(tx: TenantTx): Promise<ContractRow[]> {
  return tx.selectFrom('serviceContracts').selectAll().orderBy('effectiveFrom').execute();
}

/**
 * The terms for `fn` on the company-calendar date `date` (YYYY-MM-DD): the function's latest version in force,
 * else the company-wide one, else the defaults. Pass `fn` null for the company-wide terms.
 */
export function contractFor(contracts: readonly ContractRow[], fn: string | null, date: string): ContractTerms {
  const inForce = (scope: string | null) =>
    contracts
      .filter((c) => c.function === scope && String(c.effectiveFrom).slice(0, 10) <= date)
      .reduce<ContractRow | undefined>((latest, c) => (!latest || String(c.effectiveFrom) > String(latest.effectiveFrom) ? c : latest), undefined);
  const row = (fn !== null ? inForce(fn) : undefined) ?? inForce(null);
  return row ? termsOf(row) : defaultContract;
}

/** The versions in force on `date`: the company-wide terms and each function's own. */
export async function contractsInForce(tx: TenantTx, date: string): Promise<{ company: ContractTerms; functions: Record<string, ContractTerms> }> {
  const contracts = await loadContracts(tx);
  const functions = [...new Set(contracts.map((c) => c.function).filter((f): f is string => f !== null))];
  return { company: contractFor(contracts, null, date), functions: Object.fromEntries(functions.map((f) => [f, contractFor(contracts, f, date)])) };
}
