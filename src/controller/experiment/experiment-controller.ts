import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../../log.ts';
import { controllerUid, slimObject } from '../cached-objects.ts';
import type { ClusterWriter } from '../cluster-writer.ts';
import { EventOutbox } from '../event-outbox.ts';
import { ResilientInformer } from '../../kube/informer.ts';
import { splitKey } from '../rollout-object.ts';
import { group, version } from '../../kube/names.ts';
import type { ExperimentObject } from './experiment-objects.ts';
import { experimentPlural, kubeExperimentWriter, type ExperimentWriter } from './experiment-writer.ts';
import { reconcileExperiment, type ExperimentCaches } from './reconcile-experiment.ts';

/** Queue keys of Experiments carry this prefix. */
const experimentKeyPrefix = 'experiment:';
const experimentKey = (namespace: string, name: string) => `${experimentKeyPrefix}${namespace}/${name}`;

/** What an owned ReplicaSet or AnalysisRun must show: its namespace and controller. */
interface OwnedObject {
  metadata?: {
    namespace?: string;
    ownerReferences?: { controller?: boolean | null; kind: string; name: string }[] | null;
  } | null;
}

export interface ExperimentControllerOptions {
  kc: KubeConfig;
  log: Logger;
  namespace?: string;
  /** Queue a key (an Experiment's, with the experiment prefix) on the manager's work queue. */
  enqueue: (key: string) => void;
  /** Queue a Rollout's reconcile (its step's Experiment changed). */
  enqueueRollout: (namespace: string, name: string) => void;
  /** Shard filter of the manager: does this instance handle the Rollout (or, with no owner, the annotations)? */
  mine: (
    namespace: string,
    owner: string | undefined,
    annotations: Record<string, string> | undefined,
  ) => boolean;
  /** The manager's caches of ReplicaSets, Services, AnalysisRuns and templates. */
  caches: Omit<ExperimentCaches, 'experiment'>;
  writer: ClusterWriter;
  now: () => number;
}

/**
 * Experiments in the manager's process: an informer on them (indexed by owner UID, so a Rollout
 * finds its steps' Experiments without a scan), the Experiment reconciler (keys prefixed
 * `experiment:` on the shared work queue) with its own outbox of Events, and the writer the
 * Rollout reconcile creates and terminates step Experiments with.
 */
export class ExperimentController {
  readonly informer: ResilientInformer<ExperimentObject & KubernetesObject>;
  readonly writer: ExperimentWriter;
  private readonly outbox = new EventOutbox();
  /** resourceVersions this controller moved past with a status write (a cache still there is stale). */
  private readonly superseded = new Map<string, string>();

  constructor(private readonly options: ExperimentControllerOptions) {
    const { kc, log, namespace } = options;
    const custom = kc.makeApiClient(CustomObjectsApi);
    this.writer = kubeExperimentWriter(kc);
    const params = { group, version, plural: experimentPlural };
    this.informer = new ResilientInformer<ExperimentObject & KubernetesObject>(
      kc,
      {
        name: experimentPlural,
        path: `/apis/${group}/${version}${namespace ? `/namespaces/${namespace}` : ''}/${experimentPlural}`,
        list: async (page) => {
          const paged = {
            ...params,
            limit: page.limit,
            ...(page.continueToken ? { _continue: page.continueToken } : {}),
          };
          return (
            namespace
              ? await custom.listNamespacedCustomObject({ ...paged, namespace })
              : await custom.listClusterCustomObject(paged)
          ) as KubernetesListObject<ExperimentObject & KubernetesObject>;
        },
        transform: slimObject,
        indexBy: controllerUid,
      },
      (exp) => {
        this.experimentChanged(exp);
      },
      log,
    );
  }

  owns(key: string): boolean {
    return key.startsWith(experimentKeyPrefix);
  }

  /** The Experiments in the namespace controlled by the object with this UID (a Rollout). */
  ownedBy(namespace: string, ownerUid: string): readonly ExperimentObject[] {
    return this.informer.byIndex(ownerUid).filter((exp) => exp.metadata.namespace === namespace);
  }

  /** Every cached Experiment of this instance (after a takeover, and on resync). */
  enqueueAll(): void {
    for (const exp of this.informer.list()) this.experimentChanged(exp);
  }

  /** A ReplicaSet or AnalysisRun changed: the Experiment that controls it, if one does, decides again. */
  ownedObjectChanged(obj: OwnedObject): void {
    const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === 'Experiment');
    const namespace = obj.metadata?.namespace;
    if (!ref || !namespace) return;
    const experiment = this.informer.get(ref.name, namespace);
    if (!experiment || this.isMine(experiment)) this.options.enqueue(experimentKey(namespace, ref.name));
  }

  private experimentChanged(exp: ExperimentObject): void {
    const { namespace, name } = exp.metadata;
    if (!this.isMine(exp)) return;
    this.options.enqueue(experimentKey(namespace, name));
    const owner = rolloutOwner(exp);
    if (owner) this.options.enqueueRollout(namespace, owner);
  }

  private isMine(exp: ExperimentObject): boolean {
    return this.options.mine(exp.metadata.namespace, rolloutOwner(exp), exp.metadata.annotations);
  }

  /** Reconciles one Experiment key; a cache still at a version this controller wrote past waits for the watch. */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key.slice(experimentKeyPrefix.length));
    const cached = this.informer.get(name, namespace);
    if (!cached) {
      this.superseded.delete(key);
      return {};
    }
    if (this.superseded.get(key) === cached.metadata.resourceVersion) return { requeueAfterMs: 200 };
    const result = await reconcileExperiment(namespace, name, {
      caches: { ...this.options.caches, experiment: (ns, n) => this.informer.get(n, ns) },
      writer: this.options.writer,
      experiments: this.writer,
      now: this.options.now,
      log: this.options.log.with({ experiment: name, namespace }),
      outbox: this.outbox,
    });
    if (result.wrote === true && cached.metadata.resourceVersion)
      this.superseded.set(key, cached.metadata.resourceVersion);
    return result.requeueAfterMs === undefined ? {} : { requeueAfterMs: result.requeueAfterMs };
  }
}

function rolloutOwner(exp: ExperimentObject): string | undefined {
  return exp.metadata.ownerReferences?.find((ref) => ref.controller === true && ref.kind === 'Rollout')?.name;
}
