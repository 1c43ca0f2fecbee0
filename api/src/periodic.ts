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

/** Runs one pass with a deadline: resolves with its result, or rejects with PassTimeoutError (and aborts its signal). */
export async function runWithTimeout<T>(name: string, timeoutMs: number, pass: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new PassTimeoutError(name, timeoutMs));
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([pass(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
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

/** Starts the loop; returns stop, which waits for a running pass (at most its timeout). */
export function startPeriodic(options: PeriodicOptions): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const report = options.onError ?? ((error: unknown) => console.error(`${options.name} failed:`, error));
  const pass = () => {
    if (running || stopped) return;
    running = runWithTimeout(options.name, options.timeoutMs, options.pass)
      .then(() => undefined, report)
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(pass, options.firstPassAfterMs ?? options.intervalMs);
  const timer = setInterval(pass, options.intervalMs);
  first.unref?.();
  timer.unref?.();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
