import type { Kysely } from 'kysely';
import { crossTenant, withApp, withTenant, type DB, type TenantTx } from '@switchboard/db';
import { addressAllowed } from '../rules/definition.ts';
import { loadRules } from '../rules/service.ts';
import type { Rules } from '../rules/definition.ts';
import { maskPhone } from '../rules/viewer.ts';
import { eligibleAssignments } from '../routing/eligibility.ts';
import type { BusEvent } from './publish.ts';
import type { CallUpdateMessage, OfferMessage, PresenceMessage, QueueMessage } from './messages.ts';

/**
 * The re-reads behind every pushed event (DESIGN.md: notifications carry ids, never content, and are
 * not covered by RLS). Each runs in one short transaction that sees only the event's tenant, so what
 * is pushed, and to whom, is what that tenant's own rows say.
 */

/** Who may hear of one tenant's events, read from that tenant's rows. */
export interface Audience {
  tenantId: string;
  slug: string;
  name: string;
  brandColor: string;
  /** Operators the tenant admits (assigned, and with a current agreement where it requires one). */
  operatorIds: Set<string>;
  /** A client user of this tenant, from an address its IP allow-list lets in. */
  mayNotice(userId: string, address: string): boolean;
}

async function audienceIn(tx: TenantTx, tenantId: string, known?: Rules): Promise<Audience | null> {
  const tenant = await tx.selectFrom('tenants').select(['slug', 'name', 'brandColor']).where('id', '=', tenantId).executeTakeFirst();
  if (!tenant) return null;
  const rules = known ?? (await loadRules(tx));
  const operators = await eligibleAssignments(tx, rules.requiresConfidentialityAgreement).select('a.operatorId').execute();
  const members = await tx.selectFrom('tenantMembers').select('userId').where('tenantId', '=', tenantId).execute();
  const memberIds = new Set(members.map((m) => m.userId));
  const allowList = rules.ipAllowList;
  return {
    tenantId,
    ...tenant,
    operatorIds: new Set(operators.map((o) => o.operatorId)),
    mayNotice: (userId, address) => memberIds.has(userId) && (!allowList.length || addressAllowed(address, allowList)),
  };
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** The tenant's waiting calls per function; a function not listed has none waiting. */
async function queueSnapshot(tx: TenantTx, slug: string, now: Date): Promise<QueueMessage> {
  const rows = await tx
    .selectFrom('callQueue')
    .select((eb) => ['function', eb.fn.countAll<string>().as('waiting'), eb.fn.min('enqueuedAt').as('oldest')])
    .groupBy('function')
    .orderBy('function')
    .execute();
  return {
    tenant: slug,
    queues: rows.map((r) => ({
      function: r.function,
      waiting: Number(r.waiting),
      longestWaitSeconds: r.oldest ? Math.max(0, Math.floor((now.getTime() - new Date(r.oldest).getTime()) / 1000)) : 0,
      oldestEnqueuedAt: r.oldest ? iso(r.oldest) : null,
    })),
  };
}

/** Queue snapshots of every tenant the operator is assigned to (a desk's first view). */
export async function readQueueSnapshots(db: Kysely<DB>, operatorId: string, now: Date): Promise<QueueMessage[]> {
  const tenantIds = await crossTenant.tenantIdsUserMayActFor(db, { id: operatorId, kind: 'operator' });
  const snapshots: QueueMessage[] = [];
  for (const tenantId of tenantIds) {
    const snapshot = await withTenant(db, tenantId, async (tx) => {
      const audience = await audienceIn(tx, tenantId);
      return audience?.operatorIds.has(operatorId) ? queueSnapshot(tx, audience.slug, now) : null;
    });
    if (snapshot) snapshots.push(snapshot);
  }
  return snapshots;
}

type TenantEvent = Extract<BusEvent, { tenantId: string }>;

/** What one tenant's events of a batch read as, all from one transaction under that tenant. */
export interface TenantEvents {
  audience: Audience;
  /** The offer message for an `offer` event (its call re-read; withdrawn unless the offer is still live for that operator). */
  offer(event: Extract<BusEvent, { kind: 'offer' }>): OfferMessage | { withdrawn: string } | null;
  /** The operator's update for a `call` event, with the operator the call's row names. */
  call(event: Extract<BusEvent, { kind: 'call' }>): { operatorId: string | null; update: CallUpdateMessage } | null;
  /** Whether a `record` event's record exists in the tenant. */
  record(event: Extract<BusEvent, { kind: 'record' }>): boolean;
  /** The tenant's queues after the batch (null when not asked for). */
  queue: QueueMessage | null;
}

const recordTables = { order: 'orders', complaint: 'complaints', customer: 'customers', information_request: 'informationRequests' } as const;

/**
 * Every event of one tenant in a batch, re-read in one short transaction under that tenant: who may hear
 * of it, the calls, offers and records the events name (a statement per kind, not per event), and the
 * queue snapshot once. The payloads only say what to look at; what is pushed is what the rows say.
 */
export async function readTenantEvents(db: Kysely<DB>, tenantId: string, events: TenantEvent[], now: Date, needs: { queue: boolean }): Promise<TenantEvents | null> {
  const callIds = [...new Set(events.flatMap((e) => (e.kind === 'record' ? [] : [e.callId])))];
  const offered = events.some((e) => e.kind === 'offer');
  return withTenant(db, tenantId, async (tx) => {
    const rules = await loadRules(tx);
    const audience = await audienceIn(tx, tenantId, rules);
    if (!audience) return null;
    const calls = callIds.length
      ? await tx.selectFrom('calls').select(['id', 'function', 'callerNumber', 'status', 'operatorId', 'endedAt']).where('id', 'in', callIds).execute()
      : [];
    const callById = new Map(calls.map((c) => [c.id, c]));
    const offers = offered && calls.length
      ? await tx.selectFrom('callQueue').select(['callId', 'offeredTo', 'offerExpiresAt']).where('callId', 'in', calls.map((c) => c.id)).execute()
      : [];
    const offerByCall = new Map(offers.map((o) => [o.callId, o]));
    let wrapUpSeconds = 60;
    if (calls.some((c) => c.status === 'wrap_up' && c.endedAt)) {
      const settings = await tx.selectFrom('callSettings').select('wrapUpSeconds').executeTakeFirst();
      wrapUpSeconds = settings?.wrapUpSeconds ?? 60;
    }
    const records = new Set<string>();
    for (const [type, table] of Object.entries(recordTables) as [keyof typeof recordTables, (typeof recordTables)[keyof typeof recordTables]][]) {
      const ids = events.flatMap((e) => (e.kind === 'record' && e.recordType === type ? [e.recordId] : []));
      if (!ids.length) continue;
      for (const row of await tx.selectFrom(table).select('id').where('id', 'in', ids).execute()) records.add(`${type}/${row.id}`);
    }
    const queue = needs.queue && callIds.length ? await queueSnapshot(tx, audience.slug, now) : null;
    const banner = { tenant: audience.slug, tenantName: audience.name, brandColor: audience.brandColor };
    return {
      audience,
      queue,
      record: (event) => records.has(`${event.recordType}/${event.recordId}`),
      offer: (event) => {
        const call = callById.get(event.callId);
        if (!call) return null;
        const waiting = offerByCall.get(event.callId);
        const live = waiting?.offeredTo === event.operatorId && waiting.offerExpiresAt && new Date(waiting.offerExpiresAt) > now;
        if (!live) return { withdrawn: call.id };
        // Offers go to operators only: the number is masked as the tenant's rules show it to them.
        return {
          ...banner,
          callId: call.id,
          function: call.function,
          callerNumber: maskPhone(call.callerNumber, rules, 'operator'),
          expiresAt: iso(waiting.offerExpiresAt!),
        };
      },
      call: (event) => {
        const call = callById.get(event.callId);
        if (!call) return null;
        const wrapUpDeadline =
          call.status === 'wrap_up' && call.endedAt ? new Date(new Date(call.endedAt).getTime() + wrapUpSeconds * 1000).toISOString() : null;
        return { operatorId: call.operatorId, update: { ...banner, callId: call.id, status: call.status, wrapUpDeadline } };
      },
    };
  });
}

/** Presence is global (one person, one state): read as the app role, no tenant; every operator of a batch in one statement. */
export async function readPresences(db: Kysely<DB>, operatorIds: string[]): Promise<Map<string, PresenceMessage>> {
  if (!operatorIds.length) return new Map();
  const rows = await withApp(db, (tx) =>
    tx.selectFrom('operatorPresence').select(['operatorId', 'state', 'breakReason', 'since']).where('operatorId', 'in', operatorIds).execute(),
  );
  return new Map(rows.map((row) => [row.operatorId, { state: row.state, breakReason: row.breakReason, since: iso(row.since) }]));
}
