import type { V1LabelSelector, V1ObjectMeta, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { RolloutSpecView, RolloutStatusView } from '../../strategies/types.ts';
import type { OutboxEntry } from '../api/rollout.ts';

/** The shape of a Rollout as the shell handles it (validated by src/api before use). */
export interface RolloutObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec: RolloutSpecView & {
    /** Absent only with workloadRef (then the Deployment's: workload-ref.ts). */
    selector?: V1LabelSelector;
    template?: V1PodTemplateSpec;
    workloadRef?: {
      apiVersion?: string;
      kind: string;
      name: string;
      scaleDown?: 'never' | 'onsuccess' | 'progressively';
    };
    restartAt?: string;
  };
  status?: RolloutStatusView & {
    selector?: string;
    source?: { repository?: string; path?: string; revision?: string };
    restartedAt?: string;
    blueGreen?: { activeSelector?: string; previewSelector?: string };
    /** Events and notifications of accepted status writes not yet delivered (event-outbox.ts). */
    outbox?: OutboxEntry[];
  };
}

export function rolloutKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The owner reference every object the controller creates for a Rollout carries (ReplicaSets,
 * AnalysisRuns): the garbage collector deletes them with the Rollout, and the controller finds
 * its own objects by the owner's uid.
 */
export function rolloutOwnerReference(rollout: RolloutObject) {
  return {
    apiVersion: 'bellwether.dev/v1alpha1' as const,
    kind: 'Rollout' as const,
    name: rollout.metadata.name,
    uid: rollout.metadata.uid,
    controller: true as const,
    blockOwnerDeletion: true as const,
  };
}
