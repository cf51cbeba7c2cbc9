import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmoothWeightedRoundRobin } from '../../tools/simulator/allocation.ts';

const picks = (rr: SmoothWeightedRoundRobin, n: number) => Array.from({ length: n }, () => rr.next());

function tally(values: readonly (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v ?? '-'] = (counts[v ?? '-'] ?? 0) + 1;
  return counts;
}

describe('smooth weighted round robin', () => {
  it('interleaves picks instead of sending runs to one target', () => {
    const rr = new SmoothWeightedRoundRobin(
      new Map([
        ['a', 5],
        ['b', 1],
        ['c', 1],
      ]),
    );
    expect(picks(rr, 7).join('')).toBe('aabacaa');
  });

  it('gives each target exactly its weight in every cycle of total-weight picks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (weights, cycles) => {
          const map = new Map(weights.map((w, i) => [`t${i}`, w]));
          const total = weights.reduce((a, b) => a + b, 0);
          const rr = new SmoothWeightedRoundRobin(map);
          const counts = tally(picks(rr, total * cycles));
          for (const [target, weight] of map) expect(counts[target] ?? 0).toBe(weight * cycles);
        },
      ),
    );
  });

  it('splits by ratio for fractional weights too', () => {
    const rr = new SmoothWeightedRoundRobin(
      new Map([
        ['stable', 0.75],
        ['canary', 0.25],
      ]),
    );
    expect(tally(picks(rr, 400))).toEqual({ stable: 300, canary: 100 });
  });

  it('never picks a zero weight, and picks nothing without weights', () => {
    const rr = new SmoothWeightedRoundRobin(
      new Map([
        ['a', 0],
        ['b', 2],
      ]),
    );
    expect(new Set(picks(rr, 10))).toEqual(new Set(['b']));
    rr.setWeights(new Map());
    expect(rr.next()).toBeUndefined();
  });

  it('follows new weights at once and keeps the cycle of targets that stay', () => {
    const rr = new SmoothWeightedRoundRobin(
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
    );
    expect(rr.next()).toBe('a');
    rr.setWeights(
      new Map([
        ['a', 1],
        ['b', 1],
        ['c', 2],
      ]),
    );
    // b was owed its turn: it is not restarted in favour of the first target
    expect(rr.next()).toBe('b');
    expect(tally(picks(rr, 400))).toEqual({ a: 100, b: 100, c: 200 });
  });

  it('rejects weights no router would write', () => {
    expect(() => new SmoothWeightedRoundRobin(new Map([['a', -1]]))).toThrow('weight of a must be >= 0');
    expect(() => new SmoothWeightedRoundRobin(new Map([['a', NaN]]))).toThrow('weight of a must be >= 0');
  });
});
