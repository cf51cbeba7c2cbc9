import type { AlbTrafficRouting } from '../api/rollout.ts';
import { annotations } from '../kube/names.ts';
import { routerTable } from '../api/routers.ts';
import { applyIfChanged, readRequired, type RoutingObject } from './routing-object.ts';
import { routerWeights } from './weights.ts';
import { albAnnotationPrefix } from './alb-names.ts';
import { albRouteAnnotations, albRulesWithRoutes, type AlbIngressRule } from './alb-header-routes.ts';
import {
  RoutingSpecError,
  type DesiredRouting,
  type ObjectRef,
  type RoutingObjectClient,
  type RoutingTarget,
  type TrafficRouter,
} from './types.ts';

export { albAnnotationPrefix };

/** One target group of a forward action, in the field order Argo Rollouts marshals it. */
interface AlbTargetGroup {
  ServiceName: string;
  ServicePort: string;
  Weight: number;
}

/** The action annotation's value (`alb.ingress.kubernetes.io/actions.<service>`). */
export interface AlbForwardAction {
  Type: 'forward';
  ForwardConfig: {
    TargetGroups: AlbTargetGroup[];
    TargetGroupStickinessConfig?: { Enabled: boolean; DurationSeconds: number };
  };
}

/** The annotation key of the action the root Service's Ingress path uses (`use-annotation`). */
export function albActionKey(config: AlbTrafficRouting, stableService: string): string {
  return `${config.annotationPrefix ?? albAnnotationPrefix}/actions.${config.rootService ?? stableService}`;
}

/**
 * The forward action Argo Rollouts writes: the canary target group first with its weight, then
 * the stable one with the rest (weights on the maxTrafficWeight scale; ALB takes 0 to 999), the
 * port as a string, and the stickiness config only when enabled. Serialised with the same field
 * order, so an Ingress Argo Rollouts managed reads back as already matching.
 */
export function albForwardAction(
  config: AlbTrafficRouting,
  services: { canary: string; stable: string },
  weights: { canary: number; stable: number },
): AlbForwardAction {
  const port = String(config.servicePort);
  const action: AlbForwardAction = {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { ServiceName: services.canary, ServicePort: port, Weight: weights.canary },
        { ServiceName: services.stable, ServicePort: port, Weight: weights.stable },
      ],
    },
  };
  const stickiness = config.stickinessConfig;
  if (stickiness?.enabled)
    action.ForwardConfig.TargetGroupStickinessConfig = {
      Enabled: true,
      DurationSeconds: stickiness.durationSeconds,
    };
  return action;
}

/** The canary weight an action annotation gives, or undefined when it is absent or not ours. */
export function albCanaryWeight(value: string | undefined, canaryService: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    const action = JSON.parse(value) as { ForwardConfig?: { TargetGroups?: Partial<AlbTargetGroup>[] } };
    const weight = action.ForwardConfig?.TargetGroups?.find((g) => g.ServiceName === canaryService)?.Weight;
    return typeof weight === 'number' ? weight : undefined;
  } catch {
    return undefined;
  }
}

interface IngressPath {
  backend?: { service?: { name?: string } };
}

/** True when a rule of the Ingress routes to `service` (the path the action annotation applies to). */
function routesTo(ingress: RoutingObject, service: string): boolean {
  const rules = (ingress.spec?.rules ?? []) as { http?: { paths?: IngressPath[] } }[];
  return rules.some((rule) => (rule.http?.paths ?? []).some((p) => p.backend?.service?.name === service));
}

/**
 * AWS ALB through the AWS Load Balancer Controller: on each Ingress the spec names, the
 * annotation `<prefix>/actions.<rootService>` holds a forward action splitting the root Service's
 * path between the canary and stable target groups. The router writes only that annotation and
 * its managed-by marker (server-side apply of those keys alone; the Ingress spec stays with its
 * owner), nothing when they already say the desired split, and on restore leaves the action with
 * all traffic on stable: the Ingress path says `use-annotation`, so the action must stay.
 */
export function albRouter(
  target: RoutingTarget,
  config: AlbTrafficRouting,
  client: RoutingObjectClient,
): TrafficRouter {
  const ingresses =
    config.ingresses !== undefined
      ? config.ingresses.map((name, i) => ({ name, field: `${target.field}.alb.ingresses[${i}]` }))
      : [{ name: config.ingress ?? '', field: `${target.field}.alb.ingress` }];
  const key = albActionKey(config, target.stableService);
  const actionService = config.rootService ?? target.stableService;
  const services = { canary: target.canaryService, stable: target.stableService };
  const ref = (name: string): ObjectRef => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: target.rollout.namespace,
    name,
  });
  const body = (name: string, canaryPercent: number, managed: boolean): RoutingObject => {
    const action = albForwardAction(config, services, routerWeights(canaryPercent, target.maxTrafficWeight));
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name,
        namespace: target.rollout.namespace,
        annotations: {
          [key]: JSON.stringify(action),
          ...(managed ? { [annotations.managedBy]: target.rollout.name } : {}),
        },
      },
    };
  };
  const readIngress = async (name: string, field: string) => {
    const ingress = await readRequired(client, ref(name), field);
    if (!routesTo(ingress, actionService))
      throw new RoutingSpecError(
        config.rootService !== undefined ? `${target.field}.alb.rootService` : field,
        `Ingress "${name}" has no rule with the Service "${actionService}" (its path needs backend ` +
          `service ${actionService}, port name use-annotation)`,
      );
    return ingress;
  };

  /**
   * The header routes' annotations and Ingress paths (alb-header-routes.ts), by a merge patch
   * guarded by resourceVersion: the paths sit in the rules list the Ingress's owner wrote, which
   * an apply would take over. Writes nothing when they already match.
   */
  const syncHeaderRoutes = async (ingress: RoutingObject, headerRoutes: DesiredRouting['headerRoutes']) => {
    if (target.managedRoutes.length === 0) return 0;
    const current = ingress.metadata?.annotations ?? {};
    const wanted = albRouteAnnotations(config, target.canaryService, target.managedRoutes, headerRoutes);
    const changed = Object.fromEntries(
      Object.entries(wanted).filter(([key, value]) => (current[key] ?? null) !== value),
    );
    const rules = (ingress.spec?.rules ?? []) as AlbIngressRule[];
    const active = new Set(headerRoutes.map((r) => r.name));
    const nextRules = albRulesWithRoutes(rules, target.managedRoutes, active);
    const rulesChanged = JSON.stringify(nextRules) !== JSON.stringify(rules);
    if (Object.keys(changed).length === 0 && !rulesChanged) return 0;
    await client.patch(ref(ingress.metadata?.name ?? ''), {
      metadata: { resourceVersion: ingress.metadata?.resourceVersion, annotations: changed },
      ...(rulesChanged ? { spec: { rules: nextRules } } : {}),
    });
    return 1;
  };

  return {
    kind: 'alb',
    capabilities: routerTable.alb,
    async apply(desired: DesiredRouting) {
      let writes = 0;
      for (const { name, field } of ingresses) {
        const ingress = await readIngress(name, field);
        writes += await syncHeaderRoutes(ingress, desired.headerRoutes);
        writes += await applyIfChanged(client, ingress, body(name, desired.canaryWeight, true));
      }
      return writes;
    },
    async verifyWeight(canaryWeight: number) {
      const expected = routerWeights(canaryWeight, target.maxTrafficWeight).canary;
      for (const { name } of ingresses) {
        const ingress = await client.read(ref(name));
        if (albCanaryWeight(ingress?.metadata?.annotations?.[key], target.canaryService) !== expected)
          return false;
      }
      return true;
    },
    async restore() {
      let writes = 0;
      for (const { name } of ingresses) {
        const ingress = await client.read(ref(name));
        // Only an Ingress this Rollout changed has anything to put back.
        if (ingress?.metadata?.annotations?.[annotations.managedBy] !== target.rollout.name) continue;
        writes += await syncHeaderRoutes(ingress, []);
        writes += await applyIfChanged(client, ingress, body(name, 0, false));
      }
      return writes;
    },
  };
}
