import { sql, type Kysely } from 'kysely';
import { Temporal } from '@js-temporal/polyfill';
import { callFunctions, withApp, withTenant, type DB, type OperatorState } from '@switchboard/db';
import { operatorsAblePerSkill } from '../routing/eligibility.ts';
import { MIN_OPERATORS_PER_FUNCTION } from '../go-live/service.ts';
import { satisfactionSince } from '../satisfaction/summary.ts';
import { contractFor, loadContracts } from '../contracts/resolve.ts';

/** One (tenant, function) queue as the supervisor sees it. */
export interface WallboardQueue {
  function: string;
  waiting: number;
  longestWaitSeconds: number;
  /** When the longest-waiting call was queued, so a page can keep the wait ticking between snapshots. */
  oldestEnqueuedAt: string | null;
  operators: { available: number; onCall: number; wrapUp: number; notResponding: number };
  handledToday: number;
  /** Callers lost before an answer: hung up, or overflowed past the maximum queue wait. */
  abandonedToday: number;
  /** The service level's numerator and denominator, so pages can add queues up. */
  answeredWithinTargetToday: number;
  serviceLevelBaseToday: number;
  /** % of calls answered within the tenant's answer target, over answered + abandoned after the target; null before any. */
  serviceLevelToday: number | null;
  /** Seconds from answer to the end of wrap-up, over today's calls that finished; null before any. */
  averageHandleSeconds: number | null;
  /** Operators who could take the function's calls at all, whatever their state now (routing/eligibility.ts). */
  operatorsAble: number;
  /** Delegated, and fewer than MIN_OPERATORS_PER_FUNCTION operators could take it. */
  understaffed: boolean;
}

export interface WallboardTenant {
  slug: string;
  name: string;
  brandColor: string;
  timeZone: string;
  status: 'active' | 'suspended';
  answerTargetSeconds: number;
  /** Midnight on the tenant's clock: what "today" counts from. */
  todayStartsAt: string;
  queues: WallboardQueue[];
  /** Today's post-call satisfaction: callers who keyed a score and their mean (satisfaction/summary.ts). */
  satisfactionToday: { scored: number; average: number | null; satisfiedShare: number | null };
}

export interface WallboardOperator {
  id: string;
  name: string;
  state: OperatorState;
  breakReason: string | null;
  since: string | null;
  /** The tenant whose call the operator is on or wrapping up, if any. */
  tenant: { slug: string; name: string; brandColor: string } | null;
}

export interface Wallboard {
  at: string;
  tenants: WallboardTenant[];
  operators: WallboardOperator[];
}

const inboundFunctions = new Set<string>(callFunctions.filter((f) => f.direction === 'inbound').map((f) => f.id));
const functionOrder = new Map<string, number>(callFunctions.map((f, i) => [f.id, i]));

/** The local calendar day `now` falls in, in `timeZone`: its date and [from, to) (a DST day is 23 or 25 hours). */
export function localDayBounds(timeZone: string, now: Date): { date: string; from: Date; to: Date } {
  const zoned = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timeZone);
  const start = zoned.startOfDay();
  return { date: zoned.toPlainDate().toString(), from: new Date(start.epochMilliseconds), to: new Date(start.add({ days: 1 }).epochMilliseconds) };
}

export const startOfToday = (timeZone: string, now: Date): Date => localDayBounds(timeZone, now).from;

const seconds = (from: Date | string, to: Date) => Math.max(0, Math.floor((to.getTime() - new Date(from).getTime()) / 1000));

/**
 * The provider's live view across tenants. It reads each tenant inside its own tenant transaction
 * (nothing here bypasses row-level security); only presence and the operator list are global.
 */
export async function computeWallboard(db: Kysely<DB>, now: Date): Promise<Wallboard> {
  const { tenants, operators } = await withApp(db, async (tx) => ({
    tenants: await tx
      .selectFrom('tenants')
      .select(['id', 'slug', 'name', 'brandColor', 'timeZone', 'status'])
      .orderBy('name')
      .execute(),
    operators: await tx
      .selectFrom('users')
      .leftJoin('operatorPresence', 'operatorPresence.operatorId', 'users.id')
      .select(['users.id', 'users.displayName', 'operatorPresence.state', 'operatorPresence.breakReason', 'operatorPresence.since'])
      .where('users.kind', '=', 'operator')
      .where('users.status', '=', 'active')
      .orderBy('users.displayName')
      .execute(),
  }));
  const stateOf = new Map<string, OperatorState>(operators.map((o) => [o.id, o.state ?? 'offline']));
  const currentTenantOf = new Map<string, WallboardOperator['tenant']>();

  const boards: WallboardTenant[] = [];
  for (const tenant of tenants) {
    const todayStart = startOfToday(tenant.timeZone, now);
    boards.push(
      await withTenant(db, tenant.id, async (tx) => {
        const settings = await tx.selectFrom('callSettings').select('answerTargetSeconds').executeTakeFirst();
        const target = settings?.answerTargetSeconds ?? 20;
        const delegated = await tx.selectFrom('delegations').select('function').where('delegated', '=', true).execute();
        const assignments = await tx.selectFrom('operatorAssignments').select(['operatorId', 'skills']).execute();
        const able = await operatorsAblePerSkill(tx);
        const queue = await tx
          .selectFrom('callQueue')
          .select((eb) => ['function', eb.fn.countAll<string>().as('waiting'), eb.fn.min('enqueuedAt').as('oldest')])
          .groupBy('function')
          .execute();
        const answerWait = sql`extract(epoch from (answered_at - offered_at))`;
        // With a contract (issue 16), today's service level is the contract's, per function, as the reports count it
        // (docs/kpis.md): its seconds, short abandons left out, abandoned calls in the denominator or not.
        const contracts = await loadContracts(tx);
        const day = localDayBounds(tenant.timeZone, now).date;
        const contractFunctions = [...new Set([...delegated.map((d) => d.function), ...contracts.flatMap((c) => (c.function ? [c.function] : []))])];
        const termsOf = (fn: string) => contractFor(contracts, fn, day);
        const perFunction = (pick: (terms: ReturnType<typeof termsOf>) => number, otherwise: number) =>
          !contracts.length
            ? sql`${otherwise}::int`
            : contractFunctions.length
              ? sql`(case function ${sql.join(contractFunctions.map((fn) => sql`when ${fn} then ${pick(termsOf(fn))}::int`), sql` `)} else ${pick(contractFor(contracts, null, day))}::int end)`
              : sql`${pick(contractFor(contracts, null, day))}::int`;
        const slSeconds = perFunction((c) => c.serviceLevelSeconds, target);
        const shortSeconds = perFunction((c) => c.shortAbandonSeconds, 0);
        const today = await tx
          .selectFrom('calls')
          .select([
            'function',
            sql<string>`count(*) filter (where answered_at is not null)`.as('answered'),
            sql<string>`count(*) filter (where answered_at is not null and ${answerWait} <= ${slSeconds})`.as('answeredInTarget'),
            sql<string>`count(*) filter (where status = 'abandoned' and extract(epoch from (coalesce(ended_at, ${now}) - offered_at)) < ${shortSeconds})`.as('abandonedShort'),
            // A call that overflowed (waited past the maximum) was lost to the queue like one the caller hung up.
            sql<string>`count(*) filter (where status in ('abandoned', 'overflowed'))`.as('abandoned'),
            sql<string>`count(*) filter (where status in ('abandoned', 'overflowed') and extract(epoch from (coalesce(ended_at, ${now}) - offered_at)) > ${target})`.as(
              'abandonedAfterTarget',
            ),
            sql<string | null>`avg(extract(epoch from (coalesce(wrap_up_ended_at, ended_at) - answered_at))) filter (where answered_at is not null and status not in ('connected', 'wrap_up'))`.as(
              'averageHandle',
            ),
          ])
          .where('offeredAt', '>=', todayStart)
          .where('offeredAt', '<=', now)
          .groupBy('function')
          .execute();
        const active = await tx
          .selectFrom('calls')
          .select('operatorId')
          .where('status', 'in', ['connected', 'wrap_up'])
          .where('operatorId', 'is not', null)
          .execute();
        for (const call of active) {
          currentTenantOf.set(call.operatorId!, { slug: tenant.slug, name: tenant.name, brandColor: tenant.brandColor });
        }

        const functions = new Set<string>([
          ...delegated.map((d) => d.function).filter((f) => inboundFunctions.has(f)),
          ...queue.map((q) => q.function),
          ...today.map((t) => t.function),
        ]);
        const queues = [...functions]
          .sort((a, b) => (functionOrder.get(a) ?? 99) - (functionOrder.get(b) ?? 99) || a.localeCompare(b))
          .map((fn): WallboardQueue => {
            const waiting = queue.find((q) => q.function === fn);
            const stats = today.find((t) => t.function === fn);
            const serving = assignments.filter((a) => a.skills.includes(fn)).map((a) => stateOf.get(a.operatorId) ?? 'offline');
            const answered = Number(stats?.answered ?? 0);
            const terms = contracts.length ? termsOf(fn) : null;
            const slDenominator = terms
              ? answered + (terms.abandonedInDenominator ? Number(stats?.abandoned ?? 0) - Number(stats?.abandonedShort ?? 0) : 0)
              : answered + Number(stats?.abandonedAfterTarget ?? 0);
            return {
              function: fn,
              waiting: Number(waiting?.waiting ?? 0),
              longestWaitSeconds: waiting?.oldest ? seconds(waiting.oldest, now) : 0,
              oldestEnqueuedAt: waiting?.oldest ? new Date(waiting.oldest).toISOString() : null,
              operators: {
                available: serving.filter((s) => s === 'available').length,
                onCall: serving.filter((s) => s === 'on_call').length,
                wrapUp: serving.filter((s) => s === 'wrap_up').length,
                notResponding: serving.filter((s) => s === 'not_responding').length,
              },
              handledToday: answered,
              abandonedToday: Number(stats?.abandoned ?? 0),
              answeredWithinTargetToday: Number(stats?.answeredInTarget ?? 0),
              serviceLevelBaseToday: slDenominator,
              serviceLevelToday: slDenominator ? Math.round((Number(stats?.answeredInTarget ?? 0) / slDenominator) * 1000) / 10 : null,
              averageHandleSeconds: stats?.averageHandle != null ? Math.round(Number(stats.averageHandle)) : null,
              operatorsAble: able.get(fn) ?? 0,
              understaffed: delegated.some((d) => d.function === fn) && (able.get(fn) ?? 0) < MIN_OPERATORS_PER_FUNCTION,
            };
          });
        return {
          slug: tenant.slug,
          name: tenant.name,
          brandColor: tenant.brandColor,
          timeZone: tenant.timeZone,
          status: tenant.status,
          answerTargetSeconds: contracts.length ? contractFor(contracts, null, day).serviceLevelSeconds : target,
          todayStartsAt: todayStart.toISOString(),
          queues,
          satisfactionToday: await satisfactionSince(tx, todayStart),
        };
      }),
    );
  }

  return {
    at: now.toISOString(),
    tenants: boards,
    operators: operators.map((o) => ({
      id: o.id,
      name: o.displayName,
      state: o.state ?? 'offline',
      breakReason: o.breakReason ?? null,
      since: o.since ? new Date(o.since).toISOString() : null,
      tenant: currentTenantOf.get(o.id) ?? null,
    })),
  };
}
