/**
 * The status a blue-green reconcile writes: phase, a message in words, the Service selectors and
 * analysis mirrors under status.blueGreen, and the conditions, from the machine's resulting state
 * and what the ReplicaSets show. The same observation produces the same status. Pure.
 */
import { abortingPromotionRun, promotionRunStatus, type BlueGreenAnalysisView } from './analysis.ts';
import { Hold, BlueGreenLifecycle, type BlueGreenContext, type BlueGreenStateValue } from './machine.ts';
import type { BlueGreenSettings } from './settings.ts';
import { BLUE_GREEN_PAUSE_REASON, blueGreenStatusFields } from './snapshot.ts';
import { describeRun } from '../kernel/analysis-runs.ts';
import { compact } from '../kernel/compact.ts';
import { ConditionReason } from '../kernel/conditions.ts';
import { replicaCounts } from '../kernel/progress.ts';
import { findView } from '../kernel/replica-set-view.ts';
import { rolloutConditions, type ConditionSummary } from '../kernel/rollout-conditions.ts';
import { toIso } from '../kernel/time.ts';
import type { Phase, RolloutStatusView, StrategyDecision, StrategyInput } from '../types.ts';

export interface BlueGreenOutcome {
  value: BlueGreenStateValue;
  context: BlueGreenContext;
}

/** States in which the preview Service selects the new version (otherwise it follows the active one). */
const PREVIEWING: readonly BlueGreenLifecycle[] = [
  BlueGreenLifecycle.preview,
  BlueGreenLifecycle.paused,
  BlueGreenLifecycle.promoting,
  BlueGreenLifecycle.postPromotion,
  BlueGreenLifecycle.postPromotionPaused,
];

/** preview -> previewService, active -> activeService (StrategyDecision.selectors: canary, stable). */
export function blueGreenSelectors({ value, context }: BlueGreenOutcome): StrategyDecision['selectors'] {
  const preview = PREVIEWING.includes(value.lifecycle) ? context.currentPodHash : context.activeHash;
  return compact({ canary: preview, stable: context.activeHash });
}

/** Moving on its own (not paused, not waiting for an analysis verdict): what the progress deadline watches. */
export function isAdvancing(
  input: StrategyInput,
  settings: BlueGreenSettings,
  outcome: BlueGreenOutcome,
): boolean {
  const { value, context } = outcome;
  if (value.hold !== Hold.running) return false;
  if (value.lifecycle === BlueGreenLifecycle.promoting) return true;
  if (value.lifecycle !== BlueGreenLifecycle.preview) return false;
  const available = findView(input.replicaSets, context.currentPodHash)?.availableReplicas ?? 0;
  return settings.prePromotionAnalysis === undefined || available < settings.previewReplicas;
}

export function progressDeadlineExceeded(
  input: StrategyInput,
  settings: BlueGreenSettings,
  outcome: BlueGreenOutcome,
): boolean {
  return (
    isAdvancing(input, settings, outcome) &&
    input.now - outcome.context.lastProgressAt >= settings.progressDeadlineMs
  );
}

export function blueGreenStatus(
  input: StrategyInput,
  settings: BlueGreenSettings,
  outcome: BlueGreenOutcome,
  analysis: BlueGreenAnalysisView,
): RolloutStatusView {
  const { value, context } = outcome;
  const counts = replicaCounts(input.replicaSets, input.currentPodHash);
  const deadlineExceeded = progressDeadlineExceeded(input, settings, outcome);
  const phase = blueGreenPhase(input, settings, outcome, deadlineExceeded);
  const selectors = blueGreenSelectors(outcome);
  const conditions = rolloutConditions(
    input.status.conditions,
    {
      phase,
      aborted: value.lifecycle === BlueGreenLifecycle.aborted,
      deadlineExceeded,
      pausedBy: pausedBy(outcome),
      completed: value.lifecycle === BlueGreenLifecycle.healthy,
      currentPodHash: input.currentPodHash,
      stableRS: context.stableRS,
      lastProgressAt: context.lastProgressAt,
      progressDeadlineMs: settings.progressDeadlineMs,
      availableReplicas: counts.availableReplicas,
      minAvailable: settings.replicas,
    },
    input.now,
  );
  let message = lifecycleMessage(input, settings, outcome, analysis);
  if (value.lifecycle !== BlueGreenLifecycle.aborted) {
    if (value.hold === Hold.heldByUser) message = `Paused by user (spec.paused): ${message}`;
    else if (deadlineExceeded)
      message = `ProgressDeadlineExceeded: no progress for ${settings.progressDeadlineMs / 1000}s. ${message}`;
  }
  return compact({
    ...input.status,
    phase,
    message,
    observedGeneration: input.generation,
    ...blueGreenStatusFields(context, input.status),
    ...counts,
    blueGreen: compact({
      ...input.status.blueGreen,
      activeSelector: selectors.stable,
      previewSelector: selectors.canary,
      prePromotionAnalysisRunStatus: promotionRunStatus(analysis.preRun),
      postPromotionAnalysisRunStatus: promotionRunStatus(analysis.postRun),
      scaleUpPreviewCheckPoint: context.promoting ? true : undefined,
      attempt: context.attempt > 0 ? context.attempt : undefined,
    }),
    conditions,
  });
}

function blueGreenPhase(
  input: StrategyInput,
  settings: BlueGreenSettings,
  { value, context }: BlueGreenOutcome,
  deadlineExceeded: boolean,
): Phase {
  if (value.lifecycle === BlueGreenLifecycle.aborted || deadlineExceeded) return 'Degraded';
  if (
    value.hold === Hold.heldByUser ||
    value.lifecycle === BlueGreenLifecycle.paused ||
    value.lifecycle === BlueGreenLifecycle.postPromotionPaused
  )
    return 'Paused';
  if (value.lifecycle !== BlueGreenLifecycle.healthy) return 'Progressing';
  return isSettled(input, settings, context) ? 'Healthy' : 'Progressing';
}

/** The stable RS alone, at spec.replicas, all available, and the active Service on it. */
function isSettled(input: StrategyInput, settings: BlueGreenSettings, context: BlueGreenContext): boolean {
  const view = findView(input.replicaSets, context.stableRS);
  return (
    view !== undefined &&
    context.activeHash === context.stableRS &&
    view.specReplicas === settings.replicas &&
    view.availableReplicas >= settings.replicas
  );
}

/** What the lifecycle state is doing, in words, with the pod counts it waits for. */
function lifecycleMessage(
  input: StrategyInput,
  settings: BlueGreenSettings,
  { value, context }: BlueGreenOutcome,
  analysis: BlueGreenAnalysisView,
): string {
  const { replicas, previewReplicas } = settings;
  const next = input.currentPodHash;
  const stable = context.stableRS ?? next;
  const available = (hash: string): number => findView(input.replicaSets, hash)?.availableReplicas ?? 0;
  switch (value.lifecycle) {
    case BlueGreenLifecycle.healthy:
      if (context.activeHash !== stable)
        return `Waiting for ${stable} to be fully available before the active Service selects it: ${available(stable)}/${replicas} available`;
      return isSettled(input, settings, context)
        ? `Healthy: ${replicas}/${replicas} replicas of ${stable} available, active Service on ${stable}`
        : `Scaling ${stable} to ${replicas} replicas: ${available(stable)}/${replicas} available`;
    case BlueGreenLifecycle.preview: {
      if (available(next) < previewReplicas)
        return `Preview ${next}: ${available(next)}/${previewReplicas} available; active Service on ${context.activeHash ?? stable}`;
      const run = analysis.preRun;
      return run === undefined
        ? `Preview ${next} ready: waiting for its pre-promotion analysis run to be created`
        : `Preview ${next} ready: waiting for pre-promotion analysis run ${run.name} (${run.phase})`;
    }
    case BlueGreenLifecycle.paused: {
      if (context.inconclusivePausedAt !== undefined) {
        const why = analysis.preRun
          ? describeRun(analysis.preRun)
          : 'an Inconclusive pre-promotion analysis run';
        return `Paused before promoting ${next}: ${why}. Promote to continue or abort`;
      }
      const auto = settings.autoPromotion;
      return auto.kind === 'timed' && context.pauseStartedAt !== undefined
        ? `Paused before promoting ${next}: auto-promotion at ${toIso(context.pauseStartedAt + auto.ms)}`
        : `Paused before promoting ${next}: promote to switch the active Service`;
    }
    case BlueGreenLifecycle.promoting:
      return `Promoting ${next}: scaling to ${replicas} replicas before the switch, ${available(next)}/${replicas} available`;
    case BlueGreenLifecycle.postPromotion: {
      const run = analysis.postRun;
      return run === undefined
        ? `Active Service on ${next}: waiting for its post-promotion analysis run to be created; ${stable} kept for a switch back`
        : `Active Service on ${next}: waiting for post-promotion analysis run ${run.name} (${run.phase}); ${stable} kept for a switch back`;
    }
    case BlueGreenLifecycle.postPromotionPaused: {
      const why = analysis.postRun
        ? describeRun(analysis.postRun)
        : 'an Inconclusive post-promotion analysis run';
      return `Paused with the active Service on ${next}: ${why}. Promote to accept or abort to switch back to ${stable}`;
    }
    case BlueGreenLifecycle.aborted: {
      const run = abortingPromotionRun(analysis);
      const state =
        `active Service on ${context.activeHash ?? stable}, stable ${stable} has ${available(stable)}/${replicas} available. ` +
        'Set status.abort=false to retry';
      return run === undefined
        ? `RolloutAborted: update to ${next} aborted; ${state}`
        : `RolloutAborted: ${describeRun(run)}. Update to ${next} aborted; ${state}`;
    }
  }
}

function pausedBy({ value, context }: BlueGreenOutcome): ConditionSummary['pausedBy'] {
  if (value.hold === Hold.heldByUser)
    return { reason: ConditionReason.PausedByUser, message: 'Paused by user (spec.paused)' };
  if (value.lifecycle === BlueGreenLifecycle.postPromotionPaused)
    return {
      reason: ConditionReason.InconclusiveAnalysisRun,
      message: 'Paused on an Inconclusive post-promotion analysis run',
    };
  if (value.lifecycle === BlueGreenLifecycle.paused) {
    return context.inconclusivePausedAt !== undefined
      ? {
          reason: ConditionReason.InconclusiveAnalysisRun,
          message: 'Paused on an Inconclusive pre-promotion analysis run',
        }
      : { reason: BLUE_GREEN_PAUSE_REASON, message: 'Paused before the switch of the active Service' };
  }
  return undefined;
}
