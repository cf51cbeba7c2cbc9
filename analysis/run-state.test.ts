import { describe, expect, it } from 'vitest';
import type { AnalysisRunStatus, Measurement, MetricInput } from '../src/api/analysis.ts';
import { applyMeasurement } from './metric-result.ts';
import { measurementRetention, isDryRun } from './metric-spec.ts';
import { assessRun } from './run-state.ts';
import type { RunSpecView, RunState } from './run-state.ts';
import { T0, at, measurement, metric } from '../test/support/analysis/fixtures.ts';

const seconds = (s: number) => T0 + s * 1000;

type Outcome = Pick<Measurement, 'phase' | 'value' | 'message'>;

/**
 * One reconcile as the shell does it: assess, take the due measurements (outcomes chosen by the
 * test), assess again, and return the status that would be patched — JSON round-tripped, as a
 * restarted controller would read it back.
 */
function reconcile(
  spec: RunSpecView,
  status: AnalysisRunStatus | undefined,
  nowSeconds: number,
  outcome: (metric: MetricInput) => Outcome = () => ({ phase: 'Successful', value: '1' }),
): { status: AnalysisRunStatus; state: RunState; measured: string[] } {
  const now = seconds(nowSeconds);
  const first = assessRun(spec, status, now);
  let results = first.metricResults;
  const measured: string[] = [];
  for (const due of first.due) {
    measured.push(`${due.action}:${due.metric.name}`);
    const result = results.find((r) => r.name === due.metric.name);
    const taken: Measurement = {
      ...outcome(due.metric),
      startedAt: at(nowSeconds),
      finishedAt: at(nowSeconds),
    };
    const next = applyMeasurement(due.metric, result, taken, {
      retention: measurementRetention(due.metric.name, spec.measurementRetention),
      dryRun: isDryRun(due.metric.name, spec.dryRun),
    });
    results = results.map((r) => (r.name === next.name ? next : r));
  }
  const state = assessRun(spec, { ...status, startedAt: first.startedAt, metricResults: results }, now);
  const written: AnalysisRunStatus = {
    phase: state.phase,
    ...(state.message === undefined ? {} : { message: state.message }),
    startedAt: state.startedAt,
    metricResults: state.metricResults,
    runSummary: state.runSummary,
    dryRunSummary: state.dryRunSummary,
  };
  return { status: JSON.parse(JSON.stringify(written)) as AnalysisRunStatus, state, measured };
}

describe('a new run', () => {
  it('starts now and measures a metric without delay at once', () => {
    const spec = { metrics: [metric()] };
    const state = assessRun(spec, undefined, seconds(0));
    expect(state.startedAt).toBe(at(0));
    expect(state.due.map((d) => d.action)).toEqual(['measure']);
    expect(state.phase).toBe('Running');
    expect(state.metricResults).toMatchObject([{ name: 'success-rate', phase: 'Pending' }]);
  });

  it('is Pending while every metric waits for its initialDelay', () => {
    const spec = { metrics: [metric({ initialDelay: '30s' }), metric({ name: 'b', initialDelay: '1m' })] };
    const state = assessRun(spec, undefined, seconds(0));
    expect(state).toMatchObject({ phase: 'Pending', due: [], nextDueAt: seconds(30) });
  });
});

describe('measurement timing across reconciles and restarts', () => {
  const spec = { metrics: [metric({ interval: '1m', count: 3 })] };

  it('measures count times, interval apart, then succeeds', () => {
    let { status, state, measured } = reconcile(spec, undefined, 0);
    expect(measured).toEqual(['measure:success-rate']);
    expect(state).toMatchObject({ phase: 'Running', nextDueAt: seconds(60) });

    ({ status, state, measured } = reconcile(spec, status, 60));
    expect(measured).toEqual(['measure:success-rate']);
    expect(state.nextDueAt).toBe(seconds(120));

    ({ status, state, measured } = reconcile(spec, status, 120));
    expect(measured).toEqual(['measure:success-rate']);
    expect(state.phase).toBe('Successful');
    expect(state.nextDueAt).toBeUndefined();
    expect(status.metricResults?.[0]).toMatchObject({ count: 3, successful: 3, phase: 'Successful' });
  });

  it('takes nothing early when a restarted controller reconciles between measurements', () => {
    const { status } = reconcile(spec, undefined, 0);
    // A new process reads status back at t=30s: nothing is due, the schedule is unchanged.
    const early = reconcile(spec, status, 30);
    expect(early.measured).toEqual([]);
    expect(early.state.nextDueAt).toBe(seconds(60));
    expect(early.status.startedAt).toBe(at(0));
  });

  it('catches up once after a long outage instead of replaying missed measurements', () => {
    const { status } = reconcile(spec, undefined, 0);
    const late = reconcile(spec, status, 600);
    expect(late.measured).toEqual(['measure:success-rate']);
    expect(late.state.nextDueAt).toBe(seconds(660));
  });

  it('anchors the first measurement on status.startedAt, not on the process', () => {
    const delayed = { metrics: [metric({ initialDelay: '5m' })] };
    const { status } = reconcile(delayed, undefined, 0);
    expect(reconcile(delayed, status, 200).measured).toEqual([]);
    expect(reconcile(delayed, status, 300).measured).toEqual(['measure:success-rate']);
  });

  it('requeues for the earliest metric', () => {
    const two = { metrics: [metric({ interval: '5m' }), metric({ name: 'latency', interval: '30s' })] };
    const { state } = reconcile(two, undefined, 0);
    expect(state.nextDueAt).toBe(seconds(30));
  });

  it('retries an errored one-shot metric every 10s until consecutiveErrorLimit', () => {
    const oneShot = { metrics: [metric()] };
    const error = (): Outcome => ({ phase: 'Error', message: 'connection refused' });
    let { status, state } = reconcile(oneShot, undefined, 0, error);
    expect(state).toMatchObject({ phase: 'Running', nextDueAt: seconds(10) });
    for (const t of [10, 20, 30]) ({ status, state } = reconcile(oneShot, status, t, error));
    expect(state.phase).toBe('Running');
    state = reconcile(oneShot, status, 40, error).state;
    expect(state.phase).toBe('Error');
    expect(state.message).toBe(
      'metric "success-rate" errored: connection refused (consecutiveError 5 > consecutiveErrorLimit 4)',
    );
  });
});

describe('run phase', () => {
  it('fails with a message naming the metric, its value and the limit', () => {
    const spec = { metrics: [metric({ successCondition: 'result >= 0.95' })] };
    const { state } = reconcile(spec, undefined, 0, () => ({ phase: 'Failed', value: '0.7' }));
    expect(state.phase).toBe('Failed');
    expect(state.message).toBe('metric "success-rate" failed: value 0.7 (failed 1 > failureLimit 0)');
  });

  it('is Inconclusive when a metric is', () => {
    const spec = { metrics: [metric()] };
    const { state } = reconcile(spec, undefined, 0, () => ({ phase: 'Inconclusive', value: '0.9' }));
    expect(state.phase).toBe('Inconclusive');
    expect(state.message).toBe(
      'metric "success-rate" was inconclusive: value 0.9 (inconclusive 1 > inconclusiveLimit 0)',
    );
  });

  it('takes the worst metric: Failed > Error > Inconclusive > Successful', () => {
    const phases = (a: Measurement['phase'], b: Measurement['phase']) => {
      const spec = {
        metrics: [
          metric({ name: 'a', consecutiveErrorLimit: 0 }),
          metric({ name: 'b', consecutiveErrorLimit: 0 }),
        ],
      };
      return reconcile(spec, undefined, 0, (m) => ({ phase: m.name === 'a' ? a : b })).state.phase;
    };
    expect(phases('Failed', 'Error')).toBe('Failed');
    expect(phases('Error', 'Failed')).toBe('Failed');
    expect(phases('Error', 'Inconclusive')).toBe('Error');
    expect(phases('Inconclusive', 'Successful')).toBe('Inconclusive');
    expect(phases('Successful', 'Successful')).toBe('Successful');
  });

  it('stays Running while any metric runs', () => {
    const spec = { metrics: [metric(), metric({ name: 'b', interval: '1m', count: 2 })] };
    const { state } = reconcile(spec, undefined, 0);
    expect(state.phase).toBe('Running');
    expect(state.metricResults.map((r) => r.phase)).toEqual(['Successful', 'Running']);
  });

  it('terminates the other metrics as soon as one fails', () => {
    const spec = {
      metrics: [metric({ name: 'a', interval: '1m' }), metric({ name: 'b', interval: '1m', count: 2 })],
    };
    let { status } = reconcile(spec, undefined, 0);
    const failing = reconcile(spec, status, 60, (m) => ({
      phase: m.name === 'a' ? 'Failed' : 'Successful',
      value: '0',
    }));
    expect(failing.state.phase).toBe('Failed');
    expect(failing.state.nextDueAt).toBeUndefined();
    status = failing.status;
    // Metric b still ran its second measurement in that reconcile, so it finished on count.
    expect(status.metricResults?.map((r) => r.phase)).toEqual(['Failed', 'Successful']);
    expect(reconcile(spec, status, 120).measured).toEqual([]);
  });

  it('marks unfinished metrics Successful when the run terminates on a failure', () => {
    const spec = { metrics: [metric({ name: 'a' }), metric({ name: 'b', initialDelay: '1m' })] };
    const { state } = reconcile(spec, undefined, 0, () => ({ phase: 'Failed', value: '0' }));
    expect(state.phase).toBe('Failed');
    expect(state.metricResults.map((r) => [r.name, r.phase, r.message])).toEqual([
      ['a', 'Failed', 'value 0 (failed 1 > failureLimit 0)'],
      ['b', 'Successful', 'run terminated'],
    ]);
  });

  it('terminates in-flight measurements when the run terminates', () => {
    const inFlight = measurement('Running', 0, { resumeAt: at(30) });
    const status: AnalysisRunStatus = {
      phase: 'Running',
      startedAt: at(0),
      metricResults: [
        { name: 'a', phase: 'Failed', measurements: [measurement('Failed', 0)], count: 1, failed: 1 },
        { name: 'job', phase: 'Running', measurements: [inFlight], count: 0 },
      ],
    };
    const spec = { metrics: [metric({ name: 'a' }), metric({ name: 'job' })] };
    const state = assessRun(spec, status, seconds(5));
    expect(state.phase).toBe('Failed');
    expect(state.due).toEqual([{ metric: spec.metrics[1], action: 'terminate', inFlight }]);
  });

  it('succeeds on spec.terminate with what it has', () => {
    const spec = { metrics: [metric({ interval: '1m' })] };
    const { status } = reconcile(spec, undefined, 0);
    const terminated = reconcile({ ...spec, terminate: true }, status, 10);
    expect(terminated.measured).toEqual([]);
    expect(terminated.state).toMatchObject({ phase: 'Successful', message: 'run terminated' });
  });

  it('keeps a finished run as it is', () => {
    const status: AnalysisRunStatus = {
      phase: 'Failed',
      message: 'metric "a" failed',
      startedAt: at(0),
      metricResults: [],
    };
    const state = assessRun({ metrics: [metric({ name: 'a' })] }, status, seconds(100));
    expect(state).toMatchObject({ phase: 'Failed', message: 'metric "a" failed', due: [] });
    expect(state.nextDueAt).toBeUndefined();
  });

  it('errors on an invalid spec before measuring', () => {
    const state = assessRun({ metrics: [metric({ successCondition: 'result >=' })] }, undefined, seconds(0));
    expect(state.phase).toBe('Error');
    expect(state.message).toMatch(
      /^analysis spec invalid: metrics\[success-rate\]\.successCondition: Unexpected token/,
    );
    expect(state.due).toEqual([]);
  });
});

describe('dry-run metrics', () => {
  const spec = {
    metrics: [metric({ name: 'real' }), metric({ name: 'trial' })],
    dryRun: [{ metricName: 'trial' }],
  };
  const trialFails = (m: MetricInput): Outcome => ({
    phase: m.name === 'trial' ? 'Failed' : 'Successful',
    value: '1',
  });

  it('records a failing dry-run metric without failing the run', () => {
    const { state } = reconcile(spec, undefined, 0, trialFails);
    expect(state.phase).toBe('Successful');
    expect(state.metricResults.find((r) => r.name === 'trial')).toMatchObject({
      phase: 'Failed',
      dryRun: true,
    });
    expect(state.runSummary).toEqual({ count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 });
    expect(state.dryRunSummary).toEqual({ count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 });
  });

  it('does not terminate the other metrics', () => {
    const longer = {
      ...spec,
      metrics: [metric({ name: 'real', interval: '1m', count: 2 }), metric({ name: 'trial' })],
    };
    const { status, state } = reconcile(longer, undefined, 0, trialFails);
    expect(state.phase).toBe('Running');
    expect(reconcile(longer, status, 60, trialFails).measured).toEqual(['measure:real']);
  });

  it('with .* leaves the run Successful whatever the metrics say', () => {
    const all = { metrics: [metric({ name: 'a' })], dryRun: [{ metricName: '.*' }] };
    expect(reconcile(all, undefined, 0, () => ({ phase: 'Failed' })).state.phase).toBe('Successful');
  });
});

describe('measurement retention', () => {
  it('keeps the configured number of measurements in status', () => {
    const spec = {
      metrics: [metric({ interval: '1m' })],
      measurementRetention: [{ metricName: '.*', limit: 2 }],
    };
    let { status } = reconcile(spec, undefined, 0);
    for (const t of [60, 120, 180]) ({ status } = reconcile(spec, status, t));
    expect(status.metricResults?.[0]?.measurements?.map((m) => m.startedAt)).toEqual([at(120), at(180)]);
    expect(status.metricResults?.[0]?.count).toBe(4);
  });
});
