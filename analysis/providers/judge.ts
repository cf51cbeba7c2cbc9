/**
 * Judge metric provider (Bellwether addition): per compared metric, two Prometheus queries — the
 * baseline's samples and the canary's — judged by the pure Kayenta-style judge
 * (../canary-judge.ts, Mann-Whitney U). I/O here, statistics there.
 *
 * A query gives samples as the Prometheus provider parses them: a vector is one value per series,
 * a range vector or subquery (`(...)[2m:5s]`) every value of every series. No series is a
 * measurement error ("no data"), as for any Prometheus metric; too few values is NoData in the
 * result, which never passes. `result` is the JudgeResult.
 */
import type { MetricInput } from '../../src/api/analysis.ts';
import { describeJudgement, judgeCanary, type JudgedSamples } from '../canary-judge.ts';
import { judgeSettings } from '../judge-metric.ts';
import { prometheusProvider, type PrometheusProviderOptions } from './prometheus.ts';
import { fieldQuery } from './prometheus-query.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';
import type { MeasureContext, MeasuredValue, MetricProvider } from './provider.ts';

export function judgeProvider(options: PrometheusProviderOptions = {}): MetricProvider {
  const prometheus = prometheusProvider(options);
  return {
    async measure(metric: MetricInput, context: MeasureContext = {}): Promise<MeasuredValue> {
      const spec = metric.provider.judge;
      if (spec === undefined) {
        throw new MeasurementError(
          MeasurementErrorKind.config,
          `metric "${metric.name}" has no judge provider`,
        );
      }
      const run = fieldQuery(prometheus, metric, spec, context);
      const samples = async (field: string, promql: string): Promise<number[]> =>
        numbers(field, await run(field, promql));
      const judged: JudgedSamples[] = await Promise.all(
        spec.metrics.map(async (compared, index) => {
          const [baseline, canary] = await Promise.all([
            samples(`metrics[${index}].baseline`, compared.baseline),
            samples(`metrics[${index}].canary`, compared.canary),
          ]);
          return { name: compared.name, failOn: compared.failOn ?? 'increase', baseline, canary };
        }),
      );
      const result = judgeCanary(judged, judgeSettings(spec));
      return { value: result, display: describeJudgement(result) };
    },
  };
}

function numbers(field: string, value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value;
  throw new MeasurementError(MeasurementErrorKind.malformed, `${field}: query did not return numbers`);
}
