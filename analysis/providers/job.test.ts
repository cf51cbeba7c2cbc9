import { describe, expect, it } from 'vitest';
import type { AnalysisRunStatus, MetricInput } from '../../src/api/analysis.ts';
import { applyMeasurement } from '../metric-result.ts';
import { assessRun } from '../run-state.ts';
import { T0, at } from '../../test/support/analysis/fixtures.ts';
import { jobManifest, jobName, jobOrdinal, jobRunner } from './job.ts';
import type { AnalysisRunRef, JobApi, JobManifest, JobObservation } from './job.ts';

/** Jobs kept in a map, as the API server would; tests set their conditions. */
class InMemoryJobs implements JobApi {
  readonly jobs = new Map<string, { manifest: JobManifest; observed: JobObservation }>();
  readonly calls: string[] = [];
  failNext: string | undefined;

  create(job: JobManifest): Promise<'created' | 'exists'> {
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    this.calls.push(`create ${key}`);
    this.throwIfAsked();
    if (this.jobs.has(key)) return Promise.resolve('exists');
    this.jobs.set(key, { manifest: job, observed: {} });
    return Promise.resolve('created');
  }

  read(namespace: string, name: string): Promise<JobObservation | undefined> {
    this.calls.push(`read ${namespace}/${name}`);
    this.throwIfAsked();
    return Promise.resolve(this.jobs.get(`${namespace}/${name}`)?.observed);
  }

  delete(namespace: string, name: string): Promise<void> {
    this.calls.push(`delete ${namespace}/${name}`);
    this.throwIfAsked();
    this.jobs.delete(`${namespace}/${name}`);
    return Promise.resolve();
  }

  setConditions(name: string, conditions: JobObservation['conditions']): void {
    const job = this.jobs.get(`default/${name}`);
    if (job === undefined) throw new Error(`no job ${name}`);
    job.observed = { conditions };
  }

  private throwIfAsked(): void {
    const message = this.failNext;
    this.failNext = undefined;
    if (message !== undefined) throw new Error(message);
  }
}

const run: AnalysisRunRef = { name: 'guestbook-6c54544bf9-2', namespace: 'default', uid: 'uid-1234' };
const metric: MetricInput = {
  name: 'smoke-test',
  provider: {
    job: {
      metadata: { labels: { team: 'web' }, annotations: { note: 'x' } },
      spec: {
        backoffLimit: 1,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'test' }] } },
      },
    },
  },
};
const seconds = (s: number) => T0 + s * 1000;

describe('jobManifest', () => {
  it('builds a Job owned by the run with the metric’s spec and metadata', () => {
    const manifest = jobManifest(metric, run, 1);
    expect(manifest).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'guestbook-6c54544bf9-2.smoke-test.1',
        namespace: 'default',
        labels: {
          team: 'web',
          'bellwether.dev/analysis-run-uid': 'uid-1234',
          'bellwether.dev/metric': 'smoke-test',
        },
        annotations: { note: 'x' },
        ownerReferences: [
          {
            apiVersion: 'bellwether.dev/v1alpha1',
            kind: 'AnalysisRun',
            name: 'guestbook-6c54544bf9-2',
            uid: 'uid-1234',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: metric.provider.job?.spec,
    });
  });
});

describe('jobName', () => {
  it('makes DNS-safe names', () => {
    expect(jobName('Run_A', 'Error Rate!', 3)).toBe('run-a.error-rate.3');
  });

  it('cuts long names to 63 characters and keeps them unique with a hash', () => {
    const a = jobName('r'.repeat(60), 'metric-one', 1);
    const b = jobName('r'.repeat(60), 'metric-two', 1);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });
});

describe('jobOrdinal', () => {
  it('counts finished measurements, errors included', () => {
    expect(jobOrdinal(undefined)).toBe(1);
    expect(jobOrdinal({ name: 'm', phase: 'Running', count: 2, error: 1 })).toBe(4);
  });
});

describe('jobRunner', () => {
  it('starts a Job and returns a Running measurement naming it', async () => {
    const api = new InMemoryJobs();
    const measurement = await jobRunner(api, { pollIntervalMs: 5000 }).start(metric, run, 1, seconds(0));
    expect(measurement).toEqual({
      phase: 'Running',
      startedAt: at(0),
      resumeAt: at(5),
      metadata: { 'job-name': 'guestbook-6c54544bf9-2.smoke-test.1', 'job-namespace': 'default' },
    });
    expect(api.jobs.size).toBe(1);
  });

  it('adopts a Job created before a crash instead of starting a second one', async () => {
    const api = new InMemoryJobs();
    const runner = jobRunner(api);
    await runner.start(metric, run, 1, seconds(0));
    const again = await runner.start(metric, run, 1, seconds(3));
    expect(again.phase).toBe('Running');
    expect(api.jobs.size).toBe(1);
  });

  it('keeps polling while the Job runs, then reports completion', async () => {
    const api = new InMemoryJobs();
    const runner = jobRunner(api, { pollIntervalMs: 10_000 });
    const started = await runner.start(metric, run, 1, seconds(0));
    const stillRunning = await runner.resume(started, seconds(10));
    expect(stillRunning).toMatchObject({ phase: 'Running', resumeAt: at(20) });
    api.setConditions('guestbook-6c54544bf9-2.smoke-test.1', [{ type: 'Complete', status: 'True' }]);
    const done = await runner.resume(stillRunning, seconds(20));
    expect(done).toEqual({
      phase: 'Successful',
      value: 'Complete',
      startedAt: at(0),
      finishedAt: at(20),
      metadata: started.metadata,
    });
  });

  it('reports a failed Job with its reason', async () => {
    const api = new InMemoryJobs();
    const runner = jobRunner(api);
    const started = await runner.start(metric, run, 1, seconds(0));
    api.setConditions('guestbook-6c54544bf9-2.smoke-test.1', [
      { type: 'FailureTarget', status: 'True' },
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ]);
    expect(await runner.resume(started, seconds(10))).toMatchObject({
      phase: 'Failed',
      finishedAt: at(10),
      message:
        'Job guestbook-6c54544bf9-2.smoke-test.1 failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
  });

  it('turns API errors and vanished Jobs into Error measurements', async () => {
    const api = new InMemoryJobs();
    const runner = jobRunner(api);
    api.failNext = 'forbidden';
    expect(await runner.start(metric, run, 1, seconds(0))).toMatchObject({
      phase: 'Error',
      message: 'could not create Job guestbook-6c54544bf9-2.smoke-test.1: forbidden',
      finishedAt: at(0),
    });
    const started = await runner.start(metric, run, 2, seconds(1));
    api.failNext = 'connection reset';
    expect((await runner.resume(started, seconds(5))).message).toBe(
      'could not read Job guestbook-6c54544bf9-2.smoke-test.2: connection reset',
    );
    api.jobs.clear();
    expect((await runner.resume(started, seconds(6))).message).toBe(
      'Job guestbook-6c54544bf9-2.smoke-test.2 no longer exists',
    );
    expect((await runner.resume({ phase: 'Running' }, seconds(6))).message).toBe('measurement names no Job');
  });

  it('deletes the Job when the run terminates', async () => {
    const api = new InMemoryJobs();
    const runner = jobRunner(api);
    const started = await runner.start(metric, run, 1, seconds(0));
    const terminated = await runner.terminate(started, seconds(4));
    expect(terminated).toMatchObject({
      phase: 'Successful',
      message: 'metric terminated',
      finishedAt: at(4),
    });
    expect(api.jobs.size).toBe(0);
    expect(api.calls.at(-1)).toBe('delete default/guestbook-6c54544bf9-2.smoke-test.1');
  });

  it('runs through the run-state schedule across reconciles', async () => {
    const api = new InMemoryJobs();
    const runner = jobRunner(api, { pollIntervalMs: 10_000 });
    const spec = { metrics: [metric] };
    let status: AnalysisRunStatus | undefined;

    const reconcile = async (now: number) => {
      const state = assessRun(spec, status, now);
      let results = state.metricResults;
      for (const due of state.due) {
        const result = results.find((r) => r.name === due.metric.name);
        const measurement =
          due.action === 'measure'
            ? await runner.start(due.metric, run, jobOrdinal(result), now)
            : await runner.resume(due.inFlight ?? { phase: 'Running' }, now);
        results = [applyMeasurement(due.metric, result, measurement)];
      }
      const next = assessRun(spec, { startedAt: state.startedAt, metricResults: results }, now);
      status = JSON.parse(
        JSON.stringify({ phase: next.phase, startedAt: next.startedAt, metricResults: next.metricResults }),
      ) as AnalysisRunStatus;
      return next;
    };

    expect(await reconcile(seconds(0))).toMatchObject({ phase: 'Running', nextDueAt: seconds(10) });
    expect(await reconcile(seconds(5))).toMatchObject({ phase: 'Running', nextDueAt: seconds(10) });
    expect(await reconcile(seconds(10))).toMatchObject({ phase: 'Running', nextDueAt: seconds(20) });
    api.setConditions('guestbook-6c54544bf9-2.smoke-test.1', [{ type: 'Complete', status: 'True' }]);
    const done = await reconcile(seconds(20));
    expect(done.phase).toBe('Successful');
    expect(done.metricResults[0]).toMatchObject({
      count: 1,
      successful: 1,
      measurements: [{ phase: 'Successful' }],
    });
    expect(api.calls.filter((call) => call.startsWith('create'))).toHaveLength(1);
  });
});
