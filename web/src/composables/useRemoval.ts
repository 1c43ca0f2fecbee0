import { ref, type Ref } from 'vue';
import { asApiError, type ApiError } from '../api/client.ts';

/**
 * Delete with a confirmation row: `removing` holds the id being confirmed, `removeError` the
 * refusal if the server says no; after a delete the list reloads.
 */
export function useRemoval(removeById: (id: string) => Promise<unknown>, reload: () => Promise<void>) {
  const removing = ref<string | null>(null) as Ref<string | null>;
  const removeError = ref<ApiError | null>(null) as Ref<ApiError | null>;
  async function remove(entry: { id: string }): Promise<void> {
    removeError.value = null;
    try {
      await removeById(entry.id);
      removing.value = null;
      await reload();
    } catch (error) {
      removeError.value = asApiError(error);
    }
  }
  return { removing, removeError, remove };
}
