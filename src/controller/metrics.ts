import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AnalysisPhase, type AnalysisRun } from '../api/analysis.ts';
import { RolloutPhase } from '../api/rollout.ts';
import { statusCode } from '../log.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import type { LeaseApi } from './leader-election.ts';
import type { RolloutObject } from './rollout-object.ts';

/** What the metrics read at scrape time: the Manager's informer caches and queue. */
export interface MetricsSource {
  rollouts(): readonly RolloutObject[];
  analysisRuns(): readonly AnalysisRun[];
  queueDepth(): number;
  leader(): boolean;
}

export type ReconcileKind = 'rollout' | 'analysisrun';

/**
 * Prometheus metrics of one controller process, in their own registry. Gauges about Rollouts
 * and AnalysisRuns are computed from the caches on every scrape, so a deleted object's series
 * disappear with it; counters and histograms are updated by the hooks below.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly reconcileDuration = new Histogram<'kind'>({
    name: 'bellwether_reconcile_duration_seconds',
    help: 'Time one reconcile took, by kind of object.',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly reconcileErrors = new Counter({
    name: 'bellwether_reconcile_errors_total',
    help: 'Reconciles that failed (and were retried with backoff), by kind of object.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly queueWait = new Histogram({
    name: 'bellwether_workqueue_wait_seconds',
    help: 'Time a key waited in the work queue before a worker took it.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly apiRequests = new Counter({
    name: 'bellwether_kubernetes_api_requests_total',
    help: 'Kubernetes API writes (and Lease requests) by verb and HTTP status code; 2xx when it succeeded. Informer reads are not counted.',
    labelNames: ['verb', 'code'],
    registers: [this.registry],
  });
  private readonly requestsSent = new Counter({
    name: 'bellwether_kubernetes_requests_sent_total',
    help: 'Every request sent to the Kubernetes API (reads, watches and writes, after the --qps limit), by verb and resource; watches have resource "".',
    labelNames: ['verb', 'resource'],
    registers: [this.registry],
  });
  private readonly eventToWrite = new Histogram({
    name: 'bellwether_event_to_write_seconds',
    help: 'Time from a Rollout key being queued (a watch event or a due timer) to the first write of the reconcile it caused.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  private readonly notifications = new Counter({
    name: 'bellwether_notifications_total',
    help: 'Webhook notifications by trigger, service (from the notifications ConfigMap) and result: sent, failed (after the last retry) or dropped (outbox full).',
    labelNames: ['trigger', 'service', 'result'],
    registers: [this.registry],
  });

  constructor(source: MetricsSource, instance: string) {
    const registers = [this.registry];
    const rolloutGauge = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (g: Gauge<L>) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill(this);
        },
      });
    rolloutGauge(
      'bellwether_rollout_info',
      'Rollouts known to the controller (always 1).',
      ['namespace', 'rollout', 'strategy', 'phase'],
      (g) => {
        for (const ro of source.rollouts())
          g.set({ ...rolloutLabels(ro), strategy: strategyOf(ro), phase: ro.status?.phase ?? 'Unknown' }, 1);
      },
    );
    rolloutGauge(
      'bellwether_rollout_phase',
      'Phase of each Rollout: 1 for the current phase, 0 for the others.',
      ['namespace', 'rollout', 'phase'],
      (g) => {
        for (const ro of source.rollouts())
          for (const phase of RolloutPhase.options)
            g.set({ ...rolloutLabels(ro), phase }, ro.status?.phase === phase ? 1 : 0);
      },
    );
    rolloutGauge(
      'bellwether_rollout_step',
      'Index of the current step (status.currentStepIndex).',
      ['namespace', 'rollout'],
      (g) => {
        for (const ro of source.rollouts())
          if (typeof ro.status?.currentStepIndex === 'number')
            g.set(rolloutLabels(ro), ro.status.currentStepIndex);
      },
    );
    rolloutGauge(
      'bellwether_rollout_canary_weight',
      'Traffic weight of the canary, percent (status.canary.weights.canary).',
      ['namespace', 'rollout'],
      (g) => {
        for (const ro of source.rollouts()) {
          const weight = ro.status?.canary?.weights?.canary;
          if (typeof weight === 'number') g.set(rolloutLabels(ro), weight);
        }
      },
    );
    rolloutGauge(
      'bellwether_analysis_run_phase',
      'Phase of each AnalysisRun: 1 for the current phase, 0 for the others.',
      ['namespace', 'analysis_run', 'phase'],
      (g) => {
        for (const run of source.analysisRuns())
          for (const phase of AnalysisPhase.options)
            g.set({ ...runLabels(run), phase }, (run.status?.phase ?? 'Pending') === phase ? 1 : 0);
      },
    );
    rolloutGauge(
      'bellwether_analysis_measurement_value',
      'Last measured value of each metric of an AnalysisRun, when numeric.',
      ['namespace', 'analysis_run', 'metric'],
      (g) => {
        for (const run of source.analysisRuns())
          for (const result of run.status?.metricResults ?? []) {
            const value = numeric(result.measurements?.at(-1)?.value);
            if (value !== undefined) g.set({ ...runLabels(run), metric: result.name }, value);
          }
      },
    );
    new Gauge({
      name: 'bellwether_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      registers,
      collect() {
        this.set(source.queueDepth());
      },
    });
    new Gauge({
      name: 'bellwether_leader',
      help: '1 when this instance holds the leader Lease (or leader election is off), else 0.',
      labelNames: ['instance'],
      registers,
      collect() {
        this.set({ instance }, source.leader() ? 1 : 0);
      },
    });
    for (const kind of ['rollout', 'analysisrun']) this.reconcileErrors.inc({ kind }, 0);
  }

  observeReconcile(r: {
    kind: ReconcileKind;
    seconds: number;
    error?: unknown;
    queueWaitMs: number;
    eventToWriteMs?: number;
  }): void {
    this.reconcileDuration.observe({ kind: r.kind }, r.seconds);
    this.queueWait.observe(r.queueWaitMs / 1000);
    if (r.eventToWriteMs !== undefined) this.eventToWrite.observe(r.eventToWriteMs / 1000);
    if (r.error !== undefined) this.reconcileErrors.inc({ kind: r.kind });
  }

  /** One request sent to the API server (GatedKubeConfig's onRequest). */
  observeRequestSent(r: { verb: string; resource: string }): void {
    this.requestsSent.inc(r);
  }

  observeNotification(r: { trigger: string; service: string; result: string }): void {
    this.notifications.inc(r);
  }

  /** Counts one API request by verb and outcome. */
  async countRequest<T>(verb: string, request: () => Promise<T>): Promise<T> {
    try {
      const result = await request();
      this.apiRequests.inc({ verb, code: '2xx' });
      return result;
    } catch (err) {
      this.apiRequests.inc({ verb, code: String(statusCode(err) ?? 'error') });
      throw err;
    }
  }

  /** The ClusterWriter with every call counted (like countingWriter, plus the status code). */
  writer(inner: ClusterWriter): ClusterWriter {
    const wrapped = {} as Record<keyof ClusterWriter, unknown>;
    for (const method of Object.keys(inner) as (keyof ClusterWriter)[]) {
      const verb = verbOf(method);
      wrapped[method] = (...args: unknown[]) =>
        this.countRequest(verb, () =>
          (inner[method] as (...a: unknown[]) => Promise<unknown>).apply(inner, args),
        );
    }
    return wrapped as ClusterWriter;
  }

  leaseApi(inner: LeaseApi): LeaseApi {
    return {
      read: (ns, name) => this.countRequest('get', () => inner.read(ns, name)),
      create: (ns, lease) => this.countRequest('create', () => inner.create(ns, lease)),
      replace: (ns, name, lease) => this.countRequest('update', () => inner.replace(ns, name, lease)),
    };
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** createReplicaSet -> create, patchService -> patch, terminateAnalysisRun -> patch. */
export function verbOf(method: string): string {
  if (method.startsWith('terminate')) return 'patch';
  return /^[a-z]+/.exec(method)?.[0] ?? method;
}

function rolloutLabels(ro: RolloutObject) {
  return { namespace: ro.metadata.namespace, rollout: ro.metadata.name };
}

function runLabels(run: AnalysisRun) {
  return { namespace: run.metadata.namespace ?? '', analysis_run: run.metadata.name ?? '' };
}

function strategyOf(ro: RolloutObject): string {
  return (
    Object.keys(ro.spec.strategy).find((k) => (ro.spec.strategy as Record<string, unknown>)[k]) ?? 'unknown'
  );
}

function numeric(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}
