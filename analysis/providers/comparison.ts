/**
 * Comparison metric provider (Bellwether addition): four instant Prometheus queries — successes
 * and trials of variant A and of variant B — judged by the pure two-proportion z-test
 * (../two-proportion-test.ts). I/O here, statistics there.
 *
 * Each query must give exactly one number (a scalar, or a vector with one series; wrap a
 * selector in `sum(...)`). No series is a measurement error like any Prometheus "no data":
 * write `sum(...) or vector(0)` to count a variant that has not been served yet as zero.
 * `result` is the ComparisonResult; the measurement's value text says the verdict in words.
 */
import type { MetricInput } from '../../src/api/analysis.ts';
import { comparisonSettings } from '../comparison-metric.ts';
import {
  describeComparison,
  twoProportionZTest,
  type ComparisonResult,
  type ComparisonSettings,
  type VariantCounts,
} from '../two-proportion-test.ts';
import { prometheusProvider, type PrometheusProviderOptions } from './prometheus.ts';
import { fieldQuery } from './prometheus-query.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';
import type { MeasureContext, MeasuredValue, MetricProvider } from './provider.ts';

export function comparisonProvider(options: PrometheusProviderOptions = {}): MetricProvider {
  const prometheus = prometheusProvider(options);
  return {
    async measure(metric: MetricInput, context: MeasureContext = {}): Promise<MeasuredValue> {
      const spec = metric.provider.comparison;
      if (spec === undefined) {
        throw new MeasurementError(
          MeasurementErrorKind.config,
          `metric "${metric.name}" has no comparison provider`,
        );
      }
      const run = fieldQuery(prometheus, metric, spec, context);
      const query = async (field: string, promql: string): Promise<number> =>
        singleNumber(field, await run(field, promql));
      const [aSuccesses, aTrials, bSuccesses, bTrials] = await Promise.all([
        query('a.successes', spec.a.successes),
        query('a.trials', spec.a.trials),
        query('b.successes', spec.b.successes),
        query('b.trials', spec.b.trials),
      ]);
      const result = judge(
        { successes: aSuccesses, trials: aTrials },
        { successes: bSuccesses, trials: bTrials },
        comparisonSettings(spec),
      );
      return { value: result, display: describeComparison(result) };
    },
  };
}

function judge(a: VariantCounts, b: VariantCounts, settings: ComparisonSettings): ComparisonResult {
  try {
    return twoProportionZTest(a, b, settings);
  } catch (error) {
    // Successes above trials: the queries do not count what the metric says they count.
    throw new MeasurementError(MeasurementErrorKind.malformed, (error as Error).message, { cause: error });
  }
}

function singleNumber(field: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'number') return value[0];
  const count = Array.isArray(value) ? value.length : 0;
  throw new MeasurementError(
    MeasurementErrorKind.malformed,
    `${field}: query returned ${count} series, not one number (aggregate it, e.g. sum(...))`,
  );
}
