import { onScopeDispose, ref, type Ref } from 'vue';

let shared: Ref<Date> | undefined;
let users = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function tick(now: Ref<Date>): void {
  now.value = new Date();
  // On the next whole second, so a minute changes on screen when it changes on the wall.
  timer = setTimeout(() => tick(now), 1000 - (Date.now() % 1000));
}

/**
 * The current time, one clock shared by every component that shows one, ticking each second. The
 * first user after a pause restarts it from the real time: a clock mounted at the start of a call
 * never shows the time the previous one stopped at.
 */
export function useNow(): Ref<Date> {
  shared ??= ref(new Date());
  const now = shared;
  if (users++ === 0) tick(now);
  onScopeDispose(() => {
    if (--users === 0 && timer) {
      clearTimeout(timer);
      timer = undefined;
    }
  });
  return now;
}
