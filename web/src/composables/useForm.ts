import { computed, nextTick, reactive, ref, watch, type Ref } from 'vue';
import { asApiError, type ApiError, type FieldError } from '../api/client.ts';

type Values = Record<string, string | boolean | string[]>;
type Errors<F> = Partial<Record<keyof F & string, string>>;

export interface FormOptions<F extends Values> {
  /** Client-side checks, run as the user types; a field shows its message once touched or submitted. */
  validate?: (values: F) => Errors<F>;
  /** Maps the API's error paths (e.g. `clientAdmin.email`) to field names when they differ. */
  paths?: Record<string, keyof F & string>;
  /** The DOM id prefix of the form's inputs, used to focus the first invalid one. */
  idPrefix: string;
}

/**
 * A form's values, its client-side and server-side field errors, and its submission. Server errors
 * (problem+json `errors[]`) land next to their fields and clear when that field is edited; errors
 * for paths no field owns stay in `problem` for the form-level alert. A server error reads in the
 * interface language from its code, when it is shown (so it follows a language switch).
 */
export function useForm<F extends Values>(initial: F, options: FormOptions<F>) {
  const values = reactive({ ...initial }) as F;
  const touched = reactive<Record<string, boolean>>({});
  const serverErrors = ref<Record<string, FieldError>>({});
  const problem = ref<ApiError | null>(null) as Ref<ApiError | null>;
  const submitted = ref(false);
  const busy = ref(false);

  const clientErrors = computed<Errors<F>>(() => options.validate?.(values as F) ?? {});

  for (const key of Object.keys(initial)) {
    watch(
      () => (values as Values)[key],
      () => {
        if (serverErrors.value[key]) {
          const { [key]: _, ...rest } = serverErrors.value;
          serverErrors.value = rest;
        }
      },
      { deep: true },
    );
  }

  function fieldName(path: string): string {
    return options.paths?.[path] ?? path;
  }

  function errorFor(field: keyof F & string): string | undefined {
    const server = serverErrors.value[field];
    if (server) return server.message;
    if (touched[field] || submitted.value) return clientErrors.value[field];
    return undefined;
  }

  function touch(field: keyof F & string): void {
    touched[field] = true;
  }

  /** Problem errors that belong to no field of this form. */
  const otherErrors = computed(() =>
    (problem.value?.errors ?? []).filter((e) => !(fieldName(e.path) in (initial as Values))),
  );

  function focusFirstInvalid(): void {
    void nextTick(() => {
      const first = Object.keys(initial).find((k) => errorFor(k as keyof F & string));
      if (first) document.getElementById(`${options.idPrefix}-${first}`)?.focus();
    });
  }

  /** Shows every client-side error now; true when there is none. */
  function validateAll(): boolean {
    submitted.value = true;
    const ok = !Object.values(clientErrors.value).some(Boolean);
    if (!ok) focusFirstInvalid();
    return ok;
  }

  async function submit<T>(action: (values: F) => Promise<T>): Promise<T | undefined> {
    problem.value = null;
    if (!validateAll()) return undefined;
    busy.value = true;
    try {
      const result = await action(values as F);
      serverErrors.value = {};
      submitted.value = false;
      return result;
    } catch (error) {
      const apiError = asApiError(error);
      problem.value = apiError;
      const mapped: Record<string, FieldError> = {};
      for (const e of apiError.errors) {
        const field = fieldName(e.path);
        if (field in (initial as Values)) mapped[field] ??= e;
      }
      serverErrors.value = mapped;
      focusFirstInvalid();
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  /** Sets one field back (e.g. a refused password) without showing its client-side error yet. */
  function resetField(field: keyof F & string, value: F[keyof F & string]): void {
    (values as Values)[field] = value as Values[string];
    delete touched[field];
    submitted.value = false;
  }

  function reset(next: Partial<F> = {}): void {
    Object.assign(values, { ...initial, ...next });
    for (const key of Object.keys(touched)) delete touched[key];
    serverErrors.value = {};
    problem.value = null;
    submitted.value = false;
  }

  return { values, errorFor, touch, submit, validateAll, reset, resetField, busy, problem, otherErrors, idPrefix: options.idPrefix };
}

export type Form<F extends Values> = ReturnType<typeof useForm<F>>;
