/**
 * Status <-> machine snapshot. State lives in the cluster (DESIGN.md principle 1): every
 * reconcile rebuilds the snapshot from `status` with `resolveState`, and the next status is
 * written from the resulting context. Pure.
 */
import { Hold, Lifecycle, canaryMachine, type CanaryContext, type CanaryStateValue } from './machine.ts';
import { ConditionReason, ConditionType, findCondition, wasPausedByUser } from '../kernel/conditions.ts';
import { fromIso } from '../kernel/time.ts';
import { lifecycleFlags } from '../kernel/lifecycle-flags.ts';
import type { RolloutStatusView, StrategyInput } from '../types.ts';

/** The pause condition a canary pause step adds (Argo Rollouts' reason). */
export const CANARY_PAUSE_REASON = ConditionReason.CanaryPauseStep;
/** The pause condition an Inconclusive AnalysisRun adds (Argo Rollouts' reason). */
export const INCONCLUSIVE_PAUSE_REASON = ConditionReason.InconclusiveAnalysisRun;

export function contextFromStatus(input: StrategyInput): CanaryContext {
  const { status } = input;
  // A stable ReplicaSet that no longer exists cannot be protected: the current one takes over.
  const stableExists = input.replicaSets.some((view) => view.hash === status.stableRS);
  const pause = status.pauseConditions?.find((condition) => condition.reason === CANARY_PAUSE_REASON);
  const inconclusive = status.pauseConditions?.find(
    (condition) => condition.reason === INCONCLUSIVE_PAUSE_REASON,
  );
  const progressing = findCondition(status.conditions, ConditionType.Progressing);
  const stepIndex = status.currentStepIndex ?? 0;
  const attempt = status.canary?.attempt ?? 0;
  return {
    currentPodHash: status.currentPodHash,
    stableRS: stableExists ? status.stableRS : undefined,
    stepIndex: Number.isInteger(stepIndex) && stepIndex > 0 ? stepIndex : 0,
    stepsHash: status.currentStepHash,
    // A pause condition without a readable time still pauses: it started now.
    pauseStartedAt: pause ? (fromIso(pause.startTime) ?? input.now) : undefined,
    controllerPause: status.controllerPause === true,
    abort: status.abort === true,
    abortedAt: fromIso(status.abortedAt),
    promoteFull: status.promoteFull === true,
    lastProgressAt: fromIso(progressing?.lastUpdateTime) ?? input.now,
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 0,
    inconclusivePausedAt: inconclusive ? (fromIso(inconclusive.startTime) ?? input.now) : undefined,
    analysisInconclusive:
      status.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive' ||
      status.canary?.currentBackgroundAnalysisRunStatus?.status === 'Inconclusive',
  };
}

/** Which lifecycle state the recorded status describes. */
export function lifecycleFromContext(context: CanaryContext, stepCount: number): Lifecycle {
  if (context.stableRS === undefined || context.currentPodHash === undefined) return Lifecycle.healthy;
  if (context.currentPodHash === context.stableRS) return Lifecycle.healthy;
  if (context.abortedAt !== undefined) return Lifecycle.aborted;
  // Paused on an Inconclusive run, or promoted past it (condition cleared, controllerPause left).
  if (
    context.inconclusivePausedAt !== undefined ||
    (context.controllerPause && context.analysisInconclusive && context.pauseStartedAt === undefined)
  )
    return Lifecycle.inconclusive;
  if (context.controllerPause) return Lifecycle.paused;
  if (context.promoteFull || context.stepIndex >= stepCount) return Lifecycle.completing;
  return Lifecycle.progressing;
}

export function stateValueFromStatus(
  input: StrategyInput,
  context: CanaryContext,
  stepCount: number,
): CanaryStateValue {
  // Region order matters to xstate when both regions move in one microstep: `hold` first, so a
  // resume is reported before the step it lets complete.
  return {
    hold: wasPausedByUser(input.status.conditions) ? Hold.heldByUser : Hold.running,
    lifecycle: lifecycleFromContext(context, stepCount),
  };
}

/** The snapshot the machine was in when `input.status` was written. */
export function resolveCanarySnapshot(input: StrategyInput, stepCount: number) {
  const context = contextFromStatus(input);
  return canaryMachine.resolveState({ value: stateValueFromStatus(input, context, stepCount), context });
}

export type CanarySnapshot = ReturnType<typeof resolveCanarySnapshot>;

/**
 * The status fields the machine owns, from its context. Optional flags are left out when
 * false (as Argo Rollouts writes them), so an operator's `abort: false` is cleaned up.
 */
export function statusFieldsFromContext(
  context: CanaryContext,
  previous: RolloutStatusView,
): RolloutStatusView {
  return {
    currentPodHash: context.currentPodHash,
    stableRS: context.stableRS,
    currentStepIndex: context.stepIndex,
    currentStepHash: context.stepsHash,
    ...lifecycleFlags(context, previous, [
      [CANARY_PAUSE_REASON, context.pauseStartedAt],
      [INCONCLUSIVE_PAUSE_REASON, context.inconclusivePausedAt],
    ]),
  };
}
