/**
 * The status a canary reconcile writes: phase, a message in words, weights and conditions,
 * derived from the machine's resulting state and what the ReplicaSets show. Nothing here reads
 * the clock except through `input.now`, and nothing changes unless the state or the pods did,
 * so the same observation produces the same status. Pure.
 */
import { Hold, Lifecycle } from './machine.ts';
import type { CanaryOutcome } from './machine-setup.ts';
import type { CanarySettings } from './settings.ts';
import { pauseDurationMs, replicaTargetsAtStep, stepLabel, weightAtStep } from './steps.ts';
import { statusFieldsFromContext } from './snapshot.ts';
import { findView } from '../kernel/replica-set-view.ts';
import { ConditionReason } from '../kernel/conditions.ts';
import { replicaCounts } from '../kernel/progress.ts';
import { rolloutConditions, type ConditionSummary } from '../kernel/rollout-conditions.ts';
import { minAvailable } from '../kernel/replicas.ts';
import { compact } from '../kernel/compact.ts';
import { describeRun } from '../kernel/analysis-runs.ts';
import { abortingRun, runStatus, type CanaryAnalysis } from './analysis.ts';
import { toIso } from '../kernel/time.ts';
import type { RoutedWeight } from './scaling.ts';
import type { Phase, RolloutStatusView, StrategyInput } from '../types.ts';

/** True when the rollout is moving on its own but has shown no progress for the deadline. */
export function progressDeadlineExceeded(
  outcome: CanaryOutcome,
  settings: CanarySettings,
  now: number,
): boolean {
  return (
    isAdvancing(outcome, settings) && now - outcome.context.lastProgressAt >= settings.progressDeadlineMs
  );
}

/**
 * Progressing (but not waiting for an analysis verdict) or completing, not held by the user: the
 * states the progress deadline watches.
 */
export function isAdvancing({ value, context }: CanaryOutcome, settings: CanarySettings): boolean {
  if (value.hold !== Hold.running) return false;
  if (value.lifecycle === Lifecycle.completing) return true;
  return (
    value.lifecycle === Lifecycle.progressing && settings.steps[context.stepIndex]?.analysis === undefined
  );
}

export function canaryStatus(
  input: StrategyInput,
  settings: CanarySettings,
  outcome: CanaryOutcome,
  analysis: CanaryAnalysis,
  routed?: RoutedWeight,
): RolloutStatusView {
  const { value, context } = outcome;
  const counts = replicaCounts(input.replicaSets, input.currentPodHash);
  const deadlineExceeded = progressDeadlineExceeded(outcome, settings, input.now);
  const phase = canaryPhase(input, settings, outcome, deadlineExceeded);
  const conditions = rolloutConditions(
    input.status.conditions,
    {
      phase,
      aborted: value.lifecycle === Lifecycle.aborted,
      deadlineExceeded,
      pausedBy: pausedBy(settings, outcome),
      completed: value.lifecycle === Lifecycle.healthy,
      currentPodHash: input.currentPodHash,
      stableRS: context.stableRS,
      lastProgressAt: context.lastProgressAt,
      progressDeadlineMs: settings.progressDeadlineMs,
      availableReplicas: counts.availableReplicas,
      minAvailable: minAvailable(settings.replicas, settings.limits),
    },
    input.now,
  );
  return compact({
    ...input.status,
    phase,
    message: canaryMessage(input, settings, outcome, analysis, deadlineExceeded, routed),
    observedGeneration: input.generation,
    ...statusFieldsFromContext(context, input.status),
    ...counts,
    canary: compact({
      ...input.status.canary,
      weights: routed
        ? { canary: routed.weight, stable: routed.view.router.maxTrafficWeight - routed.weight }
        : reportedWeights(settings, outcome),
      currentStepAnalysisRunStatus:
        runStatus(analysis.stepRun) ??
        whyStillInconclusive(outcome, input.status.canary?.currentStepAnalysisRunStatus),
      currentBackgroundAnalysisRunStatus:
        runStatus(analysis.backgroundRun) ??
        whyStillInconclusive(outcome, input.status.canary?.currentBackgroundAnalysisRunStatus),
      currentExperiment: analysis.experimentRun?.name,
      attempt: context.attempt > 0 ? context.attempt : undefined,
    }),
    conditions,
  });
}

/**
 * A recorded Inconclusive run status that is no longer the current step's run (an operator moved
 * the step index past it while the Rollout was held) is kept while the Rollout stays in the
 * inconclusive state: it is what the next reconcile restores that state from (snapshot.ts), so
 * dropping it would turn the same status into a plain pause one reconcile later.
 */
function whyStillInconclusive<T extends { status: string }>(
  { value }: CanaryOutcome,
  recorded: T | undefined,
): T | undefined {
  return value.lifecycle === Lifecycle.inconclusive && recorded?.status === 'Inconclusive'
    ? recorded
    : undefined;
}

/** The Inconclusive runs status still records after the step moved past them (whyStillInconclusive). */
function keptInconclusiveRuns({ status }: StrategyInput): string[] {
  const recorded = [
    { kind: 'step' as const, run: status.canary?.currentStepAnalysisRunStatus },
    { kind: 'background' as const, run: status.canary?.currentBackgroundAnalysisRunStatus },
  ];
  return recorded.flatMap(({ kind, run }) =>
    run?.status === 'Inconclusive'
      ? [
          describeRun({
            kind,
            name: run.name,
            phase: run.status,
            ...(run.message ? { message: run.message } : {}),
          }),
        ]
      : [],
  );
}

/**
 * Without a router: weights as the steps declare them (the pods approximate them). With one,
 * status reports what the router is told, in maxTrafficWeight units (integers, as Argo).
 */
function reportedWeights(
  settings: CanarySettings,
  { value, context }: CanaryOutcome,
): { canary: number; stable: number } {
  let canary = 0;
  if (value.lifecycle === Lifecycle.completing) canary = 100;
  else if (
    value.lifecycle === Lifecycle.progressing ||
    value.lifecycle === Lifecycle.paused ||
    value.lifecycle === Lifecycle.inconclusive
  ) {
    canary = weightAtStep(settings.steps, context.stepIndex);
  }
  return { canary, stable: 100 - canary };
}

function canaryPhase(
  input: StrategyInput,
  settings: CanarySettings,
  { value, context }: CanaryOutcome,
  deadlineExceeded: boolean,
): Phase {
  if (value.lifecycle === Lifecycle.aborted || deadlineExceeded) return 'Degraded';
  if (
    value.hold === Hold.heldByUser ||
    value.lifecycle === Lifecycle.paused ||
    value.lifecycle === Lifecycle.inconclusive
  )
    return 'Paused';
  if (value.lifecycle !== Lifecycle.healthy) return 'Progressing';
  return isSettled(input, settings, context.stableRS) ? 'Healthy' : 'Progressing';
}

function canaryMessage(
  input: StrategyInput,
  settings: CanarySettings,
  outcome: CanaryOutcome,
  analysis: CanaryAnalysis,
  deadlineExceeded: boolean,
  routed: RoutedWeight | undefined,
): string {
  const message = lifecycleMessage(input, settings, outcome, analysis, routed);
  if (outcome.value.lifecycle === Lifecycle.aborted) return message;
  if (outcome.value.hold === Hold.heldByUser) return `Paused by user (spec.paused): ${message}`;
  if (deadlineExceeded) {
    return `ProgressDeadlineExceeded: no progress for ${settings.progressDeadlineMs / 1000}s. ${message}`;
  }
  return message;
}

/** What the lifecycle state is doing, in words, with the pod counts it waits for. */
function lifecycleMessage(
  input: StrategyInput,
  settings: CanarySettings,
  { value, context }: CanaryOutcome,
  analysis: CanaryAnalysis,
  routed: RoutedWeight | undefined,
): string {
  const { replicas, steps } = settings;
  const canary = input.currentPodHash;
  const stable = context.stableRS ?? canary;
  const available = (hash: string): number => findView(input.replicaSets, hash)?.availableReplicas ?? 0;
  const at = stepLabel(steps, context.stepIndex);
  switch (value.lifecycle) {
    case Lifecycle.aborted: {
      const run = abortingRun(input, settings, { value, context });
      const stableState =
        `stable ${stable} has ${available(stable)}/${replicas} available. ` +
        'Set status.abort=false to retry';
      return run === undefined
        ? `RolloutAborted: update to ${canary} aborted; ${stableState}`
        : `RolloutAborted: ${describeRun(run)}. Update to ${canary} aborted; ${stableState}`;
    }
    case Lifecycle.inconclusive: {
      const runs = [analysis.stepRun, analysis.experimentRun, analysis.backgroundRun].filter(
        (run) => run?.phase === 'Inconclusive',
      );
      const why =
        runs.map((run) => (run ? describeRun(run) : '')).join('; ') ||
        keptInconclusiveRuns(input).join('; ') ||
        'an Inconclusive analysis run';
      return `Paused at ${at}: ${why}. Promote to continue or abort`;
    }
    case Lifecycle.healthy:
      return isSettled(input, settings, stable)
        ? `Healthy: ${replicas}/${replicas} replicas of ${stable} available`
        : `Scaling ${stable} to ${replicas} replicas: ${available(stable)}/${replicas} available`;
    case Lifecycle.paused: {
      const pauseMs = pauseDurationMs(steps[context.stepIndex] ?? {}, context.stepIndex);
      return pauseMs === undefined || context.pauseStartedAt === undefined
        ? `Paused at ${at}: promote to continue`
        : `Paused at ${at} until ${toIso(context.pauseStartedAt + pauseMs)}`;
    }
    case Lifecycle.progressing: {
      if (steps[context.stepIndex]?.analysis !== undefined) {
        const run = analysis.stepRun;
        return run === undefined
          ? `${at}: waiting for its analysis run to be created`
          : `${at}: waiting for analysis run ${run.name} (${run.phase})`;
      }
      if (steps[context.stepIndex]?.experiment !== undefined) {
        const run = analysis.experimentRun;
        return run === undefined
          ? `${at}: waiting for its experiment to be created`
          : `${at}: waiting for experiment ${run.name} (${run.phase})`;
      }
      if (routed !== undefined) return `${at}: ${routedProgress(input, routed, canary, stable)}`;
      const targets = replicaTargetsAtStep(steps, context.stepIndex, replicas);
      const stableNow = findView(input.replicaSets, stable)?.specReplicas ?? 0;
      return (
        `${at}: waiting for canary ${canary} at ${available(canary)}/${targets.canary} available ` +
        `and stable ${stable} at ${targets.stable} (now ${stableNow})`
      );
    }
    case Lifecycle.completing:
      return routed === undefined
        ? `Promoting ${canary} to all ${replicas} replicas: ${available(canary)}/${replicas} available`
        : `Promoting ${canary}: ${routedProgress(input, routed, canary, stable)}`;
  }
}

/** Pods and router weight with a traffic router: `canary abc 2/2 available, weight 20/100 ...`. */
function routedProgress(input: StrategyInput, routed: RoutedWeight, canary: string, stable: string): string {
  const count = (hash: string): string => {
    const view = findView(input.replicaSets, hash);
    return `${view?.availableReplicas ?? 0}/${view?.specReplicas ?? 0}`;
  };
  const max = routed.view.router.maxTrafficWeight;
  const atRouter = routed.view.observed === routed.weight ? '' : ` (router at ${routed.view.observed})`;
  return (
    `canary ${canary} ${count(canary)} available, stable ${stable} ${count(stable)} available, ` +
    `weight ${routed.weight}/${max}${atRouter}`
  );
}

/** The stable RS is at spec.replicas with all of them available. */
function isSettled(input: StrategyInput, settings: CanarySettings, stable: string | undefined): boolean {
  const view = findView(input.replicaSets, stable);
  return (
    view !== undefined &&
    view.specReplicas === settings.replicas &&
    view.availableReplicas >= settings.replicas
  );
}

function pausedBy(settings: CanarySettings, { value, context }: CanaryOutcome): ConditionSummary['pausedBy'] {
  if (value.hold === Hold.heldByUser)
    return { reason: ConditionReason.PausedByUser, message: 'Paused by user (spec.paused)' };
  if (value.lifecycle === Lifecycle.paused) {
    return {
      reason: ConditionReason.CanaryPauseStep,
      message: `Paused at ${stepLabel(settings.steps, context.stepIndex)}`,
    };
  }
  if (value.lifecycle === Lifecycle.inconclusive) {
    return {
      reason: ConditionReason.InconclusiveAnalysisRun,
      message: `Paused on an Inconclusive analysis run at ${stepLabel(settings.steps, context.stepIndex)}`,
    };
  }
  return undefined;
}
