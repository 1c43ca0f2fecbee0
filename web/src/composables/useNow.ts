import { onScopeDispose, ref, type Ref } from 'vue';

let shared: Ref<Date> | undefined;
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** The current time, ticking every 15 seconds (enough for clocks that show minutes). */
export function useNow(): Ref<Date> {
  shared ??= ref(new Date());
  const now = shared;
  if (users++ === 0) timer = setInterval(() => (now.value = new Date()), 15_000);
  onScopeDispose(() => {
    if (--users === 0 && timer) clearInterval(timer);
  });
  return now;
}
