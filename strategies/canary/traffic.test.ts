/**
 * The canary with a traffic router, reconcile by reconcile through the simulated cluster (which
 * applies decision.traffic and reads the weight back). The driver checks at every reconcile that
 * feeding the decision's status back changes nothing (status, pods, traffic, selectors, events).
 */
import { describe, expect, it } from 'vitest';
import { reconcileCanary } from './reconcile.ts';
import { reasons } from '../../test/support/strategies/reconcile-driver.ts';
import {
  reconcile,
  routedCanarySpec,
  settleCanary,
  updating,
} from '../../test/support/strategies/canary-world.ts';
import {
  advanceClock,
  applyDecision,
  deployVersion,
  inputOf,
  makeAvailable,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { withStatus } from '../../test/support/strategies/world-edits.ts';
import type { CanaryStep, CanaryStrategySpec, RolloutSpecView, StrategyDecision } from '../types.ts';

const BETA = [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }];
const API = [{ path: { prefix: '/api' } }];

/** The routed canary with the two managed routes these tests set (and maxTrafficWeight if given). */
function routedSpec(
  steps: CanaryStep[],
  extra: Partial<CanaryStrategySpec> = {},
  replicas = 10,
  maxTrafficWeight?: number,
): RolloutSpecView {
  const routing = {
    managedRoutes: [{ name: 'shadow' }, { name: 'beta' }],
    ...(maxTrafficWeight === undefined ? {} : { maxTrafficWeight }),
  };
  return routedCanarySpec({ steps, ...extra }, { replicas, routing });
}

/** Reconciles until `done` holds for a decision (pods starting after each), with every decision. */
function runUntil(
  world: SimulatedWorld,
  done: (decision: StrategyDecision) => boolean,
  podsStartUp = true,
): { world: SimulatedWorld; decisions: StrategyDecision[] } {
  const decisions: StrategyDecision[] = [];
  let current = world;
  for (let round = 0; round < 30; round++) {
    const step = reconcile(current);
    decisions.push(step.decision);
    current = podsStartUp ? makeAvailable(step.world) : step.world;
    if (done(step.decision)) return { world: current, decisions };
  }
  throw new Error('condition never reached');
}

const weightOf = (decision: StrategyDecision): number | undefined => decision.traffic?.canaryWeight;

describe('canary with a traffic router: setWeight', () => {
  it('has no traffic decision without a router', () => {
    const spec = routedSpec([{ setWeight: 20 }]);
    const { trafficRouting: _router, ...canary } = spec.strategy.canary ?? {};
    const decision = reconcile(updating({ ...spec, strategy: { canary } })).decision;
    expect(decision).not.toHaveProperty('traffic');
  });

  it('scales the canary to ceil(N% of replicas), keeps the stable full, and moves the weight once the pods are available', () => {
    const first = reconcile(updating(routedSpec([{ setWeight: 25 }, { pause: {} }])));
    expect(first.decision.replicaSets).toEqual({ v1: 10, v2: 3 });
    expect(first.decision.traffic).toEqual({ canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] });
    // No canary pod available yet: the canary Service keeps selecting the stable pods.
    expect(first.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });

    const partly = reconcile(makeAvailable(first.world, 'v2', 2));
    expect(weightOf(partly.decision)).toBe(0);
    expect(partly.decision.selectors).toEqual({ canary: 'v2', stable: 'v1' });

    const shifted = reconcile(makeAvailable(partly.world));
    expect(weightOf(shifted.decision)).toBe(25);
    expect(shifted.decision.status.canary?.weights).toEqual({ canary: 25, stable: 75 });
    expect(shifted.decision.replicaSets).toEqual({ v1: 10, v2: 3 });
    expect(shifted.decision.events).toEqual([
      {
        type: 'Normal',
        reason: 'TrafficWeightUpdated',
        message: 'Traffic weight to the canary updated from 0% to 25%',
      },
    ]);
    // The step completes once the router carries the weight (read back on the next reconcile).
    expect(shifted.decision.status.currentStepIndex).toBe(0);
    const done = reconcile(shifted.world);
    expect(done.decision.status.currentStepIndex).toBe(1);
    expect(reasons(done.decision.events)).toEqual([
      'RolloutStepCompleted',
      'RolloutStepStarted',
      'RolloutPaused',
    ]);
    expect(weightOf(done.decision)).toBe(25);
  });

  it('lowers the weight to what the canary pods carry when they are lost, and never raises it under spec.paused', () => {
    const paused = settleCanary(updating(routedSpec([{ setWeight: 50 }, { pause: {} }]))).world;
    expect(paused.traffic?.canaryWeight).toBe(50);
    const lost = {
      ...paused,
      replicaSets: paused.replicaSets.map((rs) => (rs.hash === 'v2' ? { ...rs, availableReplicas: 3 } : rs)),
    };
    const lowered = reconcile(lost);
    expect(weightOf(lowered.decision)).toBe(30);
    expect(lowered.decision.status.canary?.weights).toEqual({ canary: 30, stable: 70 });

    // Held by the user, the pods coming back do not raise the weight.
    const held = reconcile({ ...lowered.world, spec: { ...lowered.world.spec, paused: true } });
    const back = reconcile(makeAvailable(held.world));
    expect(weightOf(back.decision)).toBe(30);
    const resumed = reconcile({ ...back.world, spec: { ...back.world.spec, paused: false } });
    expect(weightOf(resumed.decision)).toBe(50);
  });

  it('scales the canary per setCanaryScale (replicas, weight, matchTrafficWeight) independently of the weight', () => {
    const spec = routedSpec([
      { setCanaryScale: { replicas: 1 } },
      { setWeight: 40 },
      { pause: {} },
      { setCanaryScale: { weight: 60 } },
      { pause: {} },
      { setCanaryScale: { matchTrafficWeight: true } },
      { pause: {} },
    ]);
    let world = settleCanary(updating(spec)).world;
    // One pod, 40% of the traffic: the operator asked for it.
    expect(specCounts(world, 'v1', 'v2')).toEqual([10, 1]);
    expect(world.traffic?.canaryWeight).toBe(40);
    world = settleCanary(withStatus(world, { pauseConditions: undefined })).world;
    expect(specCounts(world, 'v1', 'v2')).toEqual([10, 6]);
    expect(world.traffic?.canaryWeight).toBe(40);
    world = settleCanary(withStatus(world, { pauseConditions: undefined })).world;
    expect(specCounts(world, 'v1', 'v2')).toEqual([10, 4]);
  });

  it('reads setWeight in maxTrafficWeight units and tells the router percent', () => {
    const spec = routedSpec([{ setWeight: 5 }, { pause: {} }], {}, 10, 1000);
    const world = settleCanary(updating(spec)).world;
    expect(world.traffic?.canaryWeight).toBe(0.5);
    expect(world.status.canary?.weights).toEqual({ canary: 5, stable: 995 });
    expect(specCounts(world, 'v1', 'v2')).toEqual([10, 1]);
    expect(world.status.phase).toBe('Paused');
  });
});

describe('canary with a traffic router: a router coarser than maxTrafficWeight', () => {
  it('completes the steps when the router reads back whole percents (Istio) for 0.5%', () => {
    // The router holds the nearest whole percent: 0.5% is read back as 1%.
    const coarse = (world: SimulatedWorld): SimulatedWorld =>
      world.traffic === undefined
        ? world
        : {
            ...world,
            traffic: { ...world.traffic, canaryWeight: Math.round(world.traffic.canaryWeight + 0.01) },
          };
    let world = updating(routedSpec([{ setWeight: 5 }, { pause: {} }], {}, 10, 1000));
    for (let round = 0; round < 10 && world.status.phase !== 'Paused'; round++) {
      world = coarse(makeAvailable(reconcile(world).world));
    }
    expect(world.status.phase).toBe('Paused');
    expect(world.status.currentStepIndex).toBe(1);
    expect(world.status.canary?.weights).toEqual({ canary: 5, stable: 995 });
  });
});

describe('canary with a traffic router: header and mirror routes', () => {
  const spec = routedSpec([
    { setCanaryScale: { replicas: 1 } },
    { setHeaderRoute: { name: 'beta', match: BETA } },
    { setMirrorRoute: { name: 'shadow', percentage: 20, match: API } },
    { pause: {} },
    { setHeaderRoute: { name: 'beta' } },
    { setWeight: 50 },
    { pause: {} },
  ]);

  it('derives the routes from the executed steps, in managedRoutes order; a later step without match removes one', () => {
    const first = settleCanary(updating(spec)).world;
    expect(first.status.currentStepIndex).toBe(3);
    expect(first.traffic).toEqual({
      canaryWeight: 0,
      headerRoutes: [{ name: 'beta', match: BETA }],
      mirrorRoutes: [{ name: 'shadow', percentage: 20, match: API }],
    });
    const second = settleCanary(withStatus(first, { pauseConditions: undefined })).world;
    expect(second.status.currentStepIndex).toBe(6);
    expect(second.traffic).toEqual({
      canaryWeight: 50,
      headerRoutes: [],
      mirrorRoutes: [{ name: 'shadow', percentage: 20, match: API }],
    });
  });

  it('removes every route at once on abort and on a new pod template', () => {
    const paused = settleCanary(updating(spec)).world;
    const aborted = reconcile(withStatus(paused, { abort: true }));
    expect(aborted.decision.traffic).toEqual({ canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] });
    expect(aborted.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });

    const replaced = reconcile(deployVersion(paused, 'v3'));
    expect(replaced.decision.traffic).toEqual({ canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] });
  });
});

describe('canary with a traffic router: completion, abort, promote --full', () => {
  it('completes in Argo order: canary full, weight 100, then the canary becomes stable and the weight goes back to 0', () => {
    const run = runUntil(
      updating(routedSpec([{ setWeight: 50 }], {}, 4)),
      (d) => d.status.phase === 'Healthy',
    );
    const full = run.decisions.findIndex((d) => weightOf(d) === 100);
    expect(full).toBeGreaterThan(0);
    const atFull = run.decisions[full];
    const promoted = run.decisions[full + 1];
    // Weight 100 only with all canary pods available; the stable still full and still stable.
    expect(atFull?.replicaSets).toEqual({ v1: 4, v2: 4 });
    expect(atFull?.selectors).toEqual({ canary: 'v2', stable: 'v1' });
    expect(atFull?.status.stableRS).toBe('v1');
    expect(promoted?.selectors).toEqual({ canary: 'v2', stable: 'v2' });
    expect(promoted?.status.stableRS).toBe('v2');
    expect(promoted?.traffic).toEqual({ canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] });
    expect(promoted?.status.canary?.weights).toEqual({ canary: 0, stable: 100 });
    expect(reasons(promoted?.events ?? [])).toContain('RolloutCompleted');
    // Every earlier weight stayed below 100 and the stable stayed stable.
    for (const decision of run.decisions.slice(0, full)) expect(weightOf(decision)).toBeLessThan(100);

    // The old stable keeps its pods for scaleDownDelaySeconds (30 by default with a router).
    const settled = settleCanary(run.world).world;
    expect(specCounts(settled, 'v1', 'v2')).toEqual([4, 4]);
    expect(specCounts(settleCanary(advanceClock(settled, 30_000)).world, 'v1', 'v2')).toEqual([0, 4]);
  });

  it('abort: weight 0 at once, the canary keeps its pods for abortScaleDownDelaySeconds', () => {
    const paused = settleCanary(updating(routedSpec([{ setWeight: 40 }, { pause: {} }]))).world;
    expect(paused.traffic?.canaryWeight).toBe(40);
    const aborted = reconcile(withStatus(paused, { abort: true }));
    expect(weightOf(aborted.decision)).toBe(0);
    expect(aborted.decision.status.canary?.weights).toEqual({ canary: 0, stable: 100 });
    expect(aborted.decision.replicaSets).toEqual({ v1: 10, v2: 4 });
    expect(aborted.decision.scaleDownDeadlines).toEqual({ v2: paused.now + 30_000 });
    const later = settleCanary(advanceClock(settleCanary(aborted.world).world, 30_000)).world;
    expect(specCounts(later, 'v1', 'v2')).toEqual([10, 0]);
    expect(later.traffic?.canaryWeight).toBe(0);
  });

  it('promote --full: the canary goes to full size first, then weight 100, then it completes', () => {
    const paused = settleCanary(
      updating(routedSpec([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }])),
    ).world;
    const run = runUntil(
      withStatus(paused, { promoteFull: true, pauseConditions: undefined }),
      (d) => d.status.stableRS === 'v2',
    );
    const weights = run.decisions.map(weightOf);
    expect(weights.at(-1)).toBe(0);
    expect(weights.at(-2)).toBe(100);
    // Before 100 the weight stays at the step's 20 while the canary scales to 10.
    expect(new Set(weights.slice(0, -2))).toEqual(new Set([20]));
    expect(run.decisions.at(-2)?.replicaSets).toEqual({ v1: 10, v2: 10 });
  });

  it('converges the same way when the shell does not read the router back (status.canary.weights)', () => {
    // No driver here: without read-back the core learns the router's weight from its own last
    // status, so feeding that status straight back is meant to move on (one reconcile later).
    let current: SimulatedWorld = {
      ...updating(routedSpec([{ setWeight: 50 }, { pause: { duration: 10 } }], {}, 4)),
      routerUnread: true,
    };
    const weights: number[] = [];
    for (let round = 0; round < 20 && current.status.stableRS !== 'v2'; round++) {
      const decision = reconcileCanary(inputOf(current));
      expect(inputOf(current)).not.toHaveProperty('observedTraffic');
      weights.push(decision.traffic?.canaryWeight ?? -1);
      current = advanceClock(makeAvailable(applyDecision(current, decision)), 5_000);
    }
    expect(current.status.stableRS).toBe('v2');
    expect(weights.filter((weight, i) => weight !== weights[i - 1])).toEqual([0, 50, 100, 0]);
  });
});

describe('canary with a traffic router: dynamicStableScale', () => {
  const spec = routedSpec([{ setWeight: 30 }, { pause: {} }, { setWeight: 70 }, { pause: {} }], {
    dynamicStableScale: true,
  });

  it('scales the stable down only once the router has moved its share to the canary', () => {
    const first = runUntil(updating(spec), (d) => weightOf(d) === 30);
    // The decision that moves the weight still keeps the stable at full size.
    expect(first.decisions.at(-1)?.replicaSets).toEqual({ v1: 10, v2: 3 });
    const next = reconcile(first.world);
    expect(next.decision.replicaSets).toEqual({ v1: 7, v2: 3 });
    const paused = settleCanary(next.world).world;
    expect(specCounts(paused, 'v1', 'v2')).toEqual([7, 3]);
    expect(paused.status.phase).toBe('Paused');
    const second = settleCanary(withStatus(paused, { pauseConditions: undefined })).world;
    expect(specCounts(second, 'v1', 'v2')).toEqual([3, 7]);
    expect(second.traffic?.canaryWeight).toBe(70);
  });

  it('on abort scales the stable up first and moves the weight back only as its pods become available', () => {
    const paused = settleCanary(updating(spec)).world;
    const aborted = reconcile(withStatus(paused, { abort: true }));
    expect(aborted.decision.replicaSets).toEqual({ v1: 10, v2: 3 });
    // 7 stable pods carry 70%: the canary keeps 30% until more stable pods are available.
    expect(weightOf(aborted.decision)).toBe(30);
    expect(aborted.decision.selectors).toEqual({ canary: 'v2', stable: 'v1' });
    expect(aborted.decision.traffic?.headerRoutes).toEqual([]);
    const partly = reconcile(makeAvailable(aborted.world, 'v1', 2));
    expect(weightOf(partly.decision)).toBe(10);
    const back = reconcile(makeAvailable(partly.world, 'v1'));
    expect(weightOf(back.decision)).toBe(0);
    expect(back.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });
    // Only now the canary's abort scale-down delay starts.
    expect(back.decision.scaleDownDeadlines).toEqual({ v2: back.world.now + 30_000 });
    const gone = settleCanary(advanceClock(settleCanary(back.world).world, 30_000)).world;
    expect(specCounts(gone, 'v1', 'v2')).toEqual([10, 0]);
  });

  it('completes with the old stable already out of traffic, scaled down at once', () => {
    const paused = settleCanary(updating(spec)).world;
    const done = settleCanary(withStatus(paused, { promoteFull: true, pauseConditions: undefined })).world;
    expect(done.status.stableRS).toBe('v2');
    expect(specCounts(done, 'v1', 'v2')).toEqual([0, 10]);
    expect(done.traffic?.canaryWeight).toBe(0);
  });
});
