import { describe, expect, it } from 'vitest';
import { routesInEffect } from './traffic-routes.ts';
import { podsForWeight, toPercent, toUnits, weightPodsCarry } from './traffic-weights.ts';

const BETA = [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }];
const API = [{ path: { prefix: '/api' } }];

describe('routesInEffect', () => {
  it('orders the routes by managedRoutes, whatever the step order', () => {
    const routes = routesInEffect(
      [{ setHeaderRoute: { name: 'beta', match: BETA } }, { setMirrorRoute: { name: 'shadow', match: API } }],
      ['shadow', 'beta'],
    );
    expect(routes).toEqual({
      headerRoutes: [{ name: 'beta', match: BETA }],
      mirrorRoutes: [{ name: 'shadow', percentage: 100, match: API }],
    });
  });

  it('lets a later step with the same name replace the route, and one without match remove it', () => {
    const other = [{ headerName: 'X-Other', headerValue: { prefix: 'a' } }];
    expect(
      routesInEffect(
        [
          { setHeaderRoute: { name: 'beta', match: BETA } },
          { setHeaderRoute: { name: 'beta', match: other } },
        ],
        ['beta'],
      ).headerRoutes,
    ).toEqual([{ name: 'beta', match: other }]);
    expect(
      routesInEffect(
        [
          { setHeaderRoute: { name: 'beta', match: BETA } },
          { setMirrorRoute: { name: 'shadow', percentage: 10, match: API } },
          { setHeaderRoute: { name: 'beta' } },
          { setMirrorRoute: { name: 'shadow', match: [] } },
        ],
        ['beta', 'shadow'],
      ),
    ).toEqual({ headerRoutes: [], mirrorRoutes: [] });
  });

  it('keeps the mirror percentage and leaves out names that are not managed routes', () => {
    const routes = routesInEffect(
      [
        { setMirrorRoute: { name: 'shadow', percentage: 25, match: API } },
        { setHeaderRoute: { name: 'unknown', match: BETA } },
      ],
      ['shadow'],
    );
    expect(routes).toEqual({
      headerRoutes: [],
      mirrorRoutes: [{ name: 'shadow', percentage: 25, match: API }],
    });
  });
});

describe('traffic weights in maxTrafficWeight units', () => {
  it('converts units to percent and back', () => {
    expect(toPercent(5, 1000)).toBe(0.5);
    expect(toPercent(20, 100)).toBe(20);
    expect(toUnits(toPercent(1, 3), 3)).toBe(1);
    expect(toUnits(0.5, 1000)).toBe(5);
    expect(toUnits(150, 100)).toBe(100);
  });

  it('sizes the pods for a weight with integer arithmetic (no float rounding up)', () => {
    // 1/3 of 3 pods is exactly one pod; percent arithmetic (33.33…% of 3) would round up to 2.
    expect(podsForWeight(3, 1, 3)).toBe(1);
    expect(podsForWeight(10, 25, 100)).toBe(3);
    expect(podsForWeight(10, 5, 1000)).toBe(1);
    expect(podsForWeight(10, 0, 100)).toBe(0);
  });

  it('gives the largest weight the available pods carry, the inverse of podsForWeight', () => {
    expect(weightPodsCarry(3, 10, 100)).toBe(30);
    expect(weightPodsCarry(10, 10, 100)).toBe(100);
    expect(weightPodsCarry(0, 10, 100)).toBe(0);
    for (const replicas of [1, 3, 7, 10])
      for (const max of [3, 100, 1000])
        for (let available = 0; available <= replicas; available++) {
          const carried = weightPodsCarry(available, replicas, max);
          expect(podsForWeight(replicas, carried, max)).toBeLessThanOrEqual(available);
          if (carried < max) expect(podsForWeight(replicas, carried + 1, max)).toBeGreaterThan(available);
        }
  });
});
