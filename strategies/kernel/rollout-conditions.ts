/**
 * The five conditions every strategy reports (Progressing, Available, Paused, Healthy,
 * Completed), from a small summary of where the rollout stands. Pure.
 */
import { ConditionReason, ConditionType, applyConditions, findCondition } from './conditions.ts';
import { keepIsoSpelling, toIso } from './time.ts';
import type { Condition, Phase } from '../types.ts';

export interface ConditionSummary {
  phase: Phase;
  aborted: boolean;
  deadlineExceeded: boolean;
  /** Set while paused: who paused (PausedByUser / CanaryPauseStep) and a message. */
  pausedBy?: { reason: string; message: string };
  /** stable == current: the update is done (pods may still be scaling). */
  completed: boolean;
  currentPodHash: string;
  stableRS: string | undefined;
  lastProgressAt: number;
  progressDeadlineMs: number;
  availableReplicas: number;
  minAvailable: number;
}

export function rolloutConditions(
  existing: readonly Condition[] | undefined,
  summary: ConditionSummary,
  now: number,
): Condition[] {
  const { phase } = summary;
  const healthy = phase === 'Healthy';
  const enough = summary.availableReplicas >= summary.minAvailable;
  return applyConditions(
    existing,
    [
      progressingCondition(existing, summary),
      {
        type: ConditionType.Available,
        status: enough ? 'True' : 'False',
        reason: ConditionReason.AvailableReason,
        message: enough ? 'Rollout has minimum availability' : 'Rollout does not have minimum availability',
      },
      summary.pausedBy
        ? { type: ConditionType.Paused, status: 'True', ...summary.pausedBy }
        : {
            type: ConditionType.Paused,
            status: 'False',
            reason: ConditionReason.RolloutResumed,
            message: 'Rollout is not paused',
          },
      {
        type: ConditionType.Healthy,
        status: healthy ? 'True' : 'False',
        reason: healthy ? ConditionReason.RolloutHealthy : ConditionReason.RolloutNotHealthy,
        message: healthy ? 'Rollout is healthy' : `Rollout is ${phase.toLowerCase()}`,
      },
      {
        type: ConditionType.Completed,
        status: summary.completed ? 'True' : 'False',
        reason: summary.completed ? ConditionReason.RolloutCompleted : ConditionReason.RolloutNotCompleted,
        message: summary.completed
          ? `Rollout completed update to ${summary.stableRS ?? summary.currentPodHash}`
          : `Rollout is updating to ${summary.currentPodHash}`,
      },
    ],
    toIso(now),
  );
}

/** Progressing.lastUpdateTime records the last progress: the progress deadline counts from it. */
function progressingCondition(existing: readonly Condition[] | undefined, summary: ConditionSummary) {
  const previous = findCondition(existing, ConditionType.Progressing)?.lastUpdateTime;
  const base = {
    type: ConditionType.Progressing,
    lastUpdateTime: keepIsoSpelling(previous, summary.lastProgressAt),
  };
  if (summary.aborted) {
    return {
      ...base,
      status: 'False',
      reason: ConditionReason.RolloutAborted,
      message: 'Rollout aborted: the stable version serves',
    } as const;
  }
  if (summary.deadlineExceeded) {
    return {
      ...base,
      status: 'False',
      reason: ConditionReason.ProgressDeadlineExceeded,
      message: `ReplicaSet ${summary.currentPodHash} has not progressed for ${summary.progressDeadlineMs / 1000}s`,
    } as const;
  }
  if (summary.phase === 'Paused') {
    return {
      ...base,
      status: 'Unknown',
      reason: ConditionReason.RolloutPaused,
      message: 'Rollout is paused',
    } as const;
  }
  if (summary.phase === 'Healthy') {
    return {
      ...base,
      status: 'True',
      reason: ConditionReason.NewReplicaSetAvailable,
      message: `ReplicaSet ${summary.stableRS ?? summary.currentPodHash} has successfully progressed`,
    } as const;
  }
  return {
    ...base,
    status: 'True',
    reason: ConditionReason.ReplicaSetUpdated,
    message: `ReplicaSet ${summary.currentPodHash} is progressing`,
  } as const;
}
