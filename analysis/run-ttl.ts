/**
 * AnalysisRun `ttlStrategy`, as Argo Rollouts applies it: a finished run is deleted
 * `secondsAfterSuccess` after it finished Successful, `secondsAfterFailure` after it finished
 * Failed or Error, and otherwise (or when those are unset) `secondsAfterCompletion` after it
 * finished; none set: kept. Counted from `status.completedAt`. Time is an input. Pure.
 */
import type { AnalysisPhase, TtlStrategy } from '../src/api/analysis.ts';

/** Epoch ms at which the run is to be deleted, or undefined when it is kept. */
export function runExpiresAt(
  ttl: TtlStrategy | undefined,
  phase: AnalysisPhase | undefined,
  completedAt: number,
): number | undefined {
  if (ttl === undefined) return undefined;
  const specific =
    phase === 'Successful'
      ? ttl.secondsAfterSuccess
      : phase === 'Failed' || phase === 'Error'
        ? ttl.secondsAfterFailure
        : undefined;
  const seconds = specific ?? ttl.secondsAfterCompletion;
  return seconds === undefined ? undefined : completedAt + seconds * 1000;
}
