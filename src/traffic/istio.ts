import type { IstioVirtualService } from '../api/rollout.ts';
import { selectL4Routes, type L4Route } from './istio-l4-routes.ts';
import { routerTable } from '../api/routers.ts';
import { annotations, podTemplateHashLabel } from '../kube/names.ts';
import { routerSplit } from './weights.ts';
import { applyBody, applyIfChanged, readRequired, type RoutingObject } from './routing-object.ts';
import {
  RoutingSpecError,
  type DesiredRouting,
  type ExtraDestination,
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
  virtualService?: IstioVirtualService;
  virtualServices?: IstioVirtualService[];
  destinationRule?: { name: string; canarySubsetName: string; stableSubsetName: string };
}

type DestinationRuleConfig = NonNullable<IstioConfig['destinationRule']>;

/** The VirtualServices the config names (virtualService or virtualServices), each with its field path. */
export function istioVirtualServices(
  config: IstioConfig,
  field: string,
): { vs: IstioVirtualService; field: string }[] {
  if (config.virtualServices !== undefined)
    return config.virtualServices.map((vs, i) => ({ vs, field: `${field}.istio.virtualServices[${i}]` }));
  return config.virtualService ? [{ vs: config.virtualService, field: `${field}.istio.virtualService` }] : [];
}

/**
 * Istio: sets the weights of the canary and stable destinations in each VirtualService's named
 * HTTP routes and selected TLS and TCP routes (host-level: destinations are the Services;
 * subset-level: the DestinationRule's canary and stable subsets, whose labels it points at the
 * pod template hashes). Header and mirror routes are HTTP routes named after the managed route,
 * put first (Istio takes the first match), in managedRoutes order.
 */
export function istioRouter(
  target: RoutingTarget,
  config: IstioConfig,
  client: RoutingObjectClient,
): TrafficRouter {
  const dr = config.destinationRule;
  const services = istioVirtualServices(config, target.field).map(({ vs, field }) =>
    virtualServiceRouter(target, vs, field, dr, client),
  );
  const syncSubsets = (hashes: DesiredRouting['hashes'] | undefined) =>
    dr ? syncDestinationRule(client, target, dr, hashes) : Promise.resolve(0);
  return {
    kind: 'istio',
    capabilities: routerTable.istio,
    async apply(desired: DesiredRouting) {
      let writes = await syncSubsets(desired.hashes);
      for (const vs of services) writes += await vs.apply(desired);
      return writes;
    },
    async verifyWeight(canaryWeight: number) {
      for (const vs of services) if (!(await vs.verifyWeight(canaryWeight))) return false;
      return true;
    },
    async restore() {
      let writes = 0;
      for (const vs of services) writes += await vs.restore();
      return writes + (await syncSubsets(undefined));
    },
  };
}

/** One VirtualService: its HTTP routes (weights, header and mirror routes) and its TLS and TCP routes (weights). */
function virtualServiceRouter(
  target: RoutingTarget,
  config: IstioVirtualService,
  vsField: string,
  dr: DestinationRuleConfig | undefined,
  client: RoutingObjectClient,
) {
  const vsRef: ObjectRef = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    namespace: target.rollout.namespace,
    name: config.name,
  };
  const managed = new Set(target.managedRoutes);
  // Argo's rule: the HTTP routes are weighted when named, or when no TLS/TCP route is selected.
  const weightsHttp =
    (config.routes?.length ?? 0) > 0 ||
    ((config.tlsRoutes?.length ?? 0) === 0 && (config.tcpRoutes?.length ?? 0) === 0);
  const isRole = (d: Destination, role: 'canary' | 'stable') => {
    if (dr) return d.subset === (role === 'canary' ? dr.canarySubsetName : dr.stableSubsetName);
    const service = role === 'canary' ? target.canaryService : target.stableService;
    return d.host === service || d.host.startsWith(`${service}.`);
  };
  const baseRoutes = (vs: RoutingObject) =>
    ((vs.spec?.http ?? []) as HttpRoute[]).filter((r) => !managed.has(r.name ?? ''));
  /** Indexes of the routes to set weights on: the named ones, or the only one. */
  const weightedIndexes = (routes: HttpRoute[]): number[] => {
    if (!weightsHttp) return [];
    const names = config.routes;
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
  const withWeights = <R extends { route?: RouteDestination[] }>(
    route: R,
    split: Split,
    field: string,
    label: string,
  ): R => {
    const weights = routerSplit(split.canaryWeight, split.extra ?? [], target.maxTrafficWeight);
    const roles = { isRole, kind: dr ? 'subset' : 'Service', vs: vsRef.name };
    return weightedRoute(route, weights, split.previousExtra, roles, field, label);
  };
  const weighted = (vs: RoutingObject, split: Split) => {
    const routes = baseRoutes(vs);
    const indexes = weightedIndexes(routes);
    return {
      routes: routes.map((r, i) =>
        indexes.includes(i)
          ? withWeights(r, split, `${vsField}.routes`, `HTTP route "${r.name ?? '(unnamed)'}"`)
          : r,
      ),
      first: indexes[0],
    };
  };
  /** spec.tls / spec.tcp with the selected routes weighted; absent when the config selects none. */
  const l4 = (vs: RoutingObject, split: Split) =>
    weightedL4(vs, config, vsField, (route, field, label) => withWeights(route, split, field, label));
  const splitOf = (vs: RoutingObject, desired: DesiredRouting | undefined): Split => ({
    canaryWeight: desired?.canaryWeight ?? 0,
    extra: desired?.extra ?? [],
    previousExtra: extraHosts(vs),
  });
  const httpSpec = (vs: RoutingObject, desired: DesiredRouting | undefined): Record<string, unknown> => {
    const { routes, first } = weighted(vs, splitOf(vs, desired));
    if (!desired) return weightsHttp ? { http: routes } : {};
    const main = first === undefined ? undefined : routes[first];
    const canary = main?.route?.find((d) => isRole(d.destination, 'canary'));
    const managedRoutes =
      main && canary
        ? target.managedRoutes.flatMap((name) => {
            const header = desired.headerRoutes.find((r) => r.name === name);
            if (header) return [headerRoute(header, canary.destination)];
            const mirror = desired.mirrorRoutes.find((r) => r.name === name);
            if (mirror) return [mirrorRoute(mirror, main, canary.destination)];
            return [];
          })
        : [];
    return weightsHttp ? { http: [...managedRoutes, ...routes] } : {};
  };

  return {
    async apply(desired: DesiredRouting) {
      const vs = await readRequired(client, vsRef, `${vsField}.name`);
      const spec = { ...httpSpec(vs, desired), ...l4(vs, splitOf(vs, desired)) };
      return applyIfChanged(client, vs, withExtraHosts(applyBody(vsRef, target, spec), desired.extra ?? []));
    },
    async verifyWeight(canaryWeight: number) {
      const vs = await readRequired(client, vsRef, `${vsField}.name`);
      const split: Split = { canaryWeight, previousExtra: new Set() };
      const expected: Record<string, unknown> = { http: weighted(vs, split).routes, ...l4(vs, split) };
      const current: Record<string, unknown> = { http: baseRoutes(vs), tls: vs.spec?.tls, tcp: vs.spec?.tcp };
      return Object.keys(expected).every((k) => JSON.stringify(expected[k]) === JSON.stringify(current[k]));
    },
    async restore() {
      const vs = await client.read(vsRef);
      if (!vs) return 0;
      const spec = { ...httpSpec(vs, undefined), ...l4(vs, splitOf(vs, undefined)) };
      return applyIfChanged(client, vs, applyBody(vsRef, target, spec, false));
    },
  };
}

/** What one apply splits: the canary weight, the extra destinations, and those it added before. */
interface Split {
  canaryWeight: number;
  extra?: readonly ExtraDestination[];
  previousExtra: ReadonlySet<string>;
}

/**
 * The extra destinations (experiment template Services) a VirtualService carries are listed in
 * an annotation, so that the next apply removes the ones no longer wanted and nothing else.
 */
const EXTRA_HOSTS_ANNOTATION = 'bellwether.dev/extra-destinations';

function extraHosts(vs: RoutingObject): ReadonlySet<string> {
  const listed = vs.metadata?.annotations?.[EXTRA_HOSTS_ANNOTATION] ?? '';
  return new Set(listed.split(',').filter((host) => host !== ''));
}

function withExtraHosts(body: RoutingObject, extra: readonly ExtraDestination[]): RoutingObject {
  if (extra.length === 0 || !body.metadata) return body;
  // `body` is the fresh apply body of this reconcile (applyBody), so it is extended in place.
  body.metadata.annotations = {
    ...body.metadata.annotations,
    [EXTRA_HOSTS_ANNOTATION]: extra.map((d) => d.service).join(','),
  };
  return body;
}

const isHost = (d: Destination, service: string) => d.host === service || d.host.startsWith(`${service}.`);

/**
 * The route with the canary and stable destinations weighted (both must be there), each extra
 * destination weighted or added (host-level, as Argo Rollouts adds experiment Services), and
 * the extra destinations of an earlier apply that are no longer wanted removed.
 */
function weightedRoute<R extends { route?: RouteDestination[] }>(
  route: R,
  weights: { canary: number; stable: number; extra: { service: string; weight: number }[] },
  previousExtra: ReadonlySet<string>,
  roles: { isRole: (d: Destination, role: 'canary' | 'stable') => boolean; kind: string; vs: string },
  field: string,
  label: string,
): R {
  const destinations = route.route ?? [];
  if (
    !destinations.some((d) => roles.isRole(d.destination, 'canary')) ||
    !destinations.some((d) => roles.isRole(d.destination, 'stable'))
  )
    throw new RoutingSpecError(
      field,
      `${label} of VirtualService "${roles.vs}" needs destinations for both the canary and the stable ${roles.kind}`,
    );
  const extraOf = (d: Destination) => weights.extra.find((e) => isHost(d, e.service));
  const kept = destinations.flatMap((d): RouteDestination[] => {
    if (roles.isRole(d.destination, 'canary')) return [{ ...d, weight: weights.canary }];
    if (roles.isRole(d.destination, 'stable')) return [{ ...d, weight: weights.stable }];
    const extra = extraOf(d.destination);
    if (extra) return [{ ...d, weight: extra.weight }];
    return Array.from(previousExtra).some((host) => isHost(d.destination, host)) ? [] : [d];
  });
  const added = weights.extra
    .filter((e) => !destinations.some((d) => isHost(d.destination, e.service)))
    .map((e): RouteDestination => ({ destination: { host: e.service }, weight: e.weight }));
  return { ...route, route: [...kept, ...added] };
}

/** spec.tls and spec.tcp with the routes tlsRoutes / tcpRoutes select weighted (istio-l4-routes.ts). */
function weightedL4(
  vs: RoutingObject,
  config: IstioVirtualService,
  vsField: string,
  weigh: (route: { route?: RouteDestination[] }, field: string, label: string) => unknown,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const kind of ['tls', 'tcp'] as const) {
    const selectors = (kind === 'tls' ? config.tlsRoutes : config.tcpRoutes) ?? [];
    if (selectors.length === 0) continue;
    const routes = (vs.spec?.[kind] ?? []) as L4Route[];
    const field = `${vsField}.${kind}Routes`;
    const { indexes, missing } = selectL4Routes(kind, selectors, routes);
    if (missing.length > 0)
      throw new RoutingSpecError(
        `${field}[${missing[0] ?? 0}]`,
        `VirtualService "${config.name}" has no ${kind.toUpperCase()} route with that match`,
      );
    result[kind] = routes.map((r, i) =>
      indexes.includes(i)
        ? weigh(r as { route?: RouteDestination[] }, field, `${kind.toUpperCase()} route ${i}`)
        : r,
    );
  }
  return result;
}

/**
 * Points the DestinationRule's canary and stable subsets at the pod template hashes (labels are a
 * map the router may remove a key from, so they are compared exactly). `hashes` undefined =
 * restore: the hash labels and the managed-by annotation go.
 */
async function syncDestinationRule(
  client: RoutingObjectClient,
  target: RoutingTarget,
  dr: DestinationRuleConfig,
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
