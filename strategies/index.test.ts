import { describe, expect, it } from 'vitest';
import { reconcileStrategy } from './index.ts';
import type { StrategyInput } from './types.ts';

const base: StrategyInput = {
  generation: 1,
  spec: { replicas: 2, strategy: {} },
  status: {},
  currentPodHash: 'v1',
  replicaSets: [
    { hash: 'v1', revision: 1, specReplicas: 0, replicas: 0, readyReplicas: 0, availableReplicas: 0 },
  ],
  now: Date.parse('2024-01-01T00:00:00Z'),
};

describe('reconcileStrategy', () => {
  it('runs a rolling update for strategy.rolling (and for no strategy)', () => {
    expect(
      reconcileStrategy({ ...base, spec: { replicas: 2, strategy: { rolling: {} } } }).replicaSets,
    ).toEqual({ v1: 2 });
    expect(reconcileStrategy(base).replicaSets).toEqual({ v1: 2 });
  });

  it('runs the canary for strategy.canary', () => {
    const decision = reconcileStrategy({
      ...base,
      spec: { replicas: 2, strategy: { canary: { steps: [{ setWeight: 50 }] } } },
    });
    expect(decision.status).toMatchObject({ stableRS: 'v1', currentStepIndex: 1 });
    expect(decision.status.currentStepHash).toMatch(/^[0-9a-f]{8}$/);
  });

  it('runs the blue-green strategy for strategy.blueGreen', () => {
    const decision = reconcileStrategy({
      ...base,
      spec: { replicas: 2, strategy: { blueGreen: { activeService: 'active' } } },
    });
    expect(decision.replicaSets).toEqual({ v1: 2 });
    expect(decision.status).toMatchObject({ stableRS: 'v1', currentPodHash: 'v1' });
    // The first version takes the active Service only once its pods are all available.
    expect(decision.selectors).toEqual({});
  });

  it('runs the A/B test for strategy.abTest', () => {
    const decision = reconcileStrategy({
      ...base,
      spec: {
        replicas: 2,
        strategy: {
          abTest: {
            variants: { a: { service: 'a' }, b: { service: 'b' } },
            split: { a: 50, b: 50 },
            stickiness: { header: { name: 'X-User' } },
            trafficRouting: {},
          },
        },
      },
    });
    expect(decision.replicaSets).toEqual({ v1: 2 });
    expect(decision.status).toMatchObject({ stableRS: 'v1', currentPodHash: 'v1' });
    expect(decision.traffic).toEqual({
      canaryWeight: 0,
      headerRoutes: [],
      mirrorRoutes: [],
      stickiness: { header: { name: 'X-User' } },
    });
  });
});
