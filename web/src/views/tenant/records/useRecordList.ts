import { onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue';
import { asApiError, type ApiError } from '../../../api/client.ts';
import { useEvents } from '../../../composables/useEvents.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A filtered, cursor-paged list that stays current: it reloads when a filter changes, when the
 * server says a record of this kind changed in this tenant (SSE `record`/`call`/`lead` events, which client
 * users receive), after the event stream reconnects, and when the window gets focus again (provider
 * staff do not receive the tenant's notices).
 */
export function useRecordList<T, F extends Record<string, string>>(options: {
  tenant: () => string;
  filters: Ref<F>;
  fetch: (query: Record<string, string>) => Promise<Page<T>>;
  /** The notice types (`order`, `complaint`, `call`, `lead`: a lead created or moved along) that mean this list may have changed. */
  notices: string[];
  pageSize?: number;
}) {
  const items = shallowRef<T[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadingMore = ref(false);
  const error = ref<ApiError | null>(null) as Ref<ApiError | null>;
  const moreError = ref<ApiError | null>(null) as Ref<ApiError | null>;
  const updatedAt = ref<Date | null>(null);
  let generation = 0;

  const query = (cursor?: string) => {
    const q: Record<string, string> = { limit: String(options.pageSize ?? 25) };
    for (const [k, v] of Object.entries(options.filters.value)) if (v) q[k] = v;
    if (cursor) q.cursor = cursor;
    return q;
  };

  /** The first page again; `quiet` keeps the current rows on screen while it loads (live refresh). */
  async function reload(quiet = false): Promise<void> {
    const mine = ++generation;
    if (!quiet) loading.value = true;
    error.value = null;
    moreError.value = null;
    try {
      const page = await options.fetch(query());
      if (mine !== generation) return;
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      updatedAt.value = new Date();
    } catch (e) {
      if (mine === generation && !quiet) error.value = asApiError(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value) return;
    const mine = generation;
    loadingMore.value = true;
    moreError.value = null;
    try {
      const page = await options.fetch(query(nextCursor.value));
      if (mine !== generation) return;
      items.value = [...items.value, ...page.items];
      nextCursor.value = page.nextCursor;
    } catch (e) {
      moreError.value = asApiError(e);
    } finally {
      loadingMore.value = false;
    }
  }

  // Several notices in a burst (an order and its customer) make one refetch.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(true), 300);
  };
  const heard = (message: { tenant?: string; type?: string }) => {
    if (message.tenant === options.tenant() && message.type && options.notices.includes(message.type)) soon();
  };
  const events = useEvents(
    { record: heard, call: (m) => heard(m as { tenant?: string; type?: string }), lead: (m) => heard({ tenant: m.tenant, type: 'lead' }) },
    { onReconnect: soon },
  );
  const onFocus = () => soon();
  onMounted(() => window.addEventListener('focus', onFocus));
  onBeforeUnmount(() => {
    window.removeEventListener('focus', onFocus);
    clearTimeout(timer);
  });

  watch(options.filters, () => void reload(), { deep: true });
  void reload();

  return { items, nextCursor, loading, loadingMore, error, moreError, updatedAt, live: events.connected, reload, loadMore, query };
}

export type RecordList<T> = ReturnType<typeof useRecordList<T, Record<string, string>>>;
