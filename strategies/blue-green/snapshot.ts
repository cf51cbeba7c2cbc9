/**
 * Status <-> blue-green machine snapshot. State lives in the cluster: every reconcile rebuilds
 * the snapshot from `status` and writes the next status from the resulting context. Pure.
 */
import {
  Hold,
  BlueGreenLifecycle,
  blueGreenMachine,
  type BlueGreenContext,
  type BlueGreenStateValue,
} from './machine.ts';
import { ConditionReason, ConditionType, findCondition, wasPausedByUser } from '../kernel/conditions.ts';
import { fromIso } from '../kernel/time.ts';
import { lifecycleFlags } from '../kernel/lifecycle-flags.ts';
import type { RolloutStatusView, StrategyInput } from '../types.ts';

/** The pause before the switch (Argo Rollouts' reason). */
export const BLUE_GREEN_PAUSE_REASON = 'BlueGreenPause';
const INCONCLUSIVE_PAUSE_REASON = ConditionReason.InconclusiveAnalysisRun;

export function blueGreenContextFromStatus(input: StrategyInput): BlueGreenContext {
  const { status } = input;
  const exists = (hash: string | undefined) => input.replicaSets.some((view) => view.hash === hash);
  const pauseStart = (reason: string): number | undefined => {
    const pause = status.pauseConditions?.find((condition) => condition.reason === reason);
    // A pause condition without a readable time still pauses: it started now.
    return pause ? (fromIso(pause.startTime) ?? input.now) : undefined;
  };
  const attempt = status.blueGreen?.attempt ?? 0;
  return {
    currentPodHash: status.currentPodHash,
    // A stable ReplicaSet that no longer exists cannot be protected: the current one takes over.
    stableRS: exists(status.stableRS) ? status.stableRS : undefined,
    activeHash: status.blueGreen?.activeSelector,
    pauseStartedAt: pauseStart(BLUE_GREEN_PAUSE_REASON),
    inconclusivePausedAt: pauseStart(INCONCLUSIVE_PAUSE_REASON),
    controllerPause: status.controllerPause === true,
    promoting: status.blueGreen?.scaleUpPreviewCheckPoint === true,
    abort: status.abort === true,
    abortedAt: fromIso(status.abortedAt),
    promoteFull: status.promoteFull === true,
    lastProgressAt:
      fromIso(findCondition(status.conditions, ConditionType.Progressing)?.lastUpdateTime) ?? input.now,
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 0,
  };
}

/** Which lifecycle state the recorded status describes. */
export function blueGreenLifecycleFromContext(context: BlueGreenContext): BlueGreenLifecycle {
  const { currentPodHash, stableRS } = context;
  if (stableRS === undefined || currentPodHash === undefined || currentPodHash === stableRS)
    return BlueGreenLifecycle.healthy;
  if (context.abortedAt !== undefined) return BlueGreenLifecycle.aborted;
  if (context.activeHash === currentPodHash)
    return context.controllerPause
      ? BlueGreenLifecycle.postPromotionPaused
      : BlueGreenLifecycle.postPromotion;
  if (context.promoting) return BlueGreenLifecycle.promoting;
  if (context.controllerPause) return BlueGreenLifecycle.paused;
  return BlueGreenLifecycle.preview;
}

export function blueGreenStateValue(input: StrategyInput, context: BlueGreenContext): BlueGreenStateValue {
  // Region order matters to xstate when both regions move in one microstep: `hold` first.
  return {
    hold: wasPausedByUser(input.status.conditions) ? Hold.heldByUser : Hold.running,
    lifecycle: blueGreenLifecycleFromContext(context),
  };
}

/** The snapshot the machine was in when `input.status` was written. */
export function resolveBlueGreenSnapshot(input: StrategyInput) {
  const context = blueGreenContextFromStatus(input);
  return blueGreenMachine.resolveState({ value: blueGreenStateValue(input, context), context });
}

/**
 * The status fields the machine owns, from its context. Optional flags are left out when false
 * (as Argo Rollouts writes them), so an operator's `abort: false` is cleaned up.
 */
export function blueGreenStatusFields(
  context: BlueGreenContext,
  previous: RolloutStatusView,
): RolloutStatusView {
  return {
    currentPodHash: context.currentPodHash,
    stableRS: context.stableRS,
    ...lifecycleFlags(context, previous, [
      [BLUE_GREEN_PAUSE_REASON, context.pauseStartedAt],
      [INCONCLUSIVE_PAUSE_REASON, context.inconclusivePausedAt],
    ]),
  };
}
