/**
 * One reconcile of one Experiment: observe (caches) -> decideExperiment (pure, strategies/experiment)
 * -> create or scale the templates' ReplicaSets, create their Services and the AnalysisRuns,
 * terminate runs that should stop -> patch status, with the decision's events in status.outbox
 * (delivered as the Rollout's are: event-outbox.ts). Writes only what differs; an Experiment that
 * fails validation ends Error naming the field, and nothing is created for it.
 */
import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import type { AnalysisRun, AnalysisTemplateSpec } from '../../api/analysis.ts';
import type { ExperimentStatus } from '../../api/experiment.ts';
import type { OutboxEntry } from '../../api/rollout.ts';
import { semanticErrors } from '../../api/semantics.ts';
import { validateResource } from '../../api/validate.ts';
import { mergePatch } from '../../kube/merge-patch.ts';
import { statusCode, type Logger } from '../../log.ts';
import {
  decideExperiment,
  isFinishedPhase,
  phaseEvents,
  type ExperimentDecision,
} from '../../../strategies/experiment/decide.ts';
import type { ClusterWriter } from '../cluster-writer.ts';
import { EventOutbox, plainOutboxEntries } from '../event-outbox.ts';
import {
  experimentAnalysisRun,
  experimentLabels,
  replicaSetName,
  serviceNameOf,
  templateHash,
  templateReplicaSet,
  templateService,
  type ExperimentObject,
} from './experiment-objects.ts';
import type { ExperimentWriter } from './experiment-writer.ts';

export type { ExperimentObject } from './experiment-objects.ts';

export interface ExperimentCaches {
  experiment(namespace: string, name: string): ExperimentObject | undefined;
  /** The ReplicaSets in the namespace whose controller owner has this UID (an index: no scan). */
  replicaSets(namespace: string, ownerUid: string): readonly V1ReplicaSet[];
  service(namespace: string, name: string): V1Service | undefined;
  /** The AnalysisRuns in the namespace whose controller owner has this UID. */
  analysisRuns(namespace: string, ownerUid: string): readonly AnalysisRun[];
  analysisTemplate(namespace: string, name: string, clusterScope: boolean): AnalysisTemplateSpec | undefined;
}

export interface ExperimentDeps {
  caches: ExperimentCaches;
  writer: ClusterWriter;
  experiments: ExperimentWriter;
  now: () => number;
  log: Logger;
  /** Delivers status.outbox; one per process. A fresh one when undefined. */
  outbox?: EventOutbox;
}

const ignoreConflict = (err: unknown) => {
  if (statusCode(err) !== 409) throw err;
};

/** What one reconcile observed of the Experiment's own objects. */
interface Observed {
  experiment: ExperimentObject;
  rsOf: (template: string) => V1ReplicaSet | undefined;
  runOf: (analysis: string) => AnalysisRun | undefined;
}

export async function reconcileExperiment(
  namespace: string,
  name: string,
  deps: ExperimentDeps,
): Promise<{ requeueAfterMs?: number; wrote?: boolean }> {
  const experiment = deps.caches.experiment(namespace, name);
  if (!experiment || experiment.metadata.deletionTimestamp) return {};
  const outbox = deps.outbox ?? new EventOutbox();
  // Entries of an earlier write (a crash, a failed Event create) are delivered before deciding again.
  if (await drainOutbox(experiment, experiment.status?.outbox ?? [], outbox, deps)) return { wrote: true };
  const status: ExperimentStatus = experiment.status ?? {};
  const problems = specProblems(experiment);
  if (problems.length > 0) {
    if (isFinishedPhase(status.phase)) return {};
    const message = `InvalidSpec: ${problems.join('; ')}`;
    return { wrote: await writeDecided(experiment, { ...status, phase: 'Error', message }, deps, outbox) };
  }
  const observed = observe(experiment, deps);
  const decision = decideExperiment({
    spec: experiment.spec,
    status,
    createdAt: Date.parse(experiment.metadata.creationTimestamp ?? new Date(deps.now()).toISOString()),
    available: Object.fromEntries(
      experiment.spec.templates.map((t) => [t.name, observed.rsOf(t.name)?.status?.availableReplicas ?? 0]),
    ),
    runs: runPhases(observed),
    now: deps.now(),
  });
  await applyTemplates(observed, decision, deps);
  const runProblems = await syncRuns(observed, decision, deps);
  const next: ExperimentStatus =
    runProblems.length > 0
      ? {
          ...status,
          phase: 'Error',
          message: runProblems.join('; '),
          finishedAt: new Date(deps.now()).toISOString(),
        }
      : observedStatus(observed, decision);
  const wrote = await writeDecided(experiment, next, deps, outbox);
  return decision.requeueAfterMs === undefined
    ? { wrote }
    : { requeueAfterMs: decision.requeueAfterMs, wrote };
}

function specProblems(experiment: ExperimentObject): string[] {
  const validated = validateResource({
    ...experiment,
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Experiment',
  });
  return validated.ok
    ? semanticErrors(validated.value).map((e) => `${e.path}: ${e.detail}`)
    : validated.errors.map((e) => `${e.path}: ${e.detail}`);
}

function observe(experiment: ExperimentObject, deps: ExperimentDeps): Observed {
  const { namespace, uid } = experiment.metadata;
  const replicaSets = deps.caches.replicaSets(namespace, uid);
  const runs = deps.caches.analysisRuns(namespace, uid);
  return {
    experiment,
    rsOf: (template) =>
      replicaSets.find((rs) => rs.metadata?.labels?.[experimentLabels.template] === template),
    runOf: (analysis) => runs.find((run) => run.metadata.labels?.[experimentLabels.analysis] === analysis),
  };
}

function runPhases(observed: Observed): Parameters<typeof decideExperiment>[0]['runs'] {
  return Object.fromEntries(
    (observed.experiment.spec.analyses ?? []).flatMap((a) => {
      const run = observed.runOf(a.name);
      if (!run) return [];
      const phase = run.status?.phase ?? 'Pending';
      return [
        [a.name, run.status?.message === undefined ? { phase } : { phase, message: run.status.message }],
      ];
    }),
  );
}

/** Creates or scales each template's ReplicaSet, and creates its Service while the experiment runs. */
async function applyTemplates(
  { experiment, rsOf }: Observed,
  decision: ExperimentDecision,
  deps: ExperimentDeps,
): Promise<void> {
  const { namespace } = experiment.metadata;
  for (const template of experiment.spec.templates) {
    const wanted = decision.replicas[template.name] ?? 0;
    const rs = rsOf(template.name);
    if (!rs && wanted > 0) {
      await deps.writer
        .createReplicaSet(namespace, templateReplicaSet(experiment, template, wanted))
        .catch(ignoreConflict);
    } else if (rs && (rs.spec?.replicas ?? 0) !== wanted) {
      const rsName = rs.metadata?.name ?? replicaSetName(experiment, template);
      await deps.writer.patchReplicaSet(namespace, rsName, { spec: { replicas: wanted } });
    }
    const wantsService = template.service !== undefined && !isFinishedPhase(decision.status.phase);
    if (wantsService && !deps.caches.service(namespace, serviceNameOf(experiment, template))) {
      await deps.experiments.createService(namespace, templateService(experiment, template));
    }
  }
}

/** Creates the AnalysisRuns the decision asks for and terminates the ones it stops; returns problems. */
async function syncRuns(
  { experiment, runOf }: Observed,
  decision: ExperimentDecision,
  deps: ExperimentDeps,
): Promise<string[]> {
  const { namespace } = experiment.metadata;
  const problems: string[] = [];
  for (const analysis of decision.analyses) {
    if (runOf(analysis)) continue;
    const built = experimentAnalysisRun(experiment, analysis, (t, cluster) =>
      deps.caches.analysisTemplate(namespace, t, cluster),
    );
    if (!built.ok) problems.push(`spec.analyses[${analysis}]: ${built.error}`);
    else await deps.writer.createAnalysisRun(namespace, built.run).catch(ignoreConflict);
  }
  for (const analysis of decision.terminate) {
    const run = runOf(analysis);
    if (run && run.spec.terminate !== true)
      await deps.writer.terminateAnalysisRun(namespace, run.metadata.name ?? '');
  }
  return problems;
}

/** The decision's status with what each template and analysis has now. */
function observedStatus(
  { experiment, rsOf, runOf }: Observed,
  decision: ExperimentDecision,
): ExperimentStatus {
  return {
    ...(decision.status as ExperimentStatus),
    templateStatuses: experiment.spec.templates.map((t) => {
      const rs = rsOf(t.name);
      return {
        name: t.name,
        podTemplateHash: templateHash(experiment, t),
        replicas: rs?.status?.replicas ?? 0,
        availableReplicas: rs?.status?.availableReplicas ?? 0,
        ...(t.service ? { serviceName: serviceNameOf(experiment, t) } : {}),
      };
    }),
    analysisRuns: (experiment.spec.analyses ?? []).flatMap((a) => {
      const run = runOf(a.name);
      if (!run) return [];
      return [{ name: a.name, analysisRun: run.metadata.name ?? '', phase: run.status?.phase ?? 'Pending' }];
    }),
    observedGeneration: experiment.metadata.generation ?? 0,
  };
}

/**
 * Writes the status (when it differs) with the events of its change of phase as outbox entries,
 * in the same patch, then delivers them: they exist exactly when the write was accepted.
 */
async function writeDecided(
  experiment: ExperimentObject,
  status: ExperimentStatus,
  deps: ExperimentDeps,
  outbox: EventOutbox,
): Promise<boolean> {
  const before = experiment.status ?? {};
  const events = phaseEvents(before, status);
  const entries = plainOutboxEntries(events, experiment.metadata.resourceVersion ?? '', deps.now());
  const pending = [...(before.outbox ?? []), ...entries];
  const written = await writeStatus(
    experiment,
    { ...status, outbox: pending.length > 0 ? pending : undefined },
    deps,
  );
  if (written && entries.length > 0) await drainOutbox(written, pending, outbox, deps);
  return written !== undefined;
}

/**
 * Delivers outbox entries and writes back the ones that remain (guarded by resourceVersion).
 * Returns true when it wrote. An Event that could not be created fails the reconcile after that
 * write, so the key is retried with backoff and the entry stays until it is recorded.
 */
async function drainOutbox(
  experiment: ExperimentObject,
  entries: readonly OutboxEntry[],
  outbox: EventOutbox,
  deps: ExperimentDeps,
): Promise<boolean> {
  if (entries.length === 0) return false;
  const subject = { ...experiment, kind: 'Experiment' };
  const { remaining, failed } = await outbox.drain(subject, entries, deps);
  let wrote = false;
  if (remaining.length !== entries.length) {
    const status = { ...experiment.status, outbox: remaining.length > 0 ? remaining : undefined };
    wrote = (await writeStatus(experiment, status, deps)) !== undefined;
  }
  if (failed > 0) throw new Error(`${failed} Event(s) of status.outbox not recorded yet; will retry`);
  return wrote;
}

/** A merge patch of what differs, guarded by the observed resourceVersion; undefined when nothing did. */
async function writeStatus(
  experiment: ExperimentObject,
  status: ExperimentStatus,
  deps: ExperimentDeps,
): Promise<ExperimentObject | undefined> {
  const patch = mergePatch(experiment.status ?? {}, status);
  if (!patch) return undefined;
  return deps.experiments.patchExperimentStatus(
    experiment.metadata.namespace,
    experiment.metadata.name,
    experiment.metadata.resourceVersion ?? '',
    patch,
  );
}
