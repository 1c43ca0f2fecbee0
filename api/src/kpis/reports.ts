import { sql, type Kysely } from 'kysely';
import { Temporal } from '@js-temporal/polyfill';
import { withApp, withTenant, type DB, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import { clientRoles } from '@switchboard/db';
import { contractFor, loadContracts, type ContractRow, type ContractTerms } from '../contracts/resolve.ts';
import { addSums, emptySums, kpiOf, kpisOf, type Kpi, type QueueKpis, type QueueSums } from './definitions.ts';
import { occupancyOf, readOperatorSums, readQueueSums, readStateSeconds } from './read.ts';
import { localDayBounds } from '../wallboard/compute.ts';

/**
 * The reports of issue 16 (docs/kpis.md): a period of the company's calendar (`from`–`to`, both days
 * included) read from the folded interval statistics only (read.ts), plus complaints, quality evaluations and
 * dial attempts for their own KPIs, each KPI measured against the contract in force (contracts/resolve.ts)
 * through the one set of definitions (definitions.ts). Every function takes the tenant's transaction: a
 * client sees its own company, and the comparison reads each company in its own `withTenant`.
 */

/** The longest period a report covers (about 13 months), and the longest the quarter-hour view covers. */
export const MAX_REPORT_DAYS = 400;
export const MAX_INTERVAL_DAYS = 31;

export interface Period {
  /** First and last day, both included, on the company's calendar (YYYY-MM-DD). */
  from: string;
  to: string;
  /** The instants [start, end): midnight of `from` to midnight after `to`, in the company's zone. */
  start: Date;
  end: Date;
}

export function periodOf(from: string, to: string, timeZone: string): Period {
  const first = Temporal.PlainDate.from(from);
  const last = Temporal.PlainDate.from(to);
  return {
    from,
    to,
    start: new Date(first.toZonedDateTime({ timeZone }).epochMilliseconds),
    end: new Date(last.add({ days: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds),
  };
}

/** Days in the period, both ends included. */
export const periodDays = (from: string, to: string): number => Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days + 1;

/** Provider staff (operators never reach a report): the client's own users are the ones the contract's naming applies to. */
const isStaff = (access: UserKind) => !(clientRoles as readonly string[]).includes(access);

/** The volume figures a row of a report shows beside its KPIs. */
export interface Volumes {
  offered: number;
  answered: number;
  answeredInTarget: number;
  abandoned: number;
  abandonedShort: number;
  overflowed: number;
  afterHours: number;
  handled: number;
  transfers: number;
  maxWaitSeconds: number;
}

const volumesOf = (s: QueueSums): Volumes => ({
  offered: s.offered,
  answered: s.answered,
  answeredInTarget: s.answeredInTarget,
  abandoned: s.abandoned,
  abandonedShort: s.abandonedShort,
  overflowed: s.overflowed,
  afterHours: s.afterHours,
  handled: s.handled,
  transfers: s.transfers,
  maxWaitSeconds: s.maxWaitSeconds,
});

export interface ContractSummary {
  /** Whether the company has a contract at all (else every KPI reads no_target). */
  inForce: boolean;
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
}

const summaryOf = (c: ContractTerms): ContractSummary => ({
  inForce: c.id !== null,
  effectiveFrom: c.effectiveFrom,
  serviceLevelPercent: c.serviceLevelPercent,
  serviceLevelSeconds: c.serviceLevelSeconds,
  shortAbandonSeconds: c.shortAbandonSeconds,
  abandonedInDenominator: c.abandonedInDenominator,
  maxAbandonPercent: c.maxAbandonPercent,
  asaSeconds: c.asaSeconds,
  ahtSeconds: c.ahtSeconds,
  fcrDays: c.fcrDays,
  fcrPercent: c.fcrPercent,
  complaintsOnTimePercent: c.complaintsOnTimePercent,
  qualityMinScore: c.qualityMinScore,
  contactRatePercent: c.contactRatePercent,
  conversionPercent: c.conversionPercent,
});

// ---- service level ------------------------------------------------------------------------------

export interface ServiceLevelRow extends Volumes {
  /** The day (YYYY-MM-DD) or the quarter hour's start (ISO instant). */
  at: string;
  kpis: QueueKpis;
}

export interface ServiceLevelReport {
  from: string;
  to: string;
  timeZone: string;
  by: 'day' | 'interval';
  /** The company-wide contract in force on the period's last day: the targets the totals are measured with. */
  contract: ContractSummary;
  total: Volumes & { kpis: QueueKpis };
  rows: ServiceLevelRow[];
}

/** The last day of the period, or today when the period runs past it: the day whose contract the period is judged by. */
const judgedOn = (period: Period, today: string) => (period.to < today ? period.to : today < period.from ? period.from : today);

export async function serviceLevelReport(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, period: Period, by: 'day' | 'interval', now: Date): Promise<ServiceLevelReport> {
  const contracts = await loadContracts(tx);
  const today = localDayBounds(tenant.timeZone, now).date;
  const rows = await readQueueSums(tx, { from: period.start, to: period.end, timeZone: tenant.timeZone, groupBy: by });
  let total = emptySums();
  const out: ServiceLevelRow[] = rows.map((r) => {
    total = addSums(total, r.sums);
    const at = by === 'day' ? r.day! : r.intervalStart!;
    const day = by === 'day' ? at : Temporal.Instant.from(at).toZonedDateTimeISO(tenant.timeZone).toPlainDate().toString();
    return { at, ...volumesOf(r.sums), kpis: kpisOf(r.sums, contractFor(contracts, null, day)) };
  });
  const terms = contractFor(contracts, null, judgedOn(period, today));
  return { from: period.from, to: period.to, timeZone: tenant.timeZone, by, contract: summaryOf(terms), total: { ...volumesOf(total), kpis: kpisOf(total, terms) }, rows: out };
}

// ---- volumes per function ----------------------------------------------------------------------

export interface FunctionRow extends Volumes {
  function: string;
  talkSeconds: number;
  holdSeconds: number;
  wrapSeconds: number;
  kpis: QueueKpis;
}

export interface VolumesReport {
  from: string;
  to: string;
  timeZone: string;
  functions: FunctionRow[];
  /** Per day and function: offered calls, for the stacked chart. */
  days: { day: string; function: string; offered: number; handled: number }[];
  outbound: { function: string; offered: number; answered: number; handled: number }[];
}

export async function volumesReport(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, period: Period, now: Date): Promise<VolumesReport> {
  const contracts = await loadContracts(tx);
  const on = judgedOn(period, localDayBounds(tenant.timeZone, now).date);
  const base = { from: period.start, to: period.end, timeZone: tenant.timeZone };
  const [byFunction, byDay, outbound] = [
    await readQueueSums(tx, { ...base, groupBy: 'function' }),
    await readQueueSums(tx, { ...base, groupBy: 'day_function' }),
    await readQueueSums(tx, { ...base, groupBy: 'function', direction: 'outbound' }),
  ];
  return {
    from: period.from,
    to: period.to,
    timeZone: tenant.timeZone,
    functions: byFunction.map((r) => ({
      function: r.function!,
      ...volumesOf(r.sums),
      talkSeconds: r.sums.talkSeconds,
      holdSeconds: r.sums.holdSeconds,
      wrapSeconds: r.sums.wrapSeconds,
      kpis: kpisOf(r.sums, contractFor(contracts, r.function!, on)),
    })),
    days: byDay.map((r) => ({ day: r.day!, function: r.function!, offered: r.sums.offered, handled: r.sums.handled })),
    outbound: outbound.map((r) => ({ function: r.function!, offered: r.sums.offered, answered: r.sums.answered, handled: r.sums.handled })),
  };
}

// ---- operators ---------------------------------------------------------------------------------

export interface OperatorRow {
  /** The operator's id for provider staff; null for a client user (who sees a name the contract allows). */
  operatorId: string | null;
  name: string;
  handled: number;
  transfers: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapSeconds: number;
  /** Average handle time, seconds. */
  aht: number | null;
  /** Average score (0–100) of the submitted evaluations of their calls in the period (calibrations left out). */
  qualityScore: number | null;
  evaluations: number;
  /** Complaints captured in the period on calls they handled (complaints have no "justified" flag: every one counts). */
  complaints: number;
  /** Provider staff only (reports.occupancy): busy ÷ available-for-calls, and busy ÷ logged-in, over their whole day, every client. */
  occupancy?: number | null;
  utilisation?: number | null;
}

export interface OperatorsReport {
  from: string;
  to: string;
  timeZone: string;
  names: 'full' | 'first_name' | 'pseudonym';
  /** Whether the occupancy columns are in the rows (provider staff). */
  occupancy: boolean;
  /** The contract's minimum quality score, to mark the rows under it. */
  qualityMinScore: number | null;
  operators: OperatorRow[];
}

/**
 * The name a viewer sees: provider staff always the full name; a client user what the company's contract
 * allows — the full display name, the first name, or "Operator N", N stable per company (the operator's rank
 * among every operator who ever handled a call of it, by account age).
 */
export function operatorName(fullName: string, rank: number, names: 'full' | 'first_name' | 'pseudonym'): string {
  if (names === 'full') return fullName;
  if (names === 'first_name') return fullName.trim().split(/\s+/)[0] || fullName;
  return `Operator ${rank}`;
}

async function operatorRanks(tx: TenantTx): Promise<Map<string, number>> {
  const { rows } = await sql<{ operatorId: string }>`select distinct operator_id as "operatorId" from operator_intervals order by operator_id`.execute(tx);
  return new Map(rows.map((r, i) => [r.operatorId, i + 1]));
}

export async function operatorsReport(
  tx: TenantTx,
  tenant: Pick<Tenant, 'timeZone'>,
  period: Period,
  viewer: { access: UserKind; occupancy: boolean },
  now: Date,
): Promise<OperatorsReport> {
  const contracts = await loadContracts(tx);
  const terms = contractFor(contracts, null, localDayBounds(tenant.timeZone, now).date);
  const names = isStaff(viewer.access) ? 'full' : terms.clientOperatorNames;
  const sums = await readOperatorSums(tx, { from: period.start, to: period.end, timeZone: tenant.timeZone, groupBy: 'operator' });
  const { rows: extra } = await sql<{ operatorId: string; score: number | null; evaluations: number; complaints: number }>`
    with q as (
      -- One evaluator's latest word on a call: evaluating it again replaces, never adds (nobody weighs a call twice).
      select operator_id, avg(score)::float8 as score, count(*)::int as evaluations from (select distinct on (call_id, evaluator_id) * from quality_evaluations where status = 'submitted' and calibration_id is null order by call_id, evaluator_id, submitted_at desc) e
       where submitted_at >= ${period.start} and submitted_at < ${period.end}
       group by operator_id),
    k as (
      select c.operator_id, count(*)::int as complaints from complaints k join calls c on c.id = k.call_id
       where c.operator_id is not null and k.created_at >= ${period.start} and k.created_at < ${period.end}
       group by c.operator_id)
    select coalesce(q.operator_id, k.operator_id) as "operatorId", q.score, coalesce(q.evaluations, 0) as evaluations, coalesce(k.complaints, 0) as complaints
      from q full join k on k.operator_id = q.operator_id`.execute(tx);
  const extraOf = new Map(extra.map((e) => [e.operatorId, e]));
  const ids = [...new Set([...sums.map((s) => s.operatorId), ...extra.map((e) => e.operatorId)])];
  const people = ids.length ? await tx.selectFrom('users').select(['id', 'displayName']).where('id', 'in', ids).execute() : [];
  const nameOf = new Map(people.map((p) => [p.id, p.displayName]));
  const ranks = names === 'pseudonym' ? await operatorRanks(tx) : new Map<string, number>();
  const states = viewer.occupancy ? await readStateSeconds(tx, { from: period.start, to: period.end, operatorIds: ids }) : new Map();
  const sumsOf = new Map(sums.map((s) => [s.operatorId, s.sums]));
  const rows = ids.map((id): OperatorRow => {
    const s = sumsOf.get(id) ?? { handled: 0, talkSeconds: 0, holdSeconds: 0, wrapSeconds: 0, transfers: 0 };
    const e = extraOf.get(id);
    const row: OperatorRow = {
      operatorId: isStaff(viewer.access) ? id : null,
      name: operatorName(nameOf.get(id) ?? '?', ranks.get(id) ?? ranks.size + 1, names),
      handled: s.handled,
      transfers: s.transfers,
      talkSeconds: s.talkSeconds,
      holdSeconds: s.holdSeconds,
      wrapSeconds: s.wrapSeconds,
      aht: s.handled > 0 ? Math.round((s.talkSeconds + s.holdSeconds + s.wrapSeconds) / s.handled) : null,
      qualityScore: e?.score === null || e?.score === undefined ? null : Math.round(e.score * 10) / 10,
      evaluations: e?.evaluations ?? 0,
      complaints: e?.complaints ?? 0,
    };
    if (viewer.occupancy) Object.assign(row, occupancyOf(states.get(id) ?? []));
    return row;
  });
  rows.sort((a, b) => b.handled - a.handled || a.name.localeCompare(b.name));
  return { from: period.from, to: period.to, timeZone: tenant.timeZone, names, occupancy: viewer.occupancy, qualityMinScore: terms.qualityMinScore, operators: rows };
}

// ---- campaigns ---------------------------------------------------------------------------------

export interface CampaignRow {
  id: string;
  name: string;
  function: string;
  status: string;
  dials: number;
  reached: number;
  successes: number;
  abandoned: number;
  /** Reached ÷ dials, % (the campaign board's definition, campaigns/board.ts). */
  contactRate: Kpi;
  /** Successes ÷ reached, %. */
  conversion: Kpi;
}

export interface CampaignsReport {
  from: string;
  to: string;
  timeZone: string;
  campaigns: CampaignRow[];
  total: { dials: number; reached: number; successes: number; abandoned: number; contactRate: Kpi; conversion: Kpi };
}

const percent = (num: number, den: number): number | null => (den > 0 ? Math.round((num / den) * 1000) / 10 : null);

export async function campaignsReport(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, period: Period, now: Date): Promise<CampaignsReport> {
  const contracts = await loadContracts(tx);
  const on = judgedOn(period, localDayBounds(tenant.timeZone, now).date);
  // The board's definitions: a dial went to the adapter, a person reached was connected to an operator, a success is a reached call with a success disposition.
  const { rows } = await sql<{ id: string; name: string; function: string; status: string; dials: number; reached: number; successes: number; abandoned: number }>`
    select c.id, c.name, c.function, c.status, a.dials, a.reached, a.successes, a.abandoned
      from campaigns c
      cross join lateral (
        select count(*)::int as dials,
               count(*) filter (where d.answered_at is not null and d.call_id is not null)::int as reached,
               count(*) filter (where d.call_id is not null and k.disposition in (select x ->> 'code' from jsonb_array_elements(c.dispositions) x where x ->> 'outcome' = 'success'))::int as successes,
               count(*) filter (where d.outcome = 'abandoned')::int as abandoned
          from dial_attempts d left join calls k on k.id = d.call_id
         where d.campaign_id = c.id and d.dialled_at >= ${period.start} and d.dialled_at < ${period.end}) a
     where c.kind = 'campaign' and a.dials > 0
     order by c.name, c.id`.execute(tx);
  const campaigns = rows.map((r): CampaignRow => {
    const terms = contractFor(contracts, r.function, on);
    return {
      ...r,
      contactRate: kpiOf(percent(r.reached, r.dials), terms.contactRatePercent, 'higher'),
      conversion: kpiOf(percent(r.successes, r.reached), terms.conversionPercent, 'higher'),
    };
  });
  const sum = (k: 'dials' | 'reached' | 'successes' | 'abandoned') => campaigns.reduce((s, c) => s + c[k], 0);
  const company = contractFor(contracts, null, on);
  const total = { dials: sum('dials'), reached: sum('reached'), successes: sum('successes'), abandoned: sum('abandoned') };
  return {
    from: period.from,
    to: period.to,
    timeZone: tenant.timeZone,
    campaigns,
    total: { ...total, contactRate: kpiOf(percent(total.reached, total.dials), company.contactRatePercent, 'higher'), conversion: kpiOf(percent(total.successes, total.reached), company.conversionPercent, 'higher') },
  };
}

// ---- complaints and quality KPIs ----------------------------------------------------------------

/**
 * Complaints resolved within their due date: of the complaints due in the period whose due date has passed or
 * that were resolved, the share first resolved (or closed) at or before it. A complaint's resolution time is
 * its first status change to resolved or closed in the audit trail (complaints keep no resolved_at of their own).
 */
export async function complaintsOnTime(tx: TenantTx, period: Period, now: Date): Promise<{ due: number; onTime: number; percent: number | null }> {
  const { rows } = await sql<{ due: number; onTime: number }>`
    with r as (
      select k.id, k.due_at,
             (select min(a.at) from audit_log a
               where a.target_type = 'complaint' and a.target_id = k.id::text and a.action = 'complaint.status_changed'
                 and a.after ->> 'status' in ('resolved', 'closed')) as resolved_at
        from complaints k
       where k.due_at >= ${period.start} and k.due_at < ${period.end})
    select count(*) filter (where resolved_at is not null or due_at <= ${now})::int as due,
           count(*) filter (where resolved_at is not null and resolved_at <= due_at)::int as "onTime"
      from r`.execute(tx);
  const { due, onTime } = rows[0] ?? { due: 0, onTime: 0 };
  return { due, onTime, percent: percent(onTime, due) };
}

/** The average score (0–100) of the evaluations submitted in the period (each evaluator's latest of a call), calibration sessions left out. */
export async function qualityAverage(tx: TenantTx, period: Period): Promise<{ evaluations: number; average: number | null }> {
  const { rows } = await sql<{ evaluations: number; average: number | null }>`
    select count(*)::int as evaluations, avg(score)::float8 as average from (select distinct on (call_id, evaluator_id) * from quality_evaluations where status = 'submitted' and calibration_id is null order by call_id, evaluator_id, submitted_at desc) e
     where submitted_at >= ${period.start} and submitted_at < ${period.end}`.execute(tx);
  const r = rows[0] ?? { evaluations: 0, average: null };
  return { evaluations: r.evaluations, average: r.average === null ? null : Math.round(r.average * 10) / 10 };
}

// ---- the month against the contract (Overview, comparison) -------------------------------------

export interface MonthKpis {
  month: string;
  contract: ContractSummary;
  volumes: Volumes;
  kpis: QueueKpis & { complaintsOnTime: Kpi; quality: Kpi; contactRate: Kpi; conversion: Kpi };
  complaintsDue: number;
  evaluations: number;
  dials: number;
}

/** The calendar month (YYYY-MM) of the company, up to today when it is the current one, against the contract in force. */
export async function monthKpis(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, month: string, now: Date): Promise<MonthKpis> {
  const first = Temporal.PlainDate.from(`${month}-01`);
  const period = periodOf(first.toString(), first.add({ months: 1 }).subtract({ days: 1 }).toString(), tenant.timeZone);
  const contracts = await loadContracts(tx);
  const terms = contractFor(contracts, null, judgedOn(period, localDayBounds(tenant.timeZone, now).date));
  const rows = await readQueueSums(tx, { from: period.start, to: period.end, timeZone: tenant.timeZone, groupBy: 'none' });
  const sums = rows[0]?.sums ?? emptySums();
  const complaints = await complaintsOnTime(tx, period, now);
  const quality = await qualityAverage(tx, period);
  const outbound = await campaignsReport(tx, tenant, period, now);
  return {
    month,
    contract: summaryOf(terms),
    volumes: volumesOf(sums),
    kpis: {
      ...kpisOf(sums, terms),
      complaintsOnTime: kpiOf(complaints.percent, terms.complaintsOnTimePercent, 'higher'),
      quality: kpiOf(quality.average, terms.qualityMinScore, 'higher'),
      contactRate: outbound.total.contactRate,
      conversion: outbound.total.conversion,
    },
    complaintsDue: complaints.due,
    evaluations: quality.evaluations,
    dials: outbound.total.dials,
  };
}

export interface ReportsOverview {
  timeZone: string;
  today: string;
  month: MonthKpis;
  /** Today's volumes per function, inbound. */
  todayVolumes: { function: string; offered: number; answered: number; abandoned: number; handled: number }[];
  /** The last 30 days' service level, a point per day (null on a day without calls). */
  trend: { day: string; serviceLevel: number | null; target: number | null; offered: number }[];
}

export async function reportsOverview(tx: TenantTx, tenant: Pick<Tenant, 'timeZone'>, now: Date): Promise<ReportsOverview> {
  const today = localDayBounds(tenant.timeZone, now);
  const month = await monthKpis(tx, tenant, today.date.slice(0, 7), now);
  const todayRows = await readQueueSums(tx, { from: today.from, to: today.to, timeZone: tenant.timeZone, groupBy: 'function' });
  const first = Temporal.PlainDate.from(today.date).subtract({ days: 29 });
  const trendPeriod = periodOf(first.toString(), today.date, tenant.timeZone);
  const days = await readQueueSums(tx, { from: trendPeriod.start, to: trendPeriod.end, timeZone: tenant.timeZone, groupBy: 'day' });
  const contracts = await loadContracts(tx);
  const byDay = new Map(days.map((d) => [d.day!, d.sums]));
  const trend: ReportsOverview['trend'] = [];
  for (let i = 0; i < 30; i++) {
    const day = first.add({ days: i }).toString();
    const terms = contractFor(contracts, null, day);
    const sums = byDay.get(day);
    trend.push({ day, serviceLevel: sums ? kpisOf(sums, terms).serviceLevel.value : null, target: terms.serviceLevelPercent, offered: sums?.offered ?? 0 });
  }
  return {
    timeZone: tenant.timeZone,
    today: today.date,
    month,
    todayVolumes: todayRows.map((r) => ({ function: r.function!, offered: r.sums.offered, answered: r.sums.answered, abandoned: r.sums.abandoned, handled: r.sums.handled })),
    trend,
  };
}

// ---- the provider's comparison ----------------------------------------------------------------

export interface CompareRow {
  tenant: { slug: string; name: string; brandColor: string; status: string };
  month: MonthKpis;
}

/**
 * Every client company's month side by side, for provider staff: the tenant list is read outside any tenant,
 * and each company inside its own tenant transaction (nothing here bypasses row-level security).
 */
export async function compareMonth(db: Kysely<DB>, month: string, now: Date): Promise<CompareRow[]> {
  const tenants = await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'name', 'brandColor', 'timeZone', 'status']).orderBy('name').execute());
  const out: CompareRow[] = [];
  for (const t of tenants) {
    const kpis = await withTenant(db, t.id, (tx) => monthKpis(tx, t, month, now));
    out.push({ tenant: { slug: t.slug, name: t.name, brandColor: t.brandColor, status: t.status }, month: kpis });
  }
  return out;
}

export type { ContractRow };
