import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { memberHold, type MemberGroup, type MemberHold } from '../../../strategies/group/hold.ts';
import { capPartition } from '../../../strategies/group/cluster-cap.ts';
import { isMember } from '../../../strategies/group/members.ts';
import type { Logger } from '../../log.ts';
import { ResilientInformer } from '../../kube/informer.ts';
import { splitKey, type RolloutObject } from '../rollout-object.ts';
import { group, version } from '../../kube/names.ts';
import {
  capAsMemberGroup,
  capHolds,
  clusterGroupPatch,
  clusterRolloutGroupPlural,
  namespacedView,
  type ClusterRolloutGroupObject,
} from './cluster-group.ts';
import { groupKey, groupKeyPrefix, rolloutGroupPlural, type RolloutGroupObject } from './group-object.ts';
import { kubeGroupWriter, type GroupWriter } from './group-writer.ts';
import { reconcileGroup } from './reconcile-group.ts';
import { rolloutView } from './rollout-view.ts';

export interface GroupControllerOptions {
  kc: KubeConfig;
  log: Logger;
  namespace?: string;
  /** The Rollouts cache of the manager (the group reads it, never its own copy); no namespace: all. */
  rollouts: (namespace?: string) => readonly RolloutObject[];
  /** Queue a key (a group's, with groupKeyPrefix) on the manager's work queue. */
  enqueue: (key: string) => void;
  /** Queue a Rollout's reconcile (a group's status changed what it may do). */
  enqueueRollout: (namespace: string, name: string) => void;
  /** Shard filter of the manager: does this instance handle the object with these annotations? */
  mine: (annotations: Record<string, string> | undefined) => boolean;
  writer?: GroupWriter;
  now: () => number;
}

/**
 * RolloutGroups in the manager's process: an informer on them, the group reconciler (keys
 * prefixed `rolloutgroup:` on the shared work queue), and `holdFor`, which the Rollout reconcile
 * asks what its groups allow. Who writes what: the group reconciler writes the group's status
 * (and, for an abort, `status.abort` of members, as `bellwether abort` would); each Rollout's
 * reconcile reads its groups from this cache and writes only its own status.
 */
export class GroupController {
  private readonly groups: ResilientInformer<RolloutGroupObject & KubernetesObject>;
  /** ClusterRolloutGroups (cluster-scoped): decided only when the manager watches every namespace. */
  private readonly clusterGroups: ResilientInformer<ClusterRolloutGroupObject & KubernetesObject>;
  /** Both informers, as the manager starts, stops and waits for them. */
  readonly informer: { readonly synced: boolean; start(): Promise<void>; stop(): Promise<void> };
  private readonly writer: GroupWriter;
  /** resourceVersions this controller moved past with a status write (a cache still there is stale). */
  private readonly superseded = new Map<string, string>();

  constructor(private readonly options: GroupControllerOptions) {
    const { kc, log, namespace } = options;
    const custom = kc.makeApiClient(CustomObjectsApi);
    this.writer = options.writer ?? kubeGroupWriter(kc);
    this.groups = new ResilientInformer<RolloutGroupObject & KubernetesObject>(
      kc,
      {
        name: rolloutGroupPlural,
        path: `/apis/${group}/${version}${namespace ? `/namespaces/${namespace}` : ''}/${rolloutGroupPlural}`,
        list: async () =>
          (namespace
            ? await custom.listNamespacedCustomObject({
                group,
                version,
                namespace,
                plural: rolloutGroupPlural,
              })
            : await custom.listClusterCustomObject({
                group,
                version,
                plural: rolloutGroupPlural,
              })) as KubernetesListObject<RolloutGroupObject & KubernetesObject>,
      },
      (g) => {
        this.groupChanged(g);
      },
      log,
    );
    this.clusterGroups = new ResilientInformer<ClusterRolloutGroupObject & KubernetesObject>(
      kc,
      {
        name: clusterRolloutGroupPlural,
        path: `/apis/${group}/${version}/${clusterRolloutGroupPlural}`,
        list: async () =>
          (await custom.listClusterCustomObject({
            group,
            version,
            plural: clusterRolloutGroupPlural,
          })) as KubernetesListObject<ClusterRolloutGroupObject & KubernetesObject>,
      },
      (g) => {
        this.clusterGroupChanged(g);
      },
      log,
    );
    const informers = [this.groups, this.clusterGroups];
    this.informer = {
      get synced() {
        return informers.every((i) => i.synced);
      },
      start: async () => {
        await Promise.all(informers.map((i) => i.start()));
      },
      stop: async () => {
        await Promise.all(informers.map((i) => i.stop()));
      },
    };
  }

  /**
   * Only a manager that sees every namespace decides a ClusterRolloutGroup (it counts Rollouts of
   * all of them); one limited by --namespace still holds its Rollouts to the cap's decisions.
   */
  private get decidesClusterGroups(): boolean {
    return this.options.namespace === undefined;
  }

  /** A cap changed: decide it again, and let the members it lists see their hold. */
  private clusterGroupChanged(g: ClusterRolloutGroupObject): void {
    if (!this.options.mine(g.metadata.annotations)) return;
    if (this.decidesClusterGroups) this.options.enqueue(groupKey('', g.metadata.name));
    for (const m of g.status?.members ?? []) this.options.enqueueRollout(m.namespace, m.name);
  }

  owns(key: string): boolean {
    return key.startsWith(groupKeyPrefix);
  }

  /** Every cached group of this instance (after a takeover, and on resync). */
  enqueueAll(): void {
    for (const g of this.groups.list()) this.groupChanged(g);
    for (const g of this.clusterGroups.list()) this.clusterGroupChanged(g);
  }

  /** A group changed: reconcile it, and its members (their hold may have changed). */
  private groupChanged(g: RolloutGroupObject): void {
    const { namespace, name } = g.metadata;
    if (!this.options.mine(g.metadata.annotations)) return;
    this.options.enqueue(groupKey(namespace, name));
    const names = new Set((g.status?.members ?? []).map((m) => m.name));
    for (const ro of this.options.rollouts(namespace)) {
      if (names.has(ro.metadata.name) || isMember(g.spec, rolloutView(ro)))
        this.options.enqueueRollout(namespace, ro.metadata.name);
    }
  }

  /** A Rollout changed: the groups that hold it (or list it) decide again. */
  rolloutChanged(ro: RolloutObject): void {
    const view = rolloutView(ro);
    for (const g of this.groups.list(ro.metadata.namespace)) {
      if (!this.options.mine(g.metadata.annotations)) continue;
      if (isMember(g.spec, view) || g.status?.members?.some((m) => m.name === ro.metadata.name))
        this.options.enqueue(groupKey(g.metadata.namespace, g.metadata.name));
    }
    if (!this.decidesClusterGroups) return;
    for (const g of this.clusterGroups.list()) {
      if (this.options.mine(g.metadata.annotations) && capHolds(g, ro))
        this.options.enqueue(groupKey('', g.metadata.name));
    }
  }

  /** What the Rollout's groups allow it now (undefined: it is in no group). */
  holdFor(ro: RolloutObject): MemberHold | undefined {
    const view = rolloutView(ro);
    const groups: MemberGroup[] = this.groups
      .list(ro.metadata.namespace)
      .filter((g) => !g.metadata.deletionTimestamp && isMember(g.spec, view))
      .map((g) => ({
        name: g.metadata.name,
        generation: g.metadata.generation ?? 0,
        lockstep: g.spec.lockstep === true,
        status: g.status ?? {},
      }));
    const caps = this.clusterGroups
      .list()
      .filter((g) => !g.metadata.deletionTimestamp && capPartition(g.spec, namespacedView(ro)) !== undefined)
      .map((g) => capAsMemberGroup(g, ro));
    return memberHold(ro.metadata.name, [...groups, ...caps]);
  }

  /**
   * Reconciles one group key (a ClusterRolloutGroup's has no namespace); a cache still at a version
   * this controller wrote past waits for the watch.
   */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key.slice(groupKeyPrefix.length));
    const cached = namespace ? this.groups.get(name, namespace) : this.clusterGroups.get(name);
    if (cached && this.superseded.get(key) === cached.metadata.resourceVersion)
      return { requeueAfterMs: 200 };
    const wrote = namespace ? await this.reconcileGroup(namespace, name) : await this.reconcileCap(name);
    if (wrote && cached?.metadata.resourceVersion) this.superseded.set(key, cached.metadata.resourceVersion);
    return {};
  }

  private async reconcileCap(name: string): Promise<boolean> {
    const g = this.clusterGroups.get(name);
    if (!g || g.metadata.deletionTimestamp || !this.decidesClusterGroups) return false;
    const patch = clusterGroupPatch(g, this.options.rollouts(), this.options.now());
    if (!patch) return false;
    await this.writer.patchClusterGroupStatus(name, g.metadata.resourceVersion ?? '', patch);
    return true;
  }

  private reconcileGroup(namespace: string, name: string): Promise<boolean> {
    return reconcileGroup(namespace, name, {
      group: (ns, n) => this.groups.get(n, ns),
      rollouts: this.options.rollouts,
      writer: this.writer,
      now: this.options.now,
      log: this.options.log,
    });
  }
}
