import { describe, expect, it } from 'vitest';
import { FlowControlAwareLimit, flowSchemaHeader } from './flow-control-limit.ts';
import { TokenBucket } from './token-bucket.ts';

// A bucket on a clock that never moves: every take beyond the burst would sleep, and the sleeps
// are recorded instead of waited.
const frozenBucket = (burst: number) => {
  const sleeps: number[] = [];
  const bucket = new TokenBucket({
    qps: 10,
    burst,
    now: () => 0,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { bucket, sleeps };
};

describe('FlowControlAwareLimit', () => {
  it('limits like its bucket while no response named a flow schema', async () => {
    const { bucket, sleeps } = frozenBucket(2);
    const limit = new FlowControlAwareLimit(bucket);
    limit.observe({ 'content-type': 'application/json' });
    for (let i = 0; i < 4; i++) await limit.take();
    expect(sleeps).toEqual([100, 200]);
    expect(limit.limited).toBe(true);
  });

  it('lifts the limit, once, when a response carries the APF flow schema header', async () => {
    const { bucket, sleeps } = frozenBucket(1);
    const lifted: string[] = [];
    const limit = new FlowControlAwareLimit(bucket, () => lifted.push('lifted'));
    await limit.take();
    limit.observe({ [flowSchemaHeader]: '8d1e0911-e7d8-46ac-a619-981d952e6b80' });
    limit.observe({ [flowSchemaHeader]: '8d1e0911-e7d8-46ac-a619-981d952e6b80' });
    for (let i = 0; i < 100; i++) await limit.take();
    expect(sleeps).toEqual([]);
    expect(lifted).toEqual(['lifted']);
    expect(limit.limited).toBe(false);
  });
});
