import { describe, expect, it } from 'vitest';
import { validateMetrics } from './validate-metrics.ts';
import { metric } from '../test/support/analysis/fixtures.ts';

describe('validateMetrics', () => {
  it('accepts a well-formed template', () => {
    expect(
      validateMetrics({
        metrics: [
          metric({ interval: '1m', count: 5, failureLimit: 2, successCondition: 'result[0] >= 0.95' }),
          metric({ name: 'errors', failureCondition: 'result > 0.05' }),
        ],
        dryRun: [{ metricName: 'errors' }],
        measurementRetention: [{ metricName: '.*', limit: 5 }],
      }),
    ).toEqual([]);
  });

  it('names the metric and field of a bad condition', () => {
    expect(validateMetrics({ metrics: [metric({ successCondition: 'result >= ' })] })).toEqual([
      "metrics[success-rate].successCondition: Unexpected token: EOF at column 11 in 'result >= '; as Argo expr: unexpected end of the expression",
    ]);
    expect(validateMetrics({ metrics: [metric({ failureCondition: 'foo' })] })[0]).toMatch(
      /^metrics\[success-rate\]\.failureCondition: Unknown variable: foo/,
    );
  });

  it('rejects bad durations and counts', () => {
    const problems = validateMetrics({
      metrics: [metric({ interval: 'often', initialDelay: '{{args.delay}}', count: 'x' })],
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/metrics\[success-rate\]\.interval/);
    expect(problems[1]).toMatch(/metrics\[success-rate\]\.initialDelay/);
    expect(problems[2]).toMatch(/metrics\[success-rate\]\.count/);
  });

  it('requires an interval when count is more than 1', () => {
    expect(validateMetrics({ metrics: [metric({ count: 3 })] })).toEqual([
      'metrics[success-rate].interval: required when count is more than 1',
    ]);
  });

  it('requires count to leave room for the limits', () => {
    expect(
      validateMetrics({
        metrics: [
          metric({
            count: 2,
            interval: '1m',
            failureLimit: 3,
            inconclusiveLimit: 4,
            consecutiveSuccessLimit: 5,
          }),
        ],
      }),
    ).toEqual([
      'metrics[success-rate].count: 2 is less than failureLimit 3',
      'metrics[success-rate].count: 2 is less than inconclusiveLimit 4',
      'metrics[success-rate].count: 2 is less than consecutiveSuccessLimit 5',
    ]);
  });

  it('rejects a web jsonPath outside the supported subset', () => {
    const web = metric({ provider: { web: { url: 'http://x', jsonPath: '{$.items[*].ok}' } } });
    expect(validateMetrics({ metrics: [web] })[0]).toMatch(
      /^metrics\[success-rate\]\.provider\.web\.jsonPath: unsupported JSONPath .* wildcards/,
    );
  });

  it('checks range query times and step', () => {
    const prometheus = (rangeQuery: { start: string; end: string; step: string }) =>
      metric({ provider: { prometheus: { address: 'http://p', query: 'up', rangeQuery } } });
    expect(
      validateMetrics({
        metrics: [prometheus({ start: "now() - duration('5m')", end: 'now()', step: '1m' })],
      }),
    ).toEqual([]);
    const problems = validateMetrics({
      metrics: [prometheus({ start: 'now() -', end: 'later', step: 'often' })],
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /^metrics\[success-rate\]\.provider\.prometheus\.rangeQuery\.start: Unexpected token/,
    );
    expect(problems[1]).toMatch(/rangeQuery\.end: Unknown variable: later/);
    expect(problems[2]).toMatch(/rangeQuery\.step/);
  });

  it('requires exactly one provider', () => {
    expect(validateMetrics({ metrics: [metric({ provider: {} })] })).toEqual([
      'metrics[success-rate].provider: set exactly one of prometheus, web, job, comparison, judge (found 0)',
    ]);
  });

  it('rejects dryRun and measurementRetention entries for unknown metrics', () => {
    expect(
      validateMetrics({
        metrics: [metric()],
        dryRun: [{ metricName: 'nope' }],
        measurementRetention: [{ metricName: 'other', limit: 1 }],
      }),
    ).toEqual(["dryRun: no metric named 'nope'", "measurementRetention: no metric named 'other'"]);
  });
});
