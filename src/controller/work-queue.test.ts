import { describe, expect, it } from 'vitest';
import { WorkQueue, type Timers } from './work-queue.ts';

/** A manual clock: timers fire only when the test advances time. */
function manualTimers() {
  let now = 0;
  let pending: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      pending.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      pending = pending.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    const due = pending.filter((t) => t.at <= now);
    pending = pending.filter((t) => t.at > now);
    for (const t of due) t.fn();
  };
  return { timers, advance, pendingCount: () => pending.length };
}

describe('WorkQueue', () => {
  it('deduplicates a key added many times before it is taken', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  it('never hands out a key that is being processed; re-adds it once after done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    q.add('ns/a');
    expect(q.length).toBe(0);
    q.done(key as string);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('ns/a');
    expect(await waiting).toBe('ns/a');
  });

  it('requeues after a delay, keeping the earliest of two requests', () => {
    const { timers, advance, pendingCount } = manualTimers();
    const q = new WorkQueue({ timers });
    q.addAfter('ns/a', 5000);
    q.addAfter('ns/a', 1000);
    q.addAfter('ns/a', 9000);
    expect(pendingCount()).toBe(1);
    advance(999);
    expect(q.length).toBe(0);
    advance(1);
    expect(q.length).toBe(1);
  });

  it('backs off exponentially per key and resets on forget', () => {
    const { timers } = manualTimers();
    const q = new WorkQueue({ timers, baseDelayMs: 10, maxDelayMs: 100 });
    expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('ns/a'))).toEqual([10, 20, 40, 80, 100]);
    expect(q.failureCount('ns/a')).toBe(5);
    q.forget('ns/a');
    expect(q.addRateLimited('ns/a')).toBe(10);
  });

  it('caps the default backoff at 30 s, so a key retries soon after an outage ends', () => {
    const { timers } = manualTimers();
    const q = new WorkQueue({ timers });
    const delays = Array.from({ length: 16 }, () => q.addRateLimited('ns/a'));
    expect(delays.slice(0, 3)).toEqual([50, 100, 200]);
    expect(Math.max(...delays)).toBe(30_000);
    expect(delays.at(-1)).toBe(30_000);
  });

  it('releases waiting workers on shutdown and ignores later adds', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('ns/a');
    expect(await q.get()).toBeUndefined();
  });
});
