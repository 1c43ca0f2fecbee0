import type { Kysely } from 'kysely';
import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { newId, withApp, type DB, type Unlisten, type UserKind } from '@switchboard/db';
import { EVENTS_CHANNEL, recordTypes, type BusEvent } from './publish.ts';
import type { EventMessages, EventName, PresenceMessage } from './messages.ts';
import { readPresences, readQueueSnapshots, readQueueUpdate, readTenantEvents, type TenantEvents } from './reread.ts';
import { computeWallboard } from '../wallboard/compute.ts';
import { runWithTimeout, settleWithin } from '../periodic.ts';

/** Longest one event's re-read may take before the hub moves on to the next. */
const eventTimeoutMs = 5_000;
/** Tenants whose events may wait for a read at once; beyond, an event of yet another tenant is dropped (and said). */
const maxPendingTenants = 10_000;

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
  /**
   * Tenants' reads running at once (4: about the hub's pool). The others wait their turn, oldest first: a
   * flood of notifications naming many tenants (anyone with a connection may NOTIFY) cannot take every
   * connection and starve the offers.
   */
  maxReads?: number;
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
    recordType: z.enum(recordTypes),
    recordId: uuid,
  }),
  z.object({ kind: z.literal('lead'), tenantId: uuid, leadId: uuid }),
  z.object({ kind: z.literal('campaign'), tenantId: uuid, campaignId: uuid }),
]);

type TenantEvent = Extract<BusEvent, { tenantId: string }>;

const isStaff = (s: Subscriber) => s.kind === 'provider_admin' || s.kind === 'supervisor';
const isClient = (s: Subscriber) => s.kind === 'client_admin' || s.kind === 'client_member';

/**
 * The process's one listener on the event channel, fanning out to its SSE streams. Every event is
 * re-read under its tenant's context (withTenant) and sent only to those that tenant's rows say may
 * see it: operators assigned to the tenant, its own client users (inside its IP allow-list). Each
 * tenant's events are read in batches, one read at a time per tenant (so they go out in the order they
 * were published): one short transaction per tenant per batch, whatever the number of events and
 * streams; no stream holds one. Tenants do not wait on each other: a tenant's new events are read as
 * soon as its own previous read is done, not when every tenant's is.
 */
export class EventHub {
  readonly #source: HubSource;
  readonly #subscribers = new Set<Subscriber>();
  readonly #wallboardIntervalMs: number;
  readonly heartbeatMs: number;
  readonly #onError: (error: unknown) => void;
  #listening: Promise<Unlisten> | undefined;
  /** Resyncs, one after another. */
  #chain: Promise<void> = Promise.resolve();
  readonly #batchWindowMs: number;
  /** Events received and not yet being read, per tenant, in the order they were published. */
  readonly #pending = new Map<string, TenantEvent[]>();
  /** Operators whose presence changed, not yet being read. */
  readonly #pendingPresences = new Set<string>();
  /** Tenants whose read is running: at most one each, so a tenant's messages keep their order. */
  readonly #reading = new Set<string>();
  /** A presence read is running (on a tenant's read or apart): one at a time, so an older state never overtakes a newer one. */
  #readingPresences = false;
  /** Every read running (settled() and stop() wait on them). */
  readonly #running = new Set<Promise<void>>();
  #flushQueued = false;
  readonly #maxReads: number;
  #droppedSaidAt = -Infinity;
  /** caughtUp() calls waiting for their own notification to come back. */
  readonly #caughtUp = new Map<string, () => void>();
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
  /** Per greeting being read, the tenants whose snapshot the queue loop began reading since. */
  readonly #greetings = new Set<Set<string>>();
  /** Ends the loop's wait early: a tenant marked meanwhile may be due at once. */
  #queueWake: (() => void) | undefined;

  constructor(source: HubSource, options: HubOptions = {}) {
    this.#source = source;
    this.#wallboardIntervalMs = options.wallboardIntervalMs ?? 1000;
    this.#queueIntervalMs = options.queueIntervalMs ?? 250;
    this.#batchWindowMs = options.batchWindowMs ?? 0;
    this.#maxReads = options.maxReads ?? 4;
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
    await settleWithin(Promise.all([unlisten, this.#chain, ...this.#running, this.#queueLoop]), graceMs, () => {});
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

  /**
   * What a new operator's desk needs before anything changes: the queues of its tenants. A tenant whose
   * snapshot the queue loop began reading after this read began is left out: that snapshot is newer and
   * reaches this stream too (subscribed before the greeting), so the greeting must not overwrite it.
   */
  async greet(subscriber: Subscriber): Promise<void> {
    if (subscriber.kind !== 'operator') return;
    const newer = new Set<string>();
    this.#greetings.add(newer);
    try {
      for (const message of await readQueueSnapshots(this.#source.requestDb ?? this.#source.db, subscriber.userId, this.#source.now())) {
        if (!newer.has(message.tenantId)) subscriber.send('queue', message.queue);
      }
    } finally {
      this.#greetings.delete(newer);
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
      await Promise.all(this.#running);
      await this.#queueLoop;
      if (this.#flushQueued) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, this.#batchWindowMs)));
        continue;
      }
      if (chain === this.#chain && !this.#running.size && !this.#queueLoop) return;
    }
  }

  /**
   * Resolves once every notification committed before the call has been received and handled, whatever
   * its tenant (tests prove "B's event was never sent here" by sending a marker after this). Tenants'
   * events are handled side by side, so arrival order alone no longer says that; a notification of the
   * hub's own does: PostgreSQL delivers a listener's notifications in commit order. Any other hub ignores
   * it (not a bus event).
   */
  async caughtUp(): Promise<void> {
    await this.start();
    const nonce = newId();
    const back = new Promise<void>((resolve) => this.#caughtUp.set(nonce, resolve));
    await withApp(this.#source.db, (tx) => sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ caughtUp: nonce })})`.execute(tx));
    await back;
    await this.settled();
  }

  #receive(payload: string): void {
    let event: BusEvent;
    try {
      const json: unknown = JSON.parse(payload);
      if (this.#caughtUp.size && typeof json === 'object' && json && 'caughtUp' in json) {
        const nonce = String(json.caughtUp);
        this.#caughtUp.get(nonce)?.();
        this.#caughtUp.delete(nonce);
        return;
      }
      const parsed = BusEventSchema.safeParse(json);
      if (!parsed.success) return;
      event = parsed.data;
    } catch {
      return;
    }
    // Notifications arriving together (one commit sends several; a busy pass many, read from the socket
    // at once) are read together; those arriving while their tenant's read runs, right after it.
    if (event.kind === 'presence') this.#pendingPresences.add(event.operatorId);
    else {
      const events = this.#pending.get(event.tenantId);
      if (events) events.push(event);
      else if (this.#pending.size < maxPendingTenants) this.#pending.set(event.tenantId, [event]);
      else {
        // Said once a minute at most: a flood must not flood the log too.
        if (performance.now() - this.#droppedSaidAt > 60_000) {
          this.#droppedSaidAt = performance.now();
          this.#onError(new Error(`event hub: ${maxPendingTenants} tenants already wait for a read; events of others are dropped`));
        }
        return;
      }
    }
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    if (this.#batchWindowMs > 0) setTimeout(() => this.#flush(), this.#batchWindowMs);
    else queueMicrotask(() => this.#flush());
  }

  /**
   * Starts a read for every tenant with events waiting and no read running: one statement under
   * withTenant, whatever the number of its events and listeners. The presences waiting ride on the first
   * of those reads (a desk request's call and its operator's presence: one transaction), or are read
   * apart when no tenant read starts. Events nobody here could hear of are not read.
   */
  #flush(): void {
    this.#flushQueued = false;
    if (this.#stopped || this.#subscribers.size === 0) {
      this.#pending.clear();
      this.#pendingPresences.clear();
      return;
    }
    // Provider staff see every change on the wallboard (coalesced, read apart), heard by a desk here or not.
    let changed = this.#pendingPresences.size > 0;
    const subscribers = [...this.#subscribers];
    const operators = subscribers.filter((s) => s.kind === 'operator');
    const clients = subscribers.filter(isClient);
    const staff = subscribers.filter(isStaff);
    const operatorIds = new Set(operators.map((s) => s.userId));
    const listeners = { operatorIds: [...operatorIds], clientIds: [...new Set(clients.map((s) => s.userId))] };
    for (const id of this.#pendingPresences) if (!operatorIds.has(id)) this.#pendingPresences.delete(id);
    let carry = !this.#readingPresences && this.#pendingPresences.size > 0;
    for (const [tenantId, events] of this.#pending) {
      if (this.#reading.size >= this.#maxReads) break;
      if (this.#reading.has(tenantId)) continue;
      this.#pending.delete(tenantId);
      changed ||= events.some((e) => e.kind !== 'record' && e.kind !== 'lead' && e.kind !== 'campaign');
      const heard = events.filter((e) =>
        e.kind === 'campaign'
          ? clients.length > 0 || staff.length > 0
          : e.kind === 'record' || e.kind === 'lead'
            ? clients.length > 0
            : operators.length > 0 || (e.kind === 'call' && clients.length > 0),
      );
      if (!heard.length) continue;
      const presenceIds = carry ? this.#takePresences() : [];
      carry = false;
      this.#track(this.#readTenant(tenantId, heard, presenceIds, { operators, clients, staff, listeners }));
    }
    if (carry) {
      const presenceIds = this.#takePresences();
      this.#track(this.#readPresencesApart(presenceIds, operators));
    }
    if (changed) this.#wallboardChanged();
  }

  #takePresences(): string[] {
    const ids = [...this.#pendingPresences];
    this.#pendingPresences.clear();
    this.#readingPresences = true;
    return ids;
  }

  #track(read: Promise<void>): void {
    this.#running.add(read);
    // The reads catch their own errors; one that escapes (a subscriber's send throwing) is reported, never an unhandled rejection.
    void read.catch((error: unknown) => this.#onError(error)).finally(() => this.#running.delete(read));
  }

  /**
   * One tenant's batch: its messages are sent, in the order its events were published, as soon as its
   * read is back (an offer never waits for another tenant's read or for a queue snapshot); the presences
   * riding on it after them. A read past its deadline (a connection that died) sends nothing, so a later
   * read of the tenant is never overtaken by it. Then whatever arrived meanwhile is read.
   */
  async #readTenant(
    tenantId: string,
    events: TenantEvent[],
    presenceIds: string[],
    to: { operators: Subscriber[]; clients: Subscriber[]; staff: Subscriber[]; listeners: { operatorIds: string[]; clientIds: string[] } },
  ): Promise<void> {
    const { db } = this.#source;
    this.#reading.add(tenantId);
    try {
      const read = await runWithTimeout("event hub: a tenant's events", eventTimeoutMs, (deadline) =>
        readTenantEvents(db, tenantId, events, this.#source.now(), to.listeners, presenceIds, (read) => {
          if (read && !deadline.aborted && !this.#stopped) {
            this.#sendTenant(read, events, to.operators, to.clients, to.staff);
            this.#sendPresences(read.presences, to.operators);
          }
          return read;
        }),
      ).catch((error: unknown) => {
        // One tenant's read failing loses that tenant's events of the batch, not every tenant's.
        this.#onError(error);
        return null;
      });
      // The read failed or found no tenant: the presences riding on it are read apart, not lost.
      if (!read && presenceIds.length) {
        const presences = await runWithTimeout('event hub: presences', eventTimeoutMs, () => readPresences(db, presenceIds)).catch((error: unknown) => {
          this.#onError(error);
          return null;
        });
        if (presences && !this.#stopped) this.#sendPresences(presences, to.operators);
      }
    } finally {
      this.#reading.delete(tenantId);
      if (presenceIds.length) this.#readingPresences = false;
      if (this.#pending.size || (this.#pendingPresences.size && !this.#readingPresences)) this.#flush();
    }
  }

  /** Presences with no tenant read to ride on (or whose carrier failed): one statement for all of them. */
  async #readPresencesApart(presenceIds: string[], operators: Subscriber[]): Promise<void> {
    try {
      const read = await runWithTimeout('event hub: presences', eventTimeoutMs, () => readPresences(this.#source.db, presenceIds));
      if (!this.#stopped) this.#sendPresences(read, operators);
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#readingPresences = false;
      if (this.#pendingPresences.size) this.#flush();
    }
  }

  #sendPresences(read: Map<string, PresenceMessage>, operators: Subscriber[]): void {
    for (const [operatorId, presence] of read) for (const s of operators) if (s.userId === operatorId) s.send('presence', presence);
  }

  /** One tenant's messages of a batch, in the order its events were published; then its queues are due for a snapshot. */
  #sendTenant(read: TenantEvents, events: TenantEvent[], operators: Subscriber[], clients: Subscriber[], staff: Subscriber[]): void {
    const { audience } = read;
    let queueMayHaveChanged = false;
    // A busy dialer names one campaign many times in a batch: each board hears of it once per batch.
    const campaignsSent = new Set<string>();
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
        case 'campaign': {
          // The tenant's client users and the provider's staff watch boards; operators are not told of a campaign's figures.
          if (campaignsSent.has(event.campaignId) || !read.campaign(event)) break;
          campaignsSent.add(event.campaignId);
          const message = { tenant: audience.slug, campaignId: event.campaignId };
          for (const s of clients) if (audience.mayNotice(s.userId, s.address)) s.send('campaign', message);
          for (const s of staff) s.send('campaign', message);
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
      for (const newer of this.#greetings) newer.add(tenantId);
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
