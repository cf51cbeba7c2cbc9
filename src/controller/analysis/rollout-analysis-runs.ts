import type { AnalysisRun } from '../../api/analysis.ts';
import type { AnalysisRunRequest, AnalysisRunView } from '../../../strategies/types.ts';
import { isFinished } from '../../../analysis/metric-result.ts';
import { runsBeyondHistory, type RunHistoryLimits } from '../../../strategies/kernel/analysis-run-history.ts';
import type { ClusterWriter } from '../cluster-writer.ts';
import type { RolloutObject } from '../rollout-object.ts';
import {
  analysisLabels,
  analysisRunFromTemplates,
  type TemplateLookup,
} from './analysis-run-from-templates.ts';

/** The Rollout's AnalysisRuns that answer a strategy request (they carry its id). */
export function ownedAnalysisRuns(rollout: RolloutObject, all: readonly AnalysisRun[]): AnalysisRun[] {
  return all.filter(
    (run) =>
      run.metadata.labels?.[analysisLabels.id] !== undefined &&
      run.metadata.ownerReferences?.some(
        (ref) => ref.controller === true && ref.uid === rollout.metadata.uid,
      ),
  );
}

export function analysisRunViews(runs: readonly AnalysisRun[]): AnalysisRunView[] {
  return runs.map((run) => ({
    id: run.metadata.labels?.[analysisLabels.id] ?? '',
    name: run.metadata.name ?? '',
    phase: run.status?.phase ?? 'Pending',
    ...(run.status?.message === undefined ? {} : { message: run.status.message }),
  }));
}

/**
 * Makes the Rollout's AnalysisRuns match the strategy's requests: creates the missing ones from
 * their templates, terminates running ones no longer requested (the step passed, the rollout
 * aborted or completed), and deletes finished ones beyond the history limits. Writes only what
 * differs. Returns a problem message when a run cannot be built (e.g. a template is missing).
 */
export async function syncAnalysisRuns(
  rollout: RolloutObject,
  requests: readonly AnalysisRunRequest[],
  runs: readonly AnalysisRun[],
  template: TemplateLookup,
  hashes: { stable?: string; latest: string },
  writer: ClusterWriter,
): Promise<string[]> {
  const namespace = rollout.metadata.namespace;
  const byId = new Map(runs.map((run) => [run.metadata.labels?.[analysisLabels.id] ?? '', run]));
  const problems: string[] = [];
  for (const request of requests) {
    if (byId.has(request.id)) continue;
    const built = analysisRunFromTemplates(rollout, request, template, hashes);
    if (!built.ok) {
      problems.push(`${requestField(rollout, request)}: ${built.error}`);
      continue;
    }
    await writer.createAnalysisRun(namespace, built.run).catch((err: unknown) => {
      // 409: created by an earlier reconcile the cache has not shown yet
      if ((err as { code?: number }).code !== 409) throw err;
    });
  }
  const requested = new Set(requests.map((r) => r.id));
  for (const run of runs) {
    const id = run.metadata.labels?.[analysisLabels.id] ?? '';
    if (requested.has(id) || isFinished(run.status?.phase) || run.spec.terminate === true) continue;
    await writer.terminateAnalysisRun(namespace, run.metadata.name ?? '');
  }
  for (const name of runsToDelete(rollout, runs, requested)) await writer.deleteAnalysisRun(namespace, name);
  return problems;
}

/** The spec field of the analysis a request is for: problem messages start with it. */
function requestField(rollout: RolloutObject, request: AnalysisRunRequest): string {
  const strategy = rollout.spec.strategy.abTest ? 'abTest' : 'canary';
  switch (request.kind) {
    case 'step':
      return `spec.strategy.${strategy}.steps[${request.stepIndex ?? 0}].analysis`;
    case 'background':
      return `spec.strategy.${strategy}.analysis`;
    case 'prePromotion':
      return 'spec.strategy.blueGreen.prePromotionAnalysis';
    case 'postPromotion':
      return 'spec.strategy.blueGreen.postPromotionAnalysis';
  }
}

/** Finished runs beyond spec.analysis's history limits (strategies/kernel/analysis-run-history.ts). */
function runsToDelete(
  rollout: RolloutObject,
  runs: readonly AnalysisRun[],
  requested: ReadonlySet<string>,
): string[] {
  const limits = (rollout.spec as { analysis?: RunHistoryLimits }).analysis;
  return runsBeyondHistory(
    runs.map((run) => ({
      name: run.metadata.name ?? '',
      phase: run.status?.phase ?? 'Pending',
      createdMs: time(run),
      requested: requested.has(run.metadata.labels?.[analysisLabels.id] ?? ''),
    })),
    limits,
  );
}

function time(run: AnalysisRun): number {
  const created = run.metadata.creationTimestamp;
  return created ? Date.parse(created) : 0;
}
