/**
 * The AnalysisRuns an A/B test wants now (the current step's analysis and the comparison) and the
 * runs its status mirrors. Ids from `kernel/analysis-runs.ts`, so what is requested is what is
 * judged. Pure.
 */
import { backgroundRunId, observeRuns, stepRunId } from '../kernel/analysis-runs.ts';
import type { AnalysisRunRequest, StrategyInput } from '../types.ts';
import { AbLifecycle, comparisonRun, stepRun } from './machine.ts';
import type { AbOutcome } from './scaling.ts';
import type { AbTestSettings } from './settings.ts';

export interface AbAnalysisView {
  requests: AnalysisRunRequest[];
  stepRun?: ReturnType<typeof stepRun>;
  comparisonRun?: ReturnType<typeof comparisonRun>;
}

/** Runs requested while B serves users: the current step's analysis and the comparison. */
export function abAnalysis(
  input: StrategyInput,
  settings: AbTestSettings,
  outcome: AbOutcome,
): AbAnalysisView {
  const { context } = outcome;
  const lifecycle = outcome.value.lifecycle;
  const testing =
    lifecycle === AbLifecycle.testing ||
    lifecycle === AbLifecycle.paused ||
    lifecycle === AbLifecycle.waiting;
  if (!testing || context.currentPodHash === undefined) return { requests: [] };
  const runs = observeRuns(input.analysisRuns);
  const facts = {
    steps: settings.steps,
    comparisonFrom: settings.comparison?.startingStep,
    analysisRuns: runs,
  };
  const requests: AnalysisRunRequest[] = [];
  const step = settings.steps[context.stepIndex];
  if (step?.kind === 'analysis') {
    requests.push({
      id: stepRunId(context.currentPodHash, context.attempt, context.stepIndex),
      kind: 'step',
      stepIndex: context.stepIndex,
      templates: step.templates,
      ...(step.args === undefined ? {} : { args: step.args }),
    });
  }
  const comparison = settings.comparison;
  if (comparison !== undefined && context.stepIndex >= comparison.startingStep) {
    requests.push({
      id: backgroundRunId(context.currentPodHash, context.attempt),
      kind: 'background',
      templates: comparison.templates,
      ...(comparison.args === undefined ? {} : { args: comparison.args }),
    });
  }
  return {
    requests,
    stepRun: stepRun(context, facts),
    comparisonRun: comparisonRun(context, facts),
  };
}
