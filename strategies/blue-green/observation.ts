/**
 * Observe: what the shell saw (spec, status, ReplicaSets, AnalysisRuns, now) as the one `OBSERVE`
 * event of a blue-green reconcile. Pure.
 */
import { observeRuns } from '../kernel/analysis-runs.ts';
import { replicaCounts, replicasProgressed } from '../kernel/progress.ts';
import { availableByHash, kernelObservation } from '../kernel/machine.ts';
import type { StrategyInput } from '../types.ts';
import type { BlueGreenObservation } from './machine.ts';
import type { BlueGreenSettings } from './settings.ts';

/** Every fact the machine's guards need, from the cluster alone. */
export function observeBlueGreen(input: StrategyInput, settings: BlueGreenSettings): BlueGreenObservation {
  return {
    ...kernelObservation(input),
    replicas: settings.replicas,
    previewReplicas: settings.previewReplicas,
    available: availableByHash(input),
    autoPromotion: settings.autoPromotion,
    prePromotion: settings.prePromotionAnalysis !== undefined,
    postPromotion: settings.postPromotionAnalysis !== undefined,
    replicaProgress: replicasProgressed(input.status, replicaCounts(input.replicaSets, input.currentPodHash)),
    progressDeadlineMs: settings.progressDeadlineMs,
    progressDeadlineAbort: settings.progressDeadlineAbort,
    analysisRuns: observeRuns(input.analysisRuns),
  };
}
