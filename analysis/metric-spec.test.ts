import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from '../strategies/kernel/invalid-spec.ts';
import {
  effectiveCount,
  initialDelayMs,
  intervalMs,
  isDryRun,
  measurementRetention,
  metricLimits,
} from './metric-spec.ts';
import { metric } from '../test/support/analysis/fixtures.ts';

describe('durations', () => {
  it('reads interval and initialDelay', () => {
    expect(intervalMs(metric({ interval: '30s' }))).toBe(30_000);
    expect(intervalMs(metric())).toBeUndefined();
    expect(initialDelayMs(metric({ initialDelay: '5m' }))).toBe(300_000);
    expect(initialDelayMs(metric())).toBe(0);
  });

  it('names the metric and field of a bad duration', () => {
    expect(() => intervalMs(metric({ interval: '{{args.interval}}' }))).toThrow(InvalidSpecError);
    expect(() => intervalMs(metric({ interval: 'soon' }))).toThrow(/metrics\[success-rate\]\.interval/);
  });
});

describe('effectiveCount (Argo)', () => {
  it('is 1 without count or interval, unbounded with an interval only', () => {
    expect(effectiveCount(metric())).toBe(1);
    expect(effectiveCount(metric({ interval: '1m' }))).toBeUndefined();
  });

  it('treats 0 as unset and reads strings', () => {
    expect(effectiveCount(metric({ count: 0 }))).toBe(1);
    expect(effectiveCount(metric({ count: 0, interval: '1m' }))).toBeUndefined();
    expect(effectiveCount(metric({ count: '5', interval: '1m' }))).toBe(5);
    expect(effectiveCount(metric({ count: 3, interval: '1m' }))).toBe(3);
  });

  it('rejects counts that are not non-negative integers', () => {
    expect(() => effectiveCount(metric({ count: 'five' }))).toThrow(/metrics\[success-rate\]\.count/);
    expect(() => effectiveCount(metric({ count: -1 }))).toThrow(InvalidSpecError);
    expect(() => effectiveCount(metric({ count: '{{args.count}}' }))).toThrow(InvalidSpecError);
  });
});

describe('metricLimits', () => {
  it("applies Argo's defaults", () => {
    expect(metricLimits(metric())).toEqual({
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
      consecutiveSuccessLimit: 0,
    });
  });
});

describe('per-metric run settings', () => {
  it('selects dry-run metrics by name or .*', () => {
    expect(isDryRun('a', [{ metricName: 'a' }])).toBe(true);
    expect(isDryRun('b', [{ metricName: 'a' }])).toBe(false);
    expect(isDryRun('b', [{ metricName: '.*' }])).toBe(true);
    expect(isDryRun('b', undefined)).toBe(false);
  });

  it('prefers a metric’s own retention over .*, else 10', () => {
    const retention = [
      { metricName: '.*', limit: 3 },
      { metricName: 'a', limit: 20 },
    ];
    expect(measurementRetention('a', retention)).toBe(20);
    expect(measurementRetention('b', retention)).toBe(3);
    expect(measurementRetention('b', undefined)).toBe(10);
  });
});
