import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import { dispatch } from './dispatch.ts';
import { startWakeable, type StopPeriodic } from '../periodic.ts';

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
  const run = deps.dispatch ?? dispatch;
  return startWakeable({
    name: 'Routing pass',
    intervalMs: deps.intervalMs ?? 500,
    timeoutMs: deps.passTimeoutMs ?? 5_000,
    pass: (signal) => run(deps.db, deps.now, signal),
    wakers,
    wakeAfterMs: [25],
    resumed: 'Routing resumed: the database answers again.',
    ...(deps.onError && { onError: deps.onError }),
  });
}
