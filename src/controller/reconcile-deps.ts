import type {
  V1Deployment,
  V1Pod,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Service,
} from '@kubernetes/client-node';
import type { MemberHold } from '../../strategies/group/hold.ts';
import type { AnalysisRun, AnalysisTemplateSpec } from '../api/analysis.ts';
import type { OutboxEntry } from '../api/rollout.ts';
import type { Logger } from '../log.ts';
import type { ObjectRef, RoutingObject } from '../traffic/types.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import type { EventOutbox } from './event-outbox.ts';
import type { ReplicaSetWrites } from './replica-set-writes.ts';
import type { ExperimentObject } from './experiment/experiment-objects.ts';
import type { ExperimentWriter } from './experiment/experiment-writer.ts';
import type { NotifySink } from './notify-sink.ts';
import type { RolloutObject } from './rollout-object.ts';

/*
 * What one Rollout reconcile reads and writes through. Declared apart from reconcile-rollout.ts
 * so the helpers it calls (traffic-routing.ts, restore-routing.ts) can name these types without
 * importing the reconciler that imports them.
 */

/** Read access to the informer caches the reconciler observes the cluster through. */
export interface Caches {
  rollout(namespace: string, name: string): RolloutObject | undefined;
  /** The ReplicaSets in the namespace whose controller owner has this UID (an index: no scan). */
  replicaSets(namespace: string, ownerUid: string): readonly V1ReplicaSet[];
  service(namespace: string, name: string): V1Service | undefined;
  /** Every cached Service of the namespace (restoring a deleted Rollout finds its own by annotation). */
  services(namespace: string): readonly V1Service[];
  /** A direct read, made only while a restart (spec.restartAt) is in progress or a role's ephemeral metadata changes. */
  pods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /** The AnalysisRuns in the namespace whose controller owner has this UID. */
  analysisRuns(namespace: string, ownerUid: string): readonly AnalysisRun[];
  /** An AnalysisTemplate's spec in the namespace, or a ClusterAnalysisTemplate's (clusterScope). */
  analysisTemplate(namespace: string, name: string, clusterScope: boolean): AnalysisTemplateSpec | undefined;
  /** A direct read of a routing object (HTTPRoute, VirtualService, Ingress…); undefined when missing. */
  routingObject(ref: ObjectRef): Promise<RoutingObject | undefined>;
  /** The Experiments in the namespace whose controller owner has this UID (canary experiment steps). */
  experiments?(namespace: string, ownerUid: string): readonly ExperimentObject[];
  /** The cached Deployment a workloadRef names (only labelled, referenced ones are cached: workload-ref.ts). */
  deployment?(namespace: string, name: string): V1Deployment | undefined;
  /** A direct read of a referenced Deployment not cached yet. */
  readDeployment?(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** A direct read of a ReplicaSet's pod template (the cache keeps none), when an Experiment needs it. */
  replicaSetTemplate?(namespace: string, name: string): Promise<V1PodTemplateSpec | undefined>;
}

export interface ReconcileDeps {
  caches: Caches;
  writer: ClusterWriter;
  now: () => number;
  log: Logger;
  /**
   * resourceVersions this controller has already moved past with a status write, by key. A
   * cached Rollout still at one of them is stale (the watch has not delivered our own write yet);
   * acting on it would redo the previous step, so the reconcile waits for the watch instead.
   */
  supersededVersions?: Map<string, string>;
  /** The same for the Rollout's ReplicaSets (replica-set-writes.ts). */
  replicaSetWrites?: ReplicaSetWrites;
  /**
   * Per key, since when a progress-only status change (replica counts) waits to be written
   * (progress-writes.ts). Without it every change is written at once.
   */
  progressPending?: Map<string, number>;
  /** Webhook notifications for the events of each accepted status write (src/notify). */
  notifier?: NotifySink;
  /** Delivers status.outbox (Events, notifications); one per process. A fresh one when undefined. */
  outbox?: EventOutbox;
  /**
   * Called right after a status write that added outbox entries was accepted, before they are
   * delivered. Only fault-injection tests set it (to kill the process exactly there).
   */
  afterStatusWrite?: (entries: readonly OutboxEntry[]) => void;
  /** Creates and terminates the Experiments of canary experiment steps. */
  experiments?: ExperimentWriter;
  /** What the RolloutGroups the Rollout belongs to allow it now (src/controller/group); none = free. */
  hold?: (rollout: RolloutObject) => MemberHold | undefined;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}
