/**
 * Status <-> A/B machine snapshot. State lives in the cluster: every reconcile rebuilds the
 * snapshot from `status` and writes the next status from the resulting context. Pure.
 *
 * Edited steps (a new `currentStepHash`) start the test over with a new attempt, so no run is
 * judged for steps it was not started for.
 */
import { Hold, AbLifecycle, abTestMachine, type AbContext, type AbStateValue } from './machine.ts';
import { wasPausedByUser } from '../kernel/conditions.ts';
import { fromIso } from '../kernel/time.ts';
import { lifecycleFlags } from '../kernel/lifecycle-flags.ts';
import type { RolloutStatusView, StrategyInput } from '../types.ts';

/** A pause step (shown as the Paused condition reason too). */
export const AB_PAUSE_REASON = 'AbTestPause';
/** Waiting for a human to decide between A and B (decision Wait). */
export const AB_DECISION_REASON = 'AbTestDecision';

export function abContextFromStatus(input: StrategyInput, stepsHash: string): AbContext {
  const { status } = input;
  const exists = (hash: string | undefined) => input.replicaSets.some((view) => view.hash === hash);
  const pauseStart = (reason: string): number | undefined => {
    const pause = status.pauseConditions?.find((condition) => condition.reason === reason);
    // A pause condition without a readable time still pauses: it started now.
    return pause ? (fromIso(pause.startTime) ?? input.now) : undefined;
  };
  const recorded = status.abTest?.attempt ?? 0;
  const attempt = Number.isInteger(recorded) && recorded > 0 ? recorded : 0;
  const index = status.currentStepIndex ?? 0;
  // Only a test still running its steps starts over; a decision taken stands.
  const running =
    status.currentPodHash !== undefined &&
    status.currentPodHash !== status.stableRS &&
    status.abTest?.decision === undefined &&
    status.abortedAt === undefined;
  const stepsEdited = running && status.currentStepHash !== undefined && status.currentStepHash !== stepsHash;
  return {
    currentPodHash: status.currentPodHash,
    // A stable ReplicaSet that no longer exists cannot be protected: the current one takes over.
    stableRS: exists(status.stableRS) ? status.stableRS : undefined,
    stepIndex: stepsEdited || !Number.isInteger(index) || index < 0 ? 0 : index,
    pauseStartedAt: stepsEdited ? undefined : pauseStart(AB_PAUSE_REASON),
    waitStartedAt: pauseStart(AB_DECISION_REASON),
    controllerPause: status.controllerPause === true && !stepsEdited,
    abort: status.abort === true,
    abortedAt: fromIso(status.abortedAt),
    promoteFull: status.promoteFull === true,
    decision: status.abTest?.decision,
    attempt: stepsEdited ? attempt + 1 : attempt,
  };
}

/** Which lifecycle state the recorded status describes. */
export function abLifecycleFromContext(context: AbContext): AbLifecycle {
  const { currentPodHash, stableRS } = context;
  if (stableRS === undefined || currentPodHash === undefined || currentPodHash === stableRS)
    return AbLifecycle.healthy;
  if (context.abortedAt !== undefined) return AbLifecycle.keptA;
  if (context.decision === 'PromoteB') return AbLifecycle.promotingB;
  if (context.decision === 'Wait') return AbLifecycle.waiting;
  if (context.controllerPause) return AbLifecycle.paused;
  return AbLifecycle.testing;
}

export function resolveAbSnapshot(input: StrategyInput, stepsHash: string) {
  const context = abContextFromStatus(input, stepsHash);
  const value: AbStateValue = {
    // Region order matters to xstate when both regions move in one microstep: `hold` first.
    hold: wasPausedByUser(input.status.conditions) ? Hold.heldByUser : Hold.running,
    lifecycle: abLifecycleFromContext(context),
  };
  return abTestMachine.resolveState({ value, context });
}

/** The status fields the machine owns, from its context. Optional flags are left out when false. */
export function abStatusFields(
  context: AbContext,
  previous: RolloutStatusView,
  stepsHash: string,
): RolloutStatusView {
  return {
    currentPodHash: context.currentPodHash,
    stableRS: context.stableRS,
    currentStepIndex: context.stepIndex,
    currentStepHash: stepsHash,
    ...lifecycleFlags(context, previous, [
      [AB_PAUSE_REASON, context.pauseStartedAt],
      [AB_DECISION_REASON, context.waitStartedAt],
    ]),
  };
}
