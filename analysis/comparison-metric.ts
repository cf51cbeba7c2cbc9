/**
 * The settings and default conditions of a comparison metric (`provider.comparison`). Pure.
 *
 * Without conditions a metric's measurements would all pass (Argo's rule), which would promote
 * B on any data. A comparison metric therefore judges by its verdict unless it says otherwise:
 * Successful when B is significantly better, Failed when significantly worse, Inconclusive for
 * no significant difference or too few samples yet.
 */
import type { ComparisonMetric, MetricInput } from '../src/api/analysis.ts';
import type { ComparisonSettings } from './two-proportion-test.ts';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_MIN_SAMPLES = 100;

export const DEFAULT_COMPARISON_CONDITIONS = {
  successCondition: "result.verdict == 'better'",
  failureCondition: "result.verdict == 'worse'",
} as const;

export function comparisonSettings(spec: ComparisonMetric): ComparisonSettings {
  return {
    alpha: spec.alpha ?? DEFAULT_ALPHA,
    minSamples: spec.minSamples ?? DEFAULT_MIN_SAMPLES,
    better: spec.better ?? 'higher',
  };
}

/** The metric with the verdict conditions when it is a comparison that sets neither condition. */
export function withComparisonDefaults<M extends MetricInput>(metric: M): M {
  if (metric.provider.comparison === undefined) return metric;
  if (metric.successCondition !== undefined || metric.failureCondition !== undefined) return metric;
  return { ...metric, ...DEFAULT_COMPARISON_CONDITIONS };
}
