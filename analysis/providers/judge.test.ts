import { afterEach, describe, expect, it } from 'vitest';
import type { JudgeMetric, MetricInput } from '../../src/api/analysis.ts';
import { withJudgeDefaults } from '../judge-metric.ts';
import { compileMetricConditions, measurementFromOutcome } from '../measurement.ts';
import { T0 } from '../../test/support/analysis/fixtures.ts';
import { judgeProvider } from './judge.ts';
import { startServer, type Reply, type TestServer } from '../../test/support/analysis/http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A Prometheus answering each query with a matrix of one series holding the given values. */
async function prometheus(values: Record<string, number[]>): Promise<TestServer> {
  server = await startServer((request): Reply => {
    const query = request.url.searchParams.get('query') ?? '';
    const samples = values[query];
    const result =
      samples === undefined
        ? []
        : [{ metric: {}, values: samples.map((v, i) => [T0 / 1000 + i, String(v)]) }];
    return { body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }) };
  });
  return server;
}

function metricFor(address: string, overrides: Partial<JudgeMetric> = {}): MetricInput {
  return {
    name: 'judge',
    provider: {
      judge: {
        address,
        metrics: [{ name: 'latency', baseline: 'lat_baseline', canary: 'lat_canary' }],
        ...overrides,
      },
    },
  };
}

async function measurePhase(metric: MetricInput) {
  const outcome = await judgeProvider()
    .measure(metric)
    .catch((error: unknown) => ({ error: (error as Error).message }));
  const conditions = compileMetricConditions(withJudgeDefaults(metric));
  if (!conditions.ok) throw new Error(conditions.error);
  return measurementFromOutcome({
    outcome,
    conditions: conditions.conditions,
    startedAt: T0,
    finishedAt: T0,
  });
}

const series = (centre: number) => Array.from({ length: 20 }, (_, i) => centre + (i % 5) / 100);

describe('judgeProvider', () => {
  it('passes a canary equal to the baseline: Successful by the default conditions', async () => {
    const { url } = await prometheus({ lat_baseline: series(0.02), lat_canary: series(0.02) });
    const measurement = await measurePhase(metricFor(url));
    expect(measurement.phase).toBe('Successful');
    expect(measurement.value).toMatch(/^score 100 \(pass\): latency Pass/);
  });

  it('fails a canary whose latency samples are shifted up', async () => {
    const { url } = await prometheus({ lat_baseline: series(0.02), lat_canary: series(0.06) });
    const measurement = await measurePhase(metricFor(url));
    expect(measurement.phase).toBe('Failed');
    expect(measurement.value).toMatch(/^score 0 \(fail\): latency High/);
  });

  it('is Inconclusive for a marginal score', async () => {
    const { url } = await prometheus({
      lat_baseline: series(0.02),
      lat_canary: series(0.06),
      err_baseline: series(1),
      err_canary: series(1),
    });
    const measurement = await measurePhase(
      metricFor(url, {
        metrics: [
          { name: 'latency', baseline: 'lat_baseline', canary: 'lat_canary' },
          { name: 'errors', baseline: 'err_baseline', canary: 'err_canary' },
        ],
        scoreThresholds: { pass: 90, marginal: 50 },
      }),
    );
    expect(measurement.phase).toBe('Inconclusive');
  });

  it('is an Error naming the query when a query matches no series', async () => {
    const { url } = await prometheus({ lat_baseline: series(0.02) });
    const measurement = await measurePhase(metricFor(url));
    expect(measurement.phase).toBe('Error');
    expect(measurement.message).toMatch(/metrics\[0\]\.canary/);
  });
});
