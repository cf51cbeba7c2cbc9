/**
 * The canary Rollout the analysis tests start from: 5 replicas, steps setWeight 20, analysis
 * (success-rate), setWeight 60, pause until promoted; and the moves they make on it.
 */
import { reconcileCanary } from '../../../strategies/canary/reconcile.ts';
import type {
  AnalysisPhase,
  CanaryStep,
  CanaryStrategySpec,
  RolloutSpecView,
} from '../../../strategies/types.ts';
import { reconcileOnce, settle } from './reconcile-driver.ts';
import { deployVersion, finishRuns, type SimulatedRun, type SimulatedWorld } from './simulated-cluster.ts';
import { stableWorldFor } from './world-edits.ts';

export const SUCCESS_RATE = {
  templates: [{ templateName: 'success-rate' }],
  args: [{ name: 'service', value: 'web' }],
};
/** setWeight 20, analysis, setWeight 60, pause until promoted. */
export const STEPS: CanaryStep[] = [
  { setWeight: 20 },
  { analysis: SUCCESS_RATE },
  { setWeight: 60 },
  { pause: {} },
];
export const METRIC_FAILED =
  'metric "success-rate" assessed Failed due to failed (1) > failureLimit (0): value 0.71';

export function spec(canary: CanaryStrategySpec = { steps: STEPS }, extra: Partial<RolloutSpecView> = {}) {
  return { replicas: 5, ...extra, strategy: { canary } };
}

export const reconcile = (world: SimulatedWorld) => reconcileOnce(reconcileCanary, world);
export const settleCanary = (world: SimulatedWorld) => settle(reconcileCanary, world);

/** v1 stable with 5 pods, v2 deployed and settled: waiting at the first step that waits. */
export function rolloutOfV2(rolloutSpec: RolloutSpecView = spec()): ReturnType<typeof settleCanary> {
  return settleCanary(deployVersion(stableWorldFor(reconcileCanary, rolloutSpec), 'v2'));
}

export const promote = (world: SimulatedWorld): SimulatedWorld => ({
  ...world,
  status: { ...world.status, pauseConditions: undefined },
});
export const finish = (
  world: SimulatedWorld,
  phase: AnalysisPhase,
  message?: string,
  kind: SimulatedRun['kind'] = 'step',
) => finishRuns(world, kind, phase, message);
