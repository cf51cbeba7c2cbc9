import { describe, expect, it } from 'vitest';
import { retryAfterMs, ServerBackoff } from './server-backoff.ts';

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(' 0 ')).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1000)).toBe(4000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs(['1'])).toBeUndefined();
  });
});

describe('ServerBackoff', () => {
  const clock = () => {
    let now = 0;
    const slept: number[] = [];
    return {
      options: {
        now: () => now,
        sleep: (ms: number) => {
          slept.push(ms);
          now += ms;
          return Promise.resolve();
        },
      },
      slept,
      advance: (ms: number) => (now += ms),
    };
  };

  it('holds requests for the Retry-After of a 429 or 503, not of other answers', async () => {
    const c = clock();
    const backoff = new ServerBackoff(c.options);
    backoff.observe(500, '5');
    backoff.observe(200, '5');
    backoff.observe(429, undefined);
    expect(backoff.remainingMs()).toBe(0);
    backoff.observe(429, '2');
    expect(backoff.remainingMs()).toBe(2000);
    backoff.observe(503, '1'); // shorter: the longer hold stands
    expect(backoff.remainingMs()).toBe(2000);
    await backoff.wait();
    expect(c.slept).toEqual([2000]);
    expect(backoff.remainingMs()).toBe(0);
    expect(backoff.holds).toBe(1);
  });

  it('waits for a hold extended while it waited, and caps a huge Retry-After', async () => {
    const c = clock();
    const backoff = new ServerBackoff({ ...c.options, maxHoldMs: 10_000 });
    backoff.observe(429, '3600');
    expect(backoff.remainingMs()).toBe(10_000);
    c.advance(9000);
    backoff.observe(429, '4');
    await backoff.wait();
    expect(c.slept).toEqual([4000]);
  });
});
