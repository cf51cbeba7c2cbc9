/**
 * Drives a strategy through a simulated cluster, checking at every reconcile what the shell
 * relies on: feeding the decision's status straight back (same pods, same clock) changes
 * nothing and emits nothing, and the decision names every ReplicaSet.
 */
import { expect } from 'vitest';
import type { RolloutEvent, StrategyDecision, StrategyInput } from '../../../strategies/types.ts';
import { applyDecision, inputOf, makeAvailable, type SimulatedWorld } from './simulated-cluster.ts';

export type Strategy = (input: StrategyInput) => StrategyDecision;

export interface Step {
  world: SimulatedWorld;
  decision: StrategyDecision;
}

/** One reconcile, applied to the world, with the idempotency and completeness checks. */
export function reconcileOnce(strategy: Strategy, world: SimulatedWorld): Step {
  const decision = strategy(inputOf(world));
  expect(Object.keys(decision.replicaSets).sort()).toEqual(world.replicaSets.map((view) => view.hash).sort());
  const again = strategy({ ...inputOf(world), status: decision.status });
  expect(again.status).toStrictEqual(decision.status);
  expect(again.events).toEqual([]);
  expect(again.replicaSets).toEqual(decision.replicaSets);
  expect(again.analysisRuns).toEqual(decision.analysisRuns);
  expect(again.traffic).toEqual(decision.traffic);
  expect(again.selectors).toEqual(decision.selectors);
  return { world: applyDecision(world, decision), decision };
}

export interface Settled {
  world: SimulatedWorld;
  decision: StrategyDecision;
  events: RolloutEvent[];
  rounds: number;
}

/**
 * Reconcile until nothing changes any more, pods turning available after each reconcile
 * (unless `podsStartUp` is false). Collects the events on the way.
 */
export function settle(
  strategy: Strategy,
  world: SimulatedWorld,
  podsStartUp = true,
  maxRounds = 50,
): Settled {
  const events: RolloutEvent[] = [];
  let current = world;
  for (let rounds = 1; rounds <= maxRounds; rounds++) {
    const before = current;
    const step = reconcileOnce(strategy, current);
    events.push(...step.decision.events);
    current = podsStartUp ? makeAvailable(step.world) : step.world;
    const unchanged =
      step.decision.events.length === 0 &&
      JSON.stringify(current.replicaSets) === JSON.stringify(before.replicaSets) &&
      JSON.stringify(current.analysisRuns ?? []) === JSON.stringify(before.analysisRuns ?? []) &&
      JSON.stringify(current.traffic) === JSON.stringify(before.traffic) &&
      JSON.stringify(current.status) === JSON.stringify(before.status);
    if (unchanged) return { world: current, decision: step.decision, events, rounds };
  }
  throw new Error(`no steady state after ${maxRounds} reconciles`);
}

export const reasons = (events: readonly RolloutEvent[]): string[] => events.map((event) => event.reason);
