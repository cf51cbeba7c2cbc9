/**
 * Spec values with their defaults applied and validated once per reconcile. Pure; throws
 * `InvalidSpecError` naming the field.
 */
import { InvalidSpecError } from './invalid-spec.ts';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS } from './progress.ts';
import type { RolloutSpecView } from '../types.ts';

/** spec.replicas, default 1 like Deployments and Argo Rollouts. */
export function desiredReplicas(spec: RolloutSpecView): number {
  const replicas = spec.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new InvalidSpecError('spec.replicas', `must be a non-negative integer, got ${replicas}`);
  }
  return replicas;
}

export function progressDeadlineMs(spec: RolloutSpecView): number {
  return secondsToMs(
    spec.progressDeadlineSeconds,
    DEFAULT_PROGRESS_DEADLINE_SECONDS,
    'spec.progressDeadlineSeconds',
  );
}

/** Non-negative whole seconds (or the default) as ms. */
export function secondsToMs(seconds: number | undefined, defaultSeconds: number, field: string): number {
  const value = seconds ?? defaultSeconds;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidSpecError(field, `must be a non-negative integer number of seconds, got ${value}`);
  }
  return value * 1000;
}
