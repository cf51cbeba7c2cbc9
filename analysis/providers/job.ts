/**
 * Job metric provider: a measurement runs a Kubernetes Job; it is Successful when the Job
 * completes and Failed when the Job fails (conditions do not apply, as in Argo).
 *
 * A Job outlives a reconcile, so it is not a `MetricProvider.measure()` call. Its state lives in
 * the measurement, never in memory: `start` creates the Job and returns a Running measurement
 * naming it (`metadata['job-name']`, `metadata['job-namespace']`) with `resumeAt`; run-state
 * schedules a `resume` at that time, which reads the Job's conditions; `terminate` deletes it
 * when the run stops early. The Kubernetes calls are injected (`JobApi`) so the shell wires
 * them to the API server.
 *
 * The Job's name is derived from the run, the metric and the measurement's ordinal, so a
 * controller that crashed between creating the Job and writing status finds the same name
 * again and adopts the Job instead of starting a second one. Jobs carry an ownerReference to
 * the AnalysisRun, so deleting the run deletes them.
 */
import { createHash } from 'node:crypto';
import type { Measurement, MetricInput, MetricResult } from '../../src/api/analysis.ts';
import type { API_VERSION } from '../../src/api/common.ts';

/** The owner of the Jobs: the AnalysisRun being reconciled. */
export interface AnalysisRunRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export interface JobCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** What the runner reads of a Job. */
export interface JobObservation {
  readonly conditions?: readonly JobCondition[];
}

export interface JobManifest {
  readonly apiVersion: 'batch/v1';
  readonly kind: 'Job';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences: readonly {
      readonly apiVersion: typeof API_VERSION;
      readonly kind: 'AnalysisRun';
      readonly name: string;
      readonly uid: string;
      readonly controller: true;
      readonly blockOwnerDeletion: true;
    }[];
  };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** The Kubernetes calls the runner needs; the shell implements them with the API client. */
export interface JobApi {
  /** Create the Job; resolve `'exists'` when one with that name already exists (HTTP 409). */
  create(job: JobManifest): Promise<'created' | 'exists'>;
  /** The Job, or undefined when it does not exist (HTTP 404). */
  read(namespace: string, name: string): Promise<JobObservation | undefined>;
  /** Delete the Job and its pods (propagationPolicy Background); resolve too when it is already gone. */
  delete(namespace: string, name: string): Promise<void>;
}

export interface JobRunnerOptions {
  /** How long to wait between checks on a running Job (default 10s). */
  readonly pollIntervalMs?: number;
}

export interface JobRunner {
  /** Create the Job for measurement number `ordinal` (see `jobOrdinal`) and return it Running. */
  start(metric: MetricInput, run: AnalysisRunRef, ordinal: number, now: number): Promise<Measurement>;
  /** Check an in-flight measurement's Job: still Running (with a new resumeAt), or finished. */
  resume(measurement: Measurement, now: number): Promise<Measurement>;
  /** Delete an in-flight measurement's Job; the measurement ends Successful ("metric terminated"), as in Argo. */
  terminate(measurement: Measurement, now: number): Promise<Measurement>;
}

export const DEFAULT_JOB_POLL_INTERVAL_MS = 10_000;
export const JOB_NAME_KEY = 'job-name';
export const JOB_NAMESPACE_KEY = 'job-namespace';
export const RUN_UID_LABEL = 'bellwether.dev/analysis-run-uid';
export const METRIC_LABEL = 'bellwether.dev/metric';

const OWNER_API_VERSION: typeof API_VERSION = 'bellwether.dev/v1alpha1';
const MAX_NAME = 63;

export function jobRunner(api: JobApi, options: JobRunnerOptions = {}): JobRunner {
  const poll = options.pollIntervalMs ?? DEFAULT_JOB_POLL_INTERVAL_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  const finish = (measurement: Measurement, now: number, outcome: Partial<Measurement>): Measurement => {
    const { resumeAt: _finishedNeedsNoResume, ...rest } = measurement;
    return { ...rest, finishedAt: iso(now), ...outcome };
  };

  return {
    async start(metric, run, ordinal, now) {
      const manifest = jobManifest(metric, run, ordinal);
      const { name, namespace } = manifest.metadata;
      const started: Measurement = {
        phase: 'Running',
        startedAt: iso(now),
        metadata: { [JOB_NAME_KEY]: name, [JOB_NAMESPACE_KEY]: namespace },
      };
      try {
        await api.create(manifest);
      } catch (error) {
        return finish(started, now, {
          phase: 'Error',
          message: `could not create Job ${name}: ${errorText(error)}`,
        });
      }
      return { ...started, resumeAt: iso(now + poll) };
    },

    async resume(measurement, now) {
      const job = jobOf(measurement);
      if (job === undefined)
        return finish(measurement, now, { phase: 'Error', message: 'measurement names no Job' });
      let observed: JobObservation | undefined;
      try {
        observed = await api.read(job.namespace, job.name);
      } catch (error) {
        return finish(measurement, now, {
          phase: 'Error',
          message: `could not read Job ${job.name}: ${errorText(error)}`,
        });
      }
      if (observed === undefined) {
        return finish(measurement, now, { phase: 'Error', message: `Job ${job.name} no longer exists` });
      }
      const complete = trueCondition(observed, 'Complete');
      if (complete !== undefined) return finish(measurement, now, { phase: 'Successful', value: 'Complete' });
      const failed = trueCondition(observed, 'Failed');
      if (failed !== undefined) {
        const why = [failed.reason, failed.message]
          .filter((part) => part !== undefined && part !== '')
          .join(': ');
        return finish(measurement, now, {
          phase: 'Failed',
          value: 'Failed',
          message: `Job ${job.name} failed${why ? `: ${why}` : ''}`,
        });
      }
      return { ...measurement, resumeAt: iso(now + poll) };
    },

    async terminate(measurement, now) {
      const job = jobOf(measurement);
      if (job === undefined)
        return finish(measurement, now, { phase: 'Successful', message: 'metric terminated' });
      try {
        await api.delete(job.namespace, job.name);
      } catch (error) {
        return finish(measurement, now, {
          phase: 'Successful',
          message: `metric terminated; Job ${job.name} could not be deleted: ${errorText(error)}`,
        });
      }
      return finish(measurement, now, { phase: 'Successful', message: 'metric terminated' });
    },
  };
}

/**
 * The ordinal of a metric's next measurement: measurements finished so far (errors included)
 * plus one. Stable across restarts, since it comes from status counters.
 */
export function jobOrdinal(result: MetricResult | undefined): number {
  return (result?.count ?? 0) + (result?.error ?? 0) + 1;
}

/** The Job for one measurement: the metric's spec and metadata, named and owned by the run. */
export function jobManifest(metric: MetricInput, run: AnalysisRunRef, ordinal: number): JobManifest {
  const job = metric.provider.job;
  if (job === undefined) throw new Error(`metric "${metric.name}" has no job provider`);
  const labels = {
    ...(job.metadata?.labels ?? {}),
    [RUN_UID_LABEL]: run.uid,
    [METRIC_LABEL]: labelValue(metric.name),
  };
  const annotations = job.metadata?.annotations;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(run.name, metric.name, ordinal),
      namespace: run.namespace,
      labels,
      ...(annotations === undefined ? {} : { annotations }),
      ownerReferences: [
        {
          apiVersion: OWNER_API_VERSION,
          kind: 'AnalysisRun',
          name: run.name,
          uid: run.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: job.spec,
  };
}

/**
 * `<run>.<metric>.<ordinal>` as a DNS name of at most 63 characters (the Job's pods carry it
 * in a label); a longer one is cut and ends in a hash of the full name, so it stays unique.
 */
export function jobName(runName: string, metricName: string, ordinal: number): string {
  const full = [runName, metricName, String(ordinal)].map(dnsLabel).join('.');
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${trimEdges(full.slice(0, MAX_NAME - hash.length - 1))}-${hash}`;
}

function dnsLabel(text: string): string {
  return trimEdges(text.toLowerCase().replace(/[^a-z0-9-]+/g, '-')) || 'x';
}

function trimEdges(text: string): string {
  return text.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, MAX_NAME)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function jobOf(measurement: Measurement): { name: string; namespace: string } | undefined {
  const name = measurement.metadata?.[JOB_NAME_KEY];
  const namespace = measurement.metadata?.[JOB_NAMESPACE_KEY];
  return name === undefined || namespace === undefined ? undefined : { name, namespace };
}

function trueCondition(job: JobObservation, type: string): JobCondition | undefined {
  return job.conditions?.find((condition) => condition.type === type && condition.status === 'True');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
