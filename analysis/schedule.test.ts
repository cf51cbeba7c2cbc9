import { describe, expect, it } from 'vitest';
import type { MetricResult } from '../src/api/analysis.ts';
import { emptyMetricResult } from './metric-result.ts';
import { scheduleMetric } from './schedule.ts';
import type { ScheduleContext } from './schedule.ts';
import { T0, at, measurement, metric } from '../test/support/analysis/fixtures.ts';

function context(nowSeconds: number, terminating = false): ScheduleContext {
  return { runStartedAt: T0, now: T0 + nowSeconds * 1000, terminating };
}

function withMeasurements(...measurements: MetricResult['measurements'] & object): MetricResult {
  const counted = measurements.filter((m) => m.phase !== 'Error' && m.phase !== 'Running').length;
  return { ...emptyMetricResult('success-rate', false), phase: 'Running', measurements, count: counted };
}

describe('scheduleMetric', () => {
  it('measures at once without initialDelay', () => {
    expect(scheduleMetric(metric(), undefined, context(0))).toEqual({ action: 'measure' });
  });

  it('waits for initialDelay from the run start', () => {
    const delayed = metric({ initialDelay: '30s' });
    expect(scheduleMetric(delayed, undefined, context(10))).toEqual({ dueAt: T0 + 30_000 });
    expect(scheduleMetric(delayed, undefined, context(30))).toEqual({ action: 'measure' });
  });

  it('measures every interval after the last measurement finished', () => {
    const spec = metric({ interval: '1m', count: 3 });
    const result = withMeasurements(measurement('Successful', 0, { finishedAt: at(2) }));
    expect(scheduleMetric(spec, result, context(30))).toEqual({ dueAt: T0 + 62_000 });
    expect(scheduleMetric(spec, result, context(62))).toEqual({ action: 'measure' });
    expect(scheduleMetric(spec, result, context(500))).toEqual({ action: 'measure' });
  });

  it('falls back to startedAt when finishedAt is missing', () => {
    const spec = metric({ interval: '1m' });
    const result = withMeasurements({ phase: 'Successful', startedAt: at(5) });
    expect(scheduleMetric(spec, result, context(6))).toEqual({ dueAt: T0 + 65_000 });
  });

  it('measures again when the last measurement has no readable time', () => {
    const result = withMeasurements({ phase: 'Successful', finishedAt: 'yesterday' });
    expect(scheduleMetric(metric({ interval: '1m' }), result, context(0))).toEqual({ action: 'measure' });
  });

  it('stops when count is reached', () => {
    const spec = metric({ interval: '1m', count: 2 });
    const result = withMeasurements(measurement('Successful', 0), measurement('Successful', 60));
    expect(scheduleMetric(spec, result, context(500))).toEqual({});
  });

  it('measures once without interval', () => {
    expect(scheduleMetric(metric(), withMeasurements(measurement('Successful', 0)), context(500))).toEqual(
      {},
    );
  });

  it('retries an error after interval, or after 10s without one', () => {
    const error = withMeasurements(measurement('Error', 0));
    expect(scheduleMetric(metric(), error, context(1))).toEqual({ dueAt: T0 + 10_000 });
    expect(scheduleMetric(metric(), error, context(10))).toEqual({ action: 'measure' });
    expect(scheduleMetric(metric({ interval: '1m' }), error, context(1))).toEqual({ dueAt: T0 + 60_000 });
  });

  it('resumes an in-flight measurement at resumeAt', () => {
    const inFlight = measurement('Running', 0, { resumeAt: at(15) });
    const result = withMeasurements(inFlight);
    expect(scheduleMetric(metric(), result, context(5))).toEqual({ dueAt: T0 + 15_000 });
    expect(scheduleMetric(metric(), result, context(15))).toEqual({ action: 'resume', inFlight });
    const noResumeAt = measurement('Running', 0);
    expect(scheduleMetric(metric(), withMeasurements(noResumeAt), context(1))).toEqual({
      action: 'resume',
      inFlight: noResumeAt,
    });
  });

  it('terminates in-flight measurements and starts nothing when terminating', () => {
    const inFlight = measurement('Running', 0, { resumeAt: at(60) });
    expect(scheduleMetric(metric(), withMeasurements(inFlight), context(1, true))).toEqual({
      action: 'terminate',
      inFlight,
    });
    expect(scheduleMetric(metric(), undefined, context(1, true))).toEqual({});
    const spec = metric({ interval: '1m' });
    expect(scheduleMetric(spec, withMeasurements(measurement('Successful', 0)), context(90, true))).toEqual(
      {},
    );
  });

  it('does nothing for a finished metric', () => {
    const finished: MetricResult = { ...withMeasurements(measurement('Failed', 0)), phase: 'Failed' };
    expect(scheduleMetric(metric({ interval: '1m' }), finished, context(500))).toEqual({});
  });
});
