/**
 * Observe: turn what the shell saw (spec, status, ReplicaSets, now) into the one `OBSERVE`
 * event of this reconcile. Every fact a guard needs is computed here, from the cluster alone;
 * the machine compares it with what status records. Pure.
 */
import { observeRuns } from '../kernel/analysis-runs.ts';
import type { CanaryObservation, StepObservation } from './machine.ts';
import type { CanarySettings } from './settings.ts';
import { StepKind, pauseDurationMs, replicaTargetsAtStep, stepKind } from './steps.ts';
import { replicaCounts, replicasProgressed } from '../kernel/progress.ts';
import { targetsReached } from '../kernel/replicas.ts';
import { findView } from '../kernel/replica-set-view.ts';
import { routedStepDone, routedView, routerAtFull, type RoutedView } from './traffic.ts';
import { kernelObservation } from '../kernel/machine.ts';
import type { ReplicaSetView, StrategyInput } from '../types.ts';

export function observeCanary(
  input: StrategyInput,
  settings: CanarySettings,
  stableRS: string | undefined,
): CanaryObservation {
  const canaryView = findView(input.replicaSets, input.currentPodHash);
  const routed = settings.router && routedView(input, settings, settings.router, stableRS);
  return {
    ...kernelObservation(input),
    stepsHash: settings.stepsHash,
    steps: settings.steps.map((step, index) =>
      observeStep(input, settings, routed, stableRS, index, stepKind(step, index)),
    ),
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
    case StepKind.setCanaryScale:
      return { kind, done: podsAtStepTargets(input, settings, routed, stableRS, index) };
    case StepKind.analysis:
    case StepKind.experiment:
      // Decided by the step's AnalysisRun (or Experiment), whose id depends on the attempt, which can change
      // within one reconcile (a retry): the machine's guards look the run up in `analysisRuns`.
      // A setCanaryScale in the same step must also have its pods (Argo would let the scale alone
      // complete the step and never wait for the run; here both must be done).
      return step.setCanaryScale === undefined
        ? { kind, done: false }
        : { kind, done: false, podsReady: podsAtStepTargets(input, settings, routed, stableRS, index) };
    default:
      // setHeaderRoute / setMirrorRoute complete at once: the routes in effect are derived from
      // the executed steps (traffic.ts), and the shell refuses a router that cannot
      // carry them (src/traffic/capabilities.ts).
      return { kind, done: true };
  }
}

/**
 * The canary and the stable are at step `index`'s counts (setWeight / setCanaryScale in force),
 * with those pods available, every other ReplicaSet scaled down, and with a router, the router
 * carrying the step's weight.
 */
function podsAtStepTargets(
  input: StrategyInput,
  settings: CanarySettings,
  routed: RoutedView | undefined,
  stableRS: string | undefined,
  index: number,
): boolean {
  if (routed !== undefined) return routedStepDone(input, routed, stableRS, index);
  const targets = replicaTargetsAtStep(settings.steps, index, settings.replicas);
  const wanted: Record<string, number> = { [input.currentPodHash]: targets.canary };
  if (stableRS !== undefined) wanted[stableRS] = targets.stable;
  return targetsReached(input.replicaSets, wanted, settings.replicaProgressThreshold);
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
