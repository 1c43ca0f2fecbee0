import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { dispatch } from './dispatch.ts';

const wakers = new Set<() => void>();

/**
 * Asks this process's routing loop for a pass soon: called after anything that may create work (a call
 * queued, an operator available, an offer declined). A no-op where no loop runs (tests call dispatch).
 */
export function requestDispatch(): void {
  for (const wake of wakers) wake();
}

export interface RoutingDeps {
  db: Kysely<DB>;
  now: () => Date;
  /** Between passes when nothing asks for one. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Runs dispatch every ~500 ms, and shortly after requestDispatch() — late enough that the request which
 * asked has committed. Passes never overlap. Returns stop, which waits for a running pass.
 */
export function startRouting(deps: RoutingDeps): () => Promise<void> {
  const intervalMs = deps.intervalMs ?? 500;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let soon: NodeJS.Timeout | null = null;

  const pass = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = dispatch(deps.db, deps.now)
      .then(() => undefined)
      .catch((error: unknown) => (deps.onError ?? ((e) => console.error('Routing pass failed:', e)))(error))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          pass();
        }
      });
  };
  const wake = () => {
    if (soon || stopped) return;
    soon = setTimeout(() => {
      soon = null;
      pass();
    }, 25);
  };
  wakers.add(wake);
  const timer = setInterval(pass, intervalMs);
  timer.unref?.();
  return async () => {
    stopped = true;
    wakers.delete(wake);
    clearInterval(timer);
    if (soon) clearTimeout(soon);
    await running;
  };
}
