/**
 * Why a rollout was aborted, and how an event message says it: the same three causes for the
 * canary and blue-green machines (an operator, the progress deadline, an analysis run). Pure.
 */
import { describeRun, type RunVerdict } from './analysis-runs.ts';

/** Why the rollout was aborted. */
export type AbortCause = 'operator' | 'progressDeadline' | 'analysis';

/** The cause of an abort in an event message; the failed run when it is known. */
export function describeAbortCause(
  params: { cause: AbortCause; run?: RunVerdict },
  progressDeadlineMs: number,
): string {
  switch (params.cause) {
    case 'operator':
      return 'status.abort set';
    case 'progressDeadline':
      return `no progress for ${progressDeadlineMs / 1000}s (progressDeadlineAbort)`;
    case 'analysis':
      return params.run ? describeRun(params.run) : 'an analysis run failed';
  }
}
