/**
 * One PromQL query of a composite provider (comparison, judge) sent through the Prometheus
 * provider with the metric's connection settings, so address, timeout, headers, TLS and "no data"
 * behave exactly as for a `prometheus` metric. A failure names the field the query came from.
 */
import type { MetricInput } from '../../src/api/analysis.ts';
import type { MetricProvider, MeasureContext, MeasuredValue } from './provider.ts';
import { MeasurementError } from './provider.ts';

/** The connection part of a comparison or judge spec. */
export interface PrometheusConnection {
  address: string;
  timeout?: number | undefined;
  headers?: { key: string; value: string }[] | undefined;
  insecure?: boolean | undefined;
}

/** `(field, promql)` -> the query's value, for one measurement of `metric`. */
export function fieldQuery(
  prometheus: MetricProvider,
  metric: MetricInput,
  connection: PrometheusConnection,
  context: MeasureContext,
): (field: string, promql: string) => Promise<MeasuredValue['value']> {
  return async (field, promql) => {
    const measured = await prometheus
      .measure(
        {
          name: metric.name,
          provider: {
            prometheus: {
              address: connection.address,
              query: promql,
              ...(connection.timeout === undefined ? {} : { timeout: connection.timeout }),
              ...(connection.headers === undefined ? {} : { headers: connection.headers }),
              ...(connection.insecure === undefined ? {} : { insecure: connection.insecure }),
            },
          },
        },
        context.signal === undefined ? {} : { signal: context.signal },
      )
      .catch((error: unknown) => {
        if (error instanceof MeasurementError) {
          throw new MeasurementError(error.kind, `${field}: ${error.message}`, { cause: error });
        }
        throw error;
      });
    return measured.value;
  };
}
