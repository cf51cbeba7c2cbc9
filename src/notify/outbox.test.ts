import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Outbox', () => {
  it('runs one lane in order, lanes independently, and drops the oldest waiting job beyond the limit', async () => {
    const dropped: string[] = [];
    const ran: string[] = [];
    const outbox = new Outbox<string>(2, (item) => dropped.push(item));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const job = (item: string, wait?: Promise<void>) => ({
      item,
      run: async () => {
        await wait;
        ran.push(item);
      },
    });
    outbox.push('a', job('a1', gate));
    for (const item of ['a2', 'a3', 'a4']) outbox.push('a', job(item));
    outbox.push('b', job('b1'));
    await tick();
    expect(ran).toEqual(['b1']); // lane b does not wait for lane a
    expect(dropped).toEqual(['a2']);
    expect(outbox.size).toBe(3);
    release();
    await outbox.drained(1000);
    expect(ran).toEqual(['b1', 'a1', 'a3', 'a4']);
    expect(outbox.size).toBe(0);
  });

  it('a job that throws does not stop its lane; drained() gives up after the timeout', async () => {
    const ran: string[] = [];
    const outbox = new Outbox<string>(10, () => undefined);
    outbox.push('a', { item: 'x', run: () => Promise.reject(new Error('boom')) });
    outbox.push('a', { item: 'y', run: () => Promise.resolve(void ran.push('y')) });
    await outbox.drained(1000);
    expect(ran).toEqual(['y']);
    outbox.push('c', { item: 'never', run: () => new Promise(() => undefined) });
    const started = Date.now();
    await outbox.drained(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
