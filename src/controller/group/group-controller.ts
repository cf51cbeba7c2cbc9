import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { memberHold, type MemberGroup, type MemberHold } from '../../../strategies/group/hold.ts';
import { isMember } from '../../../strategies/group/members.ts';
import type { Logger } from '../../log.ts';
import { ResilientInformer } from '../informer.ts';
import { group, splitKey, version, type RolloutObject } from '../rollout-object.ts';
import { groupKey, groupKeyPrefix, rolloutGroupPlural, type RolloutGroupObject } from './group-object.ts';
import { kubeGroupWriter, type GroupWriter } from './group-writer.ts';
import { reconcileGroup } from './reconcile-group.ts';
import { rolloutView } from './rollout-view.ts';

export interface GroupControllerOptions {
  kc: KubeConfig;
  log: Logger;
  namespace?: string;
  /** The Rollouts cache of the manager (the group reads it, never its own copy). */
  rollouts: (namespace: string) => readonly RolloutObject[];
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
  readonly informer: ResilientInformer<RolloutGroupObject & KubernetesObject>;
  private readonly writer: GroupWriter;
  /** resourceVersions this controller moved past with a status write (a cache still there is stale). */
  private readonly superseded = new Map<string, string>();

  constructor(private readonly options: GroupControllerOptions) {
    const { kc, log, namespace } = options;
    const custom = kc.makeApiClient(CustomObjectsApi);
    this.writer = options.writer ?? kubeGroupWriter(kc);
    this.informer = new ResilientInformer<RolloutGroupObject & KubernetesObject>(
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
  }

  owns(key: string): boolean {
    return key.startsWith(groupKeyPrefix);
  }

  /** Every cached group of this instance (after a takeover, and on resync). */
  enqueueAll(): void {
    for (const g of this.informer.list()) this.groupChanged(g);
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
    for (const g of this.informer.list(ro.metadata.namespace)) {
      if (!this.options.mine(g.metadata.annotations)) continue;
      if (isMember(g.spec, view) || g.status?.members?.some((m) => m.name === ro.metadata.name))
        this.options.enqueue(groupKey(g.metadata.namespace, g.metadata.name));
    }
  }

  /** What the Rollout's groups allow it now (undefined: it is in no group). */
  holdFor(ro: RolloutObject): MemberHold | undefined {
    const view = rolloutView(ro);
    const groups: MemberGroup[] = this.informer
      .list(ro.metadata.namespace)
      .filter((g) => !g.metadata.deletionTimestamp && isMember(g.spec, view))
      .map((g) => ({
        name: g.metadata.name,
        generation: g.metadata.generation ?? 0,
        lockstep: g.spec.lockstep === true,
        status: g.status ?? {},
      }));
    return memberHold(ro.metadata.name, groups);
  }

  /** Reconciles one group key; a cache still at a version this controller wrote past waits for the watch. */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key.slice(groupKeyPrefix.length));
    const cached = this.informer.get(name, namespace);
    if (cached && this.superseded.get(key) === cached.metadata.resourceVersion)
      return { requeueAfterMs: 200 };
    const wrote = await reconcileGroup(namespace, name, {
      group: (ns, n) => this.informer.get(n, ns),
      rollouts: this.options.rollouts,
      writer: this.writer,
      now: this.options.now,
      log: this.options.log,
    });
    if (wrote && cached?.metadata.resourceVersion) this.superseded.set(key, cached.metadata.resourceVersion);
    return {};
  }
}
