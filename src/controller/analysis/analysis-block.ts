import type { AnalysisRunRequest } from '../../../strategies/types.ts';
import type { PodMetadata } from '../../api/common.ts';
import type { RolloutObject } from '../rollout-object.ts';

/**
 * The spec block an AnalysisRun request comes from (a step's `analysis`, the background
 * `analysis`, blue-green pre/post promotion), for what the strategy core does not carry over:
 * `analysisRunMetadata`. Undefined when the spec no longer has it (the run is not made then).
 */
export function analysisBlockOf(
  rollout: RolloutObject,
  request: AnalysisRunRequest,
): AnalysisBlock | undefined {
  return analysisBlock(rollout, request);
}

/** What the shell reads of an analysis block beyond the core's view (validated by src/api). */
export interface AnalysisBlock {
  analysisRunMetadata?: PodMetadata;
}

function analysisBlock(rollout: RolloutObject, request: AnalysisRunRequest): object | undefined {
  const { canary, abTest, blueGreen } = rollout.spec.strategy;
  switch (request.kind) {
    case 'step': {
      const steps = canary?.steps ?? abTest?.steps ?? [];
      return steps[request.stepIndex ?? 0]?.analysis;
    }
    case 'background':
      return canary?.analysis ?? abTest?.analysis;
    case 'prePromotion':
      return blueGreen?.prePromotionAnalysis;
    case 'postPromotion':
      return blueGreen?.postPromotionAnalysis;
  }
}
