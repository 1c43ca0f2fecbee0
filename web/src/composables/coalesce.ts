/**
 * Many signals, few runs: what a page does when the server says "something changed" (a notice per call,
 * order, survey answer…). The first signal after a quiet spell runs `run` after `delayMs` (a burst — an
 * order and its call — is one run); under a steady stream of signals it runs at most once per `minGapMs`
 * (never starved, as a debounce that restarts on every signal would be); while a run is in flight, the
 * signals meanwhile make one more run after it, never an overlapping one.
 */
export interface Coalescer {
  /** Something changed: a run is due (or already is). */
  signal(): void;
  /** Drops what is due (the page went away). */
  cancel(): void;
}

export function coalesce(run: () => unknown, options: { delayMs?: number; minGapMs?: number; now?: () => number } = {}): Coalescer {
  const delayMs = options.delayMs ?? 300;
  const minGapMs = options.minGapMs ?? 2_000;
  const now = options.now ?? (() => Date.now());
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRunAt = -Infinity;
  let running = false;
  let dueAfterRun = false;
  let cancelled = false;

  function fire(): void {
    timer = undefined;
    if (cancelled) return;
    lastRunAt = now();
    let result: unknown;
    try {
      result = run();
    } catch {
      result = undefined;
    }
    if (result instanceof Promise) {
      running = true;
      void result.catch(() => undefined).finally(() => {
        running = false;
        if (dueAfterRun) {
          dueAfterRun = false;
          signal();
        }
      });
    }
  }

  function signal(): void {
    if (cancelled) return;
    if (running) {
      dueAfterRun = true;
      return;
    }
    if (timer !== undefined) return; // a run is due: this signal rides on it
    timer = setTimeout(fire, Math.max(delayMs, lastRunAt + minGapMs - now()));
  }

  return {
    signal,
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
