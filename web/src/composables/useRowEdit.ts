import { ref, type Ref } from 'vue';
import { asApiError, type ApiError } from '../api/client.ts';

/**
 * One row of a table at a time is edited or asked to confirm a removal; each action on it runs
 * with the row busy, shows its problem beside the table, and closes the row and reloads on success.
 */
export function useRowEdit<K>(reload: () => Promise<unknown>) {
  const editing = ref<K | null>(null) as Ref<K | null>;
  const confirming = ref<K | null>(null) as Ref<K | null>;
  const rowBusy = ref(false);
  const rowError = ref<ApiError | null>(null) as Ref<ApiError | null>;

  /** Opens `key` for editing; the caller copies the row into its own edit fields. */
  function open(key: K) {
    editing.value = key;
    confirming.value = null;
    rowError.value = null;
  }

  async function rowAction(action: () => Promise<unknown>) {
    rowBusy.value = true;
    rowError.value = null;
    try {
      await action();
      editing.value = null;
      confirming.value = null;
      await reload();
    } catch (error) {
      rowError.value = asApiError(error);
    } finally {
      rowBusy.value = false;
    }
  }

  return { editing, confirming, rowBusy, rowError, open, rowAction };
}
