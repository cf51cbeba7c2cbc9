/**
 * The Kubernetes Events the strategies word alike: one wording, so `kubectl describe` reads the
 * same whatever the strategy (and `bellwether history` finds the versions that became stable).
 * Pure.
 */
import type { RolloutEvent } from '../types.ts';

export const normalEvent = (reason: string, message: string): RolloutEvent => ({
  type: 'Normal',
  reason,
  message,
});
export const warningEvent = (reason: string, message: string): RolloutEvent => ({
  type: 'Warning',
  reason,
  message,
});

/** The `hold` region's effects (kernel/machine.ts) as Events: spec.paused set, then unset. */
export function holdEvent(type: 'pausedByUser' | 'resumedByUser'): RolloutEvent {
  return type === 'pausedByUser'
    ? normalEvent('RolloutPaused', 'Rollout paused by user (spec.paused)')
    : normalEvent('RolloutResumed', 'Rollout resumed (spec.paused unset)');
}

/** A Rollout's first version: nothing to roll out, it is the stable one. */
export const initialVersionMessage = (podHash: string): string =>
  `Initial version ${podHash} deployed as stable`;

/** The new version became the stable one at spec.replicas. */
export const completedEvent = (podHash: string, replicas: number): RolloutEvent =>
  normalEvent('RolloutCompleted', `Rollout completed: ${podHash} is stable with ${replicas} replicas`);
