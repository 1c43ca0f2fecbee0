import { can } from '../../../session.ts';
import { computed, ref, type Ref, type ShallowRef } from 'vue';
import { asApiError, type ApiError } from '../../../api/client.ts';
import { useTenantPage } from '../context.ts';

/**
 * The record open in the drawer, looked up in the list so a live refresh updates it, and its
 * status change: client admins and provider admins may change it while the tenant is active.
 */
export function useRecordStatus<T extends { id: string }, S>(items: ShallowRef<T[]>, patch: (id: string, status: S) => Promise<T>) {
  const { tenant } = useTenantPage();
  const selectedId = ref<string | null>(null);
  const selected = computed(() => items.value.find((r) => r.id === selectedId.value) ?? null);
  const canChangeStatus = computed(() => can('records.status') && tenant.value.status === 'active');
  const saving = ref(false);
  const saveError = ref<ApiError | null>(null) as Ref<ApiError | null>;

  async function setStatus(record: T, status: S) {
    saving.value = true;
    saveError.value = null;
    try {
      const updated = await patch(record.id, status);
      items.value = items.value.map((r) => (r.id === updated.id ? updated : r));
    } catch (e) {
      saveError.value = asApiError(e);
    } finally {
      saving.value = false;
    }
  }

  return { selectedId, selected, canChangeStatus, saving, saveError, setStatus };
}
