import { describe, expect, it } from 'vitest';
import { requestsDue } from '../../tools/simulator/pacing.ts';
import { runningWeights, tableOf, TableRouter, type MatchRoute } from '../../tools/simulator/routing.ts';

describe('pacing', () => {
  it('sends what keeps the rate since the window started', () => {
    expect(requestsDue({ elapsedMs: 1000, requestsPerSecond: 40, alreadyPaced: 30, maxBurst: 20 })).toEqual({
      send: 10,
      skipped: 0,
    });
    expect(requestsDue({ elapsedMs: 10, requestsPerSecond: 40, alreadyPaced: 0, maxBurst: 20 })).toEqual({
      send: 0,
      skipped: 0,
    });
  });

  it('drops the backlog of a stall beyond one burst instead of catching up', () => {
    expect(requestsDue({ elapsedMs: 5000, requestsPerSecond: 40, alreadyPaced: 100, maxBurst: 10 })).toEqual({
      send: 10,
      skipped: 90,
    });
  });

  it('never goes negative when ahead of schedule', () => {
    expect(requestsDue({ elapsedMs: 100, requestsPerSecond: 40, alreadyPaced: 50, maxBurst: 10 })).toEqual({
      send: 0,
      skipped: 0,
    });
  });
});

describe('choosing the version of a request', () => {
  const weights = new Map([
    ['stable', 1],
    ['canary', 1],
  ]);
  const betaUsers: MatchRoute = { hash: 'canary', matches: (r) => r.headers['x-beta'] === 'yes' };
  const routerWith = (running: string[]) => {
    const router = new TableRouter();
    router.update(tableOf(weights, [betaUsers]), new Set(running));
    return router;
  };

  it('sends a request that matches a header route to that version', () => {
    const router = routerWith(['stable', 'canary']);
    const beta = { path: '/', headers: { 'x-beta': 'yes' } };
    expect([1, 2, 3].map(() => router.route(beta)?.hash)).toEqual(['canary', 'canary', 'canary']);
  });

  it('uses the weights for requests no route matches, and for routes to versions not running', () => {
    const plain = { path: '/', headers: {} };
    expect(routerWith(['stable', 'canary']).route(plain)?.hash).toBe('stable');
    const beta = { path: '/', headers: { 'x-beta': 'yes' } };
    expect(routerWith(['stable']).route(beta)?.hash).toBe('stable');
  });

  it('only weighs versions that are running, as a router only sends to ready endpoints', () => {
    const weights = new Map([
      ['stable', 3],
      ['canary', 1],
    ]);
    expect(runningWeights(weights, new Set(['stable']))).toEqual(new Map([['stable', 3]]));
  });
});
