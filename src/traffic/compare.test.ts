import { describe, expect, it } from 'vitest';
import { containsDesired } from './compare.ts';
import { routerWeights } from './weights.ts';

describe('containsDesired', () => {
  it('accepts fields the server added, not changed values', () => {
    const current = { rules: [{ backendRefs: [{ name: 'a', weight: 10, kind: 'Service', group: '' }] }] };
    expect(containsDesired({ rules: [{ backendRefs: [{ name: 'a', weight: 10 }] }] }, current)).toBe(true);
    expect(containsDesired({ rules: [{ backendRefs: [{ name: 'a', weight: 11 }] }] }, current)).toBe(false);
  });
  it('sees a removed list element', () => {
    expect(containsDesired({ l: [1] }, { l: [1, 2] })).toBe(false);
    expect(containsDesired({ l: [1, 2] }, { l: [1] })).toBe(false);
  });
  it('sees a missing object', () => {
    expect(containsDesired({ a: { b: 1 } }, {})).toBe(false);
    expect(containsDesired({ a: undefined }, {})).toBe(true);
  });
});

describe('routerWeights', () => {
  it('scales the percent to maxTrafficWeight; canary + stable = the total', () => {
    expect(routerWeights(10, 100)).toEqual({ canary: 10, stable: 90 });
    expect(routerWeights(10, 1000)).toEqual({ canary: 100, stable: 900 });
    expect(routerWeights(33, 10)).toEqual({ canary: 3, stable: 7 });
    expect(routerWeights(100, 7)).toEqual({ canary: 7, stable: 0 });
    expect(routerWeights(0, 7)).toEqual({ canary: 0, stable: 7 });
  });
});
