import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { ReplicaSetView } from '../../strategies/types.ts';
import { annotations, podTemplateHashLabel } from '../kube/names.ts';
import { provenanceAnnotations } from '../kube/provenance.ts';
import { rolloutOwnerReference, type RolloutObject } from './rollout-object.ts';

/** The ReplicaSets this Rollout controls (by owner UID), whatever their labels say. */
export function ownedReplicaSets(rollout: RolloutObject, all: readonly V1ReplicaSet[]): V1ReplicaSet[] {
  return all.filter((rs) =>
    rs.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.uid === rollout.metadata.uid),
  );
}

export function hashOf(rs: V1ReplicaSet): string {
  return rs.metadata?.labels?.[podTemplateHashLabel] ?? '';
}

export function revisionOf(rs: V1ReplicaSet): number {
  const value = Number(rs.metadata?.annotations?.[annotations.revision]);
  return Number.isInteger(value) ? value : 0;
}

/** What the strategy core needs to know of one ReplicaSet. */
export function replicaSetView(rs: V1ReplicaSet): ReplicaSetView {
  const deadline = rs.metadata?.annotations?.[annotations.scaleDownDeadline];
  const deadlineMs = deadline ? Date.parse(deadline) : NaN;
  // Status counts are used even when the ReplicaSet controller has not yet seen the latest
  // spec: they describe pods that exist. Reporting 0 instead would tell the strategy those pods
  // are unavailable, and unavailable pods are free to remove: a rolling update would then dip
  // below maxUnavailable. The strategy caps availability at spec.replicas itself.
  return {
    hash: hashOf(rs),
    revision: revisionOf(rs),
    specReplicas: rs.spec?.replicas ?? 0,
    replicas: rs.status?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
    availableReplicas: rs.status?.availableReplicas ?? 0,
    ...(Number.isNaN(deadlineMs) ? {} : { scaleDownDeadline: deadlineMs }),
  };
}

/**
 * A new ReplicaSet for the Rollout's current template, created at zero replicas (the strategy
 * scales it). Its selector and pod labels carry the template hash so each version's pods are
 * told apart by Services; the owner reference makes the garbage collector remove it with the Rollout.
 */
export function newReplicaSet(rollout: RolloutObject, hash: string, revision: number): V1ReplicaSet {
  const template = rollout.spec.template ?? {};
  const selector = rollout.spec.selector ?? {};
  const labels = { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${rollout.metadata.name}-${hash}`,
      namespace: rollout.metadata.namespace,
      labels,
      // The commit that produced this version, so `bellwether history` can name it later.
      annotations: { ...provenanceAnnotations(rollout.metadata), [annotations.revision]: String(revision) },
      ownerReferences: [rolloutOwnerReference(rollout)],
    },
    spec: {
      replicas: 0,
      minReadySeconds: rollout.spec.minReadySeconds ?? 0,
      selector: {
        matchLabels: { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash },
        ...(selector.matchExpressions ? { matchExpressions: selector.matchExpressions } : {}),
      },
      template: {
        metadata: {
          ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
          labels,
        },
        ...(template.spec ? { spec: template.spec } : {}),
      },
    },
  };
}

/** The label selector string for the scale subresource (what an HPA reads). */
export function selectorString(rollout: RolloutObject): string {
  const selector = rollout.spec.selector ?? {};
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const expr of selector.matchExpressions ?? []) {
    const values = (expr.values ?? []).join(',');
    if (expr.operator === 'In') parts.push(`${expr.key} in (${values})`);
    else if (expr.operator === 'NotIn') parts.push(`${expr.key} notin (${values})`);
    else if (expr.operator === 'Exists') parts.push(expr.key);
    else parts.push(`!${expr.key}`);
  }
  return parts.join(',');
}
