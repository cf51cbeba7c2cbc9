import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { statusView, runRecord, type EventView, type HistoryRecord, type StatusView } from './history.ts';
import { container } from './manifests.ts';
import { retrying } from './retry.ts';
import type { RolloutPlan } from './scenario.ts';

const group = 'bellwether.dev';
const version = 'v1alpha1';

/** The driver's reads and writes of the torture namespace, each retried through API server restarts. */
export class TortureCluster {
  readonly kc = new KubeConfig();
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly objects: KubernetesObjectApi;

  constructor(
    readonly kubeconfig: string,
    readonly namespace: string,
  ) {
    this.kc.loadFromFile(kubeconfig);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.apps = this.kc.makeApiClient(AppsV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(this.kc);
  }

  async createNamespace(): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: this.namespace } } });
  }

  async deleteNamespace(): Promise<void> {
    await this.core.deleteNamespace({ name: this.namespace }).catch(() => undefined);
  }

  async create(body: object): Promise<void> {
    const obj = body as { metadata: { name: string; namespace?: string } };
    await retrying(`create ${obj.metadata.name}`, () =>
      this.objects
        .create({ ...obj, metadata: { ...obj.metadata, namespace: this.namespace } })
        .catch((err: unknown) => {
          if ((err as { code?: number }).code !== 409) throw err; // created before a failed answer
        }),
    );
  }

  /** The new version: image v2 and its error rate, as a commit changing the template would. */
  async release(plan: RolloutPlan): Promise<void> {
    await retrying(`release ${plan.name}`, () =>
      this.custom.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace: this.namespace,
          plural: 'rollouts',
          name: plan.name,
          body: { spec: { template: { spec: { containers: [container(plan, 2)] } } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async statuses(): Promise<Map<string, StatusView>> {
    const list = (await retrying('list rollouts', () =>
      this.custom.listNamespacedCustomObject({
        group,
        version,
        namespace: this.namespace,
        plural: 'rollouts',
      }),
    )) as { items: (Parameters<typeof statusView>[0] & { metadata: { name: string } })[] };
    return new Map(list.items.map((ro) => [ro.metadata.name, statusView(ro)]));
  }

  /** The AnalysisRuns as they are now, as history records (the watch may have missed the last change). */
  async runs(): Promise<HistoryRecord[]> {
    const list = (await retrying('list analysisruns', () =>
      this.custom.listNamespacedCustomObject({
        group,
        version,
        namespace: this.namespace,
        plural: 'analysisruns',
      }),
    )) as { items: Parameters<typeof runRecord>[1][] };
    return list.items.map((run) => runRecord('FINAL', run, Date.now()));
  }

  async events(): Promise<EventView[]> {
    const list = await retrying('list events', () =>
      this.core.listNamespacedEvent({
        namespace: this.namespace,
        fieldSelector: 'involvedObject.kind=Rollout',
      }),
    );
    return list.items.map((e) => ({
      name: e.metadata.name ?? '',
      rollout: e.involvedObject.name ?? '',
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
    }));
  }
}
