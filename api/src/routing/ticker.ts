import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { dispatch } from './dispatch.ts';
import { runWithTimeout, settleWithin, type StopPeriodic } from '../periodic.ts';

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
  /**
   * A pass that has not finished by then is given up (a query on a connection that died can wait for
   * ever) and the next one runs: routing resumes by itself once the database is back. Default 5 s.
   */
  passTimeoutMs?: number;
  onError?: (error: unknown) => void;
  /** Tests: the pass itself (default: dispatch). */
  dispatch?: (db: Kysely<DB>, now: () => Date, signal?: AbortSignal) => Promise<unknown>;
}

/**
 * Runs dispatch every ~500 ms, and shortly after requestDispatch() — late enough that the request which
 * asked has committed. Passes never overlap, each has a deadline, and `running` is cleared however a
 * pass ends. Returns stop, which waits for a running pass at most `graceMs` (default: the pass timeout).
 */
export function startRouting(deps: RoutingDeps): StopPeriodic {
  const intervalMs = deps.intervalMs ?? 500;
  const passTimeoutMs = deps.passTimeoutMs ?? 5_000;
  const run = deps.dispatch ?? dispatch;
  const report = deps.onError ?? ((error: unknown) => console.error('Routing pass failed:', error));
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let soon: NodeJS.Timeout | null = null;
  let failing = false;

  const pass = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runWithTimeout('Routing pass', passTimeoutMs, (signal) => run(deps.db, deps.now, signal), stopping.signal)
      .then(
        () => {
          if (failing) console.error('Routing resumed: the database answers again.');
          failing = false;
        },
        (error: unknown) => {
          if (stopped) return;
          // While the database is away every pass fails the same way: say it once, not twice a second.
          if (!failing || deps.onError) report(error);
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
  return async (graceMs = passTimeoutMs) => {
    stopped = true;
    wakers.delete(wake);
    clearInterval(timer);
    if (soon) clearTimeout(soon);
    await settleWithin(running, graceMs, () => stopping.abort());
  };
}
