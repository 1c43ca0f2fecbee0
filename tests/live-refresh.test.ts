import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from '../web/src/composables/coalesce.ts';

/**
 * Issue 14: the Surveys and Satisfaction results (and every page on useLiveRefresh) refetch when the
 * server says something changed — one refetch for a burst, at most one per gap under a steady stream of
 * notices (never starved), never two at once.
 */
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('coalesced refreshes', () => {
  it('makes one run of a burst, after the short delay', () => {
    const run = vi.fn();
    const c = coalesce(run, { delayMs: 300, minGapMs: 2_000 });
    for (let i = 0; i < 50; i++) c.signal();
    vi.advanceTimersByTime(299);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs at most once per gap under a steady stream of notices, and is never starved by it', () => {
    const run = vi.fn();
    const c = coalesce(run, { delayMs: 300, minGapMs: 2_000 });
    // A notice every 100 ms for 10 s: a debounce restarting on each would never run.
    for (let t = 0; t < 10_000; t += 100) {
      c.signal();
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(2_000);
    // The first after 300 ms, then one per 2 s: 0.3, 2.3, 4.3, 6.3, 8.3, 10.3 s.
    expect(run).toHaveBeenCalledTimes(6);
  });

  it('never overlaps a slow refetch: the notices meanwhile make one more run after it', async () => {
    let finish: () => void = () => {};
    const run = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const c = coalesce(run, { delayMs: 300, minGapMs: 1_000 });
    c.signal();
    vi.advanceTimersByTime(300);
    expect(run).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 20; i++) c.signal();
    vi.advanceTimersByTime(5_000);
    expect(run).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('runs nothing once cancelled (the page went away)', () => {
    const run = vi.fn();
    const c = coalesce(run);
    c.signal();
    c.cancel();
    c.signal();
    vi.advanceTimersByTime(10_000);
    expect(run).not.toHaveBeenCalled();
  });
});
