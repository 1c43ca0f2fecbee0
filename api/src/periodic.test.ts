import { describe, expect, it } from 'vitest';
import { PassTimeoutError, runWithTimeout, startPeriodic } from './periodic.ts';

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};

describe('runWithTimeout', () => {
  it('answers the pass’s result in time, and a stuck pass’s timeout, aborting its signal', async () => {
    expect(await runWithTimeout('quick', 1000, async () => 42)).toBe(42);
    let signal: AbortSignal | undefined;
    const stuck = runWithTimeout('stuck', 30, (s) => {
      signal = s;
      return new Promise<never>(() => {});
    });
    await expect(stuck).rejects.toBeInstanceOf(PassTimeoutError);
    expect(signal?.aborted).toBe(true);
  });
});

describe('startPeriodic', () => {
  it('runs one live pass at a time, and resumes by itself after a pass that hangs', async () => {
    let started = 0;
    let finished = 0;
    let concurrent = 0;
    let most = 0;
    const errors: unknown[] = [];
    const stop = startPeriodic({
      name: 'test loop',
      intervalMs: 5,
      firstPassAfterMs: 0,
      timeoutMs: 40,
      onError: (error) => errors.push(error),
      pass: async () => {
        started++;
        concurrent++;
        most = Math.max(most, concurrent);
        try {
          // The first pass hangs for ever (a dead connection); the others take a moment.
          await new Promise((resolve) => (started === 1 ? undefined : setTimeout(resolve, 15)));
          finished++;
        } finally {
          if (started !== 1) concurrent--;
        }
      },
    });
    await until(() => finished >= 2);
    await stop();
    expect(errors[0]).toBeInstanceOf(PassTimeoutError);
    // The hung pass still counts as one in flight: never more than it and one live pass.
    expect(most).toBeLessThanOrEqual(2);
    const after = started;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(started).toBe(after);
  });
});
