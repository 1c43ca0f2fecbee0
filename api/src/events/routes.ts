import { createRoute, z } from '@hono/zod-openapi';
import { getCookie } from 'hono/cookie';
import { createRouter } from '../http/router.ts';
import { ProblemError, problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { clientAddress } from '../http/client-address.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import type { Deps } from '../http/env.ts';
import type { EventHub, Subscriber } from './hub.ts';
import { SessionSweep, type SweptStream } from './session-sweep.ts';
import type { EventMessages, EventName } from './messages.ts';
import type { UserKind } from '@switchboard/db';

/** A stream this far behind is a client that stopped reading: drop it rather than queue without end. */
const MAX_PENDING_MESSAGES = 500;

/**
 * The hub hands the same message object to every stream it is for (a queue change reaches every
 * operator of the tenant): its Server-Sent Events frame is built and encoded once, and the same bytes
 * are written to every stream, instead of a JSON text and an encoding per stream (500 desks: 500 of each).
 */
const frames = new WeakMap<object, { event: string; bytes: Uint8Array }>();
const encoder = new TextEncoder();
function frameOf(event: EventName, data: object): Uint8Array {
  const cached = frames.get(data);
  if (cached?.event === event) return cached.bytes;
  // JSON.stringify never writes a line break (it escapes them), so the data is one `data:` line.
  const bytes = encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  frames.set(data, { event, bytes });
  return bytes;
}
const HEARTBEAT = encoder.encode(': heartbeat\n\n');

const stream = createRoute({
  method: 'get',
  path: '/events',
  tags: ['events'],
  summary: 'Live events as Server-Sent Events, filtered by who listens',
  description: [
    'Any signed-in user. First `ready`; then, per kind of user:',
    '**operators** — `offer` (addressed to them: the `/api/desk/state` offer shape, or `{withdrawn: callId}`), `presence` (their own),',
    '`queue` (per tenant they are assigned to: waiting calls per function; a function not listed has none), `call` (calls they are on);',
    '**provider admins and supervisors** — `wallboard` (the `GET /api/wallboard` body, at most once a second), `campaign` (`{tenant, campaignId}`: a running campaign\'s figures changed);',
    '**client users** — `call` and `record` (`{tenant, type, id}`) for their own tenant: refetch on them; `lead` (`{tenant, lead}`: the lead as the Leads list shows it to them, sensitive fields masked) when a lead is created or changes; `campaign` (`{tenant, campaignId}`, once per campaign per batch) when an outbound campaign\'s figures change: refetch its board.',
    'A comment line every 15 s keeps proxies from closing the stream; it ends when the session does.',
  ].join(' '),
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...problemResponses(401, 503),
  },
});

/** Per hub (one per process): the one timer writing its streams' heartbeats and checking their sessions. */
const sweeps = new WeakMap<EventHub, SessionSweep>();
function sweepOf(hub: EventHub, deps: Pick<Deps, 'db' | 'config' | 'now'>): SessionSweep {
  let sweep = sweeps.get(hub);
  if (!sweep) {
    sweep = new SessionSweep({ db: deps.db, config: deps.config, now: deps.now }, { intervalMs: hub.heartbeatMs });
    sweeps.set(hub, sweep);
  }
  return sweep;
}

/**
 * One open stream: the hub's subscriber and the sweep's stream in one object whose frames queue in one
 * ReadableStream, the response body. Hono's streamSSE would add a TransformStream, its writer and
 * reader, a second ReadableStream, a promise per write and the handler's closures kept for the stream's
 * life; and a timer per stream. With 500 desks open, that is what the process holds.
 */
class EventStream implements Subscriber, SweptStream {
  readonly body: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #ended = false;
  readonly #onEnd: (() => void)[] = [];

  constructor(
    readonly userId: string,
    readonly kind: UserKind,
    readonly address: string,
    readonly token: string,
  ) {
    // A frame is one chunk; desiredSize is 1 − the frames the client has not read yet.
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        // The client went away (closed tab, dropped connection).
        cancel: () => {
          this.#finish();
        },
      },
      { highWaterMark: 1 },
    );
  }

  send<E extends EventName>(event: E, data: EventMessages[E]): void {
    this.#write(frameOf(event, data));
  }

  heartbeat(): void {
    this.#write(HEARTBEAT);
  }

  /** The hub is stopping, or the session ended: what was queued is sent, then the stream ends. */
  close(): void {
    this.end();
  }

  end(): void {
    if (this.#finish()) this.#controller.close();
  }

  /** Runs `leave` when the stream ends (at once if it has). */
  onEnd(leave: () => void): void {
    if (this.#ended) leave();
    else this.#onEnd.push(leave);
  }

  #write(frame: Uint8Array): void {
    if (this.#ended) return;
    // Writes never wait for the client; one that stopped reading is dropped, its queue with it.
    if ((this.#controller.desiredSize ?? 0) < -MAX_PENDING_MESSAGES) {
      if (this.#finish()) this.#controller.error(new Error('The client stopped reading its event stream.'));
      return;
    }
    this.#controller.enqueue(frame);
  }

  /** False when it had already ended. */
  #finish(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    for (const leave of this.#onEnd.splice(0)) leave();
    return true;
  }
}

export const eventRoutes = createRouter().openapi(stream, async (c) => {
  const user = currentUser(c);
  const { deps } = c.var;
  const hub = deps.events;
  if (!hub) throw new ProblemError(503, 'events-unavailable', 'Live events unavailable', 'This server runs without an event hub.');
  const events = new EventStream(user.id, user.kind, clientAddress(c), getCookie(c, SESSION_COOKIE) ?? '');
  // `ready` first, before anything the hub may send once subscribed.
  events.send('ready', { kind: user.kind, heartbeatSeconds: hub.heartbeatMs / 1000 });
  events.onEnd(await hub.subscribe(events));
  // A stream outlives no session: logged out, expired or disabled ends it within one heartbeat interval.
  events.onEnd(sweepOf(hub, deps).add(events));
  void hub.greet(events).catch((error: unknown) => {
    console.error('event stream: the greeting failed:', error);
    events.end();
  });
  c.header('Content-Type', 'text/event-stream');
  c.header('Cache-Control', 'no-cache');
  c.header('Connection', 'keep-alive');
  c.header('Transfer-Encoding', 'chunked');
  return c.body(events.body, 200);
});
