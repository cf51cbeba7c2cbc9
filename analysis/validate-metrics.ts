/**
 * Checks a template's or run's metrics before any measurement, so a bad template is rejected
 * with a message naming the metric and field instead of failing halfway through a rollout. Pure.
 *
 * Covers what the CRD schema cannot: CEL conditions, the web provider's jsonPath, range query
 * times, durations and counts after argument
 * substitution, and Argo's cross-field rules (count > 1 needs an interval; count must leave room
 * for failureLimit, inconclusiveLimit and consecutiveSuccessLimit).
 */
import type { DryRun, MeasurementRetention, MetricInput } from '../src/api/analysis.ts';
import { InvalidSpecError } from '../strategies/kernel/invalid-spec.ts';
import { compileCondition } from './conditions.ts';
import { parseJsonPath } from './json-path.ts';
import { evaluateTimeExpression } from './time-expression.ts';
import { parseDurationMs } from '../strategies/kernel/duration.ts';
import { ALL_METRICS, effectiveCount, initialDelayMs, intervalMs, metricLimits } from './metric-spec.ts';

const PROVIDER_KINDS = ['prometheus', 'web', 'job', 'comparison', 'judge'] as const;

export interface MetricsSpec {
  readonly metrics: readonly MetricInput[];
  readonly dryRun?: readonly DryRun[];
  readonly measurementRetention?: readonly MeasurementRetention[];
}

/** Every problem found, each as `metrics[<name>].<field>: <problem>`; empty when valid. */
export function validateMetrics(spec: MetricsSpec): string[] {
  const problems = spec.metrics.flatMap(validateMetric);
  const names = new Set(spec.metrics.map((metric) => metric.name));
  const unknownNames = (list: readonly { metricName: string }[] | undefined, listName: string) =>
    (list ?? [])
      .filter((entry) => entry.metricName !== ALL_METRICS && !names.has(entry.metricName))
      .map((entry) => `${listName}: no metric named '${entry.metricName}'`);
  return [
    ...problems,
    ...unknownNames(spec.dryRun, 'dryRun'),
    ...unknownNames(spec.measurementRetention, 'measurementRetention'),
  ];
}

function validateMetric(metric: MetricInput): string[] {
  const problems: string[] = [];
  const at = (name: string) => `metrics[${metric.name}].${name}`;
  const collect = (check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof InvalidSpecError)) throw error;
      problems.push(error.message);
    }
  };
  collect(() => intervalMs(metric));
  collect(() => initialDelayMs(metric));
  collect(() => {
    const count = effectiveCount(metric);
    if (count === undefined) return;
    if (count > 1 && metric.interval === undefined) {
      problems.push(`${at('interval')}: required when count is more than 1`);
    }
    const limits = metricLimits(metric);
    const roomFor = (limit: number, name: string) => {
      if (count < limit) problems.push(`${at('count')}: ${count} is less than ${name} ${limit}`);
    };
    roomFor(limits.failureLimit, 'failureLimit');
    roomFor(limits.inconclusiveLimit, 'inconclusiveLimit');
    roomFor(limits.consecutiveSuccessLimit, 'consecutiveSuccessLimit');
  });
  for (const name of ['successCondition', 'failureCondition'] as const) {
    const expression = metric[name];
    if (expression === undefined) continue;
    const compiled = compileCondition(expression);
    if (!compiled.ok) problems.push(`${at(name)}: ${compiled.error}`);
  }
  const jsonPath = metric.provider.web?.jsonPath;
  if (jsonPath !== undefined) {
    const parsed = parseJsonPath(jsonPath);
    if (!parsed.ok) problems.push(`${at('provider.web.jsonPath')}: ${parsed.error}`);
  }
  const range = metric.provider.prometheus?.rangeQuery;
  if (range !== undefined) {
    for (const bound of ['start', 'end'] as const) {
      // Any instant will do: this only checks that the expression yields a time.
      const outcome = evaluateTimeExpression(range[bound], 0);
      if (!outcome.ok) problems.push(`${at(`provider.prometheus.rangeQuery.${bound}`)}: ${outcome.error}`);
    }
    collect(() => parseDurationMs(range.step, at('provider.prometheus.rangeQuery.step')));
  }
  const providers = PROVIDER_KINDS.filter((kind) => metric.provider[kind] !== undefined);
  if (providers.length !== 1) {
    problems.push(
      `${at('provider')}: set exactly one of ${PROVIDER_KINDS.join(', ')} (found ${providers.length})`,
    );
  }
  return problems;
}
