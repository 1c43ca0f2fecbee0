import type { ContractTerms } from '../contracts/resolve.ts';

/**
 * The KPI definitions, written once (docs/kpis.md). Pure: from the sums of queue_intervals over a period and
 * the contract's terms to each KPI's value, target and status. Every report, the Overview, the comparison and
 * the credits read their figures through here, so a definition changes in one place.
 */
export interface QueueSums {
  offered: number;
  answered: number;
  answeredInTarget: number;
  abandoned: number;
  abandonedShort: number;
  abandonedInTarget: number;
  overflowed: number;
  afterHours: number;
  answerWaitSeconds: number;
  abandonWaitSeconds: number;
  maxWaitSeconds: number;
  handled: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapSeconds: number;
  transfers: number;
  fcrBase: number;
  fcrRepeated: number;
}

export const queueSumKeys = [
  'offered',
  'answered',
  'answeredInTarget',
  'abandoned',
  'abandonedShort',
  'abandonedInTarget',
  'overflowed',
  'afterHours',
  'answerWaitSeconds',
  'abandonWaitSeconds',
  'maxWaitSeconds',
  'handled',
  'talkSeconds',
  'holdSeconds',
  'wrapSeconds',
  'transfers',
  'fcrBase',
  'fcrRepeated',
] as const satisfies readonly (keyof QueueSums)[];

export const emptySums = (): QueueSums => Object.fromEntries(queueSumKeys.map((k) => [k, 0])) as unknown as QueueSums;

/** Adds sums up (max for the longest wait). */
export function addSums(a: QueueSums, b: QueueSums): QueueSums {
  const out = emptySums();
  for (const k of queueSumKeys) out[k] = k === 'maxWaitSeconds' ? Math.max(a[k], b[k]) : a[k] + b[k];
  return out;
}

export type KpiStatus = 'on_target' | 'at_risk' | 'missed' | 'no_target' | 'no_data';

export interface Kpi {
  /** Percent (0–100, one decimal) or seconds (whole), per the KPI. */
  value: number | null;
  target: number | null;
  status: KpiStatus;
}

export interface QueueKpis {
  /** % answered within the contract's seconds. */
  serviceLevel: Kpi;
  /** Average speed of answer, seconds. */
  asa: Kpi;
  /** Average handle time (talk + hold + wrap-up), seconds. */
  aht: Kpi;
  /** % of the offered calls abandoned (short abandons left out of both). */
  abandonRate: Kpi;
  /** % of answered calls whose caller did not call again about the same function within the contract's days. */
  fcr: Kpi;
}

const pct = (num: number, den: number): number | null => (den > 0 ? Math.round((num / den) * 1000) / 10 : null);
const avg = (num: number, den: number): number | null => (den > 0 ? Math.round(num / den) : null);

/** Percent KPIs are at risk within 2 points of the target; time KPIs within 10 %; always on the good side. */
export function statusOf(value: number | null, target: number | null, better: 'higher' | 'lower', kind: 'percent' | 'seconds'): KpiStatus {
  if (value === null) return 'no_data';
  if (target === null) return 'no_target';
  const margin = kind === 'percent' ? 2 : target * 0.1;
  if (better === 'higher') return value < target ? 'missed' : value < target + margin ? 'at_risk' : 'on_target';
  return value > target ? 'missed' : value > target - margin ? 'at_risk' : 'on_target';
}

/** The service level's denominator and the abandonment's, with the contract's choices (docs/kpis.md). */
export function serviceLevelBase(s: QueueSums, c: Pick<ContractTerms, 'abandonedInDenominator'>): number {
  const countedAbandons = s.abandoned - s.abandonedShort;
  return s.answered + (c.abandonedInDenominator ? countedAbandons : 0);
}

export function kpisOf(s: QueueSums, c: ContractTerms): QueueKpis {
  const sl = pct(s.answeredInTarget, serviceLevelBase(s, c));
  const asa = avg(s.answerWaitSeconds, s.answered);
  const aht = avg(s.talkSeconds + s.holdSeconds + s.wrapSeconds, s.handled);
  const abandon = pct(s.abandoned - s.abandonedShort, s.offered - s.abandonedShort);
  const fcr = s.fcrBase > 0 ? pct(s.fcrBase - s.fcrRepeated, s.fcrBase) : null;
  return {
    serviceLevel: { value: sl, target: c.serviceLevelPercent, status: statusOf(sl, c.serviceLevelPercent, 'higher', 'percent') },
    asa: { value: asa, target: c.asaSeconds, status: statusOf(asa, c.asaSeconds, 'lower', 'seconds') },
    aht: { value: aht, target: c.ahtSeconds, status: statusOf(aht, c.ahtSeconds, 'lower', 'seconds') },
    abandonRate: { value: abandon, target: c.maxAbandonPercent, status: statusOf(abandon, c.maxAbandonPercent, 'lower', 'percent') },
    fcr: { value: fcr, target: c.fcrPercent, status: statusOf(fcr, c.fcrPercent, 'higher', 'percent') },
  };
}

/** Other KPIs a contract targets, measured elsewhere (complaints, quality, outbound): value against target. */
export function kpiOf(value: number | null, target: number | null, better: 'higher' | 'lower', kind: 'percent' | 'seconds' = 'percent'): Kpi {
  return { value, target, status: statusOf(value, target, better, kind) };
}
