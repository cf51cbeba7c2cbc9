import {
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  type KubeConfig,
  type V1Ingress,
  type V1Service,
} from '@kubernetes/client-node';
import { gatewayRoutingRules, type HTTPRoute } from './gateway-routing.ts';
import { istioRoutingRules, type DestinationRule, type VirtualService } from './istio-routing.ts';
import { defaultNginxAnnotationPrefix, nginxCanaryPolicy, nginxRoutingRules } from './nginx-routing.ts';
import { replicaRatio } from './replica-ratio.ts';
import {
  isNotFound,
  withTimeout,
  type RolloutSpecView,
  primaryIngress,
  primaryVirtualService,
  type TrafficRoutingView,
} from './rollout-observer.ts';
import { tableOf, type RouteRule, type RoutingSource, type RoutingTable } from './routing.ts';
import { serviceLookup, type ServiceLookup } from './service-versions.ts';
import { smiRoutingRules, type TrafficSplit } from './smi-routing.ts';
import type { ObservedVersion } from './versions.ts';

/** Which router a Rollout names, as the simulator follows it. */
export type RouterKind = 'nginx' | 'gatewayAPI' | 'istio' | 'smi' | 'none';

/** The strategy's traffic routing (canary or A/B; blue-green and rolling have none) and its Services. */
export function routedStrategy(spec: RolloutSpecView | undefined) {
  return spec?.strategy?.canary ?? spec?.strategy?.abTest;
}

export function routerKind(routing: TrafficRoutingView | undefined): RouterKind {
  if (routing?.nginx) return 'nginx';
  if (routing?.gatewayAPI) return 'gatewayAPI';
  if (routing?.istio) return 'istio';
  if (routing?.smi) return 'smi';
  return 'none';
}

/** Ingresses share a virtual server in ingress-nginx when they name a common host (or neither names one). */
function sameServer(a: V1Ingress, b: V1Ingress): boolean {
  const hosts = (i: V1Ingress) => new Set((i.spec?.rules ?? []).map((r) => r.host ?? ''));
  const bHosts = hosts(b);
  return [...hosts(a)].some((h) => bHosts.has(h));
}

/** The canary Ingress ingress-nginx merges into a stable one: annotated canary, same host; the first by name. */
export function canaryIngressFor(stable: V1Ingress, ingresses: readonly V1Ingress[], prefix: string) {
  return ingresses
    .filter((i) => i.metadata?.name !== stable.metadata?.name)
    .filter((i) => nginxCanaryPolicy(i, prefix) !== undefined && sameServer(stable, i))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

const preferredVersionTtlMs = 10_000;

function describeRouting(routing: TrafficRoutingView, at: { namespace: string; rollout: string }): string {
  const ns = at.namespace;
  if (routing.nginx) return `nginx Ingress ${ns}/${primaryIngress(routing.nginx)} and its canary Ingress`;
  if (routing.gatewayAPI)
    return `gatewayAPI HTTPRoute ${routing.gatewayAPI.namespace ?? ns}/${routing.gatewayAPI.httpRoute}`;
  if (routing.istio) return `istio VirtualService ${ns}/${primaryVirtualService(routing.istio)}`;
  return `smi TrafficSplit ${ns}/${routing.smi?.trafficSplitName ?? at.rollout}`;
}

/**
 * The routing a Rollout's `trafficRouting` points at, read from the API server on every call
 * (one GET or LIST per object, each with a timeout) and translated by the router's own rules:
 * the canary Ingress of `nginx`, the HTTPRoute of `gatewayAPI`, the VirtualService (and its
 * DestinationRules) of `istio`, the TrafficSplit of `smi`. Services resolve to versions through
 * the `rollouts-pod-template-hash` in their selectors. Without a router, the replica ratio.
 */
export class ClusterRoutingSource implements RoutingSource {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly apis: ApisApi;
  private preferred: { versions: Map<string, string>; readAt: number } | undefined;
  private followed = 'no router: the replica ratio';

  constructor(
    kc: KubeConfig,
    private readonly context: {
      namespace: string;
      rollout: string;
      spec: () => RolloutSpecView | undefined;
      versions: () => readonly ObservedVersion[];
    },
    private readonly timeoutMs = 5000,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.networking = kc.makeApiClient(NetworkingV1Api);
    this.apis = kc.makeApiClient(ApisApi);
  }

  async currentTable(): Promise<RoutingTable> {
    const strategy = routedStrategy(this.context.spec());
    const routing = strategy?.trafficRouting;
    if (!routing || routerKind(routing) === 'none') {
      this.followed = 'no router: the replica ratio';
      return tableOf(replicaRatio(this.context.versions()));
    }
    const rules = await this.rulesOf(routing, strategy.stableService);
    this.followed = describeRouting(routing, this.context);
    return { rules };
  }

  following(): string {
    return this.followed;
  }

  private async rulesOf(
    routing: TrafficRoutingView,
    stableService: string | undefined,
  ): Promise<RouteRule[]> {
    const ns = this.context.namespace;
    if (routing.nginx) {
      const prefix = routing.nginx.annotationPrefix ?? defaultNginxAnnotationPrefix;
      const [stableIngress, ingresses, lookup] = await Promise.all([
        this.timed(
          this.networking.readNamespacedIngress({ name: primaryIngress(routing.nginx), namespace: ns }),
          'Ingress',
        ),
        this.timed(this.networking.listNamespacedIngress({ namespace: ns }), 'Ingresses'),
        this.services([ns]),
      ]);
      const canaryIngress = canaryIngressFor(stableIngress, ingresses.items, prefix);
      return nginxRoutingRules({ stableIngress, canaryIngress, annotationPrefix: prefix }, lookup);
    }
    if (routing.gatewayAPI) {
      const routeNs = routing.gatewayAPI.namespace ?? ns;
      const [route, lookup] = await Promise.all([
        this.getCustom<HTTPRoute>(
          'gateway.networking.k8s.io',
          'httproutes',
          routeNs,
          routing.gatewayAPI.httpRoute,
        ),
        this.services([ns, routeNs]),
      ]);
      return gatewayRoutingRules(route, lookup);
    }
    if (routing.istio) {
      const [virtualService, destinationRules, lookup] = await Promise.all([
        this.getCustom<VirtualService>(
          'networking.istio.io',
          'virtualservices',
          ns,
          primaryVirtualService(routing.istio),
        ),
        this.listCustom<DestinationRule>('networking.istio.io', 'destinationrules', ns),
        this.services([ns]),
      ]);
      return istioRoutingRules(virtualService, destinationRules, lookup);
    }
    if (routing.smi) {
      return this.smiRules(routing.smi, stableService);
    }
    return [];
  }

  /** Before the controller creates the TrafficSplit, clients of the root Service reach what its selector picks. */
  private async smiRules(smi: NonNullable<TrafficRoutingView['smi']>, stableService: string | undefined) {
    const ns = this.context.namespace;
    const lookup = await this.services([ns]);
    const name = smi.trafficSplitName ?? this.context.rollout;
    const split = await this.getCustom<TrafficSplit>('split.smi-spec.io', 'trafficsplits', ns, name).catch(
      (err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      },
    );
    if (split) return smiRoutingRules(split, lookup);
    const root = smi.rootService ?? stableService ?? '';
    return smiRoutingRules(
      { metadata: { namespace: ns }, spec: { backends: [{ service: root, weight: 1 }] } },
      lookup,
    );
  }

  private async services(namespaces: readonly string[]): Promise<ServiceLookup> {
    const lists = await Promise.all(
      [...new Set(namespaces)].map((namespace) =>
        this.timed(this.core.listNamespacedService({ namespace }), `Services in ${namespace}`),
      ),
    );
    const services: V1Service[] = lists.flatMap((list) => list.items);
    return serviceLookup(services, this.context.versions(), this.context.namespace);
  }

  private async getCustom<T>(group: string, plural: string, namespace: string, name: string): Promise<T> {
    const version = await this.preferredVersion(group);
    return (await this.timed(
      this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name }),
      `${plural}.${group} ${namespace}/${name}`,
    )) as T;
  }

  private async listCustom<T>(group: string, plural: string, namespace: string): Promise<T[]> {
    const version = await this.preferredVersion(group);
    const list = (await this.timed(
      this.custom.listNamespacedCustomObject({ group, version, namespace, plural }),
      `${plural}.${group} in ${namespace}`,
    )) as { items?: T[] };
    return list.items ?? [];
  }

  /** The version the API server prefers for a group (Gateway API v1, Istio v1 or v1beta1, SMI v1alpha4…). */
  private async preferredVersion(group: string): Promise<string> {
    const now = Date.now();
    if (!this.preferred || now - this.preferred.readAt > preferredVersionTtlMs) {
      const groups = await this.timed(this.apis.getAPIVersions(), 'API groups');
      this.preferred = {
        readAt: now,
        versions: new Map(
          groups.groups.map((g) => [g.name, g.preferredVersion?.version ?? g.versions[0]?.version ?? '']),
        ),
      };
    }
    const version = this.preferred.versions.get(group);
    if (!version) throw new Error(`the API server serves no ${group} (are its CRDs installed?)`);
    return version;
  }

  /** A read with a timeout, whose error names the object (the client's own says only `HTTP-Code: 404`). */
  private async timed<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await withTimeout(promise, this.timeoutMs, `reading ${what}`);
    } catch (err) {
      const code =
        typeof err === 'object' && err !== null && 'code' in err ? ` (HTTP ${String(err.code)})` : '';
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw Object.assign(
        new Error(
          `simulator routing (${this.context.namespace}/${this.context.rollout}): reading ${what}${code}: ${message}`,
        ),
        {
          code: typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined,
        },
      );
    }
  }
}
