import type { TrafficRouting } from '../api/rollout.ts';
import type { RolloutSpecView } from '../../strategies/types.ts';
import { gatewayApiRouter } from './gateway-api.ts';
import { istioRouter } from './istio.ts';
import { nginxRouter } from './nginx.ts';
import { smiRouter } from './smi.ts';
import { albRouter } from './alb.ts';
import { canaryRoutingServices, type PingPongStatus } from './canary-routing-services.ts';
import { routerKindList, type RouterKind } from '../api/routers.ts';
import type { RoutingObjectClient, RoutingTarget, TrafficRouter } from './types.ts';

/** The trafficRouting block of a strategy, its field path and the Services it splits between. */
export interface RoutingSpec {
  routing: TrafficRouting;
  field: string;
  /** Empty for an Istio subset-only split (no Services; the router matches subsets). */
  canaryService: string;
  stableService: string;
}

/**
 * canary.trafficRouting (canaryService/stableService, the pingPong pair by status, or none for an
 * Istio subset-only split) or abTest.trafficRouting (variants b/a).
 */
export function routingSpec(spec: RolloutSpecView, status?: PingPongStatus): RoutingSpec | undefined {
  const { canary, abTest } = spec.strategy;
  const routing = canary?.trafficRouting as TrafficRouting | undefined;
  if (canary && routing) {
    const services = canaryRoutingServices(canary, routing, status);
    if (services) return { routing, field: 'spec.strategy.canary.trafficRouting', ...services };
  }
  if (abTest?.trafficRouting) {
    return {
      routing: abTest.trafficRouting,
      field: 'spec.strategy.abTest.trafficRouting',
      canaryService: abTest.variants.b.service,
      stableService: abTest.variants.a.service,
    };
  }
  return undefined;
}

/** The router kinds a trafficRouting block names, in a fixed order. */
export function routerKinds(routing: TrafficRouting): RouterKind[] {
  return routerKindList.filter((kind) => routing[kind] !== undefined);
}

type RouterFactories = {
  [K in RouterKind]: (
    target: RoutingTarget,
    config: NonNullable<TrafficRouting[K]>,
    client: RoutingObjectClient,
  ) => TrafficRouter;
};

/** One factory per row of the router table (src/api/routers.ts): a new kind does not compile without one. */
const routerFactories: RouterFactories = {
  nginx: nginxRouter,
  gatewayAPI: gatewayApiRouter,
  istio: istioRouter,
  smi: smiRouter,
  alb: albRouter,
};

function routerOf<K extends RouterKind>(
  kind: K,
  config: NonNullable<TrafficRouting[K]>,
  target: RoutingTarget,
  client: RoutingObjectClient,
): TrafficRouter {
  const make: RouterFactories[K] = routerFactories[kind];
  return make(target, config, client);
}

/** One router per kind the block names; a Rollout may use several (e.g. NGINX in front of a mesh). */
export function routersFor(
  spec: RoutingSpec,
  rollout: Pick<RoutingTarget, 'rollout' | 'ownerReference'>,
  client: RoutingObjectClient,
): TrafficRouter[] {
  const { routing } = spec;
  const target: RoutingTarget = {
    ...rollout,
    field: spec.field,
    canaryService: spec.canaryService,
    stableService: spec.stableService,
    maxTrafficWeight: routing.maxTrafficWeight ?? 100,
    managedRoutes: (routing.managedRoutes ?? []).map((r) => r.name),
  };
  return routerKinds(routing).map((kind) =>
    routerOf(kind, routing[kind] as NonNullable<TrafficRouting[typeof kind]>, target, client),
  );
}
