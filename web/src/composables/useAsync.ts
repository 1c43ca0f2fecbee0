import { ref, shallowRef, type Ref } from 'vue';
import { asApiError, type ApiError } from '../api/client.ts';

export interface AsyncState<T> {
  data: Ref<T | undefined>;
  error: Ref<ApiError | null>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
}

/** Loads data for a view and keeps its loading and error states; the latest call wins. */
export function useAsync<T>(load: () => Promise<T>, options: { immediate?: boolean } = {}): AsyncState<T> {
  const data = shallowRef<T | undefined>(undefined);
  const error = ref<ApiError | null>(null) as Ref<ApiError | null>;
  const loading = ref(false);
  let generation = 0;

  async function reload(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const value = await load();
      if (mine === generation) data.value = value;
    } catch (e) {
      if (mine === generation) error.value = asApiError(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  if (options.immediate !== false) void reload();
  return { data, error, loading, reload };
}
