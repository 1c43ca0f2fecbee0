import { sql } from 'kysely';
import { newId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { writeAudit } from '../audit/write.ts';
import { notFound, ProblemError } from '../http/problem.ts';

/**
 * The lists the calling rules read at every dial (api/src/calling-rules), kept per tenant:
 * the tenant's own do-not-call list, the opposition (Bloctel) lists the client uploads, the consent
 * records (opt-in from 11 August 2026) and the refusals ("no call for 60 days after the person
 * refused"). Every function takes the tenant's transaction first; phones are E.164 (the routes
 * normalise what people type). RLS scopes every statement to the transaction's tenant, and rows are
 * written with `app.current_tenant_id()`, so these functions need no tenant id.
 */

const currentTenant = sql<string>`app.current_tenant_id()`;

// ---- do-not-call -------------------------------------------------------------------------------

export type DoNotCallSource = 'desk' | 'portal' | 'import';

export interface DoNotCallInput {
  phone: string;
  source: DoNotCallSource;
  note?: string | null | undefined;
  /** Who added it: the actor's label (kept as text, like the audit trail's). */
  addedBy: string;
  at?: Date | undefined;
}

/**
 * Puts a number on the tenant's do-not-call list; idempotent (a number already there keeps its first
 * entry). Answers whether it was added now. Takes effect at once: the rules read the table at every dial.
 */
export async function addToDoNotCall(tx: TenantTx, input: DoNotCallInput): Promise<boolean> {
  const added = await tx
    .insertInto('doNotCall')
    .values({ tenantId: currentTenant, phone: input.phone, source: input.source, note: input.note ?? null, addedAt: input.at ?? new Date(), addedBy: input.addedBy })
    .onConflict((oc) => oc.columns(['tenantId', 'phone']).doNothing())
    .returning('phone')
    .executeTakeFirst();
  return added !== undefined;
}

export async function isOnDoNotCall(tx: TenantTx, phone: string): Promise<boolean> {
  return (await tx.selectFrom('doNotCall').select('phone').where('phone', '=', phone).executeTakeFirst()) !== undefined;
}

export interface DoNotCallEntry {
  phone: string;
  source: DoNotCallSource;
  note: string | null;
  addedAt: Date;
  addedBy: string;
}

/** The list, newest first, keyset-paged on (added_at, phone); `search` matches the number's digits or the note. */
export async function listDoNotCall(tx: TenantTx, options: { search?: string | undefined; limit: number; after?: { at: Date; phone: string } | undefined }): Promise<DoNotCallEntry[]> {
  let q = tx.selectFrom('doNotCall').select(['phone', 'source', 'note', 'addedAt', 'addedBy']);
  const search = options.search?.trim();
  if (search) {
    const digits = search.replace(/\D/g, '');
    const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([...(digits ? [eb('phone', 'like', `%${digits}%`)] : []), eb('note', 'ilike', like)]));
  }
  if (options.after) {
    const { at, phone } = options.after;
    q = q.where((eb) => eb.or([eb('addedAt', '<', at), eb.and([eb('addedAt', '=', at), eb('phone', '<', phone)])]));
  }
  return q.orderBy('addedAt', 'desc').orderBy('phone', 'desc').limit(options.limit + 1).execute();
}

export async function removeFromDoNotCall(tx: TenantTx, tenantId: string, actor: Actor, phone: string): Promise<void> {
  const removed = await tx.deleteFrom('doNotCall').where('phone', '=', phone).returning(['phone', 'source', 'addedAt']).executeTakeFirst();
  if (!removed) throw notFound('This number is not on the do-not-call list.');
  await writeAudit(tx, tenantId, actor, { action: 'do_not_call.removed', targetType: 'do_not_call', targetId: null, before: { phone, source: removed.source, addedAt: removed.addedAt.toISOString() } });
}

// ---- refusals ----------------------------------------------------------------------------------

/** The wrap-up records it when a campaign disposition's outcome is `refused`: no call for 60 days (rules profile `fr`). */
export async function recordRefusal(tx: TenantTx, input: { phone: string; campaignId: string | null; refusedAt: Date }): Promise<string> {
  const id = newId();
  await tx.insertInto('solicitationRefusals').values({ tenantId: currentTenant, id, phone: input.phone, campaignId: input.campaignId, refusedAt: input.refusedAt }).execute();
  return id;
}

export async function lastRefusalAt(tx: TenantTx, phone: string): Promise<Date | null> {
  const row = await tx.selectFrom('solicitationRefusals').select((eb) => eb.fn.max('refusedAt').as('at')).where('phone', '=', phone).executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}

// ---- consents ----------------------------------------------------------------------------------

/** Whether the person had given consent at `at` and not withdrawn it by then. */
export async function hasConsent(tx: TenantTx, phone: string, at: Date): Promise<boolean> {
  const row = await tx
    .selectFrom('consents')
    .select('id')
    .where('phone', '=', phone)
    .where('givenAt', '<=', at)
    .where((eb) => eb.or([eb('withdrawnAt', 'is', null), eb('withdrawnAt', '>', at)]))
    .executeTakeFirst();
  return row !== undefined;
}

export interface ConsentRow {
  id: string;
  phone: string;
  source: string;
  givenAt: Date;
  withdrawnAt: Date | null;
  recordedAt: Date;
  recordedBy: string;
}

const consentColumns = ['id', 'phone', 'source', 'givenAt', 'withdrawnAt', 'recordedAt', 'recordedBy'] as const;

export async function listConsents(tx: TenantTx, options: { phone?: string | undefined; limit: number; after?: { at: Date; id: string } | undefined }): Promise<ConsentRow[]> {
  let q = tx.selectFrom('consents').select(consentColumns);
  if (options.phone) q = q.where('phone', '=', options.phone);
  if (options.after) {
    const { at, id } = options.after;
    q = q.where((eb) => eb.or([eb('recordedAt', '<', at), eb.and([eb('recordedAt', '=', at), eb('id', '<', id)])]));
  }
  return q.orderBy('recordedAt', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute();
}

export async function recordConsent(tx: TenantTx, tenantId: string, actor: Actor, input: { phone: string; source: string; givenAt: Date }, now: Date): Promise<ConsentRow> {
  const id = newId();
  const row = await tx
    .insertInto('consents')
    .values({ tenantId, id, phone: input.phone, source: input.source, givenAt: input.givenAt, recordedAt: now, recordedBy: actor.label })
    .returning(consentColumns)
    .executeTakeFirstOrThrow();
  await writeAudit(tx, tenantId, actor, { action: 'consent.recorded', targetType: 'consent', targetId: id, after: { phone: input.phone, source: input.source, givenAt: input.givenAt.toISOString() } });
  return row;
}

export async function withdrawConsent(tx: TenantTx, tenantId: string, actor: Actor, id: string, at: Date): Promise<ConsentRow> {
  const before = await tx.selectFrom('consents').select(consentColumns).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!before) throw notFound('No such consent record.');
  if (before.withdrawnAt) return before;
  // Withdrawn now, or (a consent recorded ahead of when it was given) at the time it was given.
  const withdrawnAt = at < before.givenAt ? before.givenAt : at;
  const row = await tx.updateTable('consents').set({ withdrawnAt }).where('id', '=', id).returning(consentColumns).executeTakeFirstOrThrow();
  await writeAudit(tx, tenantId, actor, { action: 'consent.withdrawn', targetType: 'consent', targetId: id, after: { withdrawnAt: withdrawnAt.toISOString() } });
  return row;
}

// ---- opposition lists --------------------------------------------------------------------------

/** Bloctel's check of a prospect file is renewed at least monthly (docs/outbound.md): an older list is flagged. */
export const OPPOSITION_FRESH_DAYS = 30;
/** Numbers inserted per statement: one array parameter each, so no statement nears the parameter limit. */
export const OPPOSITION_BATCH = 10_000;

export async function isOnOpposition(tx: TenantTx, phone: string): Promise<boolean> {
  return (await tx.selectFrom('oppositionNumbers').select('phone').where('phone', '=', phone).limit(1).executeTakeFirst()) !== undefined;
}

export interface OppositionListRow {
  id: string;
  source: 'bloctel' | 'other';
  name: string;
  checkedOn: string;
  rowCount: number;
  uploadedAt: Date;
  uploadedBy: string;
}

const dayOf = (value: unknown): string => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10));

const listColumns = ['id', 'source', 'name', 'checkedOn', 'rowCount', 'uploadedAt', 'uploadedBy'] as const;
const toList = (r: { id: string; source: 'bloctel' | 'other'; name: string; checkedOn: unknown; rowCount: number; uploadedAt: Date; uploadedBy: string }): OppositionListRow => ({ ...r, checkedOn: dayOf(r.checkedOn) });

export async function listOppositionLists(tx: TenantTx): Promise<OppositionListRow[]> {
  return (await tx.selectFrom('oppositionLists').select(listColumns).orderBy('checkedOn', 'desc').orderBy('uploadedAt', 'desc').execute()).map(toList);
}

export async function findOppositionList(tx: TenantTx, id: string): Promise<OppositionListRow | undefined> {
  const row = await tx.selectFrom('oppositionLists').select(listColumns).where('id', '=', id).executeTakeFirst();
  return row && toList(row);
}

/** The warning a client sees when its newest Bloctel check is older than `OPPOSITION_FRESH_DAYS` (or there is none). */
export interface OppositionWarning {
  code: 'opposition.stale' | 'opposition.none';
  checkedOn: string | null;
  days: number | null;
  message: string;
}

export function oppositionWarning(lists: Pick<OppositionListRow, 'source' | 'checkedOn'>[], today: string): OppositionWarning | null {
  const newest = lists.filter((l) => l.source === 'bloctel').sort((a, b) => b.checkedOn.localeCompare(a.checkedOn))[0];
  if (!newest) return { code: 'opposition.none', checkedOn: null, days: null, message: 'No Bloctel list has been uploaded: prospecting calls need a list checked within the last 30 days.' };
  const days = Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${newest.checkedOn}T00:00:00Z`)) / 86_400_000);
  if (days <= OPPOSITION_FRESH_DAYS) return null;
  return { code: 'opposition.stale', checkedOn: newest.checkedOn, days, message: `The newest Bloctel list was checked ${days} days ago: Bloctel checks are to be renewed at least every 30 days. Upload a new check.` };
}

export async function createOppositionList(tx: TenantTx, tenantId: string, actor: Actor, input: { source: 'bloctel' | 'other'; name: string; checkedOn: string }, now: Date): Promise<OppositionListRow> {
  const id = newId();
  await tx.insertInto('oppositionLists').values({ tenantId, id, source: input.source, name: input.name, checkedOn: input.checkedOn, rowCount: 0, uploadedAt: now, uploadedBy: actor.label }).execute();
  await writeAudit(tx, tenantId, actor, { action: 'opposition_list.uploaded', targetType: 'opposition_list', targetId: id, after: input });
  return (await findOppositionList(tx, id))!;
}

/**
 * Adds numbers (E.164, no repeats within the call) to a list in statements of `OPPOSITION_BATCH`
 * (`insert … select unnest($numbers)`: one array parameter per statement); numbers already on the list
 * are skipped. Answers how many were new; the list's row count follows.
 */
export async function addOppositionNumbers(tx: TenantTx, listId: string, numbers: string[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < numbers.length; i += OPPOSITION_BATCH) {
    const batch = numbers.slice(i, i + OPPOSITION_BATCH);
    const result = await sql<{ n: number }>`with added as (
        insert into opposition_numbers (tenant_id, list_id, phone)
        select app.current_tenant_id(), ${listId}::uuid, phone from unnest(${batch}::text[]) as n (phone)
        on conflict do nothing
        returning 1)
      select count(*)::int as n from added`.execute(tx);
    added += result.rows[0]?.n ?? 0;
  }
  if (added) await tx.updateTable('oppositionLists').set((eb) => ({ rowCount: eb('rowCount', '+', added) })).where('id', '=', listId).execute();
  return added;
}

export async function deleteOppositionList(tx: TenantTx, tenantId: string, actor: Actor, id: string): Promise<void> {
  const before = await findOppositionList(tx, id);
  if (!before) throw notFound('No such opposition list.');
  // Its numbers go with it (on delete cascade).
  await tx.deleteFrom('oppositionLists').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'opposition_list.deleted', targetType: 'opposition_list', targetId: id, before: { name: before.name, source: before.source, checkedOn: before.checkedOn, rowCount: before.rowCount } });
}

// ---- the facts of a dial -----------------------------------------------------------------------

export interface DialListFacts {
  /** dial_attempts.dialled_at of this phone in the tenant, any campaign, in the 30 days up to `now`, oldest first. */
  attemptTimesLast30Days: Date[];
  lastRefusalAt: Date | null;
  onDoNotCall: boolean;
  onOpposition: boolean;
  /** A consent given by `now` and not withdrawn by then. */
  consent: boolean;
  /** The latest dial of this phone (any campaign of the tenant) abandoned in the last two days: not called again that local day. */
  lastAbandonedAt: Date | null;
}

/** What the rules read of these lists at the moment of a dial, in one statement (scalar subqueries, each on an index). */
export async function dialFacts(tx: TenantTx, phone: string, now: Date): Promise<DialListFacts> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const { rows } = await sql<{ attempts: string[] | string | null; lastRefusalAt: Date | string | null; onDoNotCall: boolean; onOpposition: boolean; consent: boolean; lastAbandonedAt: Date | string | null }>`select
      (select json_agg(a.dialled_at order by a.dialled_at) from dial_attempts a
        where a.tenant_id = app.current_tenant_id() and a.phone = ${phone} and a.dialled_at is not null
          and a.dialled_at > ${since} and a.dialled_at <= ${now}) as attempts,
      (select max(r.refused_at) from solicitation_refusals r
        where r.tenant_id = app.current_tenant_id() and r.phone = ${phone} and r.refused_at <= ${now}) as "lastRefusalAt",
      exists (select 1 from do_not_call d where d.tenant_id = app.current_tenant_id() and d.phone = ${phone}) as "onDoNotCall",
      exists (select 1 from opposition_numbers o where o.tenant_id = app.current_tenant_id() and o.phone = ${phone}) as "onOpposition",
      exists (select 1 from consents c where c.tenant_id = app.current_tenant_id() and c.phone = ${phone}
        and c.given_at <= ${now} and (c.withdrawn_at is null or c.withdrawn_at > ${now})) as consent,
      (select max(a.ended_at) from dial_attempts a
        where a.tenant_id = app.current_tenant_id() and a.phone = ${phone} and a.outcome = 'abandoned'
          and a.dialled_at > ${new Date(now.getTime() - 2 * 86_400_000)}) as "lastAbandonedAt"`.execute(tx);
  const row = rows[0];
  if (!row) throw new ProblemError(500, 'internal', 'Internal error', 'The dial facts query answered no row.');
  const attempts = typeof row.attempts === 'string' ? (JSON.parse(row.attempts) as string[]) : (row.attempts ?? []);
  return {
    attemptTimesLast30Days: attempts.map((a) => new Date(a)),
    lastRefusalAt: row.lastRefusalAt ? new Date(row.lastRefusalAt) : null,
    onDoNotCall: row.onDoNotCall,
    onOpposition: row.onOpposition,
    consent: row.consent,
    lastAbandonedAt: row.lastAbandonedAt ? new Date(row.lastAbandonedAt) : null,
  };
}
