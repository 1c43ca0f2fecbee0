import type { Kysely } from 'kysely';
import { z } from '@hono/zod-openapi';
import type { DB, Unlisten, UserKind } from '@switchboard/db';
import { EVENTS_CHANNEL, type BusEvent } from './publish.ts';
import type { EventMessages, EventName, PresenceMessage } from './messages.ts';
import { readPresences, readQueueSnapshots, readQueueUpdate, readTenantEvents, type TenantEvents } from './reread.ts';
import { computeWallboard } from '../wallboard/compute.ts';
import { runWithTimeout, settleWithin } from '../periodic.ts';

/** Longest one event's re-read may take before the hub moves on to the next. */
const eventTimeoutMs = 5_000;

/** One open `GET /api/events` stream. `send` must not block: the stream queues what it is given. */
export interface Subscriber {
  userId: string;
  kind: UserKind;
  /** The client's address, for the tenant's IP allow-list (client users). */
  address: string;
  send<E extends EventName>(event: E, data: EventMessages[E]): void;
  /** Ends the stream (the hub is stopping). */
  close(): void;
}

export interface HubSource {
  /** Where events are re-read (on PostgreSQL a small pool of the hub's own, so requests cannot make offers wait for a connection). */
  db: Kysely<DB>;
  /** Where a new stream's greeting and the wallboard are read (the requests' pool; default: db): a burst of desks connecting does not hold the events' connections. */
  requestDb?: Kysely<DB>;
  /** `onRelisten`: the LISTEN is back after a lost connection (notifications in between were missed). */
  listen: (channel: string, onPayload: (payload: string) => void, onRelisten?: () => void) => Promise<Unlisten>;
  now: () => Date;
}

export interface HubOptions {
  /** Provider staff get at most one wallboard snapshot per this many ms. */
  wallboardIntervalMs?: number;
  /** Operators get at most one queue snapshot of a tenant per this many ms (250). */
  queueIntervalMs?: number;
  /**
   * How long the first notification of a batch waits for others; 0 (the default): none, a batch is what
   * arrived together and while the previous one was handled. A timer under load fired tens, at times
   * hundreds, of ms late (pnpm bench:routing), which was most of an offer's way to the desk.
   */
  batchWindowMs?: number;
  /** How often each stream sends a comment line and re-checks its session (15 s). */
  heartbeatMs?: number;
  onError?: (error: unknown) => void;
}

const uuid = z.uuid();
// Payloads are not covered by row-level security and anyone with a connection may NOTIFY: parse, then re-read.
const BusEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('call'), tenantId: uuid, callId: uuid }),
  z.object({ kind: z.literal('offer'), tenantId: uuid, callId: uuid, operatorId: uuid }),
  z.object({ kind: z.literal('presence'), operatorId: uuid }),
  z.object({
    kind: z.literal('record'),
    tenantId: uuid,
    recordType: z.enum(['order', 'complaint', 'customer', 'information_request']),
    recordId: uuid,
  }),
  z.object({ kind: z.literal('lead'), tenantId: uuid, leadId: uuid }),
]);

type TenantEvent = Extract<BusEvent, { tenantId: string }>;

const isStaff = (s: Subscriber) => s.kind === 'provider_admin' || s.kind === 'supervisor';
const isClient = (s: Subscriber) => s.kind === 'client_admin' || s.kind === 'client_member';

/**
 * The process's one listener on the event channel, fanning out to its SSE streams. Every event is
 * re-read under its tenant's context (withTenant) and sent only to those that tenant's rows say may
 * see it: operators assigned to the tenant, its own client users (inside its IP allow-list). Events
 * are handled in batches, one after another: one short transaction per tenant per batch, whatever the
 * number of events and streams; no stream holds one.
 */
export class EventHub {
  readonly #source: HubSource;
  readonly #subscribers = new Set<Subscriber>();
  readonly #wallboardIntervalMs: number;
  readonly heartbeatMs: number;
  readonly #onError: (error: unknown) => void;
  #listening: Promise<Unlisten> | undefined;
  #chain: Promise<void> = Promise.resolve();
  readonly #batchWindowMs: number;
  #pending: BusEvent[] = [];
  #batchQueued = false;
  #stopped = false;
  #wallboardTimer: NodeJS.Timeout | undefined;
  #wallboardLastAt = 0;
  #wallboardComputing = false;
  #wallboardDirty = false;
  /** Tenants whose queue snapshot is due, and the loop reading them (one at a time). */
  readonly #queueDirty = new Set<string>();
  #queueLoop: Promise<void> | undefined;
  readonly #queueIntervalMs: number;
  /** When each tenant's last snapshot was read (performance.now(): a clock that never steps back); entries older than the interval are dropped. */
  readonly #queueReadAt = new Map<string, number>();
  /** Ends the loop's wait early: a tenant marked meanwhile may be due at once. */
  #queueWake: (() => void) | undefined;

  constructor(source: HubSource, options: HubOptions = {}) {
    this.#source = source;
    this.#wallboardIntervalMs = options.wallboardIntervalMs ?? 1000;
    this.#queueIntervalMs = options.queueIntervalMs ?? 250;
    this.#batchWindowMs = options.batchWindowMs ?? 0;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#onError = options.onError ?? ((error) => console.error('event hub:', error));
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * LISTENs (once per hub); resolves when notifications will be heard. A failed LISTEN is forgotten, so
   * the next stream to subscribe tries again (the database may be back).
   */
  start(): Promise<void> {
    if (!this.#listening) {
      const listening = this.#source.listen(EVENTS_CHANNEL, (payload) => this.#receive(payload), () => this.resync());
      this.#listening = listening;
      listening.catch(() => {
        if (this.#listening === listening) this.#listening = undefined;
      });
    }
    return this.#listening.then(() => undefined);
  }

  /**
   * The LISTEN came back after its connection was lost (the database restarted): whatever changed in
   * between was never heard. Every stream gets `ready` again — the web's useEvents takes a `ready` after
   * the first as "refetch what the page shows" — then what the hub pushes on its own: operators their
   * queues, provider staff a wallboard.
   */
  resync(): void {
    this.#chain = this.#chain
      .then(async () => {
        if (this.#stopped) return;
        for (const s of [...this.#subscribers]) {
          s.send('ready', { kind: s.kind, heartbeatSeconds: this.heartbeatMs / 1000 });
          await runWithTimeout('event hub: a resync', eventTimeoutMs, () => this.greet(s)).catch((error: unknown) => this.#onError(error));
        }
        this.#wallboardChanged();
      })
      .catch((error) => this.#onError(error));
  }

  /** Closes every stream and the LISTEN, waiting at most `graceMs` for what is being handled. */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopped = true;
    this.#queueWake?.();
    clearTimeout(this.#wallboardTimer);
    for (const subscriber of this.#subscribers) subscriber.close();
    this.#subscribers.clear();
    const listening = this.#listening;
    this.#listening = undefined;
    const unlisten = (async () => {
      if (listening) await (await listening)();
    })().catch(() => {});
    await settleWithin(Promise.all([unlisten, this.#chain, this.#queueLoop]), graceMs, () => {});
  }

  /** Adds a stream once the hub is listening; the returned function removes it. */
  async subscribe(subscriber: Subscriber): Promise<() => void> {
    if (this.#stopped) throw new Error('The event hub is stopped.');
    this.#subscribers.add(subscriber);
    try {
      await this.start();
    } catch (error) {
      this.#subscribers.delete(subscriber);
      throw error;
    }
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  /** What a new operator's desk needs before anything changes: the queues of its tenants. */
  async greet(subscriber: Subscriber): Promise<void> {
    if (subscriber.kind !== 'operator') return;
    for (const message of await readQueueSnapshots(this.#source.requestDb ?? this.#source.db, subscriber.userId, this.#source.now())) {
      subscriber.send('queue', message);
    }
  }

  /**
   * Resolves when every notification received so far has been handled, queue snapshots included (tests
   * wait on this, never on time).
   */
  async settled(): Promise<void> {
    for (;;) {
      const chain = this.#chain;
      await chain;
      await this.#queueLoop;
      if (chain === this.#chain && !this.#queueLoop) return;
    }
  }

  #receive(payload: string): void {
    let event: BusEvent;
    try {
      const parsed = BusEventSchema.safeParse(JSON.parse(payload));
      if (!parsed.success) return;
      event = parsed.data;
    } catch {
      return;
    }
    // Notifications arriving together (one commit sends several; a busy pass many, read from the socket
    // at once) are handled as one batch, and any arriving while a batch is handled form the next.
    this.#pending.push(event);
    if (this.#batchQueued) return;
    this.#batchQueued = true;
    this.#chain = this.#chain
      .then(() => (this.#batchWindowMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, this.#batchWindowMs)) : undefined))
      .then(() => {
        this.#batchQueued = false;
        const batch = this.#pending.splice(0);
        // A re-read stuck on a connection that died must not hold every later event: a deadline per batch.
        return runWithTimeout('event hub: a batch of events', eventTimeoutMs, () => this.#handle(batch));
      })
      .catch((error) => this.#onError(error));
  }

  /**
   * One batch of events: one re-read per tenant (one statement under withTenant, whatever the number of
   * its events and listeners) and one for the presences, side by side; each tenant's messages are sent,
   * in the order its events were published, as soon as its read is back: an offer never waits for
   * another tenant's read or for a queue snapshot. The tenants whose queues may have changed are marked
   * for a snapshot, read apart (#queueChanged).
   */
  async #handle(events: BusEvent[]): Promise<void> {
    if (this.#stopped || this.#subscribers.size === 0 || !events.length) return;
    const { db } = this.#source;
    const now = this.#source.now();
    const subscribers = [...this.#subscribers];
    const operators = subscribers.filter((s) => s.kind === 'operator');
    const clients = subscribers.filter(isClient);
    const operatorIds = new Set(operators.map((s) => s.userId));
    const listeners = { operatorIds: [...operatorIds], clientIds: [...new Set(clients.map((s) => s.userId))] };

    // Which events someone here could hear of, per tenant; an event nobody could hear is not read.
    const byTenant = new Map<string, TenantEvent[]>();
    const presenceIds = new Set<string>();
    for (const event of events) {
      if (event.kind === 'presence') {
        if (operatorIds.has(event.operatorId)) presenceIds.add(event.operatorId);
        continue;
      }
      const heard = event.kind === 'record' || event.kind === 'lead' ? clients.length > 0 : operators.length > 0 || (event.kind === 'call' && clients.length > 0);
      if (heard) byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
    }
    const presences = [...presenceIds];
    // The presences ride on one tenant's read (readTenantEvents): a batch of a desk request (its call and
    // its operator's presence) is one transaction. Only a batch of presences alone reads them apart.
    const carrier = presences.length ? byTenant.keys().next().value : undefined;
    const sendPresences = (read: Map<string, PresenceMessage>) => {
      for (const event of events) {
        if (event.kind !== 'presence') continue;
        const presence = read.get(event.operatorId);
        if (presence) for (const s of operators) if (s.userId === event.operatorId) s.send('presence', presence);
      }
    };
    await Promise.all([
      // The tenants' re-reads run side by side (each its own transaction on its own connection; PGlite takes them in turn).
      ...[...byTenant].map(async ([tenantId, tenantEvents]) => {
        const presenceIds = tenantId === carrier ? presences : [];
        // One tenant's re-read failing loses that tenant's events of the batch, not every tenant's.
        const read = await readTenantEvents(db, tenantId, tenantEvents, now, listeners, presenceIds).catch((error: unknown) => {
          this.#onError(error);
          return null;
        });
        if (read) this.#sendTenant(read, tenantEvents, operators, clients);
        // The carrier's read failed or found no tenant: the presences are read apart, not lost.
        if (presenceIds.length) sendPresences(read ? read.presences : await readPresences(db, presences));
      }),
      carrier === undefined && presences.length ? readPresences(db, presences).then(sendPresences) : undefined,
    ]);
    if (events.some((e) => e.kind !== 'record' && e.kind !== 'lead')) this.#wallboardChanged();
  }

  /** One tenant's messages of a batch, in the order its events were published; then its queues are due for a snapshot. */
  #sendTenant(read: TenantEvents, events: TenantEvent[], operators: Subscriber[], clients: Subscriber[]): void {
    const { audience } = read;
    let queueMayHaveChanged = false;
    for (const event of events) {
      switch (event.kind) {
        case 'offer': {
          queueMayHaveChanged = true;
          const offer = read.offer(event);
          // The payload names the operator; the tenant's own rows must agree it is assigned there.
          if (offer && audience.operatorIds.has(event.operatorId)) for (const s of operators) if (s.userId === event.operatorId) s.send('offer', offer);
          break;
        }
        case 'call': {
          queueMayHaveChanged = true;
          const call = read.call(event);
          if (!call) break;
          if (call.operatorId && audience.operatorIds.has(call.operatorId)) {
            for (const s of operators) if (s.userId === call.operatorId) s.send('call', call.update);
          }
          for (const s of clients) {
            if (audience.mayNotice(s.userId, s.address)) s.send('call', { tenant: audience.slug, type: 'call', id: event.callId });
          }
          break;
        }
        case 'record': {
          if (read.record(event)) {
            for (const s of clients) {
              if (audience.mayNotice(s.userId, s.address)) s.send('record', { tenant: audience.slug, type: event.recordType, id: event.recordId });
            }
          }
          break;
        }
        case 'lead': {
          // Each client user gets the lead masked as the rules show it to them (a client admin and a member may differ).
          for (const s of clients) {
            if (!audience.mayNotice(s.userId, s.address)) continue;
            const lead = read.lead(event, s.kind);
            if (lead) s.send('lead', { tenant: audience.slug, lead });
          }
          break;
        }
      }
    }
    if (queueMayHaveChanged && operators.length) this.#queueChanged(audience.tenantId);
  }

  /**
   * A tenant's queues may have changed: its operators here get a snapshot, read after the change (so at
   * least as new as the events just sent). Snapshots are coalesced, throttled and kept off the events'
   * path: one snapshot read at a time, in its own loop, at most one per tenant per queueIntervalMs (a
   * busy tenant's changes in between are all in its next snapshot); a tenant marked again while the
   * loop runs is read again.
   */
  #queueChanged(tenantId: string): void {
    this.#queueDirty.add(tenantId);
    if ((this.#queueReadAt.get(tenantId) ?? -Infinity) + this.#queueIntervalMs <= performance.now()) this.#queueWake?.();
    this.#queueLoop ??= this.#runQueueLoop().finally(() => {
      this.#queueLoop = undefined;
      // Marked between the loop's last look and its end: another round.
      if (this.#queueDirty.size && !this.#stopped) this.#queueChanged([...this.#queueDirty][0]!);
    });
  }

  async #runQueueLoop(): Promise<void> {
    while (this.#queueDirty.size && !this.#stopped) {
      // The tenant whose snapshot is due first (marked tenants not read within the interval are due now).
      let tenantId = '';
      let dueAt = Infinity;
      for (const id of this.#queueDirty) {
        const at = (this.#queueReadAt.get(id) ?? -Infinity) + this.#queueIntervalMs;
        if (at < dueAt) [tenantId, dueAt] = [id, at];
        if (at <= 0) break;
      }
      const wait = Math.min(dueAt - performance.now(), this.#queueIntervalMs);
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#queueWake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#queueWake = undefined;
        continue;
      }
      this.#queueDirty.delete(tenantId);
      this.#queueReadAt.set(tenantId, performance.now());
      const operators = [...this.#subscribers].filter((s) => s.kind === 'operator');
      if (!operators.length) continue;
      try {
        const read = await runWithTimeout('event hub: a queue snapshot', eventTimeoutMs, () =>
          readQueueUpdate(this.#source.db, tenantId, [...new Set(operators.map((s) => s.userId))], this.#source.now()),
        );
        if (read) for (const s of operators) if (read.operatorIds.has(s.userId)) s.send('queue', read.queue);
      } catch (error) {
        this.#onError(error);
        // Not lost: the tenant is due again after the interval (the desks would otherwise keep the old
        // counts until the tenant's next change).
        if (!this.#stopped) this.#queueDirty.add(tenantId);
      }
    }
    const stale = performance.now() - this.#queueIntervalMs;
    for (const [id, at] of this.#queueReadAt) if (at <= stale) this.#queueReadAt.delete(id);
  }

  /** Coalesces changes into at most one snapshot per interval for provider staff. */
  #wallboardChanged(): void {
    if (this.#stopped || ![...this.#subscribers].some(isStaff)) return;
    if (this.#wallboardComputing) {
      this.#wallboardDirty = true;
      return;
    }
    if (this.#wallboardTimer) return;
    const wait = Math.max(0, this.#wallboardLastAt + this.#wallboardIntervalMs - Date.now());
    this.#wallboardTimer = setTimeout(() => void this.#sendWallboard(), wait);
    this.#wallboardTimer.unref?.();
  }

  async #sendWallboard(): Promise<void> {
    this.#wallboardTimer = undefined;
    this.#wallboardLastAt = Date.now();
    this.#wallboardComputing = true;
    try {
      const staff = [...this.#subscribers].filter(isStaff);
      if (staff.length) {
        const board = await computeWallboard(this.#source.requestDb ?? this.#source.db, this.#source.now());
        for (const s of this.#subscribers) if (isStaff(s)) s.send('wallboard', board);
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#wallboardComputing = false;
      if (this.#wallboardDirty) {
        this.#wallboardDirty = false;
        this.#wallboardChanged();
      }
    }
  }
}
