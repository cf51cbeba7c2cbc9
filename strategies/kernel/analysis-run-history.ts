/**
 * Which finished AnalysisRuns of a Rollout to delete: `spec.analysis.successfulRunHistoryLimit`
 * and `unsuccessfulRunHistoryLimit` (Argo Rollouts' names and defaults, 5 each) keep the newest
 * Successful runs and the newest unsuccessful ones (Failed, Error, Inconclusive); older ones go.
 * A run still requested by the strategy, or not finished, is never counted or deleted. Pure.
 */
import type { AnalysisPhase } from '../types.ts';

export const DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT = 5;
export const DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT = 5;

export interface RunHistoryEntry {
  readonly name: string;
  readonly phase: AnalysisPhase;
  /** Creation time (epoch ms): newer runs are kept first. */
  readonly createdMs: number;
  /** The strategy still asks for this run. */
  readonly requested: boolean;
}

export interface RunHistoryLimits {
  successfulRunHistoryLimit?: number | undefined;
  unsuccessfulRunHistoryLimit?: number | undefined;
}

const FINISHED: ReadonlySet<AnalysisPhase> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** Names of the runs beyond the history limits, oldest last within each kind. */
export function runsBeyondHistory(
  runs: readonly RunHistoryEntry[],
  limits: RunHistoryLimits | undefined,
): string[] {
  const finished = runs
    .filter((run) => !run.requested && FINISHED.has(run.phase))
    .sort((a, b) => b.createdMs - a.createdMs || a.name.localeCompare(b.name));
  const successful = finished.filter((run) => run.phase === 'Successful');
  const unsuccessful = finished.filter((run) => run.phase !== 'Successful');
  const keepSuccessful = limits?.successfulRunHistoryLimit ?? DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT;
  const keepUnsuccessful = limits?.unsuccessfulRunHistoryLimit ?? DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT;
  return [...successful.slice(keepSuccessful), ...unsuccessful.slice(keepUnsuccessful)].map(
    (run) => run.name,
  );
}
