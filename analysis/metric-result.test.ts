import { describe, expect, it } from 'vitest';
import type { Measurement, MetricInput, MetricResult } from '../src/api/analysis.ts';
import { applyMeasurement, assessMetric, emptyMetricResult, measurementPhase } from './metric-result.ts';
import type { ApplyOptions } from './metric-result.ts';
import { measurement, metric } from '../test/support/analysis/fixtures.ts';

/** Apply measurements of the given phases one after another (one second apart). */
function applyAll(
  spec: MetricInput,
  phases: readonly Measurement['phase'][],
  options: ApplyOptions = {},
): MetricResult {
  let result: MetricResult | undefined;
  phases.forEach((phase, i) => {
    result = applyMeasurement(spec, result, measurement(phase, i, { value: String(i) }), options);
  });
  if (result === undefined) throw new Error('no measurements');
  return result;
}

describe('measurementPhase (Argo rules)', () => {
  it('passes any measured value when no condition is set', () => {
    expect(measurementPhase(undefined, undefined)).toBe('Successful');
  });

  it('with only successCondition: true passes, false fails', () => {
    expect(measurementPhase(true, undefined)).toBe('Successful');
    expect(measurementPhase(false, undefined)).toBe('Failed');
  });

  it('with only failureCondition: true fails, false passes', () => {
    expect(measurementPhase(undefined, true)).toBe('Failed');
    expect(measurementPhase(undefined, false)).toBe('Successful');
  });

  it('with both: failure wins, success passes, neither is inconclusive', () => {
    expect(measurementPhase(true, true)).toBe('Failed');
    expect(measurementPhase(false, true)).toBe('Failed');
    expect(measurementPhase(true, false)).toBe('Successful');
    expect(measurementPhase(false, false)).toBe('Inconclusive');
  });
});

describe('applyMeasurement counters', () => {
  it('counts each finished phase', () => {
    const result = applyAll(metric({ interval: '1m', failureLimit: 5, inconclusiveLimit: 5 }), [
      'Successful',
      'Failed',
      'Inconclusive',
      'Error',
      'Successful',
    ]);
    expect(result).toMatchObject({
      count: 4,
      successful: 2,
      failed: 1,
      inconclusive: 1,
      error: 1,
      consecutiveError: 0,
      consecutiveSuccess: 1,
    });
  });

  it('does not count errors towards count, as Argo', () => {
    const result = applyAll(metric({ count: 2, interval: '1m' }), ['Error', 'Error', 'Successful']);
    expect(result.count).toBe(1);
    expect(result.phase).toBe('Running');
  });

  it('resets consecutiveSuccess on an Error and consecutiveError on a success', () => {
    const spec = metric({ interval: '1m' });
    const afterError = applyAll(spec, ['Successful', 'Successful', 'Error']);
    expect(afterError).toMatchObject({ consecutiveSuccess: 0, consecutiveError: 1 });
    const afterSuccess = applyAll(spec, ['Error', 'Error', 'Successful']);
    expect(afterSuccess).toMatchObject({ consecutiveSuccess: 1, consecutiveError: 0 });
  });

  it('resets both streaks on Failed and Inconclusive', () => {
    const spec = metric({ interval: '1m', failureLimit: 9, inconclusiveLimit: 9 });
    expect(applyAll(spec, ['Error', 'Successful', 'Failed'])).toMatchObject({
      consecutiveSuccess: 0,
      consecutiveError: 0,
    });
    expect(applyAll(spec, ['Successful', 'Error', 'Inconclusive'])).toMatchObject({
      consecutiveSuccess: 0,
      consecutiveError: 0,
    });
  });

  it('marks dry-run metrics', () => {
    expect(applyAll(metric(), ['Successful'], { dryRun: true }).dryRun).toBe(true);
    expect(applyAll(metric(), ['Successful']).dryRun).toBeUndefined();
  });
});

describe('measurement retention', () => {
  it('keeps the last 10 by default', () => {
    const result = applyAll(
      metric({ interval: '1m' }),
      Array.from({ length: 12 }, () => 'Successful' as const),
    );
    expect(result.measurements).toHaveLength(10);
    expect(result.measurements?.[0]?.value).toBe('2');
    expect(result.measurements?.at(-1)?.value).toBe('11');
    expect(result.count).toBe(12);
  });

  it('honours a configured limit', () => {
    const result = applyAll(metric({ interval: '1m' }), ['Successful', 'Successful', 'Successful'], {
      retention: 2,
    });
    expect(result.measurements?.map((m) => m.value)).toEqual(['1', '2']);
  });
});

describe('in-flight measurements', () => {
  it('replaces the in-flight measurement with its outcome and counts it once', () => {
    const spec = metric({ count: 2, interval: '1m' });
    const started = applyMeasurement(spec, undefined, measurement('Running', 0));
    expect(started).toMatchObject({ phase: 'Running', count: 0, measurements: [{ phase: 'Running' }] });
    const finished = applyMeasurement(spec, started, measurement('Successful', 0));
    expect(finished.measurements).toHaveLength(1);
    expect(finished).toMatchObject({ count: 1, successful: 1, phase: 'Running' });
  });

  it('appends after a finished measurement', () => {
    const spec = metric({ count: 3, interval: '1m' });
    const result = applyAll(spec, ['Successful', 'Running']);
    expect(result.measurements?.map((m) => m.phase)).toEqual(['Successful', 'Running']);
    expect(result.phase).toBe('Running');
  });
});

describe('metric phase (Argo rules)', () => {
  it('fails when failed exceeds failureLimit (default 0)', () => {
    expect(applyAll(metric({ count: 3, interval: '1m' }), ['Failed']).phase).toBe('Failed');
    const tolerant = metric({ count: 5, interval: '1m', failureLimit: 2 });
    expect(applyAll(tolerant, ['Failed', 'Failed']).phase).toBe('Running');
    expect(applyAll(tolerant, ['Failed', 'Failed', 'Failed']).phase).toBe('Failed');
  });

  it('is inconclusive when inconclusive exceeds inconclusiveLimit (default 0)', () => {
    expect(applyAll(metric({ count: 3, interval: '1m' }), ['Inconclusive']).phase).toBe('Inconclusive');
    const tolerant = metric({ count: 5, interval: '1m', inconclusiveLimit: 1 });
    expect(applyAll(tolerant, ['Inconclusive']).phase).toBe('Running');
    expect(applyAll(tolerant, ['Inconclusive', 'Successful', 'Inconclusive']).phase).toBe('Inconclusive');
  });

  it('errors when consecutive errors exceed consecutiveErrorLimit (default 4)', () => {
    const spec = metric({ interval: '1m' });
    expect(applyAll(spec, ['Error', 'Error', 'Error', 'Error']).phase).toBe('Running');
    expect(applyAll(spec, ['Error', 'Error', 'Error', 'Error', 'Error']).phase).toBe('Error');
    expect(applyAll(metric({ interval: '1m', consecutiveErrorLimit: 0 }), ['Error']).phase).toBe('Error');
  });

  it('does not error when errors are not consecutive', () => {
    const spec = metric({ interval: '1m', consecutiveErrorLimit: 1 });
    expect(applyAll(spec, ['Error', 'Successful', 'Error', 'Successful', 'Error']).phase).toBe('Running');
  });

  it('succeeds when count is reached within the limits', () => {
    const spec = metric({ count: 3, interval: '1m', failureLimit: 1 });
    expect(applyAll(spec, ['Successful', 'Failed']).phase).toBe('Running');
    const done = applyAll(spec, ['Successful', 'Failed', 'Successful']);
    expect(done.phase).toBe('Successful');
    expect(done.message).toBe('value 2 (count 3 reached)');
  });

  it('measures once without interval or count', () => {
    expect(applyAll(metric(), ['Successful']).phase).toBe('Successful');
    expect(applyAll(metric(), ['Failed']).phase).toBe('Failed');
  });

  it('treats count 0 like an unset count', () => {
    expect(applyAll(metric({ count: 0 }), ['Successful']).phase).toBe('Successful');
    expect(applyAll(metric({ count: 0, interval: '1m' }), ['Successful', 'Successful']).phase).toBe(
      'Running',
    );
  });

  it('reads a count given as a string (after argument substitution)', () => {
    expect(applyAll(metric({ count: '2', interval: '1m' }), ['Successful', 'Successful']).phase).toBe(
      'Successful',
    );
  });

  it('runs an interval without count until terminated', () => {
    const spec = metric({ interval: '1m' });
    const result = applyAll(
      spec,
      Array.from({ length: 20 }, () => 'Successful' as const),
    );
    expect(result.phase).toBe('Running');
    expect(assessMetric(spec, result, true)).toEqual({ phase: 'Successful', reason: 'run terminated' });
  });

  it('succeeds early when consecutiveSuccessLimit is reached', () => {
    const spec = metric({ count: 10, interval: '1m', failureLimit: 3, consecutiveSuccessLimit: 2 });
    expect(applyAll(spec, ['Successful', 'Failed', 'Successful']).phase).toBe('Running');
    const done = applyAll(spec, ['Successful', 'Failed', 'Successful', 'Successful']);
    expect(done.phase).toBe('Successful');
    expect(done.message).toMatch(/consecutiveSuccess 2 reached consecutiveSuccessLimit 2/);
  });

  it('is inconclusive when count ends before consecutiveSuccessLimit is reached', () => {
    const spec = metric({ count: 3, interval: '1m', failureLimit: 3, consecutiveSuccessLimit: 2 });
    const result = applyAll(spec, ['Successful', 'Failed', 'Successful']);
    expect(result.phase).toBe('Inconclusive');
    expect(result.message).toMatch(/consecutiveSuccessLimit 2 not reached in 3 measurements/);
  });

  it('fails in that case when failureLimit is disabled (negative)', () => {
    const spec = metric({ count: 2, interval: '1m', failureLimit: -1, consecutiveSuccessLimit: 2 });
    expect(applyAll(spec, ['Failed', 'Successful']).phase).toBe('Failed');
    expect(applyAll(spec, ['Failed', 'Failed']).phase).toBe('Failed');
  });

  it('keeps a finished phase', () => {
    const spec = metric({ count: 3, interval: '1m' });
    const failed = applyAll(spec, ['Failed']);
    const after = applyMeasurement(spec, failed, measurement('Successful', 5));
    expect(after.phase).toBe('Failed');
  });

  it('is Pending before the first measurement', () => {
    expect(assessMetric(metric(), emptyMetricResult('success-rate', false))).toEqual({ phase: 'Pending' });
    expect(assessMetric(metric(), emptyMetricResult('success-rate', false), true).phase).toBe('Successful');
  });

  it('names the value and the limit when a metric finishes', () => {
    let result = applyMeasurement(
      metric({ count: 3, interval: '1m' }),
      undefined,
      measurement('Failed', 0, { value: '0.7' }),
    );
    expect(result.message).toBe('value 0.7 (failed 1 > failureLimit 0)');
    const spec = metric({ interval: '1m', consecutiveErrorLimit: 0 });
    result = applyMeasurement(spec, undefined, measurement('Error', 0, { message: 'query returned NaN' }));
    expect(result.message).toBe('query returned NaN (consecutiveError 1 > consecutiveErrorLimit 0)');
  });

  it("shows the last measurement's error while the metric still runs", () => {
    const result = applyMeasurement(
      metric({ interval: '1m' }),
      undefined,
      measurement('Error', 0, { message: 'connection refused' }),
    );
    expect(result).toMatchObject({ phase: 'Running', message: 'connection refused' });
  });
});
