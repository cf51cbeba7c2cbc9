/**
 * Observe: what the shell saw (spec, status, ReplicaSets, AnalysisRuns, now) as the one `OBSERVE`
 * event of an A/B reconcile. Pure.
 */
import { observeRuns } from '../kernel/analysis-runs.ts';
import { availableByHash, kernelObservation } from '../kernel/machine.ts';
import type { StrategyInput } from '../types.ts';
import type { AbObservation } from './machine.ts';
import type { AbTestSettings } from './settings.ts';

/** Every fact the machine's guards need, from the cluster alone. */
export function observeAbTest(input: StrategyInput, settings: AbTestSettings): AbObservation {
  return {
    ...kernelObservation(input),
    replicas: settings.replicas,
    steps: settings.steps,
    comparisonFrom: settings.comparison?.startingStep,
    rules: settings.rules,
    available: availableByHash(input),
    analysisRuns: observeRuns(input.analysisRuns),
  };
}
