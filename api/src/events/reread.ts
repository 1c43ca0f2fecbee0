import type { Kysely } from 'kysely';
import { crossTenant, withApp, withTenant, type DB, type TenantTx } from '@switchboard/db';
import { addressAllowed } from '../rules/definition.ts';
import { loadRules } from '../rules/service.ts';
import { maskPhone } from '../rules/viewer.ts';
import { admittedOperatorIds } from '../routing/eligibility.ts';
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

async function audienceIn(tx: TenantTx, tenantId: string): Promise<Audience | null> {
  const tenant = await tx.selectFrom('tenants').select(['slug', 'name', 'brandColor']).where('id', '=', tenantId).executeTakeFirst();
  if (!tenant) return null;
  const operatorIds = await admittedOperatorIds(tx);
  const members = await tx.selectFrom('tenantMembers').select('userId').where('tenantId', '=', tenantId).execute();
  const rules = await tx.selectFrom('confidentialityRules').select('ipAllowList').executeTakeFirst();
  const memberIds = new Set(members.map((m) => m.userId));
  const allowList = rules?.ipAllowList ?? [];
  return {
    tenantId,
    ...tenant,
    operatorIds,
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

export async function readOfferEvent(
  db: Kysely<DB>,
  event: Extract<BusEvent, { kind: 'offer' }>,
  now: Date,
  needs: { queue: boolean },
): Promise<{ audience: Audience; offer: OfferMessage | { withdrawn: string }; queue: QueueMessage | null } | null> {
  return withTenant(db, event.tenantId, async (tx) => {
    const audience = await audienceIn(tx, event.tenantId);
    const call = await tx.selectFrom('calls').select(['id', 'function', 'callerNumber']).where('id', '=', event.callId).executeTakeFirst();
    if (!audience || !call) return null;
    const waiting = await tx
      .selectFrom('callQueue')
      .select(['offeredTo', 'offerExpiresAt'])
      .where('callId', '=', event.callId)
      .executeTakeFirst();
    const live = waiting?.offeredTo === event.operatorId && waiting.offerExpiresAt && new Date(waiting.offerExpiresAt) > now;
    // Offers go to operators only: the number is masked as the tenant's rules show it to them.
    const rules = await loadRules(tx);
    const offer: OfferMessage | { withdrawn: string } = live
      ? {
          tenant: audience.slug,
          tenantName: audience.name,
          brandColor: audience.brandColor,
          callId: call.id,
          function: call.function,
          callerNumber: maskPhone(call.callerNumber, rules, 'operator'),
          expiresAt: iso(waiting.offerExpiresAt!),
        }
      : { withdrawn: call.id };
    return { audience, offer, queue: needs.queue ? await queueSnapshot(tx, audience.slug, now) : null };
  });
}

export async function readCallEvent(
  db: Kysely<DB>,
  event: Extract<BusEvent, { kind: 'call' }>,
  now: Date,
  needs: { queue: boolean },
): Promise<{ audience: Audience; call: { operatorId: string | null; update: CallUpdateMessage }; queue: QueueMessage | null } | null> {
  return withTenant(db, event.tenantId, async (tx) => {
    const audience = await audienceIn(tx, event.tenantId);
    const call = await tx
      .selectFrom('calls')
      .select(['id', 'status', 'operatorId', 'endedAt'])
      .where('id', '=', event.callId)
      .executeTakeFirst();
    if (!audience || !call) return null;
    let wrapUpDeadline: string | null = null;
    if (call.status === 'wrap_up' && call.endedAt) {
      const settings = await tx.selectFrom('callSettings').select('wrapUpSeconds').executeTakeFirst();
      wrapUpDeadline = new Date(new Date(call.endedAt).getTime() + (settings?.wrapUpSeconds ?? 60) * 1000).toISOString();
    }
    return {
      audience,
      call: {
        operatorId: call.operatorId,
        update: {
          tenant: audience.slug,
          tenantName: audience.name,
          brandColor: audience.brandColor,
          callId: call.id,
          status: call.status,
          wrapUpDeadline,
        },
      },
      queue: needs.queue ? await queueSnapshot(tx, audience.slug, now) : null,
    };
  });
}

async function recordExists(tx: TenantTx, type: Extract<BusEvent, { kind: 'record' }>['recordType'], id: string): Promise<boolean> {
  const table = ({ order: 'orders', complaint: 'complaints', customer: 'customers', information_request: 'informationRequests' } as const)[type];
  const row = await tx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
  return !!row;
}

export async function readRecordEvent(db: Kysely<DB>, event: Extract<BusEvent, { kind: 'record' }>): Promise<{ audience: Audience } | null> {
  return withTenant(db, event.tenantId, async (tx) => {
    const audience = await audienceIn(tx, event.tenantId);
    if (!audience || !(await recordExists(tx, event.recordType, event.recordId))) return null;
    return { audience };
  });
}

/** Presence is global (one person, one state): read as the app role, no tenant. */
export async function readPresence(db: Kysely<DB>, operatorId: string): Promise<PresenceMessage | null> {
  const row = await withApp(db, (tx) =>
    tx.selectFrom('operatorPresence').select(['state', 'breakReason', 'since']).where('operatorId', '=', operatorId).executeTakeFirst(),
  );
  return row ? { state: row.state, breakReason: row.breakReason, since: iso(row.since) } : null;
}
