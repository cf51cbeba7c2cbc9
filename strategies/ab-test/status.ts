/**
 * The status an A/B reconcile writes (phase, a message that says why, status.abTest, the
 * conditions). The same observation produces the same status. Pure.
 */
import { describeRun, type RunVerdict } from '../kernel/analysis-runs.ts';
import { Hold, AbLifecycle, verdictDecision, type AbObservation } from './machine.ts';
import type { AbAnalysisView } from './analysis.ts';
import type { AbOutcome } from './scaling.ts';
import { abStepLabel, targetShareB, type AbTestSettings } from './settings.ts';
import { AB_DECISION_REASON, AB_PAUSE_REASON, abStatusFields } from './snapshot.ts';
import { compact } from '../kernel/compact.ts';
import { ConditionReason, ConditionType, findCondition } from '../kernel/conditions.ts';
import { replicaCounts, replicasProgressed } from '../kernel/progress.ts';
import { findView } from '../kernel/replica-set-view.ts';
import { rolloutConditions, type ConditionSummary } from '../kernel/rollout-conditions.ts';
import { fromIso, toIso } from '../kernel/time.ts';
import type { Phase, RolloutStatusView, StrategyInput } from '../types.ts';

export interface AbStatusInput {
  input: StrategyInput;
  settings: AbTestSettings;
  outcome: AbOutcome;
  observation: AbObservation;
  analysis: AbAnalysisView;
  shareB: number;
}

export function abStatus(facts: AbStatusInput): RolloutStatusView {
  const { input, settings, outcome, analysis, shareB } = facts;
  const { value, context } = outcome;
  const counts = replicaCounts(input.replicaSets, input.currentPodHash);
  const phase = abPhase(facts);
  const conditions = rolloutConditions(
    input.status.conditions,
    {
      phase,
      aborted: value.lifecycle === AbLifecycle.keptA,
      deadlineExceeded: false,
      pausedBy: pausedBy(outcome),
      completed: value.lifecycle === AbLifecycle.healthy,
      currentPodHash: input.currentPodHash,
      stableRS: context.stableRS,
      lastProgressAt: lastProgressAt(input, counts),
      progressDeadlineMs: settings.progressDeadlineMs,
      availableReplicas: counts.availableReplicas,
      minAvailable: Math.min(settings.replicas, 1),
    },
    input.now,
  );
  const message = lifecycleMessage(facts);
  const runStatus = (run: RunVerdict | undefined) =>
    run && compact({ name: run.name, status: run.phase, message: run.message });
  const inTest = value.lifecycle !== AbLifecycle.healthy;
  return compact({
    ...input.status,
    phase,
    message:
      value.hold === Hold.heldByUser && value.lifecycle !== AbLifecycle.keptA
        ? `Paused by user (spec.paused): ${message}`
        : message,
    observedGeneration: input.generation,
    ...abStatusFields(context, input.status, settings.stepsHash),
    ...counts,
    abTest: compact({
      split: { a: 100 - shareB, b: shareB },
      variantAHash: context.stableRS,
      variantBHash: inTest ? context.currentPodHash : undefined,
      currentStepAnalysisRunStatus: runStatus(analysis.stepRun),
      currentBackgroundAnalysisRunStatus: runStatus(analysis.comparisonRun),
      decision: context.decision,
      attempt: context.attempt > 0 ? context.attempt : undefined,
    }),
    conditions,
  });
}

/** The Progressing condition's time moves only when pods moved (the progress deadline is not enforced for A/B). */
function lastProgressAt(input: StrategyInput, counts: ReturnType<typeof replicaCounts>): number {
  const previous = fromIso(findCondition(input.status.conditions, ConditionType.Progressing)?.lastUpdateTime);
  return previous === undefined || replicasProgressed(input.status, counts) ? input.now : previous;
}

function abPhase({ input, settings, outcome }: AbStatusInput): Phase {
  const { value, context } = outcome;
  if (value.lifecycle === AbLifecycle.keptA) return 'Degraded';
  if (
    value.hold === Hold.heldByUser ||
    value.lifecycle === AbLifecycle.paused ||
    value.lifecycle === AbLifecycle.waiting
  )
    return 'Paused';
  if (value.lifecycle !== AbLifecycle.healthy) return 'Progressing';
  const stable = findView(input.replicaSets, context.stableRS);
  const alone = input.replicaSets.every((view) => view.hash === context.stableRS || view.specReplicas === 0);
  return stable !== undefined && alone && stable.availableReplicas >= settings.replicas
    ? 'Healthy'
    : 'Progressing';
}

function pausedBy({ value }: AbOutcome): ConditionSummary['pausedBy'] {
  if (value.hold === Hold.heldByUser)
    return { reason: ConditionReason.PausedByUser, message: 'Paused by user (spec.paused)' };
  if (value.lifecycle === AbLifecycle.paused)
    return { reason: AB_PAUSE_REASON, message: 'Paused at an A/B pause step' };
  if (value.lifecycle === AbLifecycle.waiting)
    return { reason: AB_DECISION_REASON, message: 'Waiting for a human to choose between A and B' };
  return undefined;
}

/** Why the current decision was taken, in words. */
export function decisionReason(facts: Pick<AbStatusInput, 'outcome' | 'observation'>): string {
  const { context } = facts.outcome;
  const found = verdictDecision({ context, event: facts.observation });
  if (found && found.decision === context.decision) return describeRun(found.run);
  if (context.decision === 'Wait') return 'the steps are done and no comparison analysis is configured';
  const operator = context.decision === 'KeepA' ? 'aborted by an operator' : 'promoted by an operator';
  return found ? `${operator} after ${describeRun(found.run)}` : operator;
}

function lifecycleMessage(facts: AbStatusInput): string {
  const { input, settings, outcome, analysis, shareB } = facts;
  const { value, context } = outcome;
  const a = context.stableRS ?? input.currentPodHash;
  const b = context.currentPodHash ?? input.currentPodHash;
  const available = (hash: string): number => findView(input.replicaSets, hash)?.availableReplicas ?? 0;
  const vs = `A ${settings.names.a} (${a}) vs B ${settings.names.b} (${b}) at ${100 - shareB}/${shareB}`;
  switch (value.lifecycle) {
    case AbLifecycle.healthy:
      return `Healthy: ${available(a)}/${settings.replicas} replicas of ${a} available`;
    case AbLifecycle.testing: {
      if (context.stepIndex < settings.steps.length) {
        const target = targetShareB(settings, context.stepIndex);
        return `A/B test ${vs}: ${abStepLabel(settings.steps, context.stepIndex)}, aiming at ${100 - target}/${target}, B has ${available(b)} available`;
      }
      const run = analysis.comparisonRun;
      return run === undefined
        ? `A/B test ${vs}: waiting for the comparison analysis run to be created`
        : `A/B test ${vs}: waiting for comparison analysis run ${run.name} (${run.phase})`;
    }
    case AbLifecycle.paused:
      return `A/B test ${vs}: paused at ${abStepLabel(settings.steps, context.stepIndex)}${pauseEnd(facts)}`;
    case AbLifecycle.waiting:
      return `A/B test ${vs}: waiting for a decision: ${decisionReason(facts)}. Promote to choose B, abort to keep A`;
    case AbLifecycle.promotingB:
      return `PromoteB: ${decisionReason(facts)}. B ${b} scaling to ${settings.replicas} replicas (${available(b)} available) before it takes all traffic`;
    case AbLifecycle.keptA:
      return `KeepA: ${decisionReason(facts)}. B ${b} removed, all traffic to A ${a}; set status.abort=false to test again`;
  }
}

function pauseEnd({ settings, outcome }: AbStatusInput): string {
  const { context } = outcome;
  const step = settings.steps[context.stepIndex];
  if (step?.kind !== 'pause' || step.ms === undefined || context.pauseStartedAt === undefined)
    return ' until promoted';
  return ` until ${toIso(context.pauseStartedAt + step.ms)}`;
}
