import { ref, type Ref } from 'vue';
import { asApiError, type ApiError } from '../api/client.ts';

/**
 * One button's request: `busy` while it runs (to disable the button), and the problem it answered,
 * cleared when it runs again. `run` resolves true when the action succeeded.
 */
export function useAction() {
  const busy = ref(false);
  const problem = ref<ApiError | null>(null) as Ref<ApiError | null>;
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    problem.value = null;
    try {
      await action();
      return true;
    } catch (e) {
      problem.value = asApiError(e);
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, problem, run };
}
