import { ref } from 'vue';
import { asApiError, type ApiError } from '../../api/client.ts';
import { newIdempotencyKey } from '../../views/desk/desk-api.ts';

/**
 * The desk's capture forms: checked in the browser first, then saved once per idempotency key
 * (a retried click after a lost answer does not make a second record); the server's field
 * errors land beside the fields, anything else above the button.
 */
export function useCaptureForm(validate: () => Record<string, string>) {
  const errors = ref<Record<string, string>>({});
  const problem = ref<ApiError | null>(null);
  const busy = ref(false);
  let key = newIdempotencyKey();

  async function submit(save: (idempotencyKey: string) => Promise<void>): Promise<void> {
    errors.value = validate();
    problem.value = null;
    if (Object.keys(errors.value).length) return;
    busy.value = true;
    try {
      await save(key);
      key = newIdempotencyKey();
    } catch (e) {
      problem.value = asApiError(e);
      errors.value = problem.value.fieldErrors;
    } finally {
      busy.value = false;
    }
  }

  return { errors, problem, busy, submit };
}
