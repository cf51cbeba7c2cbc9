/** Builders for analysis tests: a metric with a Prometheus provider, measurements at given times. */
import type { Measurement, MetricInput } from '../../../src/api/analysis.ts';

export function metric(overrides: Partial<MetricInput> = {}): MetricInput {
  return {
    name: 'success-rate',
    provider: { prometheus: { address: 'http://prometheus:9090', query: 'up' } },
    ...overrides,
  };
}

/** ISO time `seconds` after a fixed epoch, so tests read in seconds from the run's start. */
export const T0 = Date.parse('2026-01-02T15:00:00Z');
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

export function measurement(
  phase: Measurement['phase'],
  startedAtSeconds = 0,
  extra: Partial<Measurement> = {},
): Measurement {
  const finished = phase === 'Running' || phase === 'Pending' ? {} : { finishedAt: at(startedAtSeconds) };
  return { phase, startedAt: at(startedAtSeconds), ...finished, ...extra };
}
