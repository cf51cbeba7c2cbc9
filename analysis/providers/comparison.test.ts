import { afterEach, describe, expect, it } from 'vitest';
import type { ComparisonMetric, MetricInput } from '../../src/api/analysis.ts';
import { withComparisonDefaults } from '../comparison-metric.ts';
import { compileMetricConditions, measurementFromOutcome } from '../measurement.ts';
import { T0 } from '../../test/support/analysis/fixtures.ts';
import { comparisonProvider } from './comparison.ts';
import { startServer, type Reply, type TestServer } from '../../test/support/analysis/http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A Prometheus that answers each query with the value the test gives for it (a one-series vector). */
async function prometheus(values: Record<string, string | string[]>): Promise<TestServer> {
  server = await startServer((request): Reply => {
    const query = request.url.searchParams.get('query') ?? '';
    const value = values[query];
    const samples = value === undefined ? [] : Array.isArray(value) ? value : [value];
    return {
      body: JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: samples.map((v) => ({ metric: {}, value: [T0 / 1000, v] })) },
      }),
    };
  });
  return server;
}

function metricFor(address: string, overrides: Partial<ComparisonMetric> = {}): MetricInput {
  return {
    name: 'conversion',
    provider: {
      comparison: {
        address,
        a: { successes: 'conv_a', trials: 'checkout_a' },
        b: { successes: 'conv_b', trials: 'checkout_b' },
        ...overrides,
      },
    },
  };
}

async function measurePhase(metric: MetricInput) {
  const outcome = await comparisonProvider()
    .measure(metric)
    .catch((error: unknown) => ({ error: (error as Error).message }));
  const conditions = compileMetricConditions(withComparisonDefaults(metric));
  if (!conditions.ok) throw new Error(conditions.error);
  return measurementFromOutcome({
    outcome,
    conditions: conditions.conditions,
    startedAt: T0,
    finishedAt: T0,
  });
}

describe('comparisonProvider', () => {
  it('queries both variants and judges B better: a Successful measurement that says why', async () => {
    const { url, requests } = await prometheus({
      conv_a: '10',
      checkout_a: '100',
      conv_b: '30',
      checkout_b: '100',
    });
    const measured = await comparisonProvider().measure(metricFor(url));
    expect(measured.value).toMatchObject({ verdict: 'better', a: { rate: 0.1 }, b: { rate: 0.3 } });
    expect(requests.map((r) => r.url.searchParams.get('query')).sort()).toEqual([
      'checkout_a',
      'checkout_b',
      'conv_a',
      'conv_b',
    ]);
    const measurement = await measurePhase(metricFor(url));
    expect(measurement.phase).toBe('Successful');
    expect(measurement.value).toBe(
      'B better than A: 30.0% vs 10.0% (z 3.54, p-value 0.00041 < alpha 0.05, 100 vs 100 trials)',
    );
  });

  it('with the default conditions: worse is Failed, no difference and too few samples are Inconclusive', async () => {
    const { url } = await prometheus({ conv_a: '30', checkout_a: '100', conv_b: '10', checkout_b: '100' });
    expect((await measurePhase(metricFor(url))).phase).toBe('Failed');
    expect((await measurePhase(metricFor(url, { better: 'lower' }))).phase).toBe('Successful');
    expect((await measurePhase(metricFor(url, { minSamples: 101 }))).phase).toBe('Inconclusive');
    const equal = await measurePhase(metricFor(url, { b: { successes: 'conv_a', trials: 'checkout_a' } }));
    expect(equal.phase).toBe('Inconclusive');
    expect(equal.value).toContain('no significant difference');
  });

  it('keeps conditions the metric sets (CEL over result.pValue, result.effect)', async () => {
    const { url } = await prometheus({ conv_a: '10', checkout_a: '100', conv_b: '30', checkout_b: '100' });
    const metric = { ...metricFor(url), successCondition: 'result.pValue < 0.01 && result.effect > 0.25' };
    expect((await measurePhase(metric)).phase).toBe('Failed');
  });

  it('a query without exactly one number is a measurement error naming the query', async () => {
    const { url } = await prometheus({
      conv_a: ['1', '2'],
      checkout_a: '100',
      conv_b: '1',
      checkout_b: '100',
    });
    await expect(comparisonProvider().measure(metricFor(url))).rejects.toThrow(
      'a.successes: query returned 2 series, not one number (aggregate it, e.g. sum(...))',
    );
    const missing = await measurePhase(
      metricFor(url, {
        a: { successes: 'checkout_a', trials: 'checkout_a' },
        b: { successes: 'nothing', trials: 'checkout_b' },
      }),
    );
    expect(missing).toMatchObject({
      phase: 'Error',
      message: 'b.successes: query returned no data (empty vector)',
    });
  });

  it('successes above trials are an error, never a verdict', async () => {
    const { url } = await prometheus({ conv_a: '101', checkout_a: '100', conv_b: '1', checkout_b: '100' });
    await expect(comparisonProvider().measure(metricFor(url))).rejects.toThrow(
      'variant a: successes 101 exceed trials 100',
    );
  });
});
