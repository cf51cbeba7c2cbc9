/**
 * AnalysisRun request ids, and how an observed run reads as a verdict. Pure.
 *
 * Ids are `<podHash>-<attempt>-s<stepIndex>` for a step's run and `<podHash>-<attempt>-bg` for the
 * background run (blue-green: `-pre` / `-post` for the pre- and post-promotion runs, `attempt`
 * from status.blueGreen.attempt). `attempt` (status.canary.attempt) goes up whenever the steps start over (retry,
 * new version, steps edited) and when an operator accepts an Inconclusive background run, so a
 * run is never reused for a verdict it was not started for — not even when an earlier version
 * comes back. Label-safe, at most 40 characters (a pod hash longer than 20 characters or not
 * label-safe is replaced by its FNV-1a hash).
 *
 * Only `Successful` is a success. A missing run, Pending, Running or any phase this code does not
 * know is "no verdict yet": nothing is ever promoted on missing data.
 */
import { fnv1a32 } from './step-hash.ts';
import type { AnalysisPhase, AnalysisRunView } from '../types.ts';

export type RunKind = 'step' | 'background' | 'prePromotion' | 'postPromotion';

export interface ObservedRun {
  name: string;
  phase: AnalysisPhase;
  message?: string;
}

/** The observed runs by request id. */
export type ObservedRuns = Readonly<Record<string, ObservedRun>>;

/** A run that decided something, as events and messages name it. */
export interface RunVerdict extends ObservedRun {
  kind: RunKind;
}

export type Verdict = 'none' | 'successful' | 'failed' | 'inconclusive';

export function verdictOf(run: ObservedRun | undefined): Verdict {
  switch (run?.phase) {
    case 'Successful':
      return 'successful';
    case 'Failed':
    case 'Error':
      return 'failed';
    case 'Inconclusive':
      return 'inconclusive';
    default:
      return 'none';
  }
}

const LABEL_SAFE_SHORT = /^[a-zA-Z0-9](?:[-a-zA-Z0-9_.]{0,18}[a-zA-Z0-9])?$/;

/** The part of every id of one attempt at one version. */
function runIdPrefix(podHash: string, attempt: number): string {
  return `${LABEL_SAFE_SHORT.test(podHash) ? podHash : fnv1a32(podHash)}-${attempt}`;
}

export function stepRunId(podHash: string, attempt: number, stepIndex: number): string {
  return `${runIdPrefix(podHash, attempt)}-s${stepIndex}`;
}

export function backgroundRunId(podHash: string, attempt: number): string {
  return `${runIdPrefix(podHash, attempt)}-bg`;
}

/** Blue-green: the run that gates the switch of the active Service. */
export function prePromotionRunId(podHash: string, attempt: number): string {
  return `${runIdPrefix(podHash, attempt)}-pre`;
}

/** Blue-green: the run that judges the new version once the active Service points at it. */
export function postPromotionRunId(podHash: string, attempt: number): string {
  return `${runIdPrefix(podHash, attempt)}-post`;
}

/** Background analysis runs from `startingStep` while steps remain (not once they are all done). */
export function backgroundActiveAt(stepIndex: number, stepCount: number, startingStep: number): boolean {
  return stepIndex >= startingStep && stepIndex < stepCount;
}

const SEVERITY: Record<Verdict, number> = { successful: 0, none: 1, inconclusive: 2, failed: 3 };

/**
 * The observed runs by id. Should two runs carry the same id, the least favourable one counts
 * (a success never hides a failure), then the first by name.
 */
export function observeRuns(views: readonly AnalysisRunView[] | undefined): ObservedRuns {
  // No prototype: an id is data, never `__proto__` or `constructor` of an object.
  const byId = Object.create(null) as Record<string, ObservedRun>;
  for (const view of views ?? []) {
    const run: ObservedRun =
      view.message === undefined
        ? { name: view.name, phase: view.phase }
        : { name: view.name, phase: view.phase, message: view.message };
    const seen = byId[view.id];
    const worse =
      seen === undefined ||
      SEVERITY[verdictOf(run)] > SEVERITY[verdictOf(seen)] ||
      (SEVERITY[verdictOf(run)] === SEVERITY[verdictOf(seen)] && run.name < seen.name);
    if (worse) byId[view.id] = run;
  }
  return byId;
}

const RUN_NAMES: Record<RunKind, string> = {
  step: 'analysis run',
  background: 'background analysis run',
  prePromotion: 'pre-promotion analysis run',
  postPromotion: 'post-promotion analysis run',
};

/** `analysis run web-v2-0-s1 Failed: metric "x" ...` (the run's message names the metric). */
export function describeRun(run: RunVerdict): string {
  const which = RUN_NAMES[run.kind];
  return `${which} ${run.name} ${run.phase}${run.message ? `: ${run.message}` : ''}`;
}

/** For effect params behind a guard that saw the run (never the fallback in practice). */
export const seenRun = (run: RunVerdict | undefined, kind: RunVerdict['kind']): RunVerdict =>
  run ?? { kind, name: '', phase: 'Pending' };
