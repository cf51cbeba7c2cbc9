import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { observedVersions, type ObservedVersion } from './versions.ts';

/** The fields of a Rollout spec the traffic layer depends on (the router and its Services). */
export interface RolloutSpecView {
  strategy?: Partial<Record<'canary' | 'abTest' | 'blueGreen' | 'rolling', RoutedStrategyView>>;
}

export interface RoutedStrategyView {
  trafficRouting?: TrafficRoutingView;
  canaryService?: string;
  stableService?: string;
}

export interface TrafficRoutingView {
  nginx?: { stableIngress?: string; stableIngresses?: string[]; annotationPrefix?: string };
  gatewayAPI?: { httpRoute: string; namespace?: string };
  istio?: {
    virtualService?: { name: string };
    virtualServices?: { name: string }[];
    destinationRule?: { name: string };
  };
  smi?: { rootService?: string; trafficSplitName?: string };
}

/** The stable Ingress and VirtualService the simulator routes through (the first, when several are named). */
export function primaryIngress(nginx: NonNullable<TrafficRoutingView['nginx']>): string {
  return nginx.stableIngress ?? nginx.stableIngresses?.[0] ?? '';
}
export function primaryVirtualService(istio: NonNullable<TrafficRoutingView['istio']>): string {
  return istio.virtualService?.name ?? istio.virtualServices?.[0]?.name ?? '';
}

/** Rejects when `promise` takes longer than `ms`: the client has no per-call timeout of its own. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${what} took longer than ${ms}ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 404;
}

/**
 * Reads a Rollout and the ReplicaSets it controls (and those of its experiment steps'
 * Experiments), as the traffic layer of a cluster would see them. A Rollout that does not exist
 * (yet, or any more) has no versions.
 */
export class RolloutObserver {
  private readonly custom: CustomObjectsApi;
  private readonly apps: AppsV1Api;
  private latest: readonly ObservedVersion[] = [];
  private latestSpec: RolloutSpecView | undefined;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly rollout: string,
    private readonly timeoutMs = 5000,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  /** The versions of the last successful observe(). */
  versions(): readonly ObservedVersion[] {
    return this.latest;
  }

  /** The Rollout's spec as of the last successful observe(); undefined while it does not exist. */
  spec(): RolloutSpecView | undefined {
    return this.latestSpec;
  }

  async observe(): Promise<readonly ObservedVersion[]> {
    const rollout = await this.readRollout();
    const uid = rollout?.metadata?.uid;
    this.latestSpec = rollout?.spec;
    if (uid === undefined) {
      this.latest = [];
      return this.latest;
    }
    const list = await withTimeout(
      this.apps.listNamespacedReplicaSet({ namespace: this.namespace }),
      this.timeoutMs,
      `listing ReplicaSets in ${this.namespace}`,
    );
    this.latest = observedVersions([uid, ...(await this.experimentUids(uid))], list.items);
    return this.latest;
  }

  /** The uids of the Experiments the Rollout controls (its experiment steps'); none without the CRD. */
  private async experimentUids(rolloutUid: string): Promise<string[]> {
    try {
      const list = (await withTimeout(
        this.custom.listNamespacedCustomObject({
          group: 'bellwether.dev',
          version: 'v1alpha1',
          namespace: this.namespace,
          plural: 'experiments',
        }),
        this.timeoutMs,
        `listing Experiments in ${this.namespace}`,
      )) as {
        items: { metadata?: { uid?: string; ownerReferences?: { controller?: boolean; uid: string }[] } }[];
      };
      return list.items
        .filter((exp) =>
          exp.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === rolloutUid),
        )
        .flatMap((exp) => (exp.metadata?.uid === undefined ? [] : [exp.metadata.uid]));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  private async readRollout(): Promise<{ metadata?: { uid?: string }; spec?: RolloutSpecView } | undefined> {
    try {
      return (await withTimeout(
        this.custom.getNamespacedCustomObject({
          group: 'bellwether.dev',
          version: 'v1alpha1',
          namespace: this.namespace,
          plural: 'rollouts',
          name: this.rollout,
        }),
        this.timeoutMs,
        `reading Rollout ${this.namespace}/${this.rollout}`,
      )) as { metadata?: { uid?: string }; spec?: RolloutSpecView };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
