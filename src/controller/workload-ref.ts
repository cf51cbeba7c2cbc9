/**
 * `spec.workloadRef`, as Argo Rollouts has it: the Rollout takes its pod template (and its
 * selector, when it has none) from a Deployment in its namespace, so a team can move a
 * Deployment under progressive delivery without copying the template. A change to the
 * Deployment's template is a new version, as a change to spec.template is.
 *
 * The Deployment is scaled down per `scaleDown`:
 * - `never` (default): left as it is;
 * - `onsuccess`: to 0 once the Rollout is Healthy;
 * - `progressively`: to `spec.replicas - available Rollout pods`, so the two together keep the
 *   desired capacity while the Rollout's pods come up. It only shrinks, except when the Rollout
 *   fails (aborted or Degraded): then it grows back by the pods the Rollout lacks, as Argo's does.
 *
 * Only Deployments a Rollout names are cached: the controller labels a referenced Deployment
 * with `bellwether.dev/workload-ref` (one metadata write, the first time), and the informer
 * watches that label only. The label is the one field the controller adds to the Deployment
 * besides `spec.replicas` when it scales it down (Argo changes the same field).
 */
import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import { selectorMatches } from '../api/semantics.ts';
import type { RolloutStatusView } from '../../strategies/types.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import type { RolloutObject } from './rollout-object.ts';

export const workloadRefLabel = 'bellwether.dev/workload-ref';

export interface WorkloadDeps {
  caches: {
    /** The cached Deployment (only labelled ones are cached). */
    deployment?(namespace: string, name: string): V1Deployment | undefined;
    /** A direct read, for a Deployment not labelled (so not cached) yet. */
    readDeployment?(namespace: string, name: string): Promise<V1Deployment | undefined>;
  };
  writer: Pick<ClusterWriter, 'patchDeployment'>;
}

export type ResolvedWorkload =
  { ok: true; rollout: RolloutObject; deployment?: V1Deployment } | { ok: false; problem: string };

/**
 * The Rollout as the rest of the reconcile reads it: with workloadRef, spec.template and (when
 * absent) spec.selector come from the Deployment. A missing or unusable Deployment is a problem
 * naming the field.
 */
export async function resolveWorkload(rollout: RolloutObject, deps: WorkloadDeps): Promise<ResolvedWorkload> {
  const ref = rollout.spec.workloadRef;
  if (ref === undefined) return { ok: true, rollout };
  const { namespace } = rollout.metadata;
  const deployment =
    deps.caches.deployment?.(namespace, ref.name) ??
    (await deps.caches.readDeployment?.(namespace, ref.name));
  if (deployment === undefined)
    return { ok: false, problem: `spec.workloadRef.name: Deployment "${ref.name}" not found` };
  if (deployment.metadata?.labels?.[workloadRefLabel] === undefined) {
    await deps.writer.patchDeployment(namespace, ref.name, {
      metadata: { labels: { [workloadRefLabel]: 'true' } },
    });
  }
  const template = plainTemplate(deployment.spec?.template);
  const selector = rollout.spec.selector ?? deployment.spec?.selector;
  if (template === undefined || selector === undefined)
    return {
      ok: false,
      problem: `spec.workloadRef.name: Deployment "${ref.name}" has no pod template or selector`,
    };
  const labels = template.metadata?.labels ?? {};
  const selectorField =
    rollout.spec.selector === undefined ? `Deployment "${ref.name}"'s selector` : 'spec.selector';
  if (!selectorMatches(selector as Parameters<typeof selectorMatches>[0], labels)) {
    return {
      ok: false,
      problem: `spec.workloadRef.name: ${selectorField} does not match the labels of Deployment "${ref.name}"'s pod template`,
    };
  }
  return { ok: true, rollout: { ...rollout, spec: { ...rollout.spec, template, selector } }, deployment };
}

/**
 * The template as plain JSON without the fields a read adds (creationTimestamp), so a cached copy
 * and a direct read give the same pod template hash.
 */
function plainTemplate(template: V1PodTemplateSpec | undefined): V1PodTemplateSpec | undefined {
  if (template === undefined) return undefined;
  const plain = JSON.parse(JSON.stringify(template)) as V1PodTemplateSpec & {
    metadata?: { creationTimestamp?: unknown };
  };
  if (plain.metadata) delete plain.metadata.creationTimestamp;
  return plain;
}

/** The Deployment's replicas for this status of the Rollout (undefined: leave them as `current`). */
export function workloadReplicas(
  rollout: RolloutObject,
  status: RolloutStatusView,
  current: number,
): number | undefined {
  const mode = rollout.spec.workloadRef?.scaleDown ?? 'never';
  if (mode === 'never') return undefined;
  if (mode === 'onsuccess') return status.phase === 'Healthy' ? 0 : undefined;
  const lacking = Math.max(0, (rollout.spec.replicas ?? 1) - (status.availableReplicas ?? 0));
  const failed = status.abort === true || status.phase === 'Degraded';
  return failed ? lacking : Math.min(current, lacking);
}

/** Scales the referenced Deployment per workloadRef.scaleDown; writes only when it differs. */
export async function scaleDownWorkload(
  rollout: RolloutObject,
  deployment: V1Deployment | undefined,
  status: RolloutStatusView,
  deps: WorkloadDeps,
): Promise<void> {
  if (deployment === undefined) return;
  const current = deployment.spec?.replicas ?? 1;
  const wanted = workloadReplicas(rollout, status, current);
  if (wanted === undefined || wanted === current) return;
  await deps.writer.patchDeployment(rollout.metadata.namespace, deployment.metadata?.name ?? '', {
    spec: { replicas: wanted },
  });
}
