/**
 * The state of an AnalysisRun at `now`: each metric's phase, which measurements are due, the
 * run's phase and message, and when to look again. Pure: everything comes from the spec and
 * status passed in, so a controller restarted anywhere computes the same answer.
 *
 * How the reconciler uses it:
 * 1. `assessRun(spec, status, now)`; write `startedAt` back if status had none.
 * 2. For each `due` entry: measure / resume / terminate, then `applyMeasurement` the outcome.
 * 3. `assessRun` again with the new results; patch status with its phase, message,
 *    metricResults and summaries; requeue at `nextDueAt` (none when the run finished).
 * A measurement taken but lost to a crash before the status patch is simply taken again.
 *
 * Run phase (dry-run metrics are measured and recorded but never decide it):
 * - a finished run keeps its phase;
 * - invalid metrics (bad condition, duration, count) -> Error, "analysis spec invalid: ...";
 * - a metric Failed, Error or Inconclusive -> the run terminates at once with the worst of
 *   them (Failed > Error > Inconclusive); other metrics stop measuring;
 * - `spec.terminate` -> the worst finished metric, else Successful ("run terminated");
 * - all metrics finished -> the worst (Successful when all passed, or all were dry-run);
 * - otherwise Running, or Pending while no metric has been measured and none is due.
 */
import type {
  AnalysisPhase,
  AnalysisRunStatus,
  DryRun,
  Measurement,
  MeasurementRetention,
  MetricInput,
  MetricResult,
  RunSummary,
} from '../src/api/analysis.ts';
import { assessMetric, describeFinish, emptyMetricResult, isFinished } from './metric-result.ts';
import { isDryRun } from './metric-spec.ts';
import type { DueAction } from './schedule.ts';
import { scheduleMetric, timeOf } from './schedule.ts';
import { validateMetrics } from './validate-metrics.ts';

export interface RunSpecView {
  /** Metrics with `{{args.*}}` substituted (secrets may stay as placeholders: only the schedule is read here). */
  readonly metrics: readonly MetricInput[];
  readonly dryRun?: readonly DryRun[];
  readonly measurementRetention?: readonly MeasurementRetention[];
  readonly terminate?: boolean;
}

export interface DueMeasurement {
  readonly metric: MetricInput;
  readonly action: DueAction;
  /** The measurement to resume or terminate. */
  readonly inFlight?: Measurement;
}

export interface RunState {
  readonly phase: AnalysisPhase;
  readonly message?: string;
  /** status.startedAt: kept from status, or `now` for a run seen for the first time. */
  readonly startedAt: string;
  /** One result per metric, in spec order, with phases brought up to date. */
  readonly metricResults: MetricResult[];
  readonly runSummary: RunSummary;
  readonly dryRunSummary: RunSummary;
  readonly due: DueMeasurement[];
  /** When the next measurement falls due (ms since the epoch); undefined when nothing is scheduled. */
  readonly nextDueAt?: number;
}

const SEVERITY: Readonly<Record<AnalysisPhase, number>> = {
  Pending: 0,
  Running: 0,
  Successful: 1,
  Inconclusive: 2,
  Error: 3,
  Failed: 4,
};
const FAILING: ReadonlySet<AnalysisPhase> = new Set(['Failed', 'Error', 'Inconclusive']);

export function assessRun(spec: RunSpecView, status: AnalysisRunStatus | undefined, now: number): RunState {
  const startedAt = status?.startedAt ?? new Date(now).toISOString();
  const stored = status?.metricResults ?? [];
  if (isFinished(status?.phase)) return finishedRun(spec, status, startedAt);

  const problems = validateMetrics(spec);
  if (problems.length > 0) {
    return {
      ...summarize(spec, stored),
      phase: 'Error',
      message: `analysis spec invalid: ${problems.join('; ')}`,
      startedAt,
      metricResults: [...stored],
      due: [],
    };
  }

  const dryRun = (name: string) => isDryRun(name, spec.dryRun);
  const byName = new Map(stored.map((result) => [result.name, result]));
  const terminating =
    spec.terminate === true || stored.some((result) => FAILING.has(result.phase) && !dryRun(result.name));
  const metricResults = spec.metrics.map((metric) =>
    refreshResult(
      metric,
      byName.get(metric.name) ?? emptyMetricResult(metric.name, dryRun(metric.name)),
      terminating,
    ),
  );

  const due: DueMeasurement[] = [];
  let nextDueAt: number | undefined;
  const context = { runStartedAt: timeOf(startedAt) ?? now, now, terminating };
  spec.metrics.forEach((metric, i) => {
    const schedule = scheduleMetric(metric, metricResults[i], context);
    if (schedule.action !== undefined) {
      due.push({
        metric,
        action: schedule.action,
        ...(schedule.inFlight ? { inFlight: schedule.inFlight } : {}),
      });
    } else if (schedule.dueAt !== undefined) {
      nextDueAt = Math.min(nextDueAt ?? Infinity, schedule.dueAt);
    }
  });

  const verdict = runVerdict(spec, metricResults, terminating, due.length > 0);
  return {
    ...summarize(spec, metricResults),
    ...verdict,
    startedAt,
    metricResults,
    due,
    ...(isFinished(verdict.phase) || nextDueAt === undefined ? {} : { nextDueAt }),
  };
}

/** Bring a stored result's phase up to date (e.g. Successful once the run terminates). */
function refreshResult(metric: MetricInput, result: MetricResult, terminating: boolean): MetricResult {
  const { phase, reason } = assessMetric(metric, result, terminating);
  if (phase === result.phase) return result;
  const message = reason === undefined ? result.message : describeFinish(result.measurements?.at(-1), reason);
  return { ...result, phase, ...(message === undefined ? {} : { message }) };
}

function runVerdict(
  spec: RunSpecView,
  results: readonly MetricResult[],
  terminating: boolean,
  anythingDue: boolean,
): { phase: AnalysisPhase; message?: string } {
  const decisive = results.filter((result) => !isDryRun(result.name, spec.dryRun));
  const worst = decisive.reduce<MetricResult | undefined>(
    (current, result) =>
      isFinished(result.phase) && (current === undefined || SEVERITY[result.phase] > SEVERITY[current.phase])
        ? result
        : current,
    undefined,
  );
  if (worst !== undefined && FAILING.has(worst.phase)) {
    return { phase: worst.phase, message: failureMessage(worst) };
  }
  if (terminating) return { phase: 'Successful', message: 'run terminated' };
  if (results.every((result) => isFinished(result.phase))) return { phase: 'Successful' };
  const measuredAny = results.some((result) => (result.measurements?.length ?? 0) > 0);
  return { phase: measuredAny || anythingDue ? 'Running' : 'Pending' };
}

const VERB: Partial<Record<AnalysisPhase, string>> = {
  Failed: 'failed',
  Error: 'errored',
  Inconclusive: 'was inconclusive',
};

/** `metric "success-rate" failed: value 0.7 (failed 1 > failureLimit 0)`. */
function failureMessage(result: MetricResult): string {
  const verb = VERB[result.phase] ?? result.phase;
  return result.message === undefined
    ? `metric "${result.name}" ${verb}`
    : `metric "${result.name}" ${verb}: ${result.message}`;
}

function finishedRun(spec: RunSpecView, status: AnalysisRunStatus | undefined, startedAt: string): RunState {
  const metricResults = [...(status?.metricResults ?? [])];
  return {
    ...summarize(spec, metricResults),
    phase: status?.phase ?? 'Successful',
    ...(status?.message === undefined ? {} : { message: status.message }),
    startedAt,
    metricResults,
    due: [],
  };
}

function summarize(
  spec: RunSpecView,
  results: readonly MetricResult[],
): { runSummary: RunSummary; dryRunSummary: RunSummary } {
  const byName = new Map(results.map((result) => [result.name, result]));
  const tally = (dryRun: boolean): RunSummary => {
    const metrics = spec.metrics.filter((metric) => isDryRun(metric.name, spec.dryRun) === dryRun);
    const phases = metrics.map((metric) => byName.get(metric.name)?.phase);
    const counted = (phase: AnalysisPhase) => phases.filter((p) => p === phase).length;
    return {
      count: metrics.length,
      successful: counted('Successful'),
      failed: counted('Failed'),
      inconclusive: counted('Inconclusive'),
      error: counted('Error'),
    };
  };
  return { runSummary: tally(false), dryRunSummary: tally(true) };
}
