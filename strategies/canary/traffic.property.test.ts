/**
 * The canary with a traffic router under any sequence of operations (new versions, promote,
 * promote --full, abort, retry, pause, resume), pods starting and failing at any pace, time
 * passing, with or without dynamicStableScale and any maxTrafficWeight: every reconcile is
 * idempotent (the driver), the router is never told a weight the available canary pods do not
 * carry, an abort always means no routes and (without dynamicStableScale) weight 0, and once
 * the operators stop interfering the rollout ends Healthy on the current version, weight 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcileCanary } from './reconcile.ts';
import { effectiveAvailable } from '../kernel/replicas.ts';
import {
  applyOperation,
  operatorOperations,
  promote,
  runOperations,
  type OperatorOperation,
} from '../../test/support/strategies/operations.ts';
import type { SimulatedWorld } from '../../test/support/strategies/simulated-cluster.ts';
import { podsForWeight, toPercent, toUnits } from '../kernel/traffic-weights.ts';
import type { CanaryStep, RolloutSpecView, StrategyDecision } from '../types.ts';

const BETA = [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }];
const API = [{ path: { prefix: '/api' } }];

/**
 * Two step lists in maxTrafficWeight units (setWeight itself stays within 0..100, as the schema
 * says): one sized by weight only, one with setCanaryScale.
 */
function stepLists(max: number): CanaryStep[][] {
  const weight = (percent: number): number => Math.max(1, Math.round((percent * Math.min(max, 100)) / 100));
  return [
    [
      { setWeight: weight(20) },
      { setHeaderRoute: { name: 'beta', match: BETA } },
      { pause: { duration: '5s' } },
      { setMirrorRoute: { name: 'shadow', match: API } },
      { setWeight: weight(60) },
      { pause: {} },
      { setHeaderRoute: { name: 'beta' } },
      { setWeight: weight(40) },
    ],
    [
      { setCanaryScale: { replicas: 2 } },
      { setWeight: weight(50) },
      { setHeaderRoute: { name: 'beta', match: BETA } },
      { pause: {} },
      { setCanaryScale: { matchTrafficWeight: true } },
      { setWeight: weight(80) },
    ],
  ];
}

type Operation = OperatorOperation | { kind: 'podsLost'; current: boolean; count: number };

const operation: fc.Arbitrary<Operation> = fc.oneof<fc.WeightedArbitrary<Operation>[]>(
  ...operatorOperations(),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('podsLost' as const),
      current: fc.boolean(),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'abort' as const }) },
);

/** Pods of the current version (or of the others) stop being available, as a crash would. */
function losePods(world: SimulatedWorld, current: boolean, count: number): SimulatedWorld {
  return {
    ...world,
    replicaSets: world.replicaSets.map((rs) => {
      if ((rs.hash === world.currentPodHash) !== current) return rs;
      const availableReplicas = Math.max(0, rs.availableReplicas - count);
      return { ...rs, availableReplicas, readyReplicas: Math.min(rs.readyReplicas, availableReplicas) };
    }),
  };
}

function apply(world: SimulatedWorld, op: Operation, versions: { next: number }): SimulatedWorld {
  return op.kind === 'podsLost' ? losePods(world, op.current, op.count) : applyOperation(world, op, versions);
}

interface Config {
  replicas: number;
  max: number;
  dynamic: boolean;
  scaled: boolean;
}

/** The router rules one reconcile must keep, given the world it saw. */
function checkTraffic(config: Config, before: SimulatedWorld, decision: StrategyDecision): void {
  const { replicas, max } = config;
  const traffic = decision.traffic;
  expect(traffic).toBeDefined();
  if (traffic === undefined) return;
  const { status } = decision;
  const units = status.canary?.weights?.canary ?? -1;
  expect(status.canary?.weights).toEqual({ canary: units, stable: max - units });
  expect(traffic.canaryWeight).toBe(toPercent(units, max));
  const observed = toUnits(before.traffic?.canaryWeight ?? 0, max);
  const canary = before.replicaSets.find((rs) => rs.hash === before.currentPodHash);
  const canaryAvailable = canary ? effectiveAvailable(canary) : 0;

  // Never more traffic than the available canary pods carry (setCanaryScale: the operator sized
  // the canary; then at least one pod must be there), and only through the canary's own pods.
  if (units > 0) {
    expect(canaryAvailable).toBeGreaterThan(0);
    expect(decision.selectors.canary).toBe(before.currentPodHash);
    if (!config.scaled) expect(podsForWeight(replicas, units, max)).toBeLessThanOrEqual(canaryAvailable);
  }
  const aborted = status.abortedAt !== undefined && status.currentPodHash !== status.stableRS;
  const inFlight = status.currentPodHash !== status.stableRS;
  const routes = traffic.headerRoutes.length + traffic.mirrorRoutes.length;
  if (aborted) {
    expect(routes).toBe(0);
    if (config.dynamic) expect(units).toBeLessThanOrEqual(observed);
    else expect(units).toBe(0);
  }
  if (!inFlight) {
    expect(units).toBe(0);
    expect(routes).toBe(0);
  }
  if (routes > 0) seen.add('routes set');
  if (aborted && units > 0) seen.add('abort shifting back as the stable scales up');
  if (units > 0 && units < max) seen.add('partial weight');
  if (units === max) seen.add('weight at maxTrafficWeight');
  if (units > 0 && units < observed && !aborted) seen.add('weight lowered in flight');
  // spec.paused never raises the weight.
  if (before.spec.paused === true) expect(units).toBeLessThanOrEqual(observed);
  checkStableShare(config, before, decision, Math.min(units, observed));
}

/** dynamicStableScale: the stable is never scaled down below the share the router gives it. */
function checkStableShare(
  config: Config,
  before: SimulatedWorld,
  decision: StrategyDecision,
  canaryUnits: number,
): void {
  const stable = decision.status.stableRS;
  if (!config.dynamic || stable === undefined || stable === decision.status.currentPodHash) return;
  const was = before.replicaSets.find((rs) => rs.hash === stable)?.specReplicas ?? 0;
  const share = podsForWeight(config.replicas, config.max - canaryUnits, config.max);
  expect(decision.replicaSets[stable]).toBeGreaterThanOrEqual(Math.min(was, share));
}

describe('canary with a traffic router under any sequence of operations', () => {
  it(
    'never tells the router more than the canary pods carry, aborts to no routes, ends Healthy at weight 0',
    { timeout: 120_000 },
    () => {
      fc.assert(
        fc.property(
          fc.record({
            replicas: fc.integer({ min: 1, max: 10 }),
            max: fc.constantFrom(100, 1000, 10),
            dynamic: fc.boolean(),
            scaled: fc.boolean(),
          }),
          fc.array(operation, { minLength: 1, maxLength: 40 }),
          (config, operations) => {
            const steps = stepLists(config.max)[config.scaled ? 1 : 0] ?? [];
            const spec: RolloutSpecView = {
              replicas: config.replicas,
              progressDeadlineSeconds: 120,
              strategy: {
                canary: {
                  canaryService: 'web-canary',
                  stableService: 'web-stable',
                  dynamicStableScale: config.dynamic,
                  trafficRouting: {
                    nginx: { stableIngress: 'web' },
                    managedRoutes: [{ name: 'shadow' }, { name: 'beta' }],
                    maxTrafficWeight: config.max,
                  },
                  steps,
                  maxSurge: 1,
                  maxUnavailable: 1,
                },
              },
            };
            const settled = runOperations({
              strategy: reconcileCanary,
              spec,
              operations,
              apply,
              check: (before, reconciled) => {
                checkTraffic(config, before, reconciled.decision);
              },
              // Promote whatever waits.
              settleBy: promote,
              settledAlso: (world) => world.traffic?.canaryWeight === 0,
            });
            expect(settled.traffic).toEqual({ canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] });
          },
        ),
        {
          numRuns: 150,
          examples: [
            // A dynamic abort mid-rollout, with stable pods failing while traffic moves back.
            [
              { replicas: 5, max: 100, dynamic: true, scaled: false },
              [
                { kind: 'podsUp', count: 3 },
                { kind: 'podsUp', count: 3 },
                { kind: 'tick', ms: 6_000 },
                { kind: 'podsUp', count: 3 },
                { kind: 'promote' },
                { kind: 'podsUp', count: 3 },
                { kind: 'abort' },
                { kind: 'podsLost', current: false, count: 2 },
                { kind: 'podsUp', count: 1 },
              ],
            ],
          ],
        },
      );
      // The random operations did reach the interesting router states.
      expect([...seen]).toEqual(
        expect.arrayContaining([
          'routes set',
          'abort shifting back as the stable scales up',
          'partial weight',
          'weight at maxTrafficWeight',
          'weight lowered in flight',
        ]),
      );
    },
  );
});

/** Router states the runs reached, to check the generator exercises them. */
const seen = new Set<string>();
