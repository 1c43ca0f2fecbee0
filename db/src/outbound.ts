import { sql, type Kysely } from 'kysely';
import type { DB, DialMode } from './schema.ts';

/**
 * The cross-tenant reads the outbound dialer and the telephony boundary need (DESIGN.md, tenancy rule 6),
 * by name, like routing.ts: they run as the connecting role and answer ids only. Everything the dialer
 * decides and writes happens inside withTenant.
 */

export interface RunningCampaignRef {
  tenantId: string;
  campaignId: string;
  mode: DialMode;
}

/** Campaigns running now, with work possibly due (a pending contact due, or an attempt open): oldest tenant first. */
export async function runningCampaigns(db: Kysely<DB>, now: Date): Promise<RunningCampaignRef[]> {
  const { rows } = await sql<RunningCampaignRef>`
    select c.tenant_id as "tenantId", c.id as "campaignId", c.mode
    from campaigns c
    where c.status = 'running'
      and (exists (select 1 from campaign_contacts k where k.tenant_id = c.tenant_id and k.campaign_id = c.id and k.state = 'pending' and k.next_attempt_at <= ${now})
        or exists (select 1 from dial_attempts d where d.tenant_id = c.tenant_id and d.campaign_id = c.id and d.status in ('preview', 'originating', 'ringing'))
        or c.ends_on is not null)
    order by c.tenant_id, c.created_at`.execute(db);
  return rows;
}

export interface PendingDialRef {
  tenantId: string;
  attemptId: string;
}

/** Attempts waiting for the adapter to place them (status `originating`), oldest first. */
export async function pendingDials(db: Kysely<DB>, limit = 500): Promise<PendingDialRef[]> {
  return db
    .selectFrom('dialAttempts')
    .select(['tenantId', 'id as attemptId'])
    .where('status', '=', 'originating')
    .orderBy('createdAt')
    .limit(limit)
    .execute();
}

/** Which tenant an attempt (our id) belongs to: the adapter addresses attempts by id alone. */
export async function tenantOfAttempt(db: Kysely<DB>, attemptId: string): Promise<string | undefined> {
  const row = await db.selectFrom('dialAttempts').select('tenantId').where('id', '=', attemptId).executeTakeFirst();
  return row?.tenantId;
}

/** Attempts the adapter never picked up or never reported the end of, and previews nobody acted on: the dialer closes them. */
export async function staleAttempts(db: Kysely<DB>, now: Date, limit = 500): Promise<PendingDialRef[]> {
  const { rows } = await sql<PendingDialRef>`
    select d.tenant_id as "tenantId", d.id as "attemptId"
    from dial_attempts d join campaigns c on c.tenant_id = d.tenant_id and c.id = d.campaign_id
    where (d.status = 'originating' and coalesce(d.dialled_at, d.created_at) < ${now}::timestamptz - interval '30 seconds')
       or (d.status = 'ringing' and d.dialled_at < ${now}::timestamptz - make_interval(secs => c.ring_timeout_seconds + 30))
       -- A preview card left open (the operator closed the browser) or of a campaign paused or finished meanwhile.
       or (d.status = 'preview' and (d.created_at < ${now}::timestamptz - interval '10 minutes' or c.status <> 'running'))
    order by d.created_at
    limit ${limit}`.execute(db);
  return rows;
}
