import type { Kysely } from 'kysely';
import type { DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { checkSessionTokens } from '../auth/sessions.ts';
import { startPeriodic, type StopPeriodic } from '../periodic.ts';

/** One open event stream, as the sweep sees it. Neither method may block. */
export interface SweptStream {
  /** The session cookie the stream was opened with. */
  readonly token: string;
  /** Writes the keep-alive comment. */
  heartbeat(): void;
  /** Ends the stream: its session is gone. */
  end(): void;
}

export interface SweepSource {
  db: Kysely<DB>;
  config: Config;
  now: () => Date;
}

/** Longest a sweep's session check may take; a slower one is given up and the next interval tries again. */
const checkTimeoutMs = 5_000;
/** Failed checks in a row after which a stream ends anyway. */
const maxUnconfirmed = 4;

/**
 * The process's one timer for its open event streams: every interval it writes the heartbeat to each,
 * then checks the sessions of all of them in ONE statement (checkSessionTokens) and ends the streams
 * whose session is logged out, expired or disabled. 500 desks cost one statement every 15 s, not 500
 * transactions and 500 timers. The loop runs only while a stream is open.
 *
 * A check that fails (the database unreachable, the deadline passed) ends nothing at once: a session
 * that could not be read is not a session that ended, and 500 streams dropped at once would come back
 * as 500 reconnections on a database that has just returned. The next interval checks again. But no
 * stream goes on unconfirmed for ever (the hub may still be pushing while the check cannot run): one
 * whose session could not be confirmed `maxUnconfirmed` times in a row (4: about a minute) ends.
 */
export class SessionSweep {
  readonly #source: SweepSource;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  /** Each open stream, with the checks in a row that could not confirm its session. */
  readonly #streams = new Map<SweptStream, number>();
  #stop: StopPeriodic | null = null;

  constructor(source: SweepSource, options: { intervalMs: number; onError?: (error: unknown) => void }) {
    this.#source = source;
    this.#intervalMs = options.intervalMs;
    this.#onError = options.onError ?? ((error) => console.error('event streams: the session check failed:', error));
  }

  get size(): number {
    return this.#streams.size;
  }

  /** Registers a stream (the loop starts with the first); the returned function forgets it. */
  add(stream: SweptStream): () => void {
    this.#streams.set(stream, 0);
    this.#stop ??= startPeriodic({
      name: 'event streams: heartbeat and session check',
      intervalMs: this.#intervalMs,
      // Shorter than the 15 s interval, so a slow check does not hold back the next heartbeat.
      timeoutMs: checkTimeoutMs,
      pass: (signal) => this.sweep(signal),
      onError: this.#onError,
    });
    return () => this.#forget(stream);
  }

  /** One pass: the heartbeat to every stream, then one statement for all their sessions. */
  async sweep(signal?: AbortSignal): Promise<void> {
    const streams = [...this.#streams.keys()];
    if (!streams.length) return;
    for (const stream of streams) stream.heartbeat();
    let valid: Set<string>;
    try {
      const check = checkSessionTokens(this.#source.db, this.#source.config, streams.map((s) => s.token), this.#source.now());
      // A check past its deadline counts as failed now, not when (if ever) its connection answers.
      const givenUp = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('The session check passed its deadline.')), { once: true }));
      valid = await Promise.race([check, givenUp]);
    } catch (error) {
      for (const stream of streams) {
        const unconfirmed = (this.#streams.get(stream) ?? 0) + 1;
        if (this.#streams.has(stream)) this.#streams.set(stream, unconfirmed);
        if (unconfirmed >= maxUnconfirmed) stream.end();
      }
      throw error;
    }
    for (const stream of streams) {
      if (!valid.has(stream.token)) stream.end();
      else if (this.#streams.has(stream)) this.#streams.set(stream, 0);
    }
  }

  #forget(stream: SweptStream): void {
    if (!this.#streams.delete(stream) || this.#streams.size || !this.#stop) return;
    // The last stream is gone: no timer is left behind (a pass under way finishes on its own).
    void this.#stop(0);
    this.#stop = null;
  }
}
