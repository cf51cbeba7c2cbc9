/**
 * Observe: turn what the shell saw (spec, status, ReplicaSets, now) into the one `OBSERVE`
 * event of this reconcile. Every fact a guard needs is computed here, from the cluster alone;
 * the machine compares it with what status records. Pure.
 */
import { observeRuns } from './analysis-runs.ts';
import type { CanaryObservation, StepObservation } from './canary-machine.ts';
import type { CanarySettings } from './canary-settings.ts';
import { StepKind, pauseDurationMs, replicaTargetsAtStep, stepKind } from './canary-steps.ts';
import { replicaCounts, replicasProgressed } from './progress.ts';
import { targetsReached } from './replicas.ts';
import { findView } from './replica-set-view.ts';
import { routedStepDone, routedView, routerAtFull, type RoutedView } from './canary-traffic.ts';
import type { ReplicaSetView, StrategyInput } from './types.ts';

export function observeCanary(
  input: StrategyInput,
  settings: CanarySettings,
  stableRS: string | undefined,
): CanaryObservation {
  const canaryView = findView(input.replicaSets, input.currentPodHash);
  const routed = settings.router && routedView(input, settings, settings.router, stableRS);
  return {
    type: 'OBSERVE',
    now: input.now,
    podHash: input.currentPodHash,
    stepsHash: settings.stepsHash,
    steps: settings.steps.map((step, index) =>
      observeStep(input, settings, routed, stableRS, index, stepKind(step, index)),
    ),
    userPaused: input.spec.paused === true,
    maxStepIndex: input.maxStepIndex ?? Infinity,
    inRollbackWindow: inRollbackWindow(
      input.replicaSets,
      input.currentPodHash,
      stableRS,
      settings.rollbackWindowRevisions,
    ),
    canaryFullyAvailable:
      canaryView !== undefined &&
      canaryView.specReplicas === settings.replicas &&
      canaryView.availableReplicas >= settings.replicas,
    routerAtFull: routed === undefined || routerAtFull(routed),
    replicaProgress: replicasProgressed(input.status, replicaCounts(input.replicaSets, input.currentPodHash)),
    progressDeadlineMs: settings.progressDeadlineMs,
    progressDeadlineAbort: settings.progressDeadlineAbort,
    analysisRuns: observeRuns(input.analysisRuns),
    background: settings.background && { startingStep: settings.background.startingStep },
  };
}

function observeStep(
  input: StrategyInput,
  settings: CanarySettings,
  routed: RoutedView | undefined,
  stableRS: string | undefined,
  index: number,
  kind: StepKind,
): StepObservation {
  const step = settings.steps[index] ?? {};
  switch (kind) {
    case StepKind.pause: {
      const pauseMs = pauseDurationMs(step, index);
      return pauseMs === undefined ? { kind, done: false } : { kind, pauseMs, done: false };
    }
    case StepKind.setWeight:
    case StepKind.setCanaryScale: {
      if (routed !== undefined) return { kind, done: routedStepDone(input, routed, stableRS, index) };
      // Done when the canary and the stable are at the step's counts, with those pods available,
      // and every other ReplicaSet is scaled down.
      const targets = replicaTargetsAtStep(settings.steps, index, settings.replicas);
      const wanted: Record<string, number> = { [input.currentPodHash]: targets.canary };
      if (stableRS !== undefined) wanted[stableRS] = targets.stable;
      return { kind, done: targetsReached(input.replicaSets, wanted) };
    }
    case StepKind.analysis:
    case StepKind.experiment:
      // Decided by the step's AnalysisRun (or Experiment), whose id depends on the attempt, which can change
      // within one reconcile (a retry): the machine's guards look the run up in `analysisRuns`.
      return { kind, done: false };
    default:
      // setHeaderRoute / setMirrorRoute complete at once: the routes in effect are derived from
      // the executed steps (canary-traffic.ts), and the shell refuses a router that cannot
      // carry them (src/traffic/capabilities.ts).
      return { kind, done: true };
  }
}

/**
 * spec.rollbackWindow: the current version is an older ReplicaSet than the stable one, and at
 * most `revisions` ReplicaSets were created after it up to the stable one, so going back to it
 * is a rollback to a recent known-good version and skips the steps. Revisions order ReplicaSets
 * by creation (the shell reuses an existing RS without bumping its revision).
 */
export function inRollbackWindow(
  views: readonly ReplicaSetView[],
  currentPodHash: string,
  stableRS: string | undefined,
  revisions: number,
): boolean {
  if (revisions <= 0 || stableRS === undefined) return false;
  const current = findView(views, currentPodHash);
  const stable = findView(views, stableRS);
  if (!current || !stable || current.revision >= stable.revision) return false;
  const newerUpToStable = views.filter(
    (view) => view.revision > current.revision && view.revision <= stable.revision,
  ).length;
  return newerUpToStable <= revisions;
}
