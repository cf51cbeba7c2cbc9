import type {
  AnalysisRun,
  AnalysisRunStatus,
  Measurement,
  MetricInput,
  MetricResult,
} from '../../api/analysis.ts';
import type { SecretKeyRef } from '../../api/common.ts';
import { resolveArgs, resolveMetric, secretRefsOf, redactor } from '../../../analysis/args.ts';
import { withComparisonDefaults } from '../../../analysis/comparison-metric.ts';
import { withJudgeDefaults } from '../../../analysis/judge-metric.ts';
import { compileMetricConditions, measurementFromOutcome } from '../../../analysis/measurement.ts';
import { applyMeasurement, isFinished } from '../../../analysis/metric-result.ts';
import { isDryRun, measurementRetention } from '../../../analysis/metric-spec.ts';
import { assessRun } from '../../../analysis/run-state.ts';
import { runExpiresAt } from '../../../analysis/run-ttl.ts';
import { credentialSecretRefs, resolveCredentials } from '../../../analysis/providers/credentials.ts';
import { jobOrdinal, type JobRunner } from '../../../analysis/providers/job.ts';
import { providerKind, type Credentials, type MetricProvider } from '../../../analysis/providers/provider.ts';
import { mergePatch } from '../../kube/merge-patch.ts';
import { statusCode, type Logger } from '../../log.ts';

export interface AnalysisRunDeps {
  run(namespace: string, name: string): AnalysisRun | undefined;
  /** The data of a Secret in the run's namespace, decoded; undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  patchRunStatus(namespace: string, name: string, resourceVersion: string, status: object): Promise<void>;
  /** Deletes a finished run whose ttlStrategy ran out (a missing run is fine). */
  deleteRun(namespace: string, name: string): Promise<void>;
  providers: {
    prometheus: MetricProvider;
    web: MetricProvider;
    comparison: MetricProvider;
    judge: MetricProvider;
  };
  jobs: JobRunner;
  now(): number;
  log: Logger;
}

/**
 * One reconcile of an AnalysisRun: resolve arguments (Secrets read now, never stored), ask the
 * pure core which measurements are due, take them, fold them into the results, write status
 * when it changed, and requeue for the next due measurement. All timing comes from status, so
 * a restarted controller neither skips nor repeats a measurement. Secret values are masked in
 * every measurement, message and log line.
 */
export async function reconcileAnalysisRun(
  namespace: string,
  name: string,
  deps: AnalysisRunDeps,
): Promise<{ requeueAfterMs?: number }> {
  const run = deps.run(namespace, name);
  if (!run) return {};
  if (isFinished(run.status?.phase)) return expireFinishedRun(run, deps);
  const secrets = await readSecrets(namespace, secretRefs(run), deps);
  if (typeof secrets === 'string') return writeStatus(run, errorStatus(run, secrets, deps.now()), deps);
  const lookup = (ref: SecretKeyRef) => secrets.get(ref.name)?.[ref.key];

  const resolved = resolveArgs(run.spec.args, { secret: lookup });
  if (!resolved.ok) return writeStatus(run, errorStatus(run, resolved.error, deps.now()), deps);
  const metrics: MetricInput[] = [];
  const credentials = new Map<string, Credentials | undefined>();
  const secretValues = new Set(resolved.value.secretValues);
  for (const metric of run.spec.metrics) {
    const resolvedMetric = resolveMetric(metric, resolved.value);
    if (!resolvedMetric.ok) return writeStatus(run, errorStatus(run, resolvedMetric.error, deps.now()), deps);
    const creds = resolveCredentials(resolvedMetric.value, lookup);
    if (!creds.ok) return writeStatus(run, errorStatus(run, creds.error, deps.now()), deps);
    for (const value of creds.secretValues) secretValues.add(value);
    credentials.set(metric.name, creds.credentials);
    metrics.push(resolvedMetric.value);
  }
  const redact = redactor(secretValues);
  const spec = { ...run.spec, metrics };

  const state = assessRun(spec, run.status, deps.now());
  const results = new Map<string, MetricResult>(state.metricResults.map((r) => [r.name, r]));
  for (const due of state.due) {
    const measurement = await measure(run, due, credentials.get(due.metric.name), redact, deps);
    if (!measurement) continue;
    const metricName = due.metric.name;
    results.set(
      metricName,
      applyMeasurement(due.metric, results.get(metricName), measurement, {
        retention: measurementRetention(metricName, run.spec.measurementRetention),
        dryRun: isDryRun(metricName, run.spec.dryRun),
      }),
    );
  }
  const final = assessRun(
    spec,
    { ...run.status, startedAt: state.startedAt, metricResults: [...results.values()] },
    deps.now(),
  );
  const status: AnalysisRunStatus = {
    phase: final.phase,
    ...(final.message === undefined ? {} : { message: redact(final.message) }),
    startedAt: final.startedAt,
    ...completedAt(run, final.phase, deps.now()),
    metricResults: final.metricResults,
    runSummary: final.runSummary,
    dryRunSummary: final.dryRunSummary,
  };
  await writeStatus(run, status, deps);
  if (final.phase !== run.status?.phase) {
    deps.log.info('analysis run phase', {
      analysisRun: name,
      namespace,
      phase: final.phase,
      message: status.message,
    });
  }
  return final.nextDueAt === undefined ? {} : { requeueAfterMs: Math.max(0, final.nextDueAt - deps.now()) };
}

type Due = ReturnType<typeof assessRun>['due'][number];

async function measure(
  run: AnalysisRun,
  due: Due,
  credentials: Credentials | undefined,
  redact: (text: string) => string,
  deps: AnalysisRunDeps,
): Promise<Measurement | undefined> {
  const kind = providerKind(due.metric);
  if (kind === 'job') {
    const ref = {
      name: run.metadata.name ?? '',
      namespace: run.metadata.namespace ?? '',
      uid: run.metadata.uid ?? '',
    };
    if (due.action === 'measure') {
      const previous = run.status?.metricResults?.find((r) => r.name === due.metric.name);
      return deps.jobs.start(due.metric, ref, jobOrdinal(previous), deps.now());
    }
    if (!due.inFlight) return undefined;
    return due.action === 'resume'
      ? deps.jobs.resume(due.inFlight, deps.now())
      : deps.jobs.terminate(due.inFlight, deps.now());
  }
  if (due.action !== 'measure' || kind === undefined) return undefined;
  const conditions = compileMetricConditions(withJudgeDefaults(withComparisonDefaults(due.metric)));
  const startedAt = deps.now();
  let outcome: { value: unknown; display: string } | { error: string };
  if (!conditions.ok) {
    outcome = { error: conditions.error };
  } else {
    try {
      outcome = await deps.providers[kind].measure(due.metric, credentials ? { credentials } : {});
    } catch (err) {
      outcome = { error: err instanceof Error ? err.message : String(err) };
    }
  }
  return measurementFromOutcome({
    outcome,
    conditions: conditions.ok ? conditions.conditions : {},
    startedAt,
    finishedAt: deps.now(),
    redact,
  });
}

function secretRefs(run: AnalysisRun): SecretKeyRef[] {
  return [...secretRefsOf(run.spec.args), ...run.spec.metrics.flatMap((m) => credentialSecretRefs(m))];
}

/**
 * The Secrets a run names, or the message of an Error phase when the controller may not read
 * one: it has no cluster-wide access to Secrets (deploy/rbac), each namespace grants it.
 */
async function readSecrets(
  namespace: string,
  refs: SecretKeyRef[],
  deps: AnalysisRunDeps,
): Promise<Map<string, Record<string, string> | undefined> | string> {
  const secrets = new Map<string, Record<string, string> | undefined>();
  for (const name of new Set(refs.map((r) => r.name))) {
    try {
      secrets.set(name, await deps.readSecret(namespace, name));
    } catch (err) {
      if (statusCode(err) !== 403) throw err;
      return (
        `cannot read Secret "${name}" in namespace "${namespace}": forbidden for the controller's ServiceAccount; ` +
        `grant it with deploy/rbac/secret-reader-role.yaml in this namespace, then retry the Rollout`
      );
    }
  }
  return secrets;
}

function errorStatus(run: AnalysisRun, message: string, now: number): AnalysisRunStatus {
  return {
    ...run.status,
    phase: 'Error',
    message,
    startedAt: run.status?.startedAt ?? new Date(now).toISOString(),
    ...completedAt(run, 'Error', now),
  };
}

/** status.completedAt: set once, when the run first reaches a finished phase. */
function completedAt(run: AnalysisRun, phase: AnalysisRunStatus['phase'], now: number) {
  if (run.status?.completedAt !== undefined) return { completedAt: run.status.completedAt };
  return isFinished(phase) ? { completedAt: new Date(now).toISOString() } : {};
}

/**
 * A finished run with a ttlStrategy: deleted once its time is up, else requeued for then. A run
 * that finished before completedAt existed gets it now (its time counts from here).
 */
async function expireFinishedRun(
  run: AnalysisRun,
  deps: AnalysisRunDeps,
): Promise<{ requeueAfterMs?: number }> {
  if (run.spec.ttlStrategy === undefined) return {};
  const finished = run.status?.completedAt;
  if (finished === undefined) {
    await writeStatus(run, { ...run.status, completedAt: new Date(deps.now()).toISOString() }, deps);
    return {};
  }
  const expiresAt = runExpiresAt(run.spec.ttlStrategy, run.status?.phase, Date.parse(finished));
  if (expiresAt === undefined) return {};
  if (expiresAt > deps.now()) return { requeueAfterMs: expiresAt - deps.now() };
  await deps.deleteRun(run.metadata.namespace ?? '', run.metadata.name ?? '');
  deps.log.info('analysis run deleted (ttlStrategy)', {
    analysisRun: run.metadata.name,
    namespace: run.metadata.namespace,
    phase: run.status?.phase,
  });
  return {};
}

async function writeStatus(
  run: AnalysisRun,
  status: AnalysisRunStatus,
  deps: AnalysisRunDeps,
): Promise<{ requeueAfterMs?: number }> {
  const patch = mergePatch(run.status ?? {}, status);
  if (patch) {
    await deps.patchRunStatus(
      run.metadata.namespace ?? '',
      run.metadata.name ?? '',
      run.metadata.resourceVersion ?? '',
      patch,
    );
  }
  return {};
}
