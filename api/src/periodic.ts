/**
 * A periodic pass that never overlaps itself and never hangs forever: a query on a dead connection
 * can wait without end (DESIGN.md, traps), so each pass gets a deadline. At the deadline its signal
 * aborts (the pass stops between steps) and the loop stops waiting for it, so the next pass can run.
 */
export class PassTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name}: the pass did not finish within ${timeoutMs} ms; the next one starts on schedule.`);
    this.name = 'PassTimeoutError';
  }
}

/**
 * Runs one pass with a deadline: resolves with its result, or rejects with PassTimeoutError (and aborts
 * its signal). `stopping`, when aborted, ends the wait at once the same way (a process shutting down).
 */
export async function runWithTimeout<T>(
  name: string,
  timeoutMs: number,
  pass: (signal: AbortSignal) => Promise<T>,
  stopping?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const expire = () => {
      controller.abort();
      reject(new PassTimeoutError(name, timeoutMs));
    };
    timer = setTimeout(expire, timeoutMs);
    timer.unref?.();
    if (stopping) {
      onStop = expire;
      if (stopping.aborted) expire();
      else stopping.addEventListener('abort', onStop, { once: true });
    }
  });
  try {
    // A pass that throws synchronously is a failed pass, not an exception out of the loop.
    return await Promise.race([Promise.resolve().then(() => pass(controller.signal)), deadline]);
  } finally {
    clearTimeout(timer);
    if (onStop) stopping?.removeEventListener('abort', onStop);
  }
}

export interface PeriodicOptions {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  /** Until the first pass; default one interval. */
  firstPassAfterMs?: number;
  pass: (signal: AbortSignal) => Promise<unknown>;
  onError?: (error: unknown) => void;
}

/**
 * Stops a loop: no new pass starts, the running one's signal is aborted, and stop waits for it at most
 * `graceMs` (default: its timeout) — a pass stuck on a dead connection never holds a shutdown.
 */
export type StopPeriodic = (graceMs?: number) => Promise<void>;

/** Starts the loop; returns stop. A failed or timed-out pass is reported and the next one runs on schedule. */
export function startPeriodic(options: PeriodicOptions): StopPeriodic {
  let running: Promise<void> | null = null;
  let stopped = false;
  const stopping = new AbortController();
  const report = options.onError ?? ((error: unknown) => console.error(`${options.name} failed:`, error));
  const pass = () => {
    if (running || stopped) return;
    running = runWithTimeout(options.name, options.timeoutMs, options.pass, stopping.signal)
      .then(() => undefined, (error: unknown) => (stopped && error instanceof PassTimeoutError ? undefined : report(error)))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(pass, options.firstPassAfterMs ?? options.intervalMs);
  const timer = setInterval(pass, options.intervalMs);
  first.unref?.();
  timer.unref?.();
  return async (graceMs = options.timeoutMs) => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await settleWithin(running, graceMs, () => stopping.abort());
  };
}

/** Waits for `work` at most `graceMs`, then calls `giveUp` (which should make it settle) and returns. */
export async function settleWithin(work: Promise<unknown> | null, graceMs: number, giveUp: () => void): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    timer.unref?.();
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), grace]);
  } finally {
    clearTimeout(timer);
    giveUp();
  }
}

export interface WakeableOptions {
  /** Names the pass in its timeout error and in the "resumed" line. */
  name: string;
  /** Between passes when nobody wakes the loop. */
  intervalMs: number;
  timeoutMs: number;
  pass: (signal: AbortSignal) => Promise<unknown>;
  /** The process's wakers: the loop adds its own while it runs (a module-level set, so callers need no handle). */
  wakers: Set<() => void>;
  /** After a wake, a pass runs after each of these delays (late enough that the waking request committed). */
  wakeAfterMs: number[];
  /** Said once when a pass succeeds after failures (the database is back). */
  resumed: string;
  /** Every failed pass; default: the first of an outage said on stderr (stack only: an HTTP client's error carries its request), not one a second while the database is away. */
  onError?: (error: unknown) => void;
}

/**
 * A loop that also runs soon after it is woken (routing after a call is queued, delivery after a command is
 * written): passes never overlap — a wake during a pass runs one more right after it —, each has its
 * deadline, and a failed or timed-out pass is reported and the loop goes on, so it resumes by itself when
 * the database is back. Returns stop, which waits for a running pass at most `graceMs` (default: its timeout).
 */
export function startWakeable(options: WakeableOptions): StopPeriodic {
  const report = options.onError ?? ((error: unknown) => console.error(`${options.name} failed:`, error instanceof Error ? (error.stack ?? error.message) : String(error)));
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let failing = false;
  const pass = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runWithTimeout(options.name, options.timeoutMs, options.pass, stopping.signal)
      .then(
        () => {
          if (failing) console.error(options.resumed);
          failing = false;
        },
        (error: unknown) => {
          if (stopped) return;
          if (!failing || options.onError) report(error);
          failing = true;
        },
      )
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          pass();
        }
      });
  };
  // A wake is covered by a pass already due no more than half its delay earlier than it asks: a burst of
  // wakes costs a pass or two per delay, not one per wake, and a wake late in a burst (its transaction
  // still to commit) still gets a pass about its own delay after it.
  const soon = new Set<NodeJS.Timeout>();
  const latestDue = new Map<number, number>();
  const wake = () => {
    if (stopped) return;
    const now = Date.now();
    for (const delay of options.wakeAfterMs) {
      if ((latestDue.get(delay) ?? 0) >= now + delay / 2) continue;
      latestDue.set(delay, now + delay);
      const timer = setTimeout(() => {
        soon.delete(timer);
        pass();
      }, delay);
      timer.unref?.();
      soon.add(timer);
    }
  };
  options.wakers.add(wake);
  const timer = setInterval(pass, options.intervalMs);
  timer.unref?.();
  return async (graceMs = options.timeoutMs) => {
    stopped = true;
    options.wakers.delete(wake);
    clearInterval(timer);
    for (const t of soon) clearTimeout(t);
    await settleWithin(running, graceMs, () => stopping.abort());
  };
}
