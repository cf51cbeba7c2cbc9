import { routerTable } from '../api/routers.ts';
import { routerSplit } from './weights.ts';
import { applyIfChanged, applyBody, type RoutingObject } from './routing-object.ts';
import type {
  DesiredRouting,
  ExtraDestination,
  ObjectRef,
  RoutingObjectClient,
  RoutingTarget,
  TrafficRouter,
} from './types.ts';

interface Backend {
  service: string;
  weight: number;
}

/**
 * SMI: a TrafficSplit (split.smi-spec.io/v1alpha2, the version meshes serve today) with two
 * backends, the canary and the stable Service (plus a weighted backend per running experiment
 * template with `weight`), behind the root Service. An existing split keeps
 * its root Service and gets its backends set; a missing one is created, owned by the Rollout, and
 * deleted again on restore. SMI has no header or mirror routes.
 */
export function smiRouter(
  target: RoutingTarget,
  config: { rootService?: string; trafficSplitName?: string },
  client: RoutingObjectClient,
): TrafficRouter {
  const ref: ObjectRef = {
    apiVersion: 'split.smi-spec.io/v1alpha2',
    kind: 'TrafficSplit',
    namespace: target.rollout.namespace,
    name: config.trafficSplitName ?? target.rollout.name,
  };
  /** Canary and stable, then one backend per extra destination (a running experiment's templates). */
  const backends = (canaryPercent: number, extra: readonly ExtraDestination[] = []): Backend[] => {
    const weights = routerSplit(canaryPercent, extra, target.maxTrafficWeight);
    return [
      { service: target.canaryService, weight: weights.canary },
      { service: target.stableService, weight: weights.stable },
      ...weights.extra,
    ];
  };
  const ownedByRollout = (split: RoutingObject) =>
    (split.metadata?.ownerReferences ?? []).some((o) => o.uid === target.rollout.uid);
  /** What we apply: a split we created carries its root Service and owner reference each time (SSA keeps what is re-applied). */
  const body = (
    desired: Pick<DesiredRouting, 'canaryWeight' | 'extra'>,
    created: boolean,
    managed = true,
  ) => {
    const list = backends(desired.canaryWeight, desired.extra);
    const obj = applyBody(
      ref,
      target,
      created ? { service: config.rootService ?? target.stableService, backends: list } : { backends: list },
      managed,
    );
    if (created && obj.metadata) obj.metadata.ownerReferences = [target.ownerReference];
    return obj;
  };

  return {
    kind: 'smi',
    capabilities: routerTable.smi,
    async apply(desired: DesiredRouting) {
      const split = await client.read(ref);
      if (!split) {
        await client.apply(body(desired, true));
        return 1;
      }
      return applyIfChanged(client, split, body(desired, ownedByRollout(split)));
    },
    async verifyWeight(canaryWeight: number) {
      const split = await client.read(ref);
      const current = (split?.spec?.backends ?? []) as Backend[];
      return backends(canaryWeight).every((b) =>
        current.some((c) => c.service === b.service && c.weight === b.weight),
      );
    },
    async restore() {
      const split = await client.read(ref);
      if (!split) return 0;
      if (ownedByRollout(split)) {
        await client.remove(ref);
        return 1;
      }
      return applyIfChanged(client, split, body({ canaryWeight: 0 }, false, false));
    },
  };
}
