/**
 * The AnalysisRuns a blue-green reconcile asks for, and what status shows of them, from the state
 * the machine ended in. The machine's guards read the same runs under the same ids
 * (`promotionRun`), so what is requested is what is judged. Pure.
 */
import {
  observeRuns,
  postPromotionRunId,
  prePromotionRunId,
  verdictOf,
  type RunVerdict,
} from '../kernel/analysis-runs.ts';
import { BlueGreenLifecycle, promotionRun, type BlueGreenContext } from './machine.ts';
import type { BlueGreenAnalysis, BlueGreenSettings } from './settings.ts';
import type { AnalysisRunRequest, RolloutStatusView, StrategyInput } from '../types.ts';

type RunStatus = NonNullable<NonNullable<RolloutStatusView['blueGreen']>['prePromotionAnalysisRunStatus']>;

export interface BlueGreenAnalysisView {
  /** `decision.analysisRuns`: the runs that should exist now. */
  requests: AnalysisRunRequest[];
  /** This attempt's runs, once they exist (absent when healthy). */
  preRun?: RunVerdict;
  postRun?: RunVerdict;
}

export function blueGreenAnalysis(
  input: StrategyInput,
  settings: BlueGreenSettings,
  lifecycle: BlueGreenLifecycle,
  context: BlueGreenContext,
): BlueGreenAnalysisView {
  const podHash = context.currentPodHash;
  if (podHash === undefined || lifecycle === BlueGreenLifecycle.healthy) return { requests: [] };
  const runs = observeRuns(input.analysisRuns);
  const result: BlueGreenAnalysisView = { requests: [] };
  const available = input.replicaSets.find((view) => view.hash === podHash)?.availableReplicas ?? 0;
  const pre = settings.prePromotionAnalysis;
  // The pre-promotion run starts once the preview is ready, and is not wanted past a promote --full.
  if (
    pre !== undefined &&
    lifecycle === BlueGreenLifecycle.preview &&
    !context.promoteFull &&
    available >= settings.previewReplicas
  ) {
    result.requests.push(request(prePromotionRunId(podHash, context.attempt), 'prePromotion', pre));
  }
  const post = settings.postPromotionAnalysis;
  if (post !== undefined && lifecycle === BlueGreenLifecycle.postPromotion) {
    result.requests.push(request(postPromotionRunId(podHash, context.attempt), 'postPromotion', post));
  }
  const preRun = promotionRun('prePromotion', context, runs);
  const postRun = promotionRun('postPromotion', context, runs);
  if (preRun) result.preRun = preRun;
  if (postRun) result.postRun = postRun;
  return result;
}

function request(
  id: string,
  kind: AnalysisRunRequest['kind'],
  analysis: BlueGreenAnalysis,
): AnalysisRunRequest {
  return analysis.args === undefined
    ? { id, kind, templates: analysis.templates }
    : { id, kind, templates: analysis.templates, args: analysis.args };
}

/** A run as status.blueGreen.*PromotionAnalysisRunStatus shows it. */
export function promotionRunStatus(run: RunVerdict | undefined): RunStatus | undefined {
  if (run === undefined) return undefined;
  return run.message === undefined
    ? { name: run.name, status: run.phase }
    : { name: run.name, status: run.phase, message: run.message };
}

/** The run that aborted this attempt, if an analysis did (derived again at every reconcile). */
export function abortingPromotionRun(analysis: BlueGreenAnalysisView): RunVerdict | undefined {
  return [analysis.preRun, analysis.postRun].find((run) => run !== undefined && verdictOf(run) === 'failed');
}
