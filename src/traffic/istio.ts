import { routerCapabilities } from './router-capabilities.ts';
import { podTemplateHashLabel } from '../controller/pod-template-hash.ts';
import { annotations } from '../controller/rollout-object.ts';
import { routerWeights } from './weights.ts';
import { applyBody, applyIfChanged, readRequired, type RoutingObject } from './routing-object.ts';
import {
  RoutingSpecError,
  type DesiredRouting,
  type HeaderRouteDecision,
  type MirrorRouteDecision,
  type ObjectRef,
  type RoutingObjectClient,
  type RoutingTarget,
  type TrafficRouter,
} from './types.ts';

interface Destination {
  host: string;
  subset?: string;
  port?: unknown;
}

interface RouteDestination {
  destination: Destination;
  weight?: number;
  [key: string]: unknown;
}

interface HttpRoute {
  name?: string;
  match?: unknown[];
  route?: RouteDestination[];
  [key: string]: unknown;
}

interface Subset {
  name: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface IstioConfig {
  virtualService: { name: string; routes?: string[] };
  destinationRule?: { name: string; canarySubsetName: string; stableSubsetName: string };
}

/**
 * Istio: sets the weights of the canary and stable destinations in the VirtualService's named
 * HTTP routes (host-level: destinations are the Services; subset-level: the DestinationRule's
 * canary and stable subsets, whose labels it points at the pod template hashes). Header and
 * mirror routes are HTTP routes named after the managed route, put first (Istio takes the first
 * match), in managedRoutes order.
 */
export function istioRouter(
  target: RoutingTarget,
  config: IstioConfig,
  client: RoutingObjectClient,
): TrafficRouter {
  const vsRef: ObjectRef = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    namespace: target.rollout.namespace,
    name: config.virtualService.name,
  };
  const vsField = `${target.field}.istio.virtualService`;
  const dr = config.destinationRule;
  const managed = new Set(target.managedRoutes);
  const isRole = (d: Destination, role: 'canary' | 'stable') => {
    if (dr) return d.subset === (role === 'canary' ? dr.canarySubsetName : dr.stableSubsetName);
    const service = role === 'canary' ? target.canaryService : target.stableService;
    return d.host === service || d.host.startsWith(`${service}.`);
  };
  const baseRoutes = (vs: RoutingObject) =>
    ((vs.spec?.http ?? []) as HttpRoute[]).filter((r) => !managed.has(r.name ?? ''));
  /** Indexes of the routes to set weights on: the named ones, or the only one. */
  const weightedIndexes = (routes: HttpRoute[]): number[] => {
    const names = config.virtualService.routes;
    if (!names || names.length === 0) {
      if (routes.length !== 1)
        throw new RoutingSpecError(
          `${vsField}.routes`,
          `VirtualService "${vsRef.name}" has ${routes.length} HTTP routes; name the ones to set weights on`,
        );
      return [0];
    }
    return names.map((name) => {
      const index = routes.findIndex((r) => r.name === name);
      if (index < 0)
        throw new RoutingSpecError(
          `${vsField}.routes`,
          `VirtualService "${vsRef.name}" has no HTTP route "${name}"`,
        );
      return index;
    });
  };
  const withWeights = (route: HttpRoute, canaryPercent: number): HttpRoute => {
    const destinations = route.route ?? [];
    if (
      !destinations.some((d) => isRole(d.destination, 'canary')) ||
      !destinations.some((d) => isRole(d.destination, 'stable'))
    )
      throw new RoutingSpecError(
        `${vsField}.routes`,
        `HTTP route "${route.name ?? '(unnamed)'}" of VirtualService "${vsRef.name}" needs destinations for both the canary and the stable ${dr ? 'subset' : 'Service'}`,
      );
    const weights = routerWeights(canaryPercent, target.maxTrafficWeight);
    return {
      ...route,
      route: destinations.map((d) => {
        if (isRole(d.destination, 'canary')) return { ...d, weight: weights.canary };
        if (isRole(d.destination, 'stable')) return { ...d, weight: weights.stable };
        return d;
      }),
    };
  };
  const weighted = (vs: RoutingObject, canaryPercent: number) => {
    const routes = baseRoutes(vs);
    const indexes = weightedIndexes(routes);
    return {
      routes: routes.map((r, i) => (indexes.includes(i) ? withWeights(r, canaryPercent) : r)),
      first: indexes[0] as number,
    };
  };

  const syncSubsets = (hashes: DesiredRouting['hashes'] | undefined) =>
    dr ? syncDestinationRule(client, target, dr, hashes) : Promise.resolve(0);

  return {
    kind: 'istio',
    capabilities: routerCapabilities.istio,
    async apply(desired: DesiredRouting) {
      const writes = await syncSubsets(desired.hashes);
      const vs = await readRequired(client, vsRef, `${vsField}.name`);
      const { routes, first } = weighted(vs, desired.canaryWeight);
      const main = routes[first] as HttpRoute;
      const canary = (main.route ?? []).find((d) => isRole(d.destination, 'canary')) as RouteDestination;
      const managedRoutes = target.managedRoutes.flatMap((name) => {
        const header = desired.headerRoutes.find((r) => r.name === name);
        if (header) return [headerRoute(header, canary.destination)];
        const mirror = desired.mirrorRoutes.find((r) => r.name === name);
        if (mirror) return [mirrorRoute(mirror, main, canary.destination)];
        return [];
      });
      return (
        writes +
        (await applyIfChanged(client, vs, applyBody(vsRef, target, { http: [...managedRoutes, ...routes] })))
      );
    },
    async verifyWeight(canaryWeight: number) {
      const vs = await readRequired(client, vsRef, `${vsField}.name`);
      const routes = baseRoutes(vs);
      const expected = routerWeights(canaryWeight, target.maxTrafficWeight);
      return weightedIndexes(routes).every((i) =>
        (routes[i]?.route ?? []).every((d) => {
          if (isRole(d.destination, 'canary')) return (d.weight ?? 0) === expected.canary;
          if (isRole(d.destination, 'stable')) return (d.weight ?? 0) === expected.stable;
          return true;
        }),
      );
    },
    async restore() {
      let writes = 0;
      const vs = await client.read(vsRef);
      if (vs) {
        const { routes } = weighted(vs, 0);
        writes += await applyIfChanged(client, vs, applyBody(vsRef, target, { http: routes }, false));
      }
      return writes + (await syncSubsets(undefined));
    },
  };
}

/**
 * Points the DestinationRule's canary and stable subsets at the pod template hashes (labels are a
 * map the router may remove a key from, so they are compared exactly). `hashes` undefined =
 * restore: the hash labels and the managed-by annotation go.
 */
async function syncDestinationRule(
  client: RoutingObjectClient,
  target: RoutingTarget,
  dr: NonNullable<IstioConfig['destinationRule']>,
  hashes: DesiredRouting['hashes'] | undefined,
): Promise<number> {
  const drRef: ObjectRef = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    namespace: target.rollout.namespace,
    name: dr.name,
  };
  const rule = hashes
    ? await readRequired(client, drRef, `${target.field}.istio.destinationRule.name`)
    : await client.read(drRef);
  if (!rule) return 0;
  const subsets = (rule.spec?.subsets ?? []) as Subset[];
  for (const name of [dr.canarySubsetName, dr.stableSubsetName]) {
    if (hashes && !subsets.some((s) => s.name === name))
      throw new RoutingSpecError(
        `${target.field}.istio.destinationRule`,
        `DestinationRule "${dr.name}" has no subset "${name}"`,
      );
  }
  const next = subsets.map((s) => {
    const role =
      s.name === dr.canarySubsetName ? 'canary' : s.name === dr.stableSubsetName ? 'stable' : undefined;
    if (!role) return s;
    const { [podTemplateHashLabel]: _old, ...labels } = s.labels ?? {};
    const hash = hashes?.[role];
    return { ...s, labels: hash ? { ...labels, [podTemplateHashLabel]: hash } : labels };
  });
  const same = JSON.stringify(next) === JSON.stringify(subsets);
  const annotated = rule.metadata?.annotations?.[annotations.managedBy] !== undefined;
  if (same && annotated === Boolean(hashes)) return 0;
  await client.apply(applyBody(drRef, target, { subsets: next }, Boolean(hashes)));
  return 1;
}

function stringMatch(m: { exact?: string; prefix?: string; regex?: string }) {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  return { regex: m.regex ?? '' };
}

function headerRoute(route: HeaderRouteDecision, canary: Destination): HttpRoute {
  const headers = Object.fromEntries(route.match.map((m) => [m.headerName, stringMatch(m.headerValue)]));
  return { name: route.name, match: [{ headers }], route: [{ destination: canary }] };
}

function mirrorRoute(route: MirrorRouteDecision, main: HttpRoute, canary: Destination): HttpRoute {
  const match =
    route.match.length > 0
      ? route.match.map((m) => ({
          ...(m.method ? { method: stringMatch(m.method) } : {}),
          ...(m.path ? { uri: stringMatch(m.path) } : {}),
          ...(m.headers
            ? { headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, stringMatch(v)])) }
            : {}),
        }))
      : main.match;
  return {
    name: route.name,
    ...(match ? { match } : {}),
    route: main.route,
    mirror: canary,
    mirrorPercentage: { value: route.percentage },
  };
}
