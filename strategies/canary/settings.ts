/**
 * The canary spec resolved once per reconcile: defaults applied, every field the strategy uses
 * validated (so a bad step fails the reconcile with a named field, not halfway). Pure.
 */
import { validateSteps } from './steps.ts';
import { InvalidSpecError } from '../kernel/invalid-spec.ts';
import {
  validateReplicaProgressThreshold,
  type ReplicaProgressThreshold,
} from '../kernel/replica-progress-threshold.ts';
import { resolveRollingLimits, type RollingLimits } from '../kernel/replicas.ts';
import { desiredReplicas, progressDeadlineMs, secondsToMs } from '../kernel/rollout-settings.ts';
import { stepsHash } from '../kernel/step-hash.ts';
import { DEFAULT_MAX_TRAFFIC_WEIGHT } from '../kernel/traffic-weights.ts';
import type { CanaryStep, CanaryStrategySpec, RolloutSpecView } from '../types.ts';

/** Argo Rollouts defaults. */
export const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;
export const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30;

export interface CanarySettings {
  replicas: number;
  limits: RollingLimits;
  steps: readonly CanaryStep[];
  stepsHash: string;
  /** How long the previous stable keeps its pods after a completed rollout. */
  scaleDownDelayMs: number;
  /**
   * How long an aborted canary keeps its pods; null = never scaled down. As in Argo Rollouts the
   * delay only applies with a traffic router (which has already moved all traffic to stable),
   * and 0 there means never. Without a router the canary's pods ARE its traffic share, so an
   * abort scales them down at once.
   */
  abortScaleDownDelayMs: number | null;
  progressDeadlineMs: number;
  progressDeadlineAbort: boolean;
  /** spec.rollbackWindow.revisions, 0 when unset. */
  rollbackWindowRevisions: number;
  /** spec.strategy.canary.analysis (background analysis) with its startingStep resolved. */
  background: BackgroundAnalysis | undefined;
  /** spec.strategy.canary.trafficRouting, resolved; undefined = weights are replica ratios. */
  router: RouterSettings | undefined;
  /** spec.strategy.canary.replicaProgressThreshold; undefined = every wanted pod available. */
  replicaProgressThreshold: ReplicaProgressThreshold | undefined;
}

export interface RouterSettings {
  /** The total setWeight values are relative to (trafficRouting.maxTrafficWeight, default 100). */
  maxTrafficWeight: number;
  /** trafficRouting.managedRoutes names, highest precedence first. */
  managedRoutes: readonly string[];
  /** spec.strategy.canary.dynamicStableScale: the stable shrinks as the canary weight grows. */
  dynamicStableScale: boolean;
  /** spec.strategy.canary.minPodsPerReplicaSet: a canary or stable with pods has at least this many (0 = no floor). */
  minPodsPerReplicaSet: number;
}

export interface BackgroundAnalysis {
  templates: NonNullable<CanaryStrategySpec['analysis']>['templates'];
  args?: unknown[];
  startingStep: number;
}

export function canarySettings(spec: RolloutSpecView): CanarySettings {
  const canary = spec.strategy.canary ?? {};
  const steps = canary.steps ?? [];
  validateSteps(steps);
  const replicas = desiredReplicas(spec);
  return {
    replicas,
    limits: resolveRollingLimits(replicas, canary, 'spec.strategy.canary'),
    steps,
    stepsHash: stepsHash(steps),
    scaleDownDelayMs: secondsToMs(
      canary.scaleDownDelaySeconds,
      // With dynamicStableScale the previous stable carries no traffic by the time the rollout
      // completes (the router moved all of it to the canary first), so it goes at once.
      canary.dynamicStableScale === true && canary.trafficRouting !== undefined
        ? 0
        : DEFAULT_SCALE_DOWN_DELAY_SECONDS,
      'spec.strategy.canary.scaleDownDelaySeconds',
    ),
    abortScaleDownDelayMs: abortDelayMs(canary),
    progressDeadlineMs: progressDeadlineMs(spec),
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    rollbackWindowRevisions: Math.max(0, spec.rollbackWindow?.revisions ?? 0),
    background: backgroundAnalysis(canary),
    router: routerSettings(canary),
    replicaProgressThreshold: validateReplicaProgressThreshold(
      canary.replicaProgressThreshold,
      'spec.strategy.canary.replicaProgressThreshold',
    ),
  };
}

function routerSettings(canary: CanaryStrategySpec): RouterSettings | undefined {
  const routing = canary.trafficRouting;
  if (routing === undefined) {
    // A gate never silently does nothing: without a router the pods are the weight, and a floor
    // would change the weight itself (Argo ignores the field there).
    if (canary.minPodsPerReplicaSet !== undefined) {
      throw new InvalidSpecError(
        'spec.strategy.canary.minPodsPerReplicaSet',
        'requires trafficRouting (without a router the share of pods is the traffic weight)',
      );
    }
    return undefined;
  }
  const maxTrafficWeight = routing.maxTrafficWeight ?? DEFAULT_MAX_TRAFFIC_WEIGHT;
  if (!Number.isInteger(maxTrafficWeight) || maxTrafficWeight < 1) {
    throw new InvalidSpecError(
      'spec.strategy.canary.trafficRouting.maxTrafficWeight',
      `must be a positive integer, got ${maxTrafficWeight}`,
    );
  }
  return {
    maxTrafficWeight,
    managedRoutes: (routing.managedRoutes ?? []).map((route) => route.name),
    dynamicStableScale: canary.dynamicStableScale === true,
    minPodsPerReplicaSet: canary.minPodsPerReplicaSet ?? 0,
  };
}

function backgroundAnalysis(canary: CanaryStrategySpec): BackgroundAnalysis | undefined {
  const { analysis } = canary;
  if (analysis === undefined) return undefined;
  const startingStep = analysis.startingStep ?? 0;
  if (!Number.isInteger(startingStep) || startingStep < 0) {
    throw new InvalidSpecError(
      'spec.strategy.canary.analysis.startingStep',
      `must be a non-negative integer, got ${startingStep}`,
    );
  }
  return analysis.args === undefined
    ? { templates: analysis.templates, startingStep }
    : { templates: analysis.templates, args: analysis.args, startingStep };
}

function abortDelayMs(canary: NonNullable<RolloutSpecView['strategy']['canary']>): number | null {
  if (canary.trafficRouting === undefined) return 0;
  const ms = secondsToMs(
    canary.abortScaleDownDelaySeconds,
    DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS,
    'spec.strategy.canary.abortScaleDownDelaySeconds',
  );
  return ms === 0 ? null : ms;
}
