import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPeriodic } from './periodic.ts';

describe('startPeriodic', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never overlaps passes, and gives up on a pass that hangs so the next one runs', async () => {
    const errors: unknown[] = [];
    let started = 0;
    const stop = startPeriodic(
      () => {
        started += 1;
        // The first pass hangs forever (a query on a dead connection); later ones end at once.
        return started === 1 ? new Promise(() => {}) : Promise.resolve();
      },
      { name: 'Test', intervalMs: 1000, timeoutMs: 2500, onError: (e) => errors.push(e) },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(1500);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/given up on/);
    // Given up on at 2.5 s: the tick at 3 s starts the next pass.
    expect(started).toBe(2);
    await stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(started).toBe(2);
  });
});
