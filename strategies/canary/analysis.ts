/**
 * The AnalysisRuns a canary reconcile asks for, and what status shows of them, from the state
 * the machine ended in. The machine's guards read the same runs under the same ids (see
 * `kernel/analysis-runs.ts`), so what is requested is what is judged. Pure.
 */
import {
  backgroundActiveAt,
  backgroundRunId,
  observeRuns,
  stepRunId,
  verdictOf,
  type ObservedRun,
  type RunKind,
  type RunVerdict,
} from '../kernel/analysis-runs.ts';
import { Lifecycle } from './machine.ts';
import type { CanarySettings } from './settings.ts';
import type { CanaryOutcome } from './machine-setup.ts';
import type { AnalysisRunRequest, ExperimentRequest, RolloutStatusView, StrategyInput } from '../types.ts';

type RunStatus = NonNullable<NonNullable<RolloutStatusView['canary']>['currentStepAnalysisRunStatus']>;

export interface CanaryAnalysis {
  /** `decision.analysisRuns`: the runs that should exist now (none when aborted or done). */
  requests: AnalysisRunRequest[];
  /** status.canary.currentStepAnalysisRunStatus: the current step's run, once it exists. */
  stepRun?: RunVerdict;
  /** status.canary.currentBackgroundAnalysisRunStatus: the background run, once it exists. */
  backgroundRun?: RunVerdict;
  /** `decision.experiments`: the current experiment step's Experiment, while the step runs. */
  experiments: ExperimentRequest[];
  /** status.canary.currentExperiment: the current step's Experiment, once it exists. */
  experimentRun?: RunVerdict;
}

/** Lifecycle states in which the current step's run (at an analysis step) should exist. */
const STEP_RUN_STATES: readonly Lifecycle[] = [Lifecycle.progressing, Lifecycle.inconclusive];
/** Lifecycle states in which background analysis runs (while steps remain). */
const BACKGROUND_STATES: readonly Lifecycle[] = [
  Lifecycle.progressing,
  Lifecycle.paused,
  Lifecycle.inconclusive,
];

export function canaryAnalysis(
  input: StrategyInput,
  settings: CanarySettings,
  { value, context }: CanaryOutcome,
): CanaryAnalysis {
  const podHash = context.currentPodHash;
  if (podHash === undefined) return { requests: [], experiments: [] };
  const runs = observeRuns(input.analysisRuns);
  const result: CanaryAnalysis = { requests: [], experiments: [] };
  const { stepIndex, attempt } = context;
  const step = settings.steps[stepIndex]?.analysis;
  if (step !== undefined && STEP_RUN_STATES.includes(value.lifecycle)) {
    const id = stepRunId(podHash, attempt, stepIndex);
    result.requests.push(request({ id, kind: 'step', stepIndex }, step));
    const run = runs[id];
    if (run) result.stepRun = { kind: 'step', ...run };
  }
  if (settings.steps[stepIndex]?.experiment !== undefined && STEP_RUN_STATES.includes(value.lifecycle)) {
    const id = stepRunId(podHash, attempt, stepIndex);
    result.experiments.push({ id, stepIndex });
    const run = runs[id];
    if (run) result.experimentRun = { kind: 'step', ...run };
  }
  const { background } = settings;
  if (
    background !== undefined &&
    BACKGROUND_STATES.includes(value.lifecycle) &&
    backgroundActiveAt(stepIndex, settings.steps.length, background.startingStep)
  ) {
    const id = backgroundRunId(podHash, attempt);
    result.requests.push(request({ id, kind: 'background' }, background));
    const run = runs[id];
    if (run) result.backgroundRun = { kind: 'background', ...run };
  }
  return result;
}

function request(
  head: Pick<AnalysisRunRequest, 'id' | 'kind' | 'stepIndex'>,
  analysis: { templates: AnalysisRunRequest['templates']; args?: unknown[] },
): AnalysisRunRequest {
  const withTemplates = { ...head, templates: analysis.templates };
  return analysis.args === undefined ? withTemplates : { ...withTemplates, args: analysis.args };
}

/** A run as status.canary.current*AnalysisRunStatus shows it. */
export function runStatus(run: ObservedRun | undefined): RunStatus | undefined {
  if (run === undefined) return undefined;
  return run.message === undefined
    ? { name: run.name, status: run.phase }
    : { name: run.name, status: run.phase, message: run.message };
}

/**
 * The run that aborted this attempt, if an analysis did: a Failed or Error run among this
 * version's and attempt's step runs and background run (the first in step order). Derived again
 * at every reconcile, so the aborted status keeps naming it without remembering anything more.
 */
export function abortingRun(
  { analysisRuns }: StrategyInput,
  settings: CanarySettings,
  { context }: CanaryOutcome,
): RunVerdict | undefined {
  const podHash = context.currentPodHash;
  if (podHash === undefined) return undefined;
  const runs = observeRuns(analysisRuns);
  const candidates: [RunKind, string][] = [
    ...settings.steps.map((_step, index): [RunKind, string] => [
      'step',
      stepRunId(podHash, context.attempt, index),
    ]),
    ['background', backgroundRunId(podHash, context.attempt)],
  ];
  for (const [kind, id] of candidates) {
    const run = runs[id];
    if (run !== undefined && verdictOf(run) === 'failed') return { kind, ...run };
  }
  return undefined;
}
