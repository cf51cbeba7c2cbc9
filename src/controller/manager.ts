import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Deployment,
  type V1ReplicaSet,
  type V1Service,
} from '@kubernetes/client-node';
import { describeError, statusCode, type Logger } from '../log.ts';
import { countingWriter, kubeClusterWriter, type ClusterWriter } from './cluster-writer.ts';
import { controllerUid, slimDeployment, slimObject, slimReplicaSet, slimService } from './cached-objects.ts';
import { workloadRefLabel } from './workload-ref.ts';
import { ResilientInformer } from './informer.ts';
import { podTemplateHashLabel } from './pod-template-hash.ts';
import { reconcileRollout, type Caches } from './reconcile-rollout.ts';
import { group, rolloutKey, rolloutPlural, splitKey, version, type RolloutObject } from './rollout-object.ts';
import { WorkQueue } from './work-queue.ts';
import type { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate } from '../api/analysis.ts';
import { reconcileAnalysisRun, type AnalysisRunDeps } from './analysis/reconcile-analysis-run.ts';
import { kubeJobApi } from './analysis/kube-job-api.ts';
import { jobRunner } from '../../analysis/providers/job.ts';
import { comparisonProvider } from '../../analysis/providers/comparison.ts';
import { judgeProvider } from '../../analysis/providers/judge.ts';
import { prometheusProvider } from '../../analysis/providers/prometheus.ts';
import { webProvider } from '../../analysis/providers/web.ts';
import { serviceRefs } from './service-roles.ts';
import { rolloutsNamedBy } from './restore-routing.ts';
import { EventOutbox } from './event-outbox.ts';
import { rolloutEvent } from './rollout-events.ts';
import type { OutboxEntry } from '../api/rollout.ts';
import { kubeRoutingObjects } from '../traffic/kube-routing-client.ts';
import type { NotifySink } from '../notify/notifier.ts';
import { commitOf } from './provenance.ts';
import type { ReplicaSetWrites } from './replica-set-writes.ts';
import { ExperimentController } from './experiment/experiment-controller.ts';
import { GroupController } from './group/group-controller.ts';

/** Queue keys of AnalysisRuns carry this prefix; Rollout keys are plain namespace/name. */
const analysisRunKeyPrefix = 'analysisrun:';
const analysisRunKey = (namespace: string, name: string) => `${analysisRunKeyPrefix}${namespace}/${name}`;

export interface ManagerOptions {
  kc: KubeConfig;
  log: Logger;
  /** Watch one namespace only; all namespaces when undefined. */
  namespace?: string;
  /** Reconciles running at once (default defaultWorkers). */
  workers?: number;
  resyncMs?: number;
  writer?: ClusterWriter;
  now?: () => number;
  /**
   * Called after every reconcile (for metrics): kind, duration, the error if it failed, queue
   * wait, and when it wrote anything, the time from the key being queued (a watch event, a due
   * timer) to its first write.
   */
  onReconcile?: (r: {
    kind: 'rollout' | 'analysisrun';
    seconds: number;
    error?: unknown;
    queueWaitMs: number;
    eventToWriteMs?: number;
  }) => void;
  /**
   * Shard: handle only Rollouts annotated `bellwether.dev/instance-id: <instanceId>` (and their
   * AnalysisRuns). Without it, only Rollouts without that annotation.
   */
  instanceId?: string;
  /** Webhook notifications after each accepted status write (src/notify); none when undefined. */
  notifier?: NotifySink;
  /** Fault-injection tests only: called right after a status write that added outbox entries. */
  afterStatusWrite?: (entries: readonly OutboxEntry[]) => void;
}

export const instanceIdAnnotation = 'bellwether.dev/instance-id';

/** An informer's list page as the generated clients' parameters. */
function pageParams(page: { limit: number; continueToken?: string }) {
  return { limit: page.limit, ...(page.continueToken ? { _continue: page.continueToken } : {}) };
}

/**
 * Workers by default. A reconcile mostly waits on the API server, one request after another
 * (status, then its Events), so the write rate is at most workers / request latency: on a loaded
 * API server (a second per request) 16 workers sent 17 writes a second, 64 sent 43
 * (docs/performance.md). --qps still bounds the rate; an idle worker costs nothing.
 */
export const defaultWorkers = 64;

/**
 * The controller process: informers on Rollouts, their ReplicaSets and Services feed one work
 * queue keyed by namespace/name; workers reconcile keys one at a time per key; a periodic resync
 * re-enqueues every Rollout so nothing waits on a missed event.
 */
export class Manager {
  readonly queue = new WorkQueue();
  private readonly rollouts: ResilientInformer<RolloutObject & KubernetesObject>;
  private readonly replicaSets: ResilientInformer<V1ReplicaSet>;
  private readonly services: ResilientInformer<V1Service>;
  /** Only the Deployments a Rollout's workloadRef names (labelled by the controller: workload-ref.ts). */
  private readonly deployments: ResilientInformer<V1Deployment>;
  private readonly analysisRuns: ResilientInformer<AnalysisRun & KubernetesObject>;
  private readonly analysisTemplates: ResilientInformer<AnalysisTemplate & KubernetesObject>;
  private readonly clusterAnalysisTemplates: ResilientInformer<ClusterAnalysisTemplate & KubernetesObject>;
  /** RolloutGroups: their informer, reconciler and the hold they put on member Rollouts. */
  private readonly groups: GroupController;
  private readonly analysisDeps: AnalysisRunDeps;
  /** Experiments: their informer, reconciler and writer (canary experiment steps create them). */
  private readonly experiments: ExperimentController;
  private readonly writer: ClusterWriter;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  /** Routing objects (HTTPRoute, VirtualService, Ingress…) are read directly, when a router needs them. */
  private readonly routingObjects: ReturnType<typeof kubeRoutingObjects>;
  private readonly now: () => number;
  private readonly workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly supersededVersions = new Map<string, string>();
  private readonly replicaSetWrites: ReplicaSetWrites = new Map();
  private readonly progressPending = new Map<string, number>();
  /** Delivers status.outbox; a settled notification brings its Rollout back to clear the entry. */
  private readonly eventOutbox = new EventOutbox((key) => {
    this.queue.add(key);
  });
  private stopping = false;
  reconciles = 0;
  reconcileErrors = 0;

  constructor(private readonly options: ManagerOptions) {
    const { kc, log, namespace } = options;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    this.core = core;
    this.apps = apps;
    this.routingObjects = kubeRoutingObjects(kc);
    const scope = namespace ? `/namespaces/${namespace}` : '';
    this.writer = options.writer ?? kubeClusterWriter(kc);
    this.now = options.now ?? (() => Date.now());

    // Custom resources of bellwether.dev; cluster-scoped kinds ignore --namespace.
    const customInformer = <T extends KubernetesObject>(
      plural: string,
      onChange: (obj: T) => void,
      { clusterScoped = false, indexByOwner = false } = {},
    ) => {
      const ns = clusterScoped ? undefined : namespace;
      return new ResilientInformer<T>(
        kc,
        {
          name: plural,
          path: `/apis/${group}/${version}${ns ? `/namespaces/${ns}` : ''}/${plural}`,
          list: async (page) => {
            const params = { group, version, plural, ...pageParams(page) };
            return (
              ns
                ? await custom.listNamespacedCustomObject({ ...params, namespace: ns })
                : await custom.listClusterCustomObject(params)
            ) as KubernetesListObject<T>;
          },
          transform: slimObject,
          ...(indexByOwner ? { indexBy: controllerUid } : {}),
        },
        onChange,
        log,
      );
    };
    this.rollouts = customInformer<RolloutObject & KubernetesObject>(rolloutPlural, (ro) => {
      this.enqueue(ro.metadata.namespace, ro.metadata.name);
      this.groups.rolloutChanged(ro);
    });
    this.groups = new GroupController({
      kc,
      log,
      ...(namespace ? { namespace } : {}),
      rollouts: (ns) => this.rollouts.list(ns),
      enqueue: (key) => {
        this.queue.add(key);
      },
      enqueueRollout: (ns, name) => {
        this.enqueue(ns, name);
      },
      mine: (objectAnnotations) => objectAnnotations?.[instanceIdAnnotation] === this.options.instanceId,
      now: this.now,
    });
    this.experiments = this.experimentController();
    this.analysisRuns = customInformer<AnalysisRun & KubernetesObject>(
      'analysisruns',
      (run) => {
        this.analysisRunChanged(run);
      },
      { indexByOwner: true },
    );
    // A template change matters to Rollouts that were waiting for it (InvalidSpec: not found).
    const templateChanged = (t: KubernetesObject) => {
      for (const ro of this.rollouts.list(t.metadata?.namespace))
        this.enqueue(ro.metadata.namespace, ro.metadata.name);
    };
    this.analysisTemplates = customInformer<AnalysisTemplate & KubernetesObject>(
      'analysistemplates',
      templateChanged,
    );
    this.clusterAnalysisTemplates = customInformer<ClusterAnalysisTemplate & KubernetesObject>(
      'clusteranalysistemplates',
      templateChanged,
      { clusterScoped: true },
    );
    this.analysisDeps = analysisRunDependencies(kc, core, this.writer, this.now, log, (ns, name) =>
      this.analysisRuns.get(name, ns),
    );
    this.replicaSets = new ResilientInformer<V1ReplicaSet>(
      kc,
      {
        name: 'replicasets',
        path: `/apis/apps/v1${scope}/replicasets`,
        labelSelector: podTemplateHashLabel,
        list: (page) => {
          const params = { labelSelector: podTemplateHashLabel, ...pageParams(page) };
          return namespace
            ? apps.listNamespacedReplicaSet({ ...params, namespace })
            : apps.listReplicaSetForAllNamespaces(params);
        },
        transform: slimReplicaSet,
        indexBy: controllerUid,
      },
      (rs) => {
        const owner = rs.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === 'Rollout');
        if (owner && rs.metadata?.namespace) this.enqueue(rs.metadata.namespace, owner.name);
        this.experiments.ownedObjectChanged(rs);
      },
      log,
    );
    this.services = new ResilientInformer<V1Service>(
      kc,
      {
        name: 'services',
        path: `/api/v1${scope}/services`,
        list: (page) =>
          namespace
            ? core.listNamespacedService({ ...pageParams(page), namespace })
            : core.listServiceForAllNamespaces(pageParams(page)),
        transform: slimService,
      },
      (svc) => {
        this.enqueueReferencing(svc);
      },
      log,
    );
    this.deployments = this.deploymentInformer();
  }

  /** Deployments labelled as a workloadRef's: a change (a new template) reconciles the Rollouts naming it. */
  private deploymentInformer(): ResilientInformer<V1Deployment> {
    const { kc, log, namespace } = this.options;
    const params = (page: { limit: number; continueToken?: string }) => ({
      labelSelector: workloadRefLabel,
      ...pageParams(page),
    });
    return new ResilientInformer<V1Deployment>(
      kc,
      {
        name: 'deployments',
        path: `/apis/apps/v1${namespace ? `/namespaces/${namespace}` : ''}/deployments`,
        labelSelector: workloadRefLabel,
        list: (page) =>
          namespace
            ? this.apps.listNamespacedDeployment({ ...params(page), namespace })
            : this.apps.listDeploymentForAllNamespaces(params(page)),
        transform: slimDeployment,
      },
      (deployment) => {
        const ns = deployment.metadata?.namespace;
        for (const ro of this.rollouts.list(ns))
          if (ro.spec.workloadRef?.name === deployment.metadata?.name) this.enqueue(ns, ro.metadata.name);
      },
      log,
    );
  }

  /** An AnalysisRun changed: reconcile it (when this instance handles it) and its owner. */
  private analysisRunChanged(run: AnalysisRun): void {
    const { namespace: ns, name } = run.metadata;
    const owner = run.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'Rollout');
    if (ns && name && (!owner || this.mine(ns, owner.name))) this.queue.add(analysisRunKey(ns, name));
    if (owner) this.enqueue(ns, owner.name);
    this.experiments.ownedObjectChanged(run);
  }

  /** Experiments reuse the manager's caches and queue; those it owns are keyed `experiment:`. */
  private experimentController(): ExperimentController {
    return new ExperimentController({
      kc: this.options.kc,
      log: this.options.log,
      ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
      enqueue: (key) => {
        this.queue.add(key);
      },
      enqueueRollout: (ns, name) => {
        this.enqueue(ns, name);
      },
      mine: (ns, owner, objectAnnotations) =>
        owner === undefined
          ? objectAnnotations?.[instanceIdAnnotation] === this.options.instanceId
          : this.mine(ns, owner),
      caches: {
        replicaSets: (ns, ownerUid) => this.caches.replicaSets(ns, ownerUid),
        service: (ns, name) => this.services.get(name, ns),
        analysisRuns: (ns, ownerUid) => this.caches.analysisRuns(ns, ownerUid),
        analysisTemplate: (ns, name, clusterScope) => this.caches.analysisTemplate(ns, name, clusterScope),
      },
      writer: this.writer,
      now: this.now,
    });
  }

  private enqueue(namespace: string | undefined, name: string | undefined): void {
    if (namespace && name && this.mine(namespace, name)) this.queue.add(rolloutKey(namespace, name));
  }

  /** False for a cached Rollout of another instance (a deleted one passes: cleanup is idempotent). */
  private mine(namespace: string, name: string): boolean {
    const ro = this.rollouts.get(name, namespace);
    return !ro || ro.metadata.annotations?.[instanceIdAnnotation] === this.options.instanceId;
  }

  /** The cached Rollouts and AnalysisRuns this instance handles (metrics read them at scrape time). */
  listRollouts(): readonly RolloutObject[] {
    return this.rollouts.list().filter((ro) => this.mine(ro.metadata.namespace, ro.metadata.name));
  }

  listAnalysisRuns(): readonly AnalysisRun[] {
    return this.analysisRuns.list().filter((run) => {
      const owner = run.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'Rollout');
      return !owner || !run.metadata.namespace || this.mine(run.metadata.namespace, owner.name);
    });
  }

  /** A Service appeared or changed: reconcile the Rollouts that name it. */
  private enqueueReferencing(svc: V1Service): void {
    const namespace = svc.metadata?.namespace;
    const name = svc.metadata?.name;
    if (!namespace || !name) return;
    for (const ro of this.rollouts.list(namespace)) {
      if (serviceRefs(ro.spec, ro.status).some((ref) => ref.name === name))
        this.enqueue(namespace, ro.metadata.name);
    }
    this.enqueueDeletedOwners(svc);
  }

  /** A Service whose annotations name a Rollout that is gone: that key restores it (restore-routing.ts). */
  private enqueueDeletedOwners(svc: V1Service): void {
    const namespace = svc.metadata?.namespace;
    if (!namespace) return;
    for (const rollout of rolloutsNamedBy(svc))
      if (!this.rollouts.get(rollout, namespace)) this.enqueue(namespace, rollout);
  }

  get caches(): Caches {
    return {
      rollout: (namespace, name) => this.rollouts.get(name, namespace),
      replicaSets: (namespace, ownerUid) =>
        this.replicaSets.byIndex(ownerUid).filter((rs) => rs.metadata?.namespace === namespace),
      service: (namespace, name) => this.services.get(name, namespace),
      services: (namespace) => this.services.list(namespace),
      pods: async (namespace, labelSelector) =>
        (await this.core.listNamespacedPod({ namespace, labelSelector })).items,
      analysisRuns: (namespace, ownerUid) =>
        this.analysisRuns.byIndex(ownerUid).filter((run) => run.metadata.namespace === namespace),
      analysisTemplate: (namespace, name, clusterScope) =>
        clusterScope
          ? this.clusterAnalysisTemplates.get(name)?.spec
          : this.analysisTemplates.get(name, namespace)?.spec,
      routingObject: (ref) => this.routingObjects.read(ref),
      experiments: (namespace, ownerUid) => this.experiments.ownedBy(namespace, ownerUid),
      deployment: (namespace, name) => this.deployments.get(name, namespace),
      readDeployment: async (namespace, name) => {
        try {
          return await this.apps.readNamespacedDeployment({ namespace, name });
        } catch (err) {
          if (statusCode(err) === 404) return undefined;
          throw err;
        }
      },
      replicaSetTemplate: async (namespace, name) =>
        (await this.apps.readNamespacedReplicaSet({ namespace, name })).spec?.template,
    };
  }

  private get informers(): { synced: boolean; start(): Promise<void>; stop(): Promise<void> }[] {
    return [
      this.rollouts,
      this.replicaSets,
      this.services,
      this.deployments,
      this.analysisRuns,
      this.analysisTemplates,
      this.clusterAnalysisTemplates,
      this.experiments.informer,
      this.groups.informer,
    ];
  }

  get synced(): boolean {
    return this.informers.every((informer) => informer.synced);
  }

  /** Informers and workers: what a controller without leader election runs. */
  async start(): Promise<void> {
    await this.startInformers();
    this.startWorkers();
  }

  /** Fills the caches and keeps them watched; a standby runs only this, so takeover is fast. */
  async startInformers(): Promise<void> {
    // ReplicaSets and Services first: a Rollout reconciled before its ReplicaSets are cached
    // would look brand new and get a duplicate ReplicaSet.
    await Promise.all(this.informers.filter((i) => i !== this.rollouts).map((i) => i.start()));
    await this.rollouts.start();
    this.options.log.info('caches synced', { namespace: this.options.namespace ?? '(all)' });
  }

  get workersRunning(): boolean {
    return this.workers.length > 0 && !this.stopping;
  }

  /** Starts the workers and the periodic resync: only the leader calls this. */
  startWorkers(): void {
    if (this.workers.length > 0 || this.stopping) return;
    // Everything cached may need work; events seen while standing by only reached the queue too.
    for (const ro of this.rollouts.list()) this.enqueue(ro.metadata.namespace, ro.metadata.name);
    for (const svc of this.services.list()) this.enqueueDeletedOwners(svc);
    for (const run of this.analysisRuns.list()) {
      const { namespace: ns, name } = run.metadata;
      const owner = run.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === 'Rollout');
      if (ns && name && (!owner || this.mine(ns, owner.name))) this.queue.add(analysisRunKey(ns, name));
    }
    this.experiments.enqueueAll();
    this.groups.enqueueAll();
    const workers = this.options.workers ?? defaultWorkers;
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
    const resyncMs = this.options.resyncMs ?? 300_000;
    this.resyncTimer = setInterval(() => {
      for (const ro of this.rollouts.list()) this.enqueue(ro.metadata.namespace, ro.metadata.name);
      for (const svc of this.services.list()) this.enqueueDeletedOwners(svc);
      this.groups.enqueueAll();
    }, resyncMs);
    this.resyncTimer.unref();
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (this.groups.owns(key)) {
        await this.reconcileOther(key, 'rolloutGroup', (k) => this.groups.reconcile(k));
        continue;
      }
      if (this.experiments.owns(key)) {
        await this.reconcileOther(key, 'experiment', (k) => this.experiments.reconcile(k));
        continue;
      }
      const isRun = key.startsWith(analysisRunKeyPrefix);
      const { namespace, name } = splitKey(isRun ? key.slice(analysisRunKeyPrefix.length) : key);
      const queueWaitMs = this.queue.lastWaitMs;
      const started = performance.now();
      let firstWriteAt: number | undefined;
      const writer = countingWriter(this.writer, () => {
        firstWriteAt ??= performance.now();
      });
      const observe = (error?: unknown) =>
        this.options.onReconcile?.({
          kind: isRun ? 'analysisrun' : 'rollout',
          seconds: (performance.now() - started) / 1000,
          queueWaitMs,
          ...(firstWriteAt === undefined ? {} : { eventToWriteMs: queueWaitMs + firstWriteAt - started }),
          ...(error === undefined ? {} : { error }),
        });
      try {
        const result = isRun
          ? await reconcileAnalysisRun(namespace, name, this.analysisDeps)
          : await reconcileRollout(namespace, name, {
              caches: this.caches,
              writer,
              now: this.now,
              log: this.options.log,
              supersededVersions: this.supersededVersions,
              replicaSetWrites: this.replicaSetWrites,
              hold: (ro) => this.groups.holdFor(ro),
              experiments: this.experiments.writer,
              progressPending: this.progressPending,
              ...(this.options.notifier ? { notifier: this.options.notifier } : {}),
              outbox: this.eventOutbox,
              ...(this.options.afterStatusWrite ? { afterStatusWrite: this.options.afterStatusWrite } : {}),
            });
        this.reconciles++;
        observe();
        this.queue.forget(key);
        if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.reconcileErrors++;
        observe(err);
        const delay = this.queue.addRateLimited(key);
        // A conflict only means someone (an operator, or our own previous write) changed the
        // Rollout since it was cached: the watch brings the new version, no need to shout.
        const level = statusCode(err) === 409 ? 'debug' : 'warn';
        const ro = isRun ? undefined : this.rollouts.get(name, namespace);
        // The first failure of a streak is also a Warning Event on the Rollout (the metric counts
        // every one): an operator sees it in `kubectl describe`, without one Event per retry.
        if (ro && level === 'warn' && this.queue.failureCount(key) === 1) this.recordFailure(ro, err);
        this.options.log[level]('reconcile failed; will retry', {
          [isRun ? 'analysisRun' : 'rollout']: name,
          namespace,
          step: ro?.status?.currentStepIndex,
          commit: commitOf(ro?.metadata)?.sha.slice(0, 7),
          error: describeError(err),
          retryInMs: delay,
        });
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** A Warning Event ReconcileError; best effort (under overload the Event may fail too). */
  private recordFailure(ro: RolloutObject, err: unknown): void {
    const event = {
      type: 'Warning' as const,
      reason: 'ReconcileError',
      message: `reconcile failed, retrying with backoff: ${describeError(err)}`,
    };
    void this.writer
      .createEvent(ro.metadata.namespace, rolloutEvent(ro, event, this.now()))
      .catch(() => undefined);
  }

  /** One RolloutGroup or Experiment key: the same retry-with-backoff and requeue rules as the other kinds. */
  private async reconcileOther(
    key: string,
    kind: 'rolloutGroup' | 'experiment',
    reconcile: (key: string) => Promise<{ requeueAfterMs?: number }>,
  ): Promise<void> {
    try {
      const result = await reconcile(key);
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const delay = this.queue.addRateLimited(key);
      this.options.log[statusCode(err) === 409 ? 'debug' : 'warn'](`${kind} reconcile failed; will retry`, {
        [kind]: key,
        error: describeError(err),
        retryInMs: delay,
      });
    } finally {
      this.queue.done(key);
    }
  }

  /** Stops taking work, lets in-flight reconciles finish, then stops the watches. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all(this.workers);
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }
}

/** What the AnalysisRun reconciler reads and writes through: Secrets read per reconcile, never cached. */
function analysisRunDependencies(
  kc: KubeConfig,
  core: CoreV1Api,
  writer: ClusterWriter,
  now: () => number,
  log: Logger,
  run: AnalysisRunDeps['run'],
): AnalysisRunDeps {
  return {
    run,
    readSecret: async (ns, name) => {
      try {
        const secret = await core.readNamespacedSecret({ namespace: ns, name });
        return Object.fromEntries(
          Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    patchRunStatus: (ns, name, rv, status) => writer.patchAnalysisRunStatus(ns, name, rv, status),
    deleteRun: async (ns, name) => {
      try {
        await writer.deleteAnalysisRun(ns, name);
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    },
    providers: {
      prometheus: prometheusProvider(),
      web: webProvider(),
      comparison: comparisonProvider(),
      judge: judgeProvider(),
    },
    jobs: jobRunner(kubeJobApi(kc)),
    now,
    log,
  };
}
