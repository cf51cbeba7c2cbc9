/**
 * Rollout conditions, Argo Rollouts style, written so that an unchanged situation yields an
 * unchanged list (the shell writes nothing then). Pure.
 */
import type { Condition } from '../types.ts';

export const ConditionType = {
  Progressing: 'Progressing',
  Available: 'Available',
  Paused: 'Paused',
  Healthy: 'Healthy',
  Completed: 'Completed',
  InvalidSpec: 'InvalidSpec',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const ConditionReason = {
  // Progressing
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  RolloutPaused: 'RolloutPaused',
  RolloutAborted: 'RolloutAborted',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  // Available
  AvailableReason: 'AvailableReason',
  // Paused: the reason says who paused, which is how a user pause is remembered across reconciles.
  PausedByUser: 'PausedByUser',
  CanaryPauseStep: 'CanaryPauseStep',
  InconclusiveAnalysisRun: 'InconclusiveAnalysisRun',
  RolloutResumed: 'RolloutResumed',
  // Healthy / Completed
  RolloutHealthy: 'RolloutHealthy',
  RolloutNotHealthy: 'RolloutNotHealthy',
  RolloutCompleted: 'RolloutCompleted',
  RolloutNotCompleted: 'RolloutNotCompleted',
} as const;

export interface DesiredCondition {
  type: ConditionType;
  status: Condition['status'];
  reason: string;
  message: string;
  /**
   * Set explicitly for Progressing, where it records the last progress (the progress deadline
   * counts from it). Otherwise it moves only when status, reason or message change.
   */
  lastUpdateTime?: string;
}

/**
 * The conditions after applying `desired` to `existing`: lastTransitionTime moves only when the
 * status changes, lastUpdateTime only when something in the condition changes. Conditions of
 * other types are kept, in their order; new types are appended.
 */
export function applyConditions(
  existing: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  nowIso: string,
): Condition[] {
  const result: Condition[] = [...(existing ?? [])];
  for (const want of desired) {
    const index = result.findIndex((condition) => condition.type === want.type);
    const old = index === -1 ? undefined : result[index];
    const changed =
      old === undefined ||
      old.status !== want.status ||
      old.reason !== want.reason ||
      old.message !== want.message;
    const next: Condition = {
      type: want.type,
      status: want.status,
      reason: want.reason,
      message: want.message,
      lastUpdateTime: want.lastUpdateTime ?? (changed ? nowIso : old.lastUpdateTime),
      lastTransitionTime: old === undefined || old.status !== want.status ? nowIso : old.lastTransitionTime,
    };
    if (index === -1) result.push(next);
    else result[index] = next;
  }
  return result;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** Whether the last reconcile recorded a pause by the user (spec.paused). */
export function wasPausedByUser(conditions: readonly Condition[] | undefined): boolean {
  const paused = findCondition(conditions, ConditionType.Paused);
  return paused?.status === 'True' && paused.reason === ConditionReason.PausedByUser;
}
