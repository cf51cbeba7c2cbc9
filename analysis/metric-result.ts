/**
 * One metric's result record: folding a measurement into its counters and deciding the metric's
 * phase with Argo Rollouts' rules. Pure.
 *
 * Counters (as Argo): a Successful, Failed or Inconclusive measurement counts towards `count`;
 * an Error does not (it is retried), it raises `consecutiveError` and resets `consecutiveSuccess`.
 * Every non-Error measurement resets `consecutiveError`; every non-Successful one resets
 * `consecutiveSuccess`.
 *
 * Phase, checked in this order once the last measurement has finished:
 * 1. failed > failureLimit (default 0) -> Failed
 * 2. consecutiveError > consecutiveErrorLimit (default 4) -> Error
 * 3. inconclusive > inconclusiveLimit (default 0) -> Inconclusive
 *    (one measurement moves one counter and a finished metric never changes phase again, so at
 *    most one of 1-3 can trip; the order only matters for hand-edited status and follows the
 *    run's severity, Failed > Error > Inconclusive)
 * 4. consecutiveSuccessLimit set and consecutiveSuccess reached it -> Successful
 * 5. count reached -> Successful; but with a consecutiveSuccessLimit that was not reached,
 *    Inconclusive (Failed if failureLimit is negative, i.e. disabled) — Argo 1.8's rule
 * 6. the run is terminating -> Successful ("run terminated"); otherwise Running.
 * A metric with no measurement is Pending; one whose last measurement is in flight is Running.
 * A finished phase (Successful, Failed, Error, Inconclusive) never changes.
 */
import type { AnalysisPhase, Measurement, MetricResult } from '../src/api/analysis.ts';
import type { MetricSettings } from './metric-spec.ts';
import { DEFAULT_MEASUREMENT_RETENTION, effectiveCount, metricLimits } from './metric-spec.ts';

const FINISHED_PHASES: ReadonlySet<AnalysisPhase> = new Set([
  'Successful',
  'Failed',
  'Error',
  'Inconclusive',
]);

/** Whether a metric, measurement or run phase is final. */
export function isFinished(phase: AnalysisPhase | undefined): boolean {
  return phase !== undefined && FINISHED_PHASES.has(phase);
}

/** A measurement still in flight (a Job running): no finishedAt and not in a final phase. */
export function isInFlight(measurement: Measurement): boolean {
  return measurement.finishedAt === undefined && !isFinished(measurement.phase);
}

/** The outcome of evaluating one measurement's conditions. */
export type ConditionVerdict = 'Successful' | 'Failed' | 'Inconclusive';

/**
 * Argo's measurement rule. `undefined` means the condition is not set.
 * - neither set: Successful (any value that was measured without error passes);
 * - only successCondition: Successful when true, else Failed;
 * - only failureCondition: Failed when true, else Successful;
 * - both: Failed when failure is true (failure wins), Successful when success is true,
 *   Inconclusive when neither is.
 */
export function measurementPhase(
  success: boolean | undefined,
  failure: boolean | undefined,
): ConditionVerdict {
  if (failure === true) return 'Failed';
  if (success === true) return 'Successful';
  if (success === undefined) return 'Successful';
  if (failure === undefined) return 'Failed';
  return 'Inconclusive';
}

export interface MetricAssessment {
  readonly phase: AnalysisPhase;
  /** Why a metric finished, e.g. `failed 1 > failureLimit 0`; absent while it runs. */
  readonly reason?: string;
}

/** The metric's phase from its counters (see the rules at the top of this file). */
export function assessMetric(
  metric: MetricSettings,
  result: MetricResult,
  terminating = false,
): MetricAssessment {
  if (isFinished(result.phase)) return { phase: result.phase, reason: undefined };
  const last = result.measurements?.at(-1);
  if (last === undefined) {
    return terminating ? { phase: 'Successful', reason: 'run terminated' } : { phase: 'Pending' };
  }
  if (isInFlight(last)) return { phase: 'Running' };
  return assessLimits(metric, result) ?? assessCompletion(metric, result, terminating);
}

function assessLimits(metric: MetricSettings, result: MetricResult): MetricAssessment | undefined {
  const limits = metricLimits(metric);
  const failed = result.failed ?? 0;
  if (limits.failureLimit >= 0 && failed > limits.failureLimit) {
    return { phase: 'Failed', reason: `failed ${failed} > failureLimit ${limits.failureLimit}` };
  }
  const consecutiveError = result.consecutiveError ?? 0;
  if (consecutiveError > limits.consecutiveErrorLimit) {
    return {
      phase: 'Error',
      reason: `consecutiveError ${consecutiveError} > consecutiveErrorLimit ${limits.consecutiveErrorLimit}`,
    };
  }
  const inconclusive = result.inconclusive ?? 0;
  if (inconclusive > limits.inconclusiveLimit) {
    return {
      phase: 'Inconclusive',
      reason: `inconclusive ${inconclusive} > inconclusiveLimit ${limits.inconclusiveLimit}`,
    };
  }
  return undefined;
}

function assessCompletion(
  metric: MetricSettings,
  result: MetricResult,
  terminating: boolean,
): MetricAssessment {
  const limits = metricLimits(metric);
  const consecutiveSuccess = result.consecutiveSuccess ?? 0;
  const successLimit = limits.consecutiveSuccessLimit;
  if (successLimit > 0 && consecutiveSuccess >= successLimit) {
    return {
      phase: 'Successful',
      reason: `consecutiveSuccess ${consecutiveSuccess} reached consecutiveSuccessLimit ${successLimit}`,
    };
  }
  const count = effectiveCount(metric);
  const taken = result.count ?? 0;
  if (count !== undefined && taken >= count) {
    if (successLimit > 0) {
      return {
        phase: limits.failureLimit >= 0 ? 'Inconclusive' : 'Failed',
        reason: `consecutiveSuccessLimit ${successLimit} not reached in ${taken} measurements`,
      };
    }
    return { phase: 'Successful', reason: `count ${count} reached` };
  }
  return terminating ? { phase: 'Successful', reason: 'run terminated' } : { phase: 'Running' };
}

/** A result record for a metric that has not been measured yet. */
export function emptyMetricResult(name: string, dryRun: boolean): MetricResult {
  return {
    name,
    phase: 'Pending',
    measurements: [],
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0,
    ...(dryRun ? { dryRun: true } : {}),
  };
}

export interface ApplyOptions {
  /** Measurements kept in status (default 10); older ones are dropped. */
  readonly retention?: number;
  readonly dryRun?: boolean;
}

/**
 * Fold one measurement into a metric's result and decide its phase.
 *
 * A measurement replaces the last stored one when that one is in flight (a resumed Job
 * measurement finishing); otherwise it is appended. Counters move only for finished
 * measurements, so storing an in-flight measurement and later its outcome counts it once.
 */
export function applyMeasurement(
  metric: MetricSettings,
  previous: MetricResult | undefined,
  measurement: Measurement,
  options: ApplyOptions = {},
): MetricResult {
  const base = previous ?? emptyMetricResult(metric.name, options.dryRun ?? false);
  const stored = base.measurements ?? [];
  const last = stored.at(-1);
  const kept = last !== undefined && isInFlight(last) ? stored.slice(0, -1) : stored;
  const retention = Math.max(1, options.retention ?? DEFAULT_MEASUREMENT_RETENTION);
  const counted = countMeasurement(base, measurement.phase);
  const next: MetricResult = { ...counted, measurements: [...kept, measurement].slice(-retention) };
  const { phase, reason } = assessMetric(metric, next);
  return { ...next, phase, ...messageFields(measurement, reason) };
}

function countMeasurement(result: MetricResult, phase: AnalysisPhase): MetricResult {
  const count = result.count ?? 0;
  const consecutiveSuccess = result.consecutiveSuccess ?? 0;
  const consecutiveError = result.consecutiveError ?? 0;
  switch (phase) {
    case 'Successful':
      return {
        ...result,
        count: count + 1,
        successful: (result.successful ?? 0) + 1,
        consecutiveSuccess: consecutiveSuccess + 1,
        consecutiveError: 0,
      };
    case 'Failed':
      return {
        ...result,
        count: count + 1,
        failed: (result.failed ?? 0) + 1,
        consecutiveSuccess: 0,
        consecutiveError: 0,
      };
    case 'Inconclusive':
      return {
        ...result,
        count: count + 1,
        inconclusive: (result.inconclusive ?? 0) + 1,
        consecutiveSuccess: 0,
        consecutiveError: 0,
      };
    case 'Error':
      return {
        ...result,
        error: (result.error ?? 0) + 1,
        consecutiveError: consecutiveError + 1,
        consecutiveSuccess: 0,
      };
    case 'Pending':
    case 'Running':
      return result;
  }
}

/**
 * The metric's message: why it finished (`value 0.7 (failed 1 > failureLimit 0)`), or while it
 * runs, the last measurement's message (an error worth seeing before the limit trips).
 */
function messageFields(last: Measurement, reason: string | undefined): { message?: string } {
  if (reason !== undefined) return { message: describeFinish(last, reason) };
  return last.message === undefined ? {} : { message: last.message };
}

/** `value 0.7 (failed 1 > failureLimit 0)`, or for an error `query returned NaN (consecutiveError 5 > ...)`. */
export function describeFinish(last: Measurement | undefined, reason: string): string {
  if (last === undefined) return reason;
  const detail = last.phase === 'Error' && last.message !== undefined ? last.message : valueText(last);
  return detail === undefined ? reason : `${detail} (${reason})`;
}

function valueText(measurement: Measurement): string | undefined {
  if (measurement.value !== undefined) return `value ${measurement.value}`;
  return measurement.message;
}
