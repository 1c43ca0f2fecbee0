import type { Kysely } from 'kysely';
import { z } from '@hono/zod-openapi';
import type { DB, Unlisten, UserKind } from '@switchboard/db';
import { EVENTS_CHANNEL, type BusEvent } from './publish.ts';
import type { EventMessages, EventName } from './messages.ts';
import { readCallEvent, readOfferEvent, readPresence, readQueueSnapshots, readRecordEvent, type Audience } from './reread.ts';
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
  db: Kysely<DB>;
  /** `onRelisten`: the LISTEN is back after a lost connection (notifications in between were missed). */
  listen: (channel: string, onPayload: (payload: string) => void, onRelisten?: () => void) => Promise<Unlisten>;
  now: () => Date;
}

export interface HubOptions {
  /** Provider staff get at most one wallboard snapshot per this many ms. */
  wallboardIntervalMs?: number;
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
]);

const isStaff = (s: Subscriber) => s.kind === 'provider_admin' || s.kind === 'supervisor';
const isClient = (s: Subscriber) => s.kind === 'client_admin' || s.kind === 'client_member';

/**
 * The process's one listener on the event channel, fanning out to its SSE streams. Every event is
 * re-read under its tenant's context (withTenant) and sent only to those that tenant's rows say may
 * see it: operators assigned to the tenant, its own client users (inside its IP allow-list). Events
 * are handled one after another, each in a short transaction of its own; no stream holds one.
 */
export class EventHub {
  readonly #source: HubSource;
  readonly #subscribers = new Set<Subscriber>();
  readonly #wallboardIntervalMs: number;
  readonly heartbeatMs: number;
  readonly #onError: (error: unknown) => void;
  #listening: Promise<Unlisten> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  #wallboardTimer: NodeJS.Timeout | undefined;
  #wallboardLastAt = 0;
  #wallboardComputing = false;
  #wallboardDirty = false;

  constructor(source: HubSource, options: HubOptions = {}) {
    this.#source = source;
    this.#wallboardIntervalMs = options.wallboardIntervalMs ?? 1000;
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
    clearTimeout(this.#wallboardTimer);
    for (const subscriber of this.#subscribers) subscriber.close();
    this.#subscribers.clear();
    const listening = this.#listening;
    this.#listening = undefined;
    const unlisten = (async () => {
      if (listening) await (await listening)();
    })().catch(() => {});
    await settleWithin(Promise.all([unlisten, this.#chain]), graceMs, () => {});
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
    for (const message of await readQueueSnapshots(this.#source.db, subscriber.userId, this.#source.now())) {
      subscriber.send('queue', message);
    }
  }

  /** Resolves when every notification received so far has been handled (tests wait on this, never on time). */
  settled(): Promise<void> {
    return this.#chain;
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
    // One event's re-read stuck on a connection that died must not hold every later event: a deadline each.
    this.#chain = this.#chain.then(() => runWithTimeout('event hub: an event', eventTimeoutMs, () => this.#handle(event))).catch((error) => this.#onError(error));
  }

  async #handle(event: BusEvent): Promise<void> {
    if (this.#stopped || this.#subscribers.size === 0) return;
    const { db } = this.#source;
    const now = this.#source.now();
    const subscribers = [...this.#subscribers];
    const operators = subscribers.filter((s) => s.kind === 'operator');
    const clients = subscribers.filter(isClient);
    switch (event.kind) {
      case 'presence': {
        const mine = operators.filter((s) => s.userId === event.operatorId);
        if (mine.length) {
          const presence = await readPresence(db, event.operatorId);
          if (presence) for (const s of mine) s.send('presence', presence);
        }
        break;
      }
      case 'offer': {
        const addressed = operators.filter((s) => s.userId === event.operatorId);
        if (!addressed.length && !operators.length) break;
        const read = await readOfferEvent(db, event, now, { queue: operators.length > 0 });
        if (!read) break;
        // The payload names the operator; the tenant's own rows must agree it is assigned there.
        if (read.audience.operatorIds.has(event.operatorId)) for (const s of addressed) s.send('offer', read.offer);
        this.#sendQueue(operators, read.audience, read.queue);
        break;
      }
      case 'call': {
        if (!operators.length && !clients.length) break;
        const read = await readCallEvent(db, event, now, { queue: operators.length > 0 });
        if (!read) break;
        const { call, audience } = read;
        if (call.operatorId && audience.operatorIds.has(call.operatorId)) {
          for (const s of operators) if (s.userId === call.operatorId) s.send('call', call.update);
        }
        for (const s of clients) {
          if (audience.mayNotice(s.userId, s.address)) s.send('call', { tenant: audience.slug, type: 'call', id: event.callId });
        }
        this.#sendQueue(operators, audience, read.queue);
        break;
      }
      case 'record': {
        if (!clients.length) break;
        const read = await readRecordEvent(db, event);
        if (!read) break;
        for (const s of clients) {
          if (read.audience.mayNotice(s.userId, s.address)) {
            s.send('record', { tenant: read.audience.slug, type: event.recordType, id: event.recordId });
          }
        }
        break;
      }
    }
    if (event.kind !== 'record') this.#wallboardChanged();
  }

  #sendQueue(operators: Subscriber[], audience: Audience, queue: EventMessages['queue'] | null): void {
    if (!queue) return;
    for (const s of operators) if (audience.operatorIds.has(s.userId)) s.send('queue', queue);
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
        const board = await computeWallboard(this.#source.db, this.#source.now());
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
