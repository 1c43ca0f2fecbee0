import { onBeforeUnmount, reactive, ref, shallowRef } from 'vue';
import { asApiError, type ApiError } from '../../api/client.ts';
import { useEvents } from '../../composables/useEvents.ts';
import { deskApi, type DeskState } from './desk-api.ts';

export interface QueueSize {
  waiting: number;
  longestWaitSeconds: number;
}

/** How often the desk re-reads its state when no event arrives (the stream may be down or behind a proxy). */
const pollMs = 3_000;

/**
 * The desk's own state: presence, the pending offer, the current call, and the queues of the
 * operator's tenants. Offers, calls and presence arrive over Server-Sent Events (useEvents) and make
 * the desk re-read /api/desk/state; queue sizes come with the events themselves. A slow poll backs the
 * stream up, so a dropped one never leaves an offer unseen.
 */
export function useDesk() {
  const state = shallowRef<DeskState | null>(null);
  const error = ref<ApiError | null>(null);
  /** tenant slug → function → size. Only tenants the operator serves ever arrive here. */
  const queues = reactive<Record<string, Record<string, QueueSize>>>({});

  let generation = 0;
  async function refresh(): Promise<void> {
    const mine = ++generation;
    try {
      const next = await deskApi.state();
      if (mine !== generation) return;
      state.value = next;
      error.value = null;
      // Queues of tenants no longer assigned leave with them.
      for (const slug of Object.keys(queues)) if (!next.tenants.some((t) => t.slug === slug)) delete queues[slug];
    } catch (e) {
      if (mine === generation) error.value = asApiError(e);
    }
  }

  const events = useEvents(
    {
      offer: () => void refresh(),
      call: () => void refresh(),
      presence: () => void refresh(),
      queue: (message) => {
        queues[message.tenant] = Object.fromEntries(message.queues.map((q) => [q.function, { waiting: q.waiting, longestWaitSeconds: q.longestWaitSeconds }]));
      },
    },
    { onReconnect: () => void refresh() },
  );
  const live = events.connected;

  const timer = setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, pollMs);
  void refresh();

  onBeforeUnmount(() => {
    clearInterval(timer);
  });

  return { state, error, live, queues, refresh };
}
