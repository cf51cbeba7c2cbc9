import type { AnalysisRunRequest, AnalysisSpecView } from '../../../strategies/types.ts';
import type { PodMetadata } from '../../api/common.ts';
import type { RolloutObject } from '../rollout-object.ts';

/** What the shell reads of a Rollout's analysis block (validated by src/api). */
export type AnalysisBlock = AnalysisSpecView & { analysisRunMetadata?: PodMetadata };

/**
 * The spec block an AnalysisRun request comes from (a step's `analysis`, the background
 * `analysis`, blue-green pre/post promotion), for what the run takes from the Rollout beside the
 * templates: its `dryRun`, `measurementRetention` and `analysisRunMetadata`. Undefined when the
 * spec no longer has it.
 */
export function analysisBlockOf(
  rollout: RolloutObject,
  request: AnalysisRunRequest,
): AnalysisBlock | undefined {
  const { canary, abTest, blueGreen } = rollout.spec.strategy;
  switch (request.kind) {
    case 'step': {
      const index = request.stepIndex ?? -1;
      return (canary?.steps?.[index] ?? abTest?.steps?.[index])?.analysis;
    }
    case 'background':
      return canary?.analysis ?? abTest?.analysis;
    case 'prePromotion':
      return blueGreen?.prePromotionAnalysis;
    case 'postPromotion':
      return blueGreen?.postPromotionAnalysis;
  }
}
