import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

function clock(start = 0) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces calls at qps', () => {
    const c = clock();
    const bucket = new TokenBucket({ qps: 10, burst: 3, now: c.now });
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    // the fourth and fifth borrow from the future, in arrival order: 100 ms, then 200 ms
    expect(bucket.reserve()).toBeCloseTo(100);
    expect(bucket.reserve()).toBeCloseTo(200);
  });

  it('refills at qps, never beyond burst', () => {
    const c = clock();
    const bucket = new TokenBucket({ qps: 5, burst: 2, now: c.now });
    bucket.reserve();
    bucket.reserve();
    c.advance(200); // one token back
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBeCloseTo(200);
    c.advance(60_000); // a long idle time refills only up to burst
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 0]);
    expect(bucket.reserve()).toBeCloseTo(200);
  });

  it('holds a sustained rate of qps whatever the concurrency', () => {
    const c = clock();
    const bucket = new TokenBucket({ qps: 50, burst: 100, now: c.now });
    const waits = Array.from({ length: 600 }, () => bucket.reserve());
    // 100 at once, the other 500 spread over 10 s
    expect(waits.filter((w) => w === 0)).toHaveLength(100);
    expect(Math.max(...waits)).toBeCloseTo(10_000);
  });

  it('take() sleeps exactly the reserved wait', async () => {
    const c = clock();
    const slept: number[] = [];
    const bucket = new TokenBucket({
      qps: 2,
      burst: 1,
      now: c.now,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    await bucket.take();
    await bucket.take();
    expect(slept).toEqual([500]);
  });

  it('rejects settings that would never let a call through', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(/qps/);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(/burst/);
    expect(() => new TokenBucket({ qps: 1, burst: 1.5 })).toThrow(/burst/);
  });
});
