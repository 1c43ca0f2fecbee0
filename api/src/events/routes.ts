import { createRoute, z } from '@hono/zod-openapi';
import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { createRouter } from '../http/router.ts';
import { ProblemError, problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { clientAddress } from '../http/client-address.ts';
import { SESSION_COOKIE, validateSessionToken } from '../auth/sessions.ts';
import type { Subscriber } from './hub.ts';
import type { EventMessages, EventName } from './messages.ts';

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
    '**provider admins and supervisors** — `wallboard` (the `GET /api/wallboard` body, at most once a second);',
    '**client users** — `call` and `record` (`{tenant, type, id}`) for their own tenant: refetch on them.',
    'A comment line every 15 s keeps proxies from closing the stream; it ends when the session does.',
  ].join(' '),
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...problemResponses(401, 503),
  },
});

export const eventRoutes = createRouter().openapi(stream, async (c) => {
  const user = currentUser(c);
  const { deps } = c.var;
  const hub = deps.events;
  if (!hub) throw new ProblemError(503, 'events-unavailable', 'Live events unavailable', 'This server runs without an event hub.');
  const token = getCookie(c, SESSION_COOKIE) ?? '';
  const address = clientAddress(c);

  return streamSSE(c, async (sse) => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    sse.onAbort(() => finish());

    // Writes wait for the client to read; the hub must never wait for one slow stream.
    let pending = 0;
    let writes: Promise<unknown> = Promise.resolve();
    const enqueue = (write: () => Promise<unknown>) => {
      if (sse.aborted || sse.closed) return;
      if (++pending > MAX_PENDING_MESSAGES) {
        finish();
        return;
      }
      writes = writes.then(write).finally(() => pending--);
    };
    const subscriber: Subscriber = {
      userId: user.id,
      kind: user.kind,
      address,
      send<E extends EventName>(event: E, data: EventMessages[E]) {
        const frame = frameOf(event, data);
        enqueue(() => sse.write(frame));
      },
      close: () => finish(),
    };

    const unsubscribe = await hub.subscribe(subscriber);
    const heartbeat = setInterval(() => {
      enqueue(() => sse.write(HEARTBEAT));
      // A stream outlives no session: logged out, expired or disabled ends it. Checking is not activity,
      // so an unattended tab still times out.
      void validateSessionToken(deps.db, deps.config, token, deps.now(), { touch: false })
        .then((session) => {
          if (!session) finish();
        })
        .catch(() => finish());
    }, hub.heartbeatMs);
    try {
      subscriber.send('ready', { kind: user.kind, heartbeatSeconds: hub.heartbeatMs / 1000 });
      await hub.greet(subscriber);
      await finished;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
});
