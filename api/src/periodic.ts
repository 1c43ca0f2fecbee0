/**
 * A pass run every `intervalMs` and once at start, never two at once. A pass that has not ended after
 * `timeoutMs` (a query on a dead connection can wait forever, DESIGN.md traps) is given up on and
 * reported, so the next one can start. Returns stop, which waits for a running pass.
 */
export function startPeriodic(pass: () => Promise<unknown>, options: { intervalMs: number; timeoutMs: number; onError: (error: unknown) => void; name: string }): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${options.name}: a pass still running after ${options.timeoutMs} ms was given up on`)), options.timeoutMs);
      timer.unref?.();
    });
    running = Promise.race([pass(), timeout])
      .catch(options.onError)
      .finally(() => {
        clearTimeout(timer);
        running = null;
      });
  };
  const first = setTimeout(tick, 0);
  const interval = setInterval(tick, options.intervalMs);
  interval.unref?.();
  first.unref?.();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(interval);
    await running;
  };
}
