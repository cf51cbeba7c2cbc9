/**
 * What operators and the cluster do between two reconciles, for property tests that drive a
 * rollout through random sequences of them: the CLI's operations (status and spec patches, as
 * `kubectl patch` would write them), new versions, pods starting, time passing; and the run of
 * one such sequence (`runOperations`), the same for every strategy.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { RolloutSpecView } from '../../../strategies/types.ts';
import { reconcileOnce, type Step, type Strategy } from './reconcile-driver.ts';
import { advanceClock, deployVersion, makeAvailable, type SimulatedWorld } from './simulated-cluster.ts';
import { freshWorld, withSpec } from './world-edits.ts';

export type OperatorOperation =
  | { kind: 'podsUp'; count: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'newVersion' }
  | { kind: 'promote' }
  | { kind: 'promoteFull' }
  | { kind: 'abort' }
  | { kind: 'retry' }
  | { kind: 'pause' }
  | { kind: 'resume' };

/** Random operator operations with their weights, for `fc.oneof` (add a test's own kinds to it). */
export function operatorOperations(): fc.WeightedArbitrary<OperatorOperation>[] {
  return [
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('podsUp' as const), count: fc.integer({ min: 1, max: 3 }) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'newVersion' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'promote' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'promoteFull' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'abort' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'retry' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'resume' as const }) },
  ];
}

/** What the CLI (or kubectl patch) does for `promote`. */
export function promote(world: SimulatedWorld): SimulatedWorld {
  const { status } = world;
  const steps = world.spec.strategy.canary?.steps ?? [];
  if (status.pauseConditions?.length) return { ...world, status: { ...status, pauseConditions: undefined } };
  if ((status.currentStepIndex ?? 0) < steps.length && status.currentPodHash !== status.stableRS) {
    return { ...world, status: { ...status, currentStepIndex: (status.currentStepIndex ?? 0) + 1 } };
  }
  return world;
}

/** Applies one operation; `versions.next` names the next new version (`v<next>`). */
export function applyOperation(
  world: SimulatedWorld,
  op: OperatorOperation,
  versions: { next: number },
): SimulatedWorld {
  switch (op.kind) {
    case 'podsUp':
      return makeAvailable(world, undefined, op.count);
    case 'tick':
      return advanceClock(world, op.ms);
    case 'newVersion':
      return deployVersion(world, `v${versions.next++}`);
    case 'promote':
      return promote(world);
    case 'promoteFull':
      return { ...world, status: { ...world.status, promoteFull: true, pauseConditions: undefined } };
    case 'abort':
      return { ...world, status: { ...world.status, abort: true } };
    case 'retry':
      return { ...world, status: { ...world.status, abort: false } };
    case 'pause':
      return withSpec(world, { paused: true });
    case 'resume':
      return withSpec(world, { paused: false });
  }
}

/** The operators stop interfering: unpause and retry. */
export const operatorsStop = (world: SimulatedWorld): SimulatedWorld =>
  applyOperation(applyOperation(world, { kind: 'resume' }, { next: 0 }), { kind: 'retry' }, { next: 0 });

/** Healthy on the current version at spec.replicas, every other ReplicaSet at zero. */
export function settledOnCurrent(world: SimulatedWorld, replicas: number): boolean {
  return (
    world.status.phase === 'Healthy' &&
    world.status.stableRS === world.currentPodHash &&
    world.replicaSets.every((rs) =>
      rs.hash === world.currentPodHash ? rs.specReplicas === replicas : rs.specReplicas === 0,
    )
  );
}

/** One random case of a property test: the Rollout, the operations, and what the test checks. */
export interface OperationsRun<Operation> {
  strategy: Strategy;
  spec: RolloutSpecView;
  operations: readonly Operation[];
  /** Applies one operation: the test's own kinds, `applyOperation` for the others. */
  apply: (
    world: SimulatedWorld,
    op: NoInfer<Operation> | { kind: 'newVersion' },
    versions: { next: number },
  ) => SimulatedWorld;
  /** The test's invariants for one reconcile of `before` (the driver checked idempotency already). */
  check: (before: SimulatedWorld, reconciled: Step) => void;
  /** What the operators do between two reconciles once they stop interfering: promote what waits, let the analyses pass. */
  settleBy: (world: SimulatedWorld) => SimulatedWorld;
  /** What the end must also show, besides `settledOnCurrent` (e.g. the active Service on the current version). */
  settledAlso?: (world: SimulatedWorld) => boolean;
}

/**
 * Reconciles a fresh world, then a new version (so that the operations meet an update in flight)
 * and each operation, one reconcile after each. Then the operators stop interfering (unpause,
 * retry): reconcile, `settleBy`, pods start and 10 s pass, until the rollout is settled on the
 * current version (at most 100 rounds, else the test fails). Returns the settled world.
 */
export function runOperations<Operation>(run: OperationsRun<Operation>): SimulatedWorld {
  const replicas = run.spec.replicas ?? 1;
  const versions = { next: 2 };
  let world = freshWorld(run.spec);
  const step = (): void => {
    const reconciled = reconcileOnce(run.strategy, world);
    run.check(world, reconciled);
    world = reconciled.world;
  };
  step();
  for (const op of [{ kind: 'newVersion' } as const, ...run.operations]) {
    world = run.apply(world, op, versions);
    step();
  }
  world = operatorsStop(world);
  for (let round = 0; round < 100; round++) {
    step();
    if (settledOnCurrent(world, replicas) && (run.settledAlso?.(world) ?? true)) return world;
    world = advanceClock(makeAvailable(run.settleBy(world)), 10_000);
  }
  return expect.fail(
    `never settled: ${JSON.stringify({ status: world.status, replicaSets: world.replicaSets, traffic: world.traffic })}`,
  );
}
