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

/**
 * The process's one timer for its open event streams: every interval it writes the heartbeat to each,
 * then checks the sessions of all of them in ONE statement (checkSessionTokens) and ends the streams
 * whose session is logged out, expired or disabled. 500 desks cost one statement every 15 s, not 500
 * transactions and 500 timers. The loop runs only while a stream is open.
 *
 * A check that fails (the database unreachable, the deadline passed) ends nothing: a session that
 * could not be read is not a session that ended, and 500 streams dropped at once would come back as
 * 500 reconnections on a database that has just returned. The next interval checks again.
 */
export class SessionSweep {
  readonly #source: SweepSource;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #streams = new Set<SweptStream>();
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
    this.#streams.add(stream);
    this.#stop ??= startPeriodic({
      name: 'event streams: heartbeat and session check',
      intervalMs: this.#intervalMs,
      timeoutMs: Math.max(this.#intervalMs, checkTimeoutMs),
      pass: () => this.sweep(),
      onError: this.#onError,
    });
    return () => this.#forget(stream);
  }

  /** One pass: the heartbeat to every stream, then one statement for all their sessions. */
  async sweep(): Promise<void> {
    const streams = [...this.#streams];
    if (!streams.length) return;
    for (const stream of streams) stream.heartbeat();
    const valid = await checkSessionTokens(this.#source.db, this.#source.config, streams.map((s) => s.token), this.#source.now());
    for (const stream of streams) if (!valid.has(stream.token)) stream.end();
  }

  #forget(stream: SweptStream): void {
    if (!this.#streams.delete(stream) || this.#streams.size || !this.#stop) return;
    // The last stream is gone: no timer is left behind (a pass under way finishes on its own).
    void this.#stop(0);
    this.#stop = null;
  }
}
