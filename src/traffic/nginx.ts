import { routerTable } from '../api/routers.ts';
import { annotations } from '../kube/names.ts';
import { containsDesired } from './compare.ts';
import { routerWeights } from './weights.ts';
import { asRegex, readRequired, type RoutingObject } from './routing-object.ts';
import {
  RoutingSpecError,
  type DesiredRouting,
  type ObjectRef,
  type RoutingObjectClient,
  type RoutingTarget,
  type TrafficRouter,
} from './types.ts';

export interface NginxConfig {
  stableIngress?: string;
  stableIngresses?: string[];
  additionalStableIngresses?: string[];
  annotationPrefix?: string;
  additionalIngressAnnotations?: Record<string, string>;
  canaryIngressAnnotations?: Record<string, string>;
}

/** Every stable Ingress the config names (stableIngress or stableIngresses, then the additional ones), with its field. */
export function nginxStableIngresses(config: NginxConfig, field: string): { name: string; field: string }[] {
  const named =
    config.stableIngresses !== undefined
      ? config.stableIngresses.map((name, i) => ({ name, field: `${field}.nginx.stableIngresses[${i}]` }))
      : [{ name: config.stableIngress ?? '', field: `${field}.nginx.stableIngress` }];
  return [
    ...named,
    ...(config.additionalStableIngresses ?? []).map((name, i) => ({
      name,
      field: `${field}.nginx.additionalStableIngresses[${i}]`,
    })),
  ];
}

interface ServiceBackend {
  service?: { name?: string };
}

/**
 * NGINX Ingress: for each stable Ingress, a generated canary Ingress (a copy of its rules with
 * the canary Service as backend) that ingress-nginx merges into the stable one by its annotations
 * `canary`, `canary-weight` (of `canary-weight-total` = maxTrafficWeight), and for a header route
 * `canary-by-header` with `-value` (exact) or `-pattern` (prefix, regex). The router owns the
 * canary Ingress whole (owner reference to the Rollout) and never writes the stable Ingress.
 */
export function nginxRouter(
  target: RoutingTarget,
  config: NginxConfig,
  client: RoutingObjectClient,
): TrafficRouter {
  const prefix = config.annotationPrefix ?? 'nginx.ingress.kubernetes.io';
  const stables = nginxStableIngresses(config, target.field);
  const userKeys = new Set(Object.keys(config.canaryIngressAnnotations ?? {}));
  const ingressRef = (name: string): ObjectRef => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: target.rollout.namespace,
    name,
  });
  const canaryRef = (stable: string) => ingressRef(`${target.rollout.name}-${stable}-canary`.slice(0, 253));
  const ownAnnotation = (key: string) =>
    key.startsWith(`${prefix}/`) || key === annotations.managedBy || userKeys.has(key);

  const canaryAnnotations = (desired: DesiredRouting): Record<string, string> => {
    const weights = routerWeights(desired.canaryWeight, target.maxTrafficWeight);
    // canaryIngressAnnotations go on as written (full keys); the prefixed ones are the router's.
    const result: Record<string, string> = { ...config.canaryIngressAnnotations };
    for (const [key, value] of Object.entries(config.additionalIngressAnnotations ?? {}))
      result[`${prefix}/${key}`] = value;
    result[`${prefix}/canary`] = 'true';
    result[`${prefix}/canary-weight`] = String(weights.canary);
    if (target.maxTrafficWeight !== 100)
      result[`${prefix}/canary-weight-total`] = String(target.maxTrafficWeight);
    const [header, ...more] = desired.headerRoutes;
    if (header) {
      const match = header.match[0];
      if (more.length > 0 || !match || header.match.length > 1)
        throw new RoutingSpecError(
          `${target.field}.managedRoutes`,
          'the nginx router holds one header route with one header match at a time (canary-by-header)',
        );
      result[`${prefix}/canary-by-header`] = match.headerName;
      if (match.headerValue.exact !== undefined)
        result[`${prefix}/canary-by-header-value`] = match.headerValue.exact;
      else result[`${prefix}/canary-by-header-pattern`] = asRegex(match.headerValue);
    }
    result[annotations.managedBy] = target.rollout.name;
    return result;
  };

  const canaryIngress = (stable: RoutingObject, field: string, desired: DesiredRouting): RoutingObject => {
    const spec = structuredClone(stable.spec ?? {});
    let backends = 0;
    const retarget = (backend: ServiceBackend | undefined) => {
      if (backend?.service?.name !== target.stableService) return;
      backend.service.name = target.canaryService;
      backends++;
    };
    retarget(spec.defaultBackend as ServiceBackend | undefined);
    for (const rule of (spec.rules ?? []) as { http?: { paths?: { backend?: ServiceBackend }[] } }[]) {
      for (const path of rule.http?.paths ?? []) retarget(path.backend);
    }
    if (backends === 0)
      throw new RoutingSpecError(
        field,
        `Ingress "${stable.metadata?.name ?? ''}" has no backend for the stable Service "${target.stableService}"`,
      );
    const ref = canaryRef(stable.metadata?.name ?? '');
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: {
        name: ref.name,
        namespace: ref.namespace,
        annotations: canaryAnnotations(desired),
        ownerReferences: [target.ownerReference],
      },
      spec,
    };
  };

  return {
    kind: 'nginx',
    capabilities: routerTable.nginx,
    async apply(desired: DesiredRouting) {
      let writes = 0;
      for (const { name, field } of stables) {
        const stable = await readRequired(client, ingressRef(name), field);
        const body = canaryIngress(stable, field, desired);
        const current = await client.read(canaryRef(name));
        const wanted = body.metadata?.annotations ?? {};
        const extra = Object.keys(current?.metadata?.annotations ?? {}).some(
          (k) => ownAnnotation(k) && !(k in wanted),
        );
        if (current && !extra && containsDesired(body, current)) continue;
        await client.apply(body);
        writes++;
      }
      return writes;
    },
    async verifyWeight(canaryWeight: number) {
      const expected = String(routerWeights(canaryWeight, target.maxTrafficWeight).canary);
      for (const { name } of stables) {
        const current = await client.read(canaryRef(name));
        if (current?.metadata?.annotations?.[`${prefix}/canary-weight`] !== expected) return false;
      }
      return true;
    },
    async restore() {
      let writes = 0;
      for (const { name } of stables) {
        if (!(await client.read(canaryRef(name)))) continue;
        await client.remove(canaryRef(name));
        writes++;
      }
      return writes;
    },
  };
}
