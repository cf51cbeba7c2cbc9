/**
 * The shell half of ephemeral metadata and anti-affinity (strategies/kernel/ephemeral-metadata.ts,
 * strategies/kernel/anti-affinity.ts). The informer keeps no pod templates, so what the controller put
 * on a ReplicaSet's template is recorded in an annotation of the ReplicaSet; a reconcile writes
 * only when the wanted metadata differs from it, so a settled Rollout writes nothing.
 */
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import {
  ephemeralMetadataByHash,
  ephemeralMetadataPatch,
  type EphemeralMetadata,
} from '../../strategies/kernel/ephemeral-metadata.ts';
import {
  affinityWithAntiAffinity,
  antiAffinityTarget,
  podAntiAffinityPatch,
  type Affinity,
} from '../../strategies/kernel/anti-affinity.ts';
import type { AntiAffinityView, RolloutStatusView } from '../../strategies/types.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import { podTemplateHashLabel } from '../kube/names.ts';
import { hashOf } from './replica-sets.ts';
import type { RolloutObject } from './rollout-object.ts';

/** The ephemeral metadata the controller last put on a ReplicaSet's pod template (JSON). */
export const appliedMetadataAnnotation = 'bellwether.dev/ephemeral-metadata';
/** The stable hash the anti-affinity injected into a ReplicaSet's template is against. */
export const antiAffinityAnnotation = 'bellwether.dev/anti-affinity-to';

const NONE: EphemeralMetadata = { labels: {}, annotations: {} };

export interface RoleMetadataDeps {
  writer: ClusterWriter;
  /** Pods by label selector (a direct read: only made when a role's metadata changes). */
  pods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
}

/** The anti-affinity settings of the Rollout's strategy, if any. */
export function antiAffinityOf(rollout: RolloutObject): AntiAffinityView | undefined {
  return rollout.spec.strategy.canary?.antiAffinity ?? rollout.spec.strategy.blueGreen?.antiAffinity;
}

/**
 * What a new ReplicaSet for `hash` gets on top of the Rollout's template: the anti-affinity
 * against the stable version (when set), and the annotation that records it.
 */
export function newReplicaSetAntiAffinity(
  rollout: RolloutObject,
  hash: string,
): { affinity: Affinity | undefined; annotations: Record<string, string> } | undefined {
  const target = antiAffinityTarget(antiAffinityOf(rollout), hash, rollout.status?.stableRS);
  if (target === undefined) return undefined;
  return {
    affinity: affinityWithAntiAffinity(templateAffinity(rollout), antiAffinityOf(rollout), target),
    annotations: { [antiAffinityAnnotation]: target },
  };
}

/**
 * Puts each role's ephemeral metadata on its ReplicaSet's pod template and existing pods, and
 * removes it where a role moved away; drops the injected anti-affinity from the current version's
 * template once it is the stable one. `status` is the one just decided.
 */
export async function syncPodRoleMetadata(
  rollout: RolloutObject,
  replicaSets: readonly V1ReplicaSet[],
  status: RolloutStatusView,
  deps: RoleMetadataDeps,
): Promise<void> {
  const namespace = rollout.metadata.namespace;
  const wanted = ephemeralMetadataByHash(
    rollout.spec,
    status,
    replicaSets.map((rs) => hashOf(rs)),
  );
  for (const rs of replicaSets) {
    if (rs.metadata?.uid === undefined) continue; // not created yet: withRoleMetadataOnNew
    const hash = hashOf(rs);
    const applied = appliedMetadata(rs);
    const target = wanted[hash] ?? NONE;
    const patch = ephemeralMetadataPatch(applied, target);
    if (patch === undefined) continue;
    const name = rs.metadata.name ?? '';
    // Template first (new pods get it), then the pods, then the record: a crash in between
    // leaves the record behind, and the next reconcile applies the same patch again.
    await deps.writer.patchReplicaSet(namespace, name, { spec: { template: { metadata: patch } } });
    for (const pod of await deps.pods(namespace, `${podTemplateHashLabel}=${hash}`)) {
      if (!ownedBy(pod, rs)) continue;
      await deps.writer.patchPod(namespace, pod.metadata?.name ?? '', { metadata: patch });
    }
    const empty = Object.keys(target.labels).length === 0 && Object.keys(target.annotations).length === 0;
    await deps.writer.patchReplicaSet(namespace, name, {
      metadata: { annotations: { [appliedMetadataAnnotation]: empty ? null : JSON.stringify(target) } },
    });
  }
  await dropStaleAntiAffinity(rollout, replicaSets, status, deps.writer);
}

/**
 * The ReplicaSets with the one not created yet (it is created at its first size by the reconcile)
 * carrying its role's metadata and the record of it from the start: no patch, no pod to relabel.
 */
export function withRoleMetadataOnNew(
  rollout: RolloutObject,
  replicaSets: readonly V1ReplicaSet[],
  status: RolloutStatusView,
): V1ReplicaSet[] {
  const wanted = ephemeralMetadataByHash(
    rollout.spec,
    status,
    replicaSets.map((rs) => hashOf(rs)),
  );
  return replicaSets.map((rs) => {
    const target = wanted[hashOf(rs)] ?? NONE;
    const empty = Object.keys(target.labels).length === 0 && Object.keys(target.annotations).length === 0;
    if (rs.metadata?.uid !== undefined || empty) return rs;
    const copy = structuredClone(rs);
    const metadata = (copy.metadata ??= {});
    metadata.annotations = { ...metadata.annotations, [appliedMetadataAnnotation]: JSON.stringify(target) };
    const template = copy.spec?.template;
    if (template !== undefined) {
      const podMetadata = (template.metadata ??= {});
      podMetadata.labels = { ...podMetadata.labels, ...target.labels };
      podMetadata.annotations = { ...podMetadata.annotations, ...target.annotations };
    }
    return copy;
  });
}

/** The current version's template keeps an anti-affinity only against the stable it is not. */
async function dropStaleAntiAffinity(
  rollout: RolloutObject,
  replicaSets: readonly V1ReplicaSet[],
  status: RolloutStatusView,
  writer: ClusterWriter,
): Promise<void> {
  const current = replicaSets.find((rs) => hashOf(rs) === status.currentPodHash);
  const injected = current?.metadata?.annotations?.[antiAffinityAnnotation];
  if (current?.metadata?.uid === undefined || injected === undefined) return;
  const target = antiAffinityTarget(antiAffinityOf(rollout), hashOf(current), status.stableRS);
  if (target === injected) return;
  const affinity = affinityWithAntiAffinity(templateAffinity(rollout), antiAffinityOf(rollout), target);
  await writer.patchReplicaSet(rollout.metadata.namespace, current.metadata.name ?? '', {
    metadata: { annotations: { [antiAffinityAnnotation]: target ?? null } },
    spec: { template: { spec: { affinity: podAntiAffinityPatch(affinity) } } },
  });
}

function templateAffinity(rollout: RolloutObject): Affinity | undefined {
  return (rollout.spec.template?.spec as { affinity?: Affinity } | undefined)?.affinity;
}

function appliedMetadata(rs: V1ReplicaSet): EphemeralMetadata {
  const text = rs.metadata?.annotations?.[appliedMetadataAnnotation];
  if (text === undefined) return NONE;
  try {
    const parsed = JSON.parse(text) as Partial<EphemeralMetadata>;
    return { labels: { ...parsed.labels }, annotations: { ...parsed.annotations } };
  } catch {
    return NONE; // a hand-edited record: apply the wanted metadata again
  }
}

function ownedBy(pod: V1Pod, rs: V1ReplicaSet): boolean {
  return pod.metadata?.ownerReferences?.some((ref) => ref.uid === rs.metadata?.uid) === true;
}

/** A new ReplicaSet body with the anti-affinity against the stable version, when the strategy asks for it. */
export function withInjectedAntiAffinity(
  body: V1ReplicaSet,
  rollout: RolloutObject,
  hash: string,
): V1ReplicaSet {
  const injected = newReplicaSetAntiAffinity(rollout, hash);
  if (injected === undefined) return body;
  const copy = structuredClone(body);
  copy.metadata = copy.metadata ?? {};
  copy.metadata.annotations = { ...copy.metadata.annotations, ...injected.annotations };
  const podSpec = copy.spec?.template?.spec;
  if (podSpec !== undefined) podSpec.affinity = injected.affinity as typeof podSpec.affinity;
  return copy;
}
