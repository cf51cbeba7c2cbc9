/**
 * A metric's schedule and limits read with Argo Rollouts' defaults, plus the per-metric settings
 * a run declares by name (`dryRun[]`, `measurementRetention[]`). Pure.
 *
 * The accessors expect a metric whose `{{args.*}}` placeholders are already substituted; a value
 * that is still malformed throws `InvalidSpecError` naming the metric and field (run-state turns
 * that into an Error run, as Argo does with "analysis spec invalid").
 */
import type { DryRun, MeasurementRetention, MetricInput } from '../src/api/analysis.ts';
import { parseDurationMs } from '../strategies/kernel/duration.ts';
import { InvalidSpecError } from '../strategies/kernel/invalid-spec.ts';
import { parseIntOrString } from './int-or-string.ts';

/** Consecutive measurement errors tolerated before a metric is Error (Argo's default). */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** Measurements kept per metric in status unless `measurementRetention` says otherwise. */
export const DEFAULT_MEASUREMENT_RETENTION = 10;
/** Wait before retrying a metric that errored and has no interval (Argo's DefaultErrorRetryInterval). */
export const DEFAULT_ERROR_RETRY_INTERVAL_MS = 10_000;
/** `metricName` that selects every metric in `dryRun[]` and `measurementRetention[]`. */
export const ALL_METRICS = '.*';

/** What a metric's settings need from the spec; `Metric` (defaults applied) and `MetricInput` both fit. */
export type MetricSettings = Pick<
  MetricInput,
  | 'name'
  | 'interval'
  | 'initialDelay'
  | 'count'
  | 'failureLimit'
  | 'inconclusiveLimit'
  | 'consecutiveErrorLimit'
  | 'consecutiveSuccessLimit'
>;

function field(metric: { name: string }, name: string): string {
  return `metrics[${metric.name}].${name}`;
}

/** Milliseconds between measurements, or undefined when the metric has no interval. */
export function intervalMs(metric: MetricSettings): number | undefined {
  return metric.interval === undefined
    ? undefined
    : parseDurationMs(metric.interval, field(metric, 'interval'));
}

/** Milliseconds from the run's start to the first measurement (0 without initialDelay). */
export function initialDelayMs(metric: MetricSettings): number {
  return metric.initialDelay === undefined
    ? 0
    : parseDurationMs(metric.initialDelay, field(metric, 'initialDelay'));
}

/**
 * How many completed measurements finish the metric, or undefined for "until terminated".
 * As in Argo: an unset (or 0) count means 1 without an interval, and no limit with one.
 */
export function effectiveCount(metric: MetricSettings): number | undefined {
  const count = parseCount(metric);
  if (count === undefined || count === 0) return metric.interval === undefined ? 1 : undefined;
  return count;
}

function parseCount(metric: MetricSettings): number | undefined {
  return limitValue(metric, 'count');
}

/** The names of the metric fields that are int-or-string and must be integers once resolved. */
export const INT_OR_STRING_METRIC_FIELDS = [
  'count',
  'failureLimit',
  'inconclusiveLimit',
  'consecutiveErrorLimit',
  'consecutiveSuccessLimit',
] as const;
export type IntOrStringMetricField = (typeof INT_OR_STRING_METRIC_FIELDS)[number];

/** The smallest value each accepts: failureLimit -1 disables the failure check (as in Argo). */
export function limitMinimum(name: IntOrStringMetricField): number {
  return name === 'failureLimit' ? -1 : 0;
}

/** A limit's integer value (undefined when unset); a non-integer throws naming the field. */
function limitValue(metric: MetricSettings, name: IntOrStringMetricField): number | undefined {
  const value = metric[name];
  if (value === undefined) return undefined;
  const parsed = parseIntOrString(value, limitMinimum(name));
  if (!parsed.ok) throw new InvalidSpecError(field(metric, name), parsed.error);
  return parsed.value;
}

/** The limits that decide a metric's phase, with Argo's defaults. */
export interface MetricLimits {
  /** Failed measurements tolerated; negative disables the check (Argo's -1). */
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  /** 0 when unset: no early success. */
  readonly consecutiveSuccessLimit: number;
}

/** The limits as integers; a limit that is not one (after substitution) throws naming the field. */
export function metricLimits(metric: MetricSettings): MetricLimits {
  return {
    failureLimit: limitValue(metric, 'failureLimit') ?? 0,
    inconclusiveLimit: limitValue(metric, 'inconclusiveLimit') ?? 0,
    consecutiveErrorLimit: limitValue(metric, 'consecutiveErrorLimit') ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT,
    consecutiveSuccessLimit: limitValue(metric, 'consecutiveSuccessLimit') ?? 0,
  };
}

/** Whether the run lists this metric (or every metric, `.*`) as dry-run. */
export function isDryRun(metricName: string, dryRun: readonly DryRun[] | undefined): boolean {
  return (dryRun ?? []).some((entry) => entry.metricName === metricName || entry.metricName === ALL_METRICS);
}

/** Measurements kept for this metric: its own entry, else the `.*` entry, else 10. */
export function measurementRetention(
  metricName: string,
  retention: readonly MeasurementRetention[] | undefined,
): number {
  const entries = retention ?? [];
  const own = entries.find((entry) => entry.metricName === metricName);
  const all = entries.find((entry) => entry.metricName === ALL_METRICS);
  return (own ?? all)?.limit ?? DEFAULT_MEASUREMENT_RETENTION;
}
