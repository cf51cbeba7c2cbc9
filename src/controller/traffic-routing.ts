import type { StrategyDecision } from '../../strategies/types.ts';
import { routersFor, routingSpec } from '../traffic/routers.ts';
import {
  RoutingSpecError,
  type ExtraDestination,
  type RoutingObjectClient,
  type TrafficRouter,
} from '../traffic/types.ts';
import type { ReconcileDeps } from './reconcile-deps.ts';
import { rolloutOwnerReference, type RolloutObject } from './rollout-object.ts';

export function routingClient(deps: {
  caches: Pick<ReconcileDeps['caches'], 'routingObject'>;
  writer: Pick<ReconcileDeps['writer'], 'applyRoutingObject' | 'patchRoutingObject' | 'deleteRoutingObject'>;
}): RoutingObjectClient {
  return {
    read: (ref) => deps.caches.routingObject(ref),
    apply: (obj) => deps.writer.applyRoutingObject(obj),
    patch: (ref, patch) => deps.writer.patchRoutingObject(ref, patch),
    remove: (ref) => deps.writer.deleteRoutingObject(ref),
  };
}

/** The routers of the Rollout's strategy (none without trafficRouting). */
export function rolloutRouters(rollout: RolloutObject, deps: ReconcileDeps): TrafficRouter[] {
  const spec = routingSpec(rollout.spec, rollout.status);
  if (!spec) return [];
  const { name, namespace, uid } = rollout.metadata;
  return routersFor(
    spec,
    { rollout: { name, namespace, uid }, ownerReference: rolloutOwnerReference(rollout) },
    routingClient(deps),
  );
}

/**
 * Applies `decision.traffic` through every router of the Rollout. Returns the spec problem when a
 * routing object is missing or cannot carry the split (reported as InvalidSpec), else undefined.
 */
export async function applyTraffic(
  rollout: RolloutObject,
  decision: StrategyDecision,
  deps: ReconcileDeps,
  extra: readonly ExtraDestination[] = [],
): Promise<string | undefined> {
  const traffic = decision.traffic;
  if (!traffic) return undefined;
  try {
    for (const router of rolloutRouters(rollout, deps)) {
      const writes = await router.apply({ ...traffic, hashes: decision.selectors, extra });
      if (writes > 0)
        deps.log.info('traffic routed', {
          rollout: rollout.metadata.name,
          namespace: rollout.metadata.namespace,
          router: router.kind,
          canaryWeight: traffic.canaryWeight,
          ...(extra.length > 0 ? { extra: extra.map((d) => `${d.service}=${d.weight}`) } : {}),
          headerRoutes: traffic.headerRoutes.map((r) => r.name),
          mirrorRoutes: traffic.mirrorRoutes.map((r) => r.name),
        });
    }
    return undefined;
  } catch (err) {
    if (err instanceof RoutingSpecError) return err.message;
    throw err;
  }
}
