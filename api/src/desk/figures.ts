import { sql, type Kysely } from 'kysely';
import { withTenant, type DB } from '@switchboard/db';
import { servedTenants } from './served-tenants.ts';
import { notFound } from '../http/problem.ts';
import { localDayBounds } from '../wallboard/compute.ts';
import { latestOwnScore } from '../quality/evaluations.ts';

/**
 * The operator's own figures for today, per client they serve: calls handled (finished wrap-up) and
 * the average handle time (answer to end of wrap-up: talk plus after-call work). "Today" is each
 * client's own local day, so a Moscow client's day and a Paris client's day each start at their
 * midnight. Only the asking operator's calls, only in tenants they are assigned to, each read in that
 * tenant's own transaction.
 */
export interface ClientFigures {
  slug: string;
  name: string;
  brandColor: string;
  /** The client's local date the figures are for. */
  date: string;
  handled: number;
  averageHandleSeconds: number | null;
  /** Average after-call work today (end of the call to end of wrap-up), in seconds; null with no call handled. */
  wrapUpSeconds: number | null;
  /** The score (0–100) of the operator's latest submitted quality evaluation here, whenever it was; null if none. */
  latestQualityScore: number | null;
}

export interface OperatorFigures {
  tenants: ClientFigures[];
  total: { handled: number; averageHandleSeconds: number | null };
}

export async function loadOperatorFigures(db: Kysely<DB>, operatorId: string, now: Date, onlyTenant?: string): Promise<OperatorFigures> {
  let { tenants } = await servedTenants(db, operatorId);
  if (onlyTenant !== undefined) {
    tenants = tenants.filter((t) => t.slug === onlyTenant);
    // A client the operator does not serve is as absent as one that does not exist.
    if (!tenants.length) throw notFound();
  }

  const rows: ClientFigures[] = [];
  let handled = 0;
  let handleSeconds = 0;
  for (const tenant of tenants) {
    const day = localDayBounds(tenant.timeZone, now);
    const row = await withTenant(db, tenant.id, (tx) =>
      tx
        .selectFrom('calls')
        .select([
          sql<number>`count(*)::int`.as('handled'),
          sql<number | null>`sum(extract(epoch from (wrap_up_ended_at - answered_at)))::float8`.as('seconds'),
          sql<number | null>`avg(extract(epoch from (wrap_up_ended_at - ended_at)))::float8`.as('wrapSeconds'),
        ])
        .where('operatorId', '=', operatorId)
        .where('answeredAt', 'is not', null)
        .where('wrapUpEndedAt', '>=', day.from)
        .where('wrapUpEndedAt', '<', day.to)
        .executeTakeFirstOrThrow()
        .then(async (figures) => ({ ...figures, latestQualityScore: await latestOwnScore(tx, operatorId) })),
    );
    const seconds = Number(row.seconds ?? 0);
    handled += row.handled;
    handleSeconds += seconds;
    rows.push({
      slug: tenant.slug,
      name: tenant.name,
      brandColor: tenant.brandColor,
      date: day.date,
      handled: row.handled,
      averageHandleSeconds: row.handled ? Math.round(seconds / row.handled) : null,
      wrapUpSeconds: row.handled && row.wrapSeconds !== null ? Math.max(0, Math.round(Number(row.wrapSeconds))) : null,
      latestQualityScore: row.latestQualityScore,
    });
  }
  return { tenants: rows, total: { handled, averageHandleSeconds: handled ? Math.round(handleSeconds / handled) : null } };
}
