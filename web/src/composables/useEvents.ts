import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue';
import type { EventMessages, EventName } from '@switchboard/api/events';

export type EventHandlers = { [E in EventName]?: (data: EventMessages[E]) => void };

export interface UseEventsOptions {
  /**
   * Called on every `ready` after the first: the stream was down, so events may have been missed —
   * refetch what the page shows.
   */
  onReconnect?: () => void;
  /** Defaults to /api/events. */
  url?: string;
}

export interface EventsConnection {
  /** The stream is open and said `ready`. */
  connected: Ref<boolean>;
  /** When the last event arrived (heartbeats are comments, invisible here). */
  lastEventAt: Ref<Date | null>;
  close(): void;
}

const firstRetryMs = 1_000;
const maxRetryMs = 30_000;

/**
 * GET /api/events for a page: parses each event's JSON and hands it to its handler. The browser's
 * EventSource retries by itself after a dropped connection, but gives up for good on an HTTP error
 * (a restarted server, a 502 from a proxy): then this reconnects with a growing delay, at once when
 * the tab comes back into view. Closed with the component (or effect scope) that opened it.
 */
export function useEvents(handlers: EventHandlers, options: UseEventsOptions = {}): EventsConnection {
  const connected = ref(false);
  const lastEventAt = ref<Date | null>(null);
  let source: EventSource | null = null;
  let retryMs = firstRetryMs;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let everReady = false;
  let closed = false;

  function open(): void {
    if (closed || typeof EventSource === 'undefined') return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    source?.close();
    const mine = new EventSource(options.url ?? '/api/events', { withCredentials: true });
    source = mine;
    mine.addEventListener('ready', () => {
      connected.value = true;
      lastEventAt.value = new Date();
      retryMs = firstRetryMs;
      if (everReady) options.onReconnect?.();
      everReady = true;
    });
    for (const name of Object.keys(handlers) as EventName[]) {
      mine.addEventListener(name, (event) => {
        lastEventAt.value = new Date();
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return; // a malformed message is dropped; the next one replaces it
        }
        (handlers[name] as ((data: unknown) => void) | undefined)?.(data);
      });
    }
    mine.addEventListener('error', () => {
      connected.value = false;
      // CONNECTING: the browser retries by itself. CLOSED: it gave up, so we retry.
      if (mine.readyState === EventSource.CLOSED && source === mine) scheduleRetry();
    });
  }

  function scheduleRetry(): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  }

  function onVisible(): void {
    if (document.visibilityState === 'visible' && retryTimer) open();
  }

  function close(): void {
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
    source = null;
    connected.value = false;
    document.removeEventListener('visibilitychange', onVisible);
  }

  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);
  open();
  if (getCurrentScope()) onScopeDispose(close);
  return { connected, lastEventAt, close };
}
