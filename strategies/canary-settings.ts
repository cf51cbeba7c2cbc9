/**
 * The canary spec resolved once per reconcile: defaults applied, every field the strategy uses
 * validated (so a bad step fails the reconcile with a named field, not halfway). Pure.
 */
import { validateSteps } from './canary-steps.ts';
import { resolveRollingLimits, type RollingLimits } from './replicas.ts';
import { desiredReplicas, progressDeadlineMs, secondsToMs } from './rollout-settings.ts';
import { stepsHash } from './step-hash.ts';
import type { CanaryStep, RolloutSpecView } from './types.ts';

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
  /** How long an aborted canary keeps its pods (0 = scale down at once). */
  abortScaleDownDelayMs: number;
  progressDeadlineMs: number;
  progressDeadlineAbort: boolean;
  /** spec.rollbackWindow.revisions, 0 when unset. */
  rollbackWindowRevisions: number;
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
      DEFAULT_SCALE_DOWN_DELAY_SECONDS,
      'spec.strategy.canary.scaleDownDelaySeconds',
    ),
    abortScaleDownDelayMs: secondsToMs(
      canary.abortScaleDownDelaySeconds,
      DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS,
      'spec.strategy.canary.abortScaleDownDelaySeconds',
    ),
    progressDeadlineMs: progressDeadlineMs(spec),
    progressDeadlineAbort: spec.progressDeadlineAbort === true,
    rollbackWindowRevisions: Math.max(0, spec.rollbackWindow?.revisions ?? 0),
  };
}
