import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { analysisRunViews, ownedAnalysisRuns, syncAnalysisRuns } from './analysis/rollout-analysis-runs.ts';
import type { ExperimentObject } from './experiment/experiment-objects.ts';
import type { ExtraDestination } from '../traffic/types.ts';
import { experimentDestinations } from './experiment/experiment-destinations.ts';
import { experimentViews, ownedExperiments, syncExperiments } from './experiment/rollout-experiments.ts';
import type { StrategyDecision, StrategyInput } from '../../strategies/types.ts';
import { reconcileUnderHold } from '../../strategies/group/hold.ts';
import { mergePatch } from '../kube/merge-patch.ts';
import { describeError, statusCode } from '../log.ts';
import { podTemplateHash } from './pod-template-hash.ts';
import { annotations, podTemplateHashLabel } from '../kube/names.ts';
import {
  hashOf,
  newReplicaSet,
  ownedReplicaSets,
  replicaSetView,
  revisionOf,
  selectorString,
} from './replica-sets.ts';
import { type RolloutObject } from './rollout-object.ts';
import { EventOutbox, outboxEntries } from './event-outbox.ts';
import type { OutboxEntry } from '../api/rollout.ts';
import { commitOf, sourceStatus } from '../kube/provenance.ts';
import type { ReconcileDeps, ReconcileResult } from './reconcile-deps.ts';
import { invalidSpecStatus, specProblems } from './spec-problems.ts';
import { onlyProgress, progressWriteDelay, progressWriteInterval } from './progress-writes.ts';
import { rememberReplicaSetWrite, replicaSetCacheBehind } from './replica-set-writes.ts';
import { serviceRefs } from './service-roles.ts';
import { pingPongAfter, withPingPong } from './ping-pong.ts';
import { nextRestartStep, restartPending } from './restart-pods.ts';
import { applyTraffic } from './traffic-routing.ts';
import { resolveWorkload, scaleDownWorkload } from './workload-ref.ts';
import { syncPodRoleMetadata, withInjectedAntiAffinity, withRoleMetadataOnNew } from './pod-role-metadata.ts';
import { ensureRestoreRecord, finalizeDeletedRollout, restoreDeletedRollout } from './restore-routing.ts';

/**
 * One reconcile of one Rollout: observe (caches) -> strategy (pure) -> execute the decision
 * idempotently -> patch status -> emit events. Every write is skipped when the cluster already
 * matches, so a reconcile of a settled Rollout makes no API call at all.
 */
export async function reconcileRollout(
  namespace: string,
  name: string,
  deps: ReconcileDeps,
): Promise<ReconcileResult> {
  const observed = deps.caches.rollout(namespace, name);
  if (!observed) return forgetDeletedRollout(namespace, name, deps);
  const outbox = deps.outbox ?? new EventOutbox();
  const notNow = await notDecidingNow(observed, outbox, deps);
  if (notNow) return notNow;
  // step and commit as observed; JSON drops them when undefined
  const log = deps.log.with({
    rollout: name,
    namespace,
    step: observed.status?.currentStepIndex,
    commit: commitOf(observed.metadata)?.sha.slice(0, 7),
  });

  const template = (templateName: string, clusterScope: boolean) =>
    deps.caches.analysisTemplate(namespace, templateName, clusterScope);
  const problems = specProblems(observed, (svc) => deps.caches.service(namespace, svc), template);
  if (problems.length > 0) {
    await writeStatus(observed, invalidSpecStatus(observed, problems, deps.now()), deps);
    return {};
  }
  if (await ensureRestoreRecord(observed, deps)) return {};
  // with workloadRef, the pod template (and selector) of the Deployment: the rest reads this one
  const workload = await resolveWorkload(observed, deps);
  if (!workload.ok) {
    await writeStatus(observed, invalidSpecStatus(observed, [workload.problem], deps.now()), deps);
    return {};
  }
  return decideAndApply(workload.rollout, workload.deployment, outbox, { ...deps, log });
}

/** The strategy's decision for a valid Rollout, carried out: Services, router, ReplicaSets, runs, status. */
async function decideAndApply(
  rollout: RolloutObject,
  deployment: V1Deployment | undefined,
  outbox: EventOutbox,
  deps: ReconcileDeps,
): Promise<ReconcileResult> {
  const { namespace } = rollout.metadata;
  const template = (templateName: string, clusterScope: boolean) =>
    deps.caches.analysisTemplate(namespace, templateName, clusterScope);
  const currentPodHash = podTemplateHash(rollout.spec.template);
  const uid = rollout.metadata.uid;
  const owned = ownedReplicaSets(rollout, deps.caches.replicaSets(namespace, uid));
  const replicaSets = withCurrentReplicaSet(rollout, currentPodHash, owned);
  const runs = ownedAnalysisRuns(rollout, deps.caches.analysisRuns(namespace, uid));
  const experiments = ownedExperiments(deps.caches.experiments?.(namespace, uid) ?? []);

  const input: StrategyInput = {
    generation: rollout.metadata.generation ?? 0,
    spec: rollout.spec,
    status: withoutInvalidSpec(rollout.status ?? {}),
    currentPodHash,
    replicaSets: replicaSets.map(replicaSetView),
    // an experiment step's Experiment reports its phase under its request id, as a run does
    analysisRuns: [...analysisRunViews(runs), ...experimentViews(experiments)],
    now: deps.now(),
  };
  let decision: StrategyDecision;
  try {
    decision = reconcileUnderHold(input, deps.hold?.(rollout));
  } catch (err) {
    // A strategy that cannot handle this spec is a spec problem, not a reason to crash or retry hot.
    await writeStatus(rollout, invalidSpecStatus(rollout, [describeError(err)], deps.now()), deps);
    return {};
  }

  // Argo's order: Services, then the router, then ReplicaSets. The core only points a Service or
  // raises a weight at pods that are already available, and lowers a weight before it asks for
  // fewer pods, so this order never sends traffic to pods that are not there; at completion the
  // stable Service moves to the new pods before the canary weight drops back to 0.
  const stablePingPong = pingPongAfter(rollout, decision);
  const routed = withPingPong(rollout, stablePingPong);
  await applyServiceSelectors(routed, decision, deps);
  if (
    await routeTraffic(
      routed,
      decision,
      experimentDestinations(rollout, decision.experiments ?? [], experiments),
      deps,
    )
  )
    return {};
  // Role labels on the templates before the pods come: a canary pod is created as one.
  const prepared = withRoleMetadataOnNew(rollout, replicaSets, decision.status);
  await syncPodRoleMetadata(rollout, prepared, decision.status, {
    writer: deps.writer,
    pods: (ns, selector) => deps.caches.pods(ns, selector),
  });
  const applied = await applyReplicaSets(rollout, prepared, decision, deps);
  await scaleDownWorkload(rollout, deployment, decision.status, deps);
  const analysisProblems = await syncAnalysisRuns(
    rollout,
    decision.analysisRuns ?? [],
    runs,
    template,
    { ...(rollout.status?.stableRS ? { stable: rollout.status.stableRS } : {}), latest: currentPodHash },
    deps.writer,
  );
  analysisProblems.push(...(await syncStepExperiments(rollout, decision, experiments, replicaSets, deps)));
  if (analysisProblems.length > 0) {
    await writeStatus(rollout, invalidSpecStatus(rollout, analysisProblems, deps.now()), deps);
    return {};
  }
  const restart = await restartPods(rollout, applied, deps);
  // delivered entries leave status with this write (event-outbox.ts)
  const kept = outbox.undelivered(rollout);
  const status = {
    ...decision.status,
    ...(stablePingPong ? { canary: { ...decision.status.canary, stablePingPong } } : {}),
    selector: selectorString(rollout),
    source: sourceStatus(rollout.metadata),
    restartedAt: restart.done ? rollout.spec.restartAt : rollout.status?.restartedAt,
    outbox: kept.length > 0 ? kept : undefined,
  };
  const heldMs = heldProgressMs(rollout, status, decision, replicaSets, deps);
  if (heldMs === undefined) await writeDecision(rollout, status, kept, decision, outbox, deps);
  await pruneHistory(rollout, applied, decision, deps);
  const requeue = [decision.requeueAfterMs, restart.requeueAfterMs, heldMs].filter((ms) => ms !== undefined);
  return requeue.length === 0 ? {} : { requeueAfterMs: Math.min(...requeue) };
}

/** Deleted: nothing is kept per Rollout once it is gone, but what it changed is put back. */
async function forgetDeletedRollout(
  namespace: string,
  name: string,
  deps: ReconcileDeps,
): Promise<ReconcileResult> {
  const key = `${namespace}/${name}`;
  deps.supersededVersions?.delete(key);
  deps.replicaSetWrites?.delete(key);
  deps.progressPending?.delete(key);
  deps.outbox?.forgetRollout(key);
  await restoreDeletedRollout(namespace, name, deps);
  return {};
}

/**
 * The reconcile does not decide now when the cached copy is one it already moved past or when the
 * Rollout is being deleted. Entries of an earlier write still waiting in its outbox (a crash, a
 * failed Event create) are delivered first; a failed delivery fails the reconcile.
 */
async function notDecidingNow(
  rollout: RolloutObject,
  outbox: EventOutbox,
  deps: ReconcileDeps,
): Promise<ReconcileResult | undefined> {
  const key = `${rollout.metadata.namespace}/${rollout.metadata.name}`;
  if (deps.supersededVersions?.get(key) === rollout.metadata.resourceVersion) return { requeueAfterMs: 200 };
  const owned = deps.caches.replicaSets(rollout.metadata.namespace, rollout.metadata.uid);
  if (replicaSetCacheBehind(deps.replicaSetWrites, key, owned)) return { requeueAfterMs: 200 };
  if (rollout.metadata.deletionTimestamp) {
    await finalizeDeletedRollout(rollout, deps);
    return {};
  }
  await deliverOutbox(rollout, rollout.status?.outbox ?? [], outbox, deps);
  return undefined;
}

/** A gate is never skipped: a controller without an Experiment writer refuses the step. */
async function syncStepExperiments(
  rollout: RolloutObject,
  decision: StrategyDecision,
  experiments: readonly ExperimentObject[],
  replicaSets: readonly V1ReplicaSet[],
  deps: ReconcileDeps,
): Promise<string[]> {
  const requests = decision.experiments ?? [];
  if (deps.experiments === undefined) {
    return requests.map(
      (r) =>
        `spec.strategy.canary.steps[${r.stepIndex}].experiment: this controller does not run Experiments`,
    );
  }
  const stable = replicaSets.find((rs) => hashOf(rs) === rollout.status?.stableRS)?.metadata?.name;
  const stableTemplate = async () =>
    stable === undefined ? undefined : deps.caches.replicaSetTemplate?.(rollout.metadata.namespace, stable);
  const hashes = {
    ...(rollout.status?.stableRS ? { stable: rollout.status.stableRS } : {}),
    latest: podTemplateHash(rollout.spec.template),
  };
  return syncExperiments(rollout, requests, experiments, stableTemplate, hashes, deps.experiments);
}

/**
 * Applies decision.traffic (after the Service selectors, before the ReplicaSets). A routing object
 * that is missing or unusable becomes InvalidSpec and stops the reconcile (true).
 */
async function routeTraffic(
  rollout: RolloutObject,
  decision: StrategyDecision,
  extra: readonly ExtraDestination[],
  deps: ReconcileDeps,
): Promise<boolean> {
  const problem = await applyTraffic(rollout, decision, deps, extra);
  if (problem) await writeStatus(rollout, invalidSpecStatus(rollout, [problem], deps.now()), deps);
  return problem !== undefined;
}

/** One step of a pending spec.restartAt; reads pods only while a restart is in progress. */
async function restartPods(
  rollout: RolloutObject,
  replicaSets: V1ReplicaSet[],
  deps: ReconcileDeps,
): Promise<{ done: boolean; requeueAfterMs?: number }> {
  if (!restartPending(rollout, deps.now())) return { done: false };
  const pods = await deps.caches.pods(rollout.metadata.namespace, selectorString(rollout));
  const step = nextRestartStep(rollout, replicaSets, pods);
  for (const pod of step.deletePods) {
    await deps.writer.deletePod(rollout.metadata.namespace, pod);
    deps.log.info('restarted pod', { rollout: rollout.metadata.name, pod });
  }
  return step.done ? { done: true } : { done: false, requeueAfterMs: 1000 };
}

/**
 * The owned ReplicaSets and, when the current template has none yet, the one to create (no uid:
 * not created). The strategy sees it as a ReplicaSet at zero, and applyReplicaSets creates it at
 * the size the strategy decided: one write instead of a create at zero and a scale.
 */
function withCurrentReplicaSet(rollout: RolloutObject, hash: string, owned: V1ReplicaSet[]): V1ReplicaSet[] {
  if (owned.some((rs) => hashOf(rs) === hash)) return owned;
  const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
  return [...owned, withInjectedAntiAffinity(newReplicaSet(rollout, hash, revision), rollout, hash)];
}

async function createReplicaSet(
  rollout: RolloutObject,
  body: V1ReplicaSet,
  patch: ReplicaSetPatch,
  deps: ReconcileDeps,
): Promise<V1ReplicaSet> {
  const sized = structuredClone(body);
  const metadata = (sized.metadata ??= {});
  const deadline = patch.metadata?.annotations[annotations.scaleDownDeadline];
  if (deadline) metadata.annotations = { ...metadata.annotations, [annotations.scaleDownDeadline]: deadline };
  if (sized.spec) sized.spec.replicas = patch.spec?.replicas ?? 0;
  try {
    return await deps.writer.createReplicaSet(rollout.metadata.namespace, sized);
  } catch (err) {
    // The cache may lag behind a ReplicaSet this controller created a moment ago: retry later.
    if (statusCode(err) === 409)
      throw new Error(`ReplicaSet ${metadata.name ?? ''} exists but is not cached yet`, { cause: err });
    throw err;
  }
}

interface ReplicaSetPatch {
  spec?: { replicas: number };
  metadata?: { annotations: Record<string, string | null> };
}

/** Scales (and creates) the ReplicaSets as decided; returns them as they are now. */
async function applyReplicaSets(
  rollout: RolloutObject,
  replicaSets: V1ReplicaSet[],
  decision: StrategyDecision,
  deps: ReconcileDeps,
): Promise<V1ReplicaSet[]> {
  // Scale down before scaling up, as a Deployment does: the strategy only removes available pods
  // within the maxUnavailable budget, so down-first never dips below it, while up-first would
  // briefly ask for more pods than maxSurge allows. A crash between the writes leaves fewer
  // pods, never too many, and the next reconcile finishes the move.
  const ordered = [...replicaSets].sort(
    (a, b) => scaleDelta(a, decision) - scaleDelta(b, decision) || hashOf(a).localeCompare(hashOf(b)),
  );
  const applied = [];
  for (const rs of ordered) {
    const hash = hashOf(rs);
    const patch: ReplicaSetPatch = {};
    const desired = decision.replicaSets[hash];
    if (desired !== undefined && desired !== (rs.spec?.replicas ?? 0)) patch.spec = { replicas: desired };
    if (hash in decision.scaleDownDeadlines) {
      const deadline = decision.scaleDownDeadlines[hash];
      const wanted = deadline === null || deadline === undefined ? null : new Date(deadline).toISOString();
      const current = rs.metadata?.annotations?.[annotations.scaleDownDeadline] ?? null;
      if (wanted !== current) patch.metadata = { annotations: { [annotations.scaleDownDeadline]: wanted } };
    }
    if (rs.metadata?.uid === undefined) applied.push(await createReplicaSet(rollout, rs, patch, deps));
    else if (patch.spec || patch.metadata) {
      const after = await deps.writer.patchReplicaSet(
        rollout.metadata.namespace,
        rs.metadata.name ?? '',
        patch,
      );
      rememberReplicaSetWrite(
        deps.replicaSetWrites,
        `${rollout.metadata.namespace}/${rollout.metadata.name}`,
        rs,
        after,
      );
      applied.push(rs);
    } else applied.push(rs);
  }
  return applied;
}

function scaleDelta(rs: V1ReplicaSet, decision: StrategyDecision): number {
  return (decision.replicaSets[hashOf(rs)] ?? rs.spec?.replicas ?? 0) - (rs.spec?.replicas ?? 0);
}

/** Points each strategy Service (service-roles.ts) at its version by injecting the template hash into the selector. */
async function applyServiceSelectors(
  rollout: RolloutObject,
  decision: StrategyDecision,
  deps: ReconcileDeps,
) {
  const updating = decision.status.stableRS !== decision.status.currentPodHash;
  for (const { name: serviceName, role, selectorWrites } of serviceRefs(rollout.spec, rollout.status)) {
    const hash = decision.selectors[role];
    if (!hash || selectorWrites === 'never' || (selectorWrites === 'whileUpdating' && !updating)) continue;
    const service = deps.caches.service(rollout.metadata.namespace, serviceName);
    if (!service) continue; // reported by specProblems
    const managed = service.metadata?.annotations?.[annotations.managedBy];
    if (service.spec?.selector?.[podTemplateHashLabel] === hash && managed === rollout.metadata.name)
      continue;
    const original = service.metadata?.annotations?.[annotations.originalSelector];
    await deps.writer.patchService(rollout.metadata.namespace, serviceName, {
      metadata: {
        annotations: {
          [annotations.managedBy]: rollout.metadata.name,
          [annotations.originalSelector]: original ?? JSON.stringify(service.spec?.selector ?? {}),
        },
      },
      spec: { selector: { [podTemplateHashLabel]: hash } },
    });
  }
}

/** When this status change only reports pods coming and going and may still wait: how long (progress-writes.ts). */
function heldProgressMs(
  rollout: RolloutObject,
  status: object,
  decision: StrategyDecision,
  replicaSets: readonly V1ReplicaSet[],
  deps: ReconcileDeps,
): number | undefined {
  if (!deps.progressPending || decision.events.length > 0) return undefined;
  const before = rollout.status ?? {};
  const patch = mergePatch(before, status);
  if (!patch || !onlyProgress(before, patch, status)) return undefined;
  const counts = replicaSets.map((rs) => ({
    desired: decision.replicaSets[hashOf(rs)] ?? rs.spec?.replicas ?? 0,
    replicas: rs.status?.replicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
  }));
  const waitMs = progressWriteDelay(
    deps.progressPending,
    `${rollout.metadata.namespace}/${rollout.metadata.name}`,
    deps.now(),
    progressWriteInterval(patch, decision.requeueAfterMs, counts),
  );
  return waitMs > 0 ? waitMs : undefined;
}

/**
 * Writes status only when it differs from what was observed, as a merge patch carrying the
 * observed resourceVersion: if an operator patched the Rollout meanwhile (promote, abort), the
 * write fails with a conflict and the next reconcile sees their change instead of erasing it.
 */
async function writeStatus(
  rollout: RolloutObject,
  status: object,
  deps: ReconcileDeps,
): Promise<RolloutObject | undefined> {
  // a write that does not speak of the outbox keeps it as it is
  const full = 'outbox' in status ? status : { ...status, outbox: rollout.status?.outbox };
  const patch = mergePatch(rollout.status ?? {}, full);
  if (!patch) return undefined;
  const resourceVersion = rollout.metadata.resourceVersion ?? '';
  const written = await deps.writer.patchRolloutStatus(
    rollout.metadata.namespace,
    rollout.metadata.name,
    resourceVersion,
    patch,
  );
  const key = `${rollout.metadata.namespace}/${rollout.metadata.name}`;
  deps.supersededVersions?.set(key, resourceVersion);
  deps.progressPending?.delete(key);
  return written;
}

/**
 * The decision's status with its events as outbox entries (event-outbox.ts): they exist iff the
 * write was accepted; then delivered at once. `kept`: the earlier entries not delivered yet.
 */
async function writeDecision(
  rollout: RolloutObject,
  status: object,
  kept: readonly OutboxEntry[],
  decision: StrategyDecision,
  outbox: EventOutbox,
  deps: ReconcileDeps,
): Promise<void> {
  const entries = outboxEntries(
    decision.events,
    decision.status,
    rollout.metadata.resourceVersion ?? '',
    deps.now(),
  );
  const pending = [...kept, ...entries];
  const written = await writeStatus(
    rollout,
    { ...status, outbox: pending.length > 0 ? pending : undefined },
    deps,
  );
  if (!written || entries.length === 0) return;
  deps.afterStatusWrite?.(entries);
  await deliverOutbox(written, written.status?.outbox ?? pending, outbox, deps);
}

/**
 * Delivers outbox entries. The delivered ones leave status with the Rollout's next status write
 * (event-outbox.ts), not with a write of their own. An Event that could not be created fails the
 * reconcile, so the key is retried with backoff and the entry stays until done.
 */
async function deliverOutbox(
  rollout: RolloutObject,
  entries: readonly OutboxEntry[],
  outbox: EventOutbox,
  deps: ReconcileDeps,
): Promise<void> {
  if (entries.length === 0) return;
  const { failed } = await outbox.drain(rollout, entries, deps);
  if (failed > 0) throw new Error(`${failed} Event(s) of status.outbox not recorded yet; will retry`);
}

/** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit (default 10). */
async function pruneHistory(
  rollout: RolloutObject,
  replicaSets: V1ReplicaSet[],
  decision: StrategyDecision,
  deps: ReconcileDeps,
): Promise<void> {
  const limit = rollout.spec.revisionHistoryLimit ?? 10;
  const keep = new Set([decision.status.currentPodHash, decision.status.stableRS]);
  const idle = replicaSets
    .filter((rs) => !keep.has(hashOf(rs)))
    .filter(
      (rs) =>
        (decision.replicaSets[hashOf(rs)] ?? rs.spec?.replicas ?? 0) === 0 &&
        (rs.status?.replicas ?? 0) === 0,
    )
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
    await deps.writer.deleteReplicaSet(rollout.metadata.namespace, rs.metadata?.name ?? '');
  }
}

/** The spec is valid again: drop the InvalidSpec condition so the strategy starts clean. */
function withoutInvalidSpec(
  status: NonNullable<RolloutObject['status']>,
): NonNullable<RolloutObject['status']> {
  if (!status.conditions?.some((c) => c.type === 'InvalidSpec')) return status;
  return { ...status, conditions: status.conditions.filter((c) => c.type !== 'InvalidSpec') };
}
