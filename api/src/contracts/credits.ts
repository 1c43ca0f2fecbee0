import { lockBillingPeriods } from '../billing/rating.ts';
import { sql } from 'kysely';
import { newId, type Tenant, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, fieldError, invalid, notFound } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { addMonths, periodBounds, periodOf } from '../billing/rating.ts';
import { addSums, emptySums, kpisOf, type QueueSums } from '../kpis/definitions.ts';
import { readQueueSums } from '../kpis/read.ts';
import { contractFor, loadContracts, type ContractTerms } from './resolve.ts';
import { creditKpis, type CreditKpi } from './definition.ts';
import { companyToday } from './service.ts';

/**
 * Service credits (docs/contracts.md): for a month, each target the contract credits and the month missed is a
 * credit proposed to the provider admin, who confirms or waives it before the month closes; a confirmed credit
 * is a negative line on the month's statement (billing/statements.ts), frozen with it when the month closes.
 *
 * A function with its own contract version is measured on its own calls against its own targets; the
 * company-wide version on the calls of every other function together. The terms are those in force on the
 * month's last day (for the running month, today).
 */

export type CreditStatus = 'proposed' | 'confirmed' | 'waived';

export interface Credit {
  id: string;
  period: string;
  kpi: string;
  function: string | null;
  contractId: string;
  target: number;
  actual: number | null;
  amountMinor: number;
  currency: string;
  status: CreditStatus;
  decidedAt: Date | null;
  decidedBy: string | null;
  createdAt: Date;
  /** The month's statement is frozen: the credit no longer changes. */
  periodClosed: boolean;
}

export interface MissedTarget {
  kpi: CreditKpi;
  function: string | null;
  contractId: string;
  target: number;
  actual: number | null;
  amountMinor: number;
}

/** The credits one contract's terms give for the sums of the calls they govern (pure). */
export function missedTargets(terms: ContractTerms, sums: QueueSums, fn: string | null): MissedTarget[] {
  if (!terms.id || !terms.creditsEnabled) return [];
  const kpis = kpisOf(sums, terms);
  const missed: MissedTarget[] = [];
  for (const [kpi, { figure }] of Object.entries(creditKpis) as [CreditKpi, (typeof creditKpis)[CreditKpi]][]) {
    const amount = terms.credits[kpi];
    const measured = kpis[figure];
    if (!amount || amount <= 0 || measured.status !== 'missed' || measured.target === null) continue;
    missed.push({ kpi, function: fn, contractId: terms.id, target: measured.target, actual: measured.value, amountMinor: Math.round(amount) });
  }
  return missed;
}

/** Whether the month's statement is frozen. */
async function isClosed(tx: TenantTx, period: string): Promise<boolean> {
  return (await tx.selectFrom('statements').select('period').where('period', '=', period).executeTakeFirst()) !== undefined;
}

/** The targets the month missed so far, per governing contract version (a month not over yet: so far). */
export async function monthMissedTargets(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, period: string, now: Date): Promise<MissedTarget[]> {
  const { start, end } = periodBounds(period, tenant.timeZone);
  const today = companyToday(tenant, now);
  const lastDay = lastDayOf(period) > today ? today : lastDayOf(period);
  const contracts = await loadContracts(tx);
  const byFunction = await readQueueSums(tx, { from: start, to: end, timeZone: tenant.timeZone, groupBy: 'function' });
  const ownFunctions = new Set(contracts.filter((c) => c.function !== null && String(c.effectiveFrom).slice(0, 10) <= lastDay).map((c) => c.function as string));
  const missed: MissedTarget[] = [];
  let companySums = emptySums();
  for (const row of byFunction) {
    const fn = row.function!;
    if (ownFunctions.has(fn)) missed.push(...missedTargets(contractFor(contracts, fn, lastDay), row.sums, fn));
    else companySums = addSums(companySums, row.sums);
  }
  missed.push(...missedTargets(contractFor(contracts, null, lastDay), companySums, null));
  return missed;
}

const lastDayOf = (period: string) => {
  const next = addMonths(period, 1);
  const d = new Date(`${next}T00:00:00Z`);
  d.setUTCDate(0);
  return d.toISOString().slice(0, 10);
};

/** The month (YYYY-MM-01) may have credits reviewed: started, and its statement not frozen. */
async function assertOpenPeriod(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, period: string, now: Date): Promise<void> {
  // As rating does (docs/locking.md): the close waits for this transaction, or this one sees the closed statement.
  await lockBillingPeriods(tx, 'shared');
  if (period > periodOf(now, tenant.timeZone)) throw invalid([fieldError('period', 'invalid', 'This month has not started yet.')]);
  if (await isClosed(tx, period)) throw conflict('credit.period_closed', `The month ${period.slice(0, 7)} is closed: its credits no longer change.`, { period: period.slice(0, 7) });
}

/**
 * Proposes the month's credits from its figures so far: a credit for each missed target the contract credits
 * (once per month, KPI and function), a proposed one brought up to date, a proposed one whose target is no
 * longer missed withdrawn. A decided credit stays as decided. Audited when anything changed.
 */
export async function reviewCredits(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'timeZone' | 'currency'>, actor: Actor | null, period: string, now: Date): Promise<Credit[]> {
  await assertOpenPeriod(tx, tenant, period, now);
  const missed = await monthMissedTargets(tx, tenant, period, now);
  const existing = await tx.selectFrom('serviceCredits').selectAll().where('period', '=', period).execute();
  const key = (kpi: string, fn: string | null) => `${kpi}|${fn ?? ''}`;
  const byKey = new Map(existing.map((c) => [key(c.kpi, c.function), c]));
  const changes: { kpi: string; function: string | null; change: 'proposed' | 'updated' | 'withdrawn' }[] = [];
  for (const m of missed) {
    const found = byKey.get(key(m.kpi, m.function));
    byKey.delete(key(m.kpi, m.function));
    const values = { contractId: m.contractId, target: m.target, actual: m.actual, amountMinor: m.amountMinor, currency: tenant.currency };
    if (!found) {
      // Two reviews at once: the unique index keeps one, the other finds it.
      const inserted = await tx
        .insertInto('serviceCredits')
        .values({ tenantId: tenant.id, id: newId(), period, kpi: m.kpi, function: m.function, createdAt: now, ...values })
        .onConflict((oc) => oc.expression(sql`tenant_id, period, kpi, coalesce(function, '')`).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) changes.push({ kpi: m.kpi, function: m.function, change: 'proposed' });
    } else if (found.status === 'proposed') {
      const same = Number(found.target) === m.target && (found.actual === null ? null : Number(found.actual)) === m.actual && Number(found.amountMinor) === m.amountMinor && found.contractId === m.contractId;
      if (!same) {
        await tx.updateTable('serviceCredits').set(values).where('id', '=', found.id).execute();
        changes.push({ kpi: m.kpi, function: m.function, change: 'updated' });
      }
    }
  }
  for (const gone of byKey.values()) {
    if (gone.status !== 'proposed') continue;
    await tx.deleteFrom('serviceCredits').where('id', '=', gone.id).execute();
    changes.push({ kpi: gone.kpi, function: gone.function, change: 'withdrawn' });
  }
  if (changes.length) await writeAudit(tx, tenant.id, actor, { action: 'service_credits.reviewed', targetType: 'service_credit', targetId: null, after: { period: period.slice(0, 7), changes } });
  return listCredits(tx, { period });
}

function toCredit(row: Awaited<ReturnType<typeof creditRows>>[number], closed: Set<string>): Credit {
  const period = String(row.period).slice(0, 10);
  return {
    id: row.id,
    period,
    kpi: row.kpi,
    function: row.function,
    contractId: row.contractId,
    target: Number(row.target),
    actual: row.actual === null ? null : Number(row.actual),
    amountMinor: Number(row.amountMinor),
    currency: row.currency,
    status: row.status,
    decidedAt: row.decidedAt,
    decidedBy: row.decidedBy,
    createdAt: row.createdAt,
    periodClosed: closed.has(period),
  };
}

function creditRows(tx: TenantTx, filter: { period?: string; since?: string; id?: string }) {
  let q = tx.selectFrom('serviceCredits').selectAll();
  if (filter.period) q = q.where('period', '=', filter.period);
  if (filter.since) q = q.where('period', '>=', filter.since);
  if (filter.id) q = q.where('id', '=', filter.id);
  return q.orderBy('period', 'desc').orderBy('function').orderBy('kpi').execute();
}

/** Credits, newest month first; `withWaived` false leaves the waived ones out (what the client sees). */
export async function listCredits(tx: TenantTx, filter: { period?: string; since?: string; withWaived?: boolean }): Promise<Credit[]> {
  const rows = await creditRows(tx, filter);
  const closed = new Set((await tx.selectFrom('statements').select('period').execute()).map((s) => String(s.period).slice(0, 10)));
  return rows.filter((r) => filter.withWaived !== false || r.status !== 'waived').map((r) => toCredit(r, closed));
}

/** A provider admin's decision on a credit, while its month is open: confirmed (on the statement) or waived. */
export async function decideCredit(
  tx: TenantTx,
  tenant: Pick<Tenant, 'id' | 'timeZone'>,
  actor: Actor,
  id: string,
  decision: 'confirmed' | 'waived',
  now: Date,
): Promise<Credit> {
  await lockBillingPeriods(tx, 'shared');
  const [row] = await creditRows(tx, { id });
  if (!row) throw notFound('This company has no such credit.');
  const period = String(row.period).slice(0, 10);
  if (await isClosed(tx, period)) throw conflict('credit.period_closed', `The month ${period.slice(0, 7)} is closed: its credits no longer change.`, { period: period.slice(0, 7) });
  if (row.status !== decision) {
    await tx.updateTable('serviceCredits').set({ status: decision, decidedAt: now, decidedBy: actor.label }).where('id', '=', id).execute();
    await writeAudit(tx, tenant.id, actor, {
      action: `service_credit.${decision}`,
      targetType: 'service_credit',
      targetId: id,
      before: { status: row.status },
      after: { status: decision, period: period.slice(0, 7), kpi: row.kpi, function: row.function, amountMinor: Number(row.amountMinor) },
    });
  }
  const [after] = await listCredits(tx, { period }).then((all) => all.filter((c) => c.id === id));
  return after!;
}

/** The month's confirmed credits in the statement's currency: what its statement deducts. */
export async function confirmedCredits(tx: TenantTx, period: string, currency: string): Promise<Credit[]> {
  return (await listCredits(tx, { period })).filter((c) => c.status === 'confirmed' && c.currency === currency);
}
