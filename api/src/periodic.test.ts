import { describe, expect, it, vi } from 'vitest';
import { PassTimeoutError, runWithTimeout, startPeriodic, startWakeable } from './periodic.ts';

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

describe('startWakeable', () => {
  it('runs soon after a burst of wakes (one pass per delay, not one per wake), once more for a wake during a pass, and never after stop', async () => {
    const wakers = new Set<() => void>();
    let passes = 0;
    let release: (() => void) | undefined;
    const stop = startWakeable({
      name: 'test wake',
      intervalMs: 60_000,
      timeoutMs: 1_000,
      wakers,
      wakeAfterMs: [5],
      resumed: 'back',
      pass: async () => {
        passes++;
        if (passes === 2) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    expect(wakers.size).toBe(1);
    for (let i = 0; i < 50; i++) for (const wake of wakers) wake();
    await until(() => passes === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(1);
    // A wake while a pass runs: exactly one more pass after it.
    for (const wake of wakers) wake();
    await until(() => release !== undefined);
    for (let i = 0; i < 3; i++) for (const wake of wakers) wake();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(2);
    release!();
    await until(() => passes === 3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(3);
    await stop();
    expect(wakers.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(3);
  });

  it('gives a wake late in a burst a pass about its own delay after it, not only the one the burst began', async () => {
    const wakers = new Set<() => void>();
    const at: number[] = [];
    const began = Date.now();
    const stop = startWakeable({ name: 'test late wake', intervalMs: 60_000, timeoutMs: 1_000, wakers, wakeAfterMs: [100], resumed: 'back', pass: async () => void at.push(Date.now() - began) });
    for (const wake of wakers) wake();
    await new Promise((resolve) => setTimeout(resolve, 70));
    // Its transaction commits after the first wake's pass: it needs a pass of its own, ~100 ms after it.
    for (const wake of wakers) wake();
    await until(() => at.length === 2);
    await stop();
    expect(at[0]).toBeGreaterThanOrEqual(90);
    expect(at[1]).toBeGreaterThanOrEqual(160);
  });

  it('says the first failure of an outage once, not at every pass, and says when it resumes', async () => {
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let passes = 0;
    try {
      const stop = startWakeable({
        name: 'test outage',
        intervalMs: 5,
        timeoutMs: 1_000,
        wakers: new Set(),
        wakeAfterMs: [],
        resumed: 'test outage resumed',
        pass: async () => {
          passes++;
          if (passes <= 4) throw new Error('connection refused');
        },
      });
      await until(() => passes >= 6);
      await stop();
      const lines = said.mock.calls.map((args) => String(args[0]));
      expect(lines.filter((l) => l.startsWith('test outage failed'))).toHaveLength(1);
      expect(lines.filter((l) => l === 'test outage resumed')).toHaveLength(1);
    } finally {
      said.mockRestore();
    }
  });
});
