/**
 * antiAffinity (Argo Rollouts, canary and blue-green): the new version's pod template gets an
 * inter-pod anti-affinity term against the pods of the stable version (label
 * rollouts-pod-template-hash In [stable hash], topology kubernetes.io/hostname), preferred with a
 * weight or required, added to the template's own affinity. Once that version is the stable
 * one, the term goes. The pod template hash is computed without it (as in Argo). Pure.
 */
import type { AntiAffinityView } from '../types.ts';

export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
const HOSTNAME_TOPOLOGY = 'kubernetes.io/hostname';

type Term = Record<string, unknown>;
type PodAntiAffinity = {
  preferredDuringSchedulingIgnoredDuringExecution?: Term[];
  requiredDuringSchedulingIgnoredDuringExecution?: Term[];
} & Record<string, unknown>;
export type Affinity = { podAntiAffinity?: PodAntiAffinity } & Record<string, unknown>;

/** The stable hash the anti-affinity of the version `hash` is against, or undefined for none. */
export function antiAffinityTarget(
  antiAffinity: AntiAffinityView | undefined,
  hash: string,
  stableHash: string | undefined,
): string | undefined {
  return antiAffinity !== undefined && stableHash !== undefined && stableHash !== hash
    ? stableHash
    : undefined;
}

/** The term Argo injects: pods of `stableHash`, on the same node. */
export function antiAffinityTerm(stableHash: string): Term {
  return {
    labelSelector: {
      matchExpressions: [{ key: POD_TEMPLATE_HASH_LABEL, operator: 'In', values: [stableHash] }],
    },
    topologyKey: HOSTNAME_TOPOLOGY,
  };
}

/**
 * The template's `affinity` with the anti-affinity term against `stableHash` appended to the
 * list the strategy names, or the template's own affinity when `stableHash` is undefined.
 */
export function affinityWithAntiAffinity(
  templateAffinity: Affinity | undefined,
  antiAffinity: AntiAffinityView | undefined,
  stableHash: string | undefined,
): Affinity | undefined {
  if (antiAffinity === undefined || stableHash === undefined) return templateAffinity;
  const base: Affinity = { ...templateAffinity };
  const pod: PodAntiAffinity = { ...base.podAntiAffinity };
  const term = antiAffinityTerm(stableHash);
  const preferred = antiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
  if (preferred !== undefined) {
    pod.preferredDuringSchedulingIgnoredDuringExecution = [
      ...(pod.preferredDuringSchedulingIgnoredDuringExecution ?? []),
      { weight: preferred.weight, podAffinityTerm: term },
    ];
  } else {
    pod.requiredDuringSchedulingIgnoredDuringExecution = [
      ...(pod.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      term,
    ];
  }
  return { ...base, podAntiAffinity: pod };
}

/**
 * The JSON merge patch of `spec.template.spec.affinity` that makes a ReplicaSet's affinity the
 * wanted one (lists are replaced whole by a merge patch; a list to drop is null).
 */
export function podAntiAffinityPatch(wanted: Affinity | undefined): {
  podAntiAffinity: Record<string, Term[] | null>;
} {
  const pod = wanted?.podAntiAffinity;
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution:
        pod?.preferredDuringSchedulingIgnoredDuringExecution ?? null,
      requiredDuringSchedulingIgnoredDuringExecution:
        pod?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
    },
  };
}
