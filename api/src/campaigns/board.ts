import { sql, type Kysely } from 'kysely';
import { withApp, withTenant, type CampaignFunction, type CampaignStatus, type DB, type DialMode, type TenantTx } from '@switchboard/db';
import { localDayBounds } from '../wallboard/compute.ts';

/**
 * The live campaign board (issue 15, Views): what a supervisor or the client watches while a campaign
 * runs. Every figure is read from the tenant's own rows in its transaction, in two statements: the
 * campaign and its contacts by state, then today's attempts (per 15 minutes, in the tenant's zone), the
 * last hour, the refusals and the operators on it. "Today" is the tenant's calendar day.
 *
 * Definitions (docs/outbound.md): a dial is an attempt that went to the adapter (`dialled_at`); a person
 * reached is an answered call an operator was connected to; an abandoned call is a person who answered
 * and found no operator (they heard the campaign's message); the abandonment rate is abandoned ÷ (reached
 * + abandoned) over the rolling last hour, the figure the predictive pacing holds under the cap; a success
 * is a reached call whose disposition is one of the campaign's `success` dispositions.
 */

const bucketMinutes = 15;

export interface BoardPoint {
  /** The 15-minute slot's start (ISO instant). */
  at: string;
  dials: number;
  reached: number;
  successes: number;
  abandoned: number;
}

export interface CampaignBoard {
  at: string;
  campaign: {
    id: string;
    name: string;
    function: CampaignFunction;
    mode: DialMode;
    status: CampaignStatus;
    rulesProfile: string;
    abandonCapPercent: number;
  };
  timeZone: string;
  todayStartsAt: string;
  contacts: { pending: number; dialing: number; done: number; excluded: number; total: number };
  today: {
    dials: number;
    reached: number;
    successes: number;
    abandoned: number;
    /** Reached ÷ dials, %; null before the first dial. */
    contactRate: number | null;
    /** Successes ÷ reached, %; null before anyone was reached. */
    conversion: number | null;
  };
  lastHour: {
    dials: number;
    reached: number;
    abandoned: number;
    /** Abandoned ÷ (reached + abandoned), %; null when nobody answered in the hour. */
    abandonRate: number | null;
    /** True when the rate is over the campaign's cap. */
    overCap: boolean;
  };
  /** Dials per hour: the last hour's dials. */
  callsPerHour: number;
  /** Attempts being placed or ringing now. */
  inFlight: number;
  operators: { id: string; name: string; state: 'dialing' | 'on_call' | 'wrap_up' }[];
  refusalsToday: { rule: string; count: number }[];
  series: BoardPoint[];
}

const percent = (num: number, den: number): number | null => (den > 0 ? Math.round((num / den) * 1000) / 10 : null);

interface CampaignRow {
  id: string;
  name: string;
  function: CampaignFunction;
  mode: DialMode;
  status: CampaignStatus;
  rulesProfile: string;
  abandonCapPercent: string | number;
  successCodes: string[];
  pending: number;
  dialing: number;
  done: number;
  excluded: number;
}

/** Statement 1: the campaign, the codes of its success dispositions, and its contacts by state. */
async function campaignWithContacts(tx: TenantTx, campaignId: string): Promise<CampaignRow | undefined> {
  const { rows } = await sql<CampaignRow>`
    select c.id, c.name, c.function, c.mode, c.status, c.rules_profile as "rulesProfile", c.abandon_cap_percent as "abandonCapPercent",
      array(select d ->> 'code' from jsonb_array_elements(c.dispositions) d where d ->> 'outcome' = 'success') as "successCodes",
      k.pending, k.dialing, k.done, k.excluded
    from campaigns c
    cross join lateral (
      select count(*) filter (where state = 'pending')::int as pending, count(*) filter (where state = 'dialing')::int as dialing,
             count(*) filter (where state = 'done')::int as done, count(*) filter (where state = 'excluded')::int as excluded
      from campaign_contacts where campaign_id = c.id) k
    where c.id = ${campaignId}`.execute(tx);
  return rows[0];
}

interface LiveRead {
  buckets: { slot: number; dials: number; reached: number; successes: number; abandoned: number }[];
  hour: { dials: number; reached: number; abandoned: number; inFlight: number };
  refusals: { rule: string; count: number }[];
  operators: { id: string; name: string; state: 'dialing' | 'on_call' | 'wrap_up' }[];
}

/** Statement 2: today's attempts per slot, the last hour, today's refusals by rule, the operators on the campaign now. */
async function liveFigures(tx: TenantTx, campaignId: string, successCodes: string[], dayStart: Date, now: Date): Promise<LiveRead> {
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const { rows } = await sql<{ read: LiveRead }>`
    with today as (
      select a.dialled_at, a.answered_at, a.outcome, a.ended_at, a.status,
             (k.disposition = any(${successCodes}::text[])) as success
      from dial_attempts a
      left join calls k on k.id = a.call_id
      where a.campaign_id = ${campaignId} and a.created_at >= ${dayStart}::timestamptz - interval '1 hour' and a.created_at <= ${now}
    )
    select json_build_object(
      'buckets', (select coalesce(json_agg(b order by b.slot), '[]'::json) from (
          select floor(extract(epoch from (dialled_at - ${dayStart}::timestamptz)) / ${bucketMinutes * 60})::int as slot,
                 count(*)::int as dials,
                 count(*) filter (where answered_at is not null)::int as reached,
                 count(*) filter (where success)::int as successes,
                 count(*) filter (where outcome = 'abandoned')::int as abandoned
          from today where dialled_at >= ${dayStart} group by 1) b),
      'hour', (select json_build_object(
          'dials', count(*) filter (where dialled_at > ${hourAgo}),
          'reached', count(*) filter (where answered_at > ${hourAgo}),
          'abandoned', count(*) filter (where outcome = 'abandoned' and ended_at > ${hourAgo}),
          'inFlight', count(*) filter (where status in ('originating', 'ringing'))) from today),
      'refusals', (select coalesce(json_agg(json_build_object('rule', r.rule, 'count', r.n) order by r.n desc, r.rule), '[]'::json) from (
          select rule, count(*)::int as n from dial_refusals where campaign_id = ${campaignId} and at >= ${dayStart} and at <= ${now} group by rule) r),
      'operators', (select coalesce(json_agg(json_build_object('id', u.id, 'name', u.display_name, 'state', p.state) order by u.display_name), '[]'::json)
          from operator_presence p join users u on u.id = p.operator_id
          where (p.state = 'dialing' and p.dial_tenant_id = app.current_tenant_id()
                 and exists (select 1 from dial_attempts a where a.id = p.dial_attempt_id and a.campaign_id = ${campaignId}))
             or (p.state in ('on_call', 'wrap_up') and p.call_tenant_id = app.current_tenant_id()
                 and exists (select 1 from dial_attempts a where a.call_id = p.call_id and a.campaign_id = ${campaignId})))
    ) as read`.execute(tx);
  return rows[0]!.read;
}

/** The board of one campaign of the transaction's tenant; undefined when it has no such campaign. */
export async function campaignBoard(tx: TenantTx, tenant: { timeZone: string }, campaignId: string, now: Date): Promise<CampaignBoard | undefined> {
  const campaign = await campaignWithContacts(tx, campaignId);
  if (!campaign) return undefined;
  const day = localDayBounds(tenant.timeZone, now);
  const live = await liveFigures(tx, campaignId, campaign.successCodes, day.from, now);
  const slots = Math.max(1, Math.ceil((Math.min(now.getTime(), day.to.getTime()) - day.from.getTime()) / (bucketMinutes * 60_000)));
  const bySlot = new Map(live.buckets.map((b) => [b.slot, b]));
  const series: BoardPoint[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const b = bySlot.get(slot);
    series.push({
      at: new Date(day.from.getTime() + slot * bucketMinutes * 60_000).toISOString(),
      dials: b?.dials ?? 0,
      reached: b?.reached ?? 0,
      successes: b?.successes ?? 0,
      abandoned: b?.abandoned ?? 0,
    });
  }
  const sum = (key: keyof Omit<BoardPoint, 'at'>) => series.reduce((s, p) => s + p[key], 0);
  const today = { dials: sum('dials'), reached: sum('reached'), successes: sum('successes'), abandoned: sum('abandoned') };
  const hour = { dials: Number(live.hour.dials), reached: Number(live.hour.reached), abandoned: Number(live.hour.abandoned) };
  const cap = Number(campaign.abandonCapPercent);
  const abandonRate = percent(hour.abandoned, hour.reached + hour.abandoned);
  return {
    at: now.toISOString(),
    campaign: { id: campaign.id, name: campaign.name, function: campaign.function, mode: campaign.mode, status: campaign.status, rulesProfile: campaign.rulesProfile, abandonCapPercent: cap },
    timeZone: tenant.timeZone,
    todayStartsAt: day.from.toISOString(),
    contacts: {
      pending: campaign.pending,
      dialing: campaign.dialing,
      done: campaign.done,
      excluded: campaign.excluded,
      total: campaign.pending + campaign.dialing + campaign.done + campaign.excluded,
    },
    today: { ...today, contactRate: percent(today.reached, today.dials), conversion: percent(today.successes, today.reached) },
    lastHour: { ...hour, abandonRate, overCap: abandonRate !== null && abandonRate > cap },
    callsPerHour: hour.dials,
    inFlight: Number(live.hour.inFlight),
    operators: live.operators,
    refusalsToday: live.refusals,
    series,
  };
}

/** One running campaign in the provider's live list. */
export interface LiveCampaign {
  tenant: { slug: string; name: string; brandColor: string };
  id: string;
  name: string;
  function: CampaignFunction;
  mode: DialMode;
  pending: number;
  dialsToday: number;
  reachedToday: number;
  successesToday: number;
  /** Last hour, %, against `abandonCapPercent`. */
  abandonRate: number | null;
  abandonCapPercent: number;
  callsPerHour: number;
  operators: number;
}

/**
 * Every running campaign of every tenant, with its headline figures, for provider staff. Like the
 * wallboard, each tenant is read inside its own tenant transaction (one statement each); only the tenant
 * list is read outside.
 */
export async function liveCampaigns(db: Kysely<DB>, now: Date): Promise<LiveCampaign[]> {
  const tenants = await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'name', 'brandColor', 'timeZone']).orderBy('name').execute());
  const out: LiveCampaign[] = [];
  const hourAgo = new Date(now.getTime() - 3_600_000);
  for (const tenant of tenants) {
    const dayStart = localDayBounds(tenant.timeZone, now).from;
    const rows = await withTenant(db, tenant.id, async (tx) => {
      const { rows } = await sql<{
        id: string;
        name: string;
        function: CampaignFunction;
        mode: DialMode;
        cap: string | number;
        pending: number;
        dials: number;
        reached: number;
        successes: number;
        hourReached: number;
        hourAbandoned: number;
        hourDials: number;
        operators: number;
      }>`
        select c.id, c.name, c.function, c.mode, c.abandon_cap_percent as cap,
          (select count(*)::int from campaign_contacts k where k.campaign_id = c.id and k.state = 'pending') as pending,
          a.dials, a.reached, a.successes, a."hourReached", a."hourAbandoned", a."hourDials",
          (select count(*)::int from operator_presence p
            where (p.state = 'dialing' and p.dial_tenant_id = c.tenant_id and exists (select 1 from dial_attempts d where d.id = p.dial_attempt_id and d.campaign_id = c.id))
               or (p.state in ('on_call', 'wrap_up') and p.call_tenant_id = c.tenant_id and exists (select 1 from dial_attempts d where d.call_id = p.call_id and d.campaign_id = c.id))) as operators
        from campaigns c
        cross join lateral (
          select count(*) filter (where d.dialled_at >= ${dayStart})::int as dials,
                 count(*) filter (where d.dialled_at >= ${dayStart} and d.answered_at is not null)::int as reached,
                 count(*) filter (where d.dialled_at >= ${dayStart} and k.disposition in (select x ->> 'code' from jsonb_array_elements(c.dispositions) x where x ->> 'outcome' = 'success'))::int as successes,
                 count(*) filter (where d.answered_at > ${hourAgo})::int as "hourReached",
                 count(*) filter (where d.outcome = 'abandoned' and d.ended_at > ${hourAgo})::int as "hourAbandoned",
                 count(*) filter (where d.dialled_at > ${hourAgo})::int as "hourDials"
          from dial_attempts d left join calls k on k.id = d.call_id
          where d.campaign_id = c.id and d.created_at >= least(${dayStart}::timestamptz, ${hourAgo}::timestamptz) - interval '1 hour') a
        where c.status = 'running'
        order by c.name`.execute(tx);
      return rows;
    });
    for (const r of rows) {
      out.push({
        tenant: { slug: tenant.slug, name: tenant.name, brandColor: tenant.brandColor },
        id: r.id,
        name: r.name,
        function: r.function,
        mode: r.mode,
        pending: r.pending,
        dialsToday: r.dials,
        reachedToday: r.reached,
        successesToday: r.successes,
        abandonRate: percent(r.hourAbandoned, r.hourReached + r.hourAbandoned),
        abandonCapPercent: Number(r.cap),
        callsPerHour: r.hourDials,
        operators: r.operators,
      });
    }
  }
  return out;
}
