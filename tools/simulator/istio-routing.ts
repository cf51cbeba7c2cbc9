import { headerValue, pathOf, queryValue, stringMatches, type StringMatch } from './request-match.ts';
import {
  numberedIds,
  type Destination,
  type Mirror,
  type RouteRule,
  type SimulatedRequest,
} from './routing.ts';
import type { ServiceLookup, VersionShare } from './service-versions.ts';
import { podTemplateHashLabel } from './versions.ts';

/** The parts of an Istio VirtualService (networking.istio.io) that decide where a request goes. */
export interface VirtualService {
  metadata?: { name?: string; namespace?: string };
  spec?: { http?: IstioHTTPRoute[] };
}

interface IstioDestination {
  host: string;
  subset?: string;
}

interface IstioHeaders {
  response?: { set?: Record<string, string>; add?: Record<string, string> };
}

export interface IstioHTTPRoute {
  name?: string;
  match?: IstioMatch[];
  route?: { destination: IstioDestination; weight?: number; headers?: IstioHeaders }[];
  headers?: IstioHeaders;
  mirror?: IstioDestination;
  mirrorPercentage?: { value?: number };
  mirrors?: { destination: IstioDestination; percentage?: { value?: number } }[];
}

export interface IstioMatch {
  uri?: StringMatch;
  method?: StringMatch;
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
}

export interface DestinationRule {
  metadata?: { name?: string; namespace?: string };
  spec?: { host?: string; subsets?: { name: string; labels?: Record<string, string> }[] };
}

const isEmpty = (match: StringMatch) =>
  match.exact === undefined && match.prefix === undefined && match.regex === undefined;

/** A header condition; one with no value condition only asks for the header to be present. */
function headerMatches(request: SimulatedRequest, name: string, match: StringMatch): boolean {
  const value = headerValue(request, name);
  return isEmpty(match) ? value !== undefined : stringMatches(match, value);
}

/** Whether a request satisfies one HTTPMatchRequest (all of its conditions; regexes match the whole value). */
export function istioMatches(match: IstioMatch, request: SimulatedRequest): boolean {
  if (match.uri && !stringMatches(match.uri, pathOf(request))) return false;
  if (match.method && !stringMatches(match.method, request.method ?? 'GET')) return false;
  for (const [name, condition] of Object.entries(match.headers ?? {})) {
    if (!headerMatches(request, name, condition)) return false;
  }
  for (const [name, condition] of Object.entries(match.withoutHeaders ?? {})) {
    if (headerMatches(request, name, condition)) return false;
  }
  for (const [name, condition] of Object.entries(match.queryParams ?? {})) {
    if (!stringMatches(condition, queryValue(request, name))) return false;
  }
  return true;
}

/** `web`, `web.shop`, `web.shop.svc`, `web.shop.svc.cluster.local` -> the Service and its namespace. */
export function serviceOfHost(
  host: string,
  namespace: string | undefined,
): { name: string; namespace?: string } {
  const [name = '', ns] = host.split('.');
  return { name, namespace: ns ?? namespace };
}

/** Versions a destination reaches: a subset's labels name a pod template hash, else the Service's selector decides. */
function destinationVersions(
  destination: IstioDestination,
  namespace: string | undefined,
  rules: readonly DestinationRule[],
  lookup: ServiceLookup,
): readonly VersionShare[] {
  const service = serviceOfHost(destination.host, namespace);
  if (destination.subset !== undefined) {
    const rule = rules.find((r) => {
      const host = serviceOfHost(r.spec?.host ?? '', r.metadata?.namespace ?? namespace);
      return host.name === service.name && host.namespace === service.namespace;
    });
    const subset = rule?.spec?.subsets?.find((s) => s.name === destination.subset);
    if (!subset) return []; // Envoy has no cluster for an unknown subset: no endpoints
    const hash = subset.labels?.[podTemplateHashLabel];
    if (hash !== undefined) return [{ hash, share: 1 }];
  }
  return lookup(service.name, service.namespace);
}

function responseHeadersOf(headers: IstioHeaders | undefined): [string, string][] {
  return Object.entries({ ...headers?.response?.set, ...headers?.response?.add }).map(
    ([name, value]): [string, string] => [name.toLowerCase(), value],
  );
}

/**
 * The routing of one VirtualService's http routes, as Envoy applies them: in list order, the
 * first route with a matching `match` entry (or none) takes the request and splits it over its
 * destinations by weight (a single destination takes everything); destination and route
 * `headers.response` travel with the answers; `mirror`/`mirrors` copy requests (default 100%).
 * Subsets resolve through the DestinationRule's subset labels. Pure.
 */
export function istioRoutingRules(
  virtualService: VirtualService,
  destinationRules: readonly DestinationRule[],
  lookup: ServiceLookup,
): RouteRule[] {
  const namespace = virtualService.metadata?.namespace;
  const versionsOf = (destination: IstioDestination) =>
    destinationVersions(destination, namespace, destinationRules, lookup);
  const routes = virtualService.spec?.http ?? [];
  // named by content, not position: a route inserted before another must not reset its round robin
  const ids = numberedIds(routes.map((r) => `istio:${r.name ?? JSON.stringify(r.match ?? [])}`));
  return routes.map((route, i) => {
    const single = (route.route ?? []).length === 1;
    const destinations: Destination[] = (route.route ?? []).flatMap((d) => {
      const responseHeaders = [...responseHeadersOf(route.headers), ...responseHeadersOf(d.headers)];
      return versionsOf(d.destination).map((v) => ({
        hash: v.hash,
        weight: (single ? 100 : (d.weight ?? 0)) * v.share,
        ...(responseHeaders.length > 0 ? { responseHeaders } : {}),
      }));
    });
    const mirrorTargets = [
      ...(route.mirror ? [{ destination: route.mirror, percent: route.mirrorPercentage?.value ?? 100 }] : []),
      ...(route.mirrors ?? []).map((m) => ({
        destination: m.destination,
        percent: m.percentage?.value ?? 100,
      })),
    ];
    const mirrors: Mirror[] = mirrorTargets.flatMap((m) =>
      versionsOf(m.destination).map((v) => ({ hash: v.hash, percent: m.percent * v.share })),
    );
    const matches = route.match ?? [];
    return {
      id: ids[i] ?? '',
      matches: (request: SimulatedRequest) =>
        matches.length === 0 || matches.some((m) => istioMatches(m, request)),
      destinations,
      ...(mirrors.length > 0 ? { mirrors } : {}),
    };
  });
}
