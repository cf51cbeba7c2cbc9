import { headerValue, pathOf, queryValue, regexMatches } from './request-match.ts';
import {
  numberedIds,
  type Destination,
  type Mirror,
  type RouteRule,
  type SimulatedRequest,
} from './routing.ts';
import { destinationsOf, type ServiceLookup } from './service-versions.ts';

/** The parts of a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) that decide where a request goes. */
export interface HTTPRoute {
  metadata?: { name?: string; namespace?: string };
  spec?: { rules?: HTTPRouteRule[] };
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
}

interface ValueMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface HTTPRouteMatch {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression'; value?: string };
  headers?: ValueMatch[];
  queryParams?: ValueMatch[];
  method?: string;
}

interface HeaderModifier {
  set?: { name: string; value: string }[];
  add?: { name: string; value: string }[];
}

export interface HTTPRouteFilter {
  type: string;
  responseHeaderModifier?: HeaderModifier;
  requestMirror?: {
    backendRef: BackendObjectRef;
    percent?: number;
    fraction?: { numerator: number; denominator?: number };
  };
}

interface BackendObjectRef {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
}

export interface HTTPBackendRef extends BackendObjectRef {
  port?: number;
  weight?: number;
  filters?: HTTPRouteFilter[];
}

const isService = (ref: BackendObjectRef) =>
  (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';

function valueMatches(match: ValueMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  return match.type === 'RegularExpression' ? regexMatches(match.value, value) : value === match.value;
}

/** Only the first condition on a header name counts; later ones with the same name are ignored (spec). */
function firstPerName(matches: readonly ValueMatch[], caseInsensitive: boolean): ValueMatch[] {
  const seen = new Set<string>();
  return matches.filter((m) => {
    const key = caseInsensitive ? m.name.toLowerCase() : m.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pathMatches(match: HTTPRouteMatch['path'], path: string): boolean {
  const value = match?.value ?? '/';
  switch (match?.type ?? 'PathPrefix') {
    case 'Exact':
      return path === value;
    case 'RegularExpression':
      return regexMatches(value, path);
    default: {
      // by path elements: /foo matches /foo and /foo/bar, not /foobar
      const trimmed = value.replace(/\/+$/, '');
      return trimmed === '' || path === trimmed || path.startsWith(`${trimmed}/`);
    }
  }
}

/** Whether a request satisfies one HTTPRouteMatch (all of its conditions). */
export function httpRouteMatches(match: HTTPRouteMatch, request: SimulatedRequest): boolean {
  if (!pathMatches(match.path, pathOf(request))) return false;
  if (match.method !== undefined && match.method !== (request.method ?? 'GET')) return false;
  const headers = firstPerName(match.headers ?? [], true);
  if (!headers.every((h) => valueMatches(h, headerValue(request, h.name)))) return false;
  const query = firstPerName(match.queryParams ?? [], false);
  return query.every((q) => valueMatches(q, queryValue(request, q.name)));
}

/**
 * The order the spec gives matches that could both take a request: exact path, then the longest
 * path prefix, then a method match, then the most header matches, then the most query parameter
 * matches; still tied, the earlier rule. Negative when `a` comes first.
 */
export function compareMatchPrecedence(a: HTTPRouteMatch, b: HTTPRouteMatch): number {
  const exact = (m: HTTPRouteMatch) => Number(m.path?.type === 'Exact');
  const prefixLength = (m: HTTPRouteMatch) =>
    (m.path?.type ?? 'PathPrefix') === 'PathPrefix' ? (m.path?.value ?? '/').length : 0;
  const criteria = [
    exact,
    prefixLength,
    (m: HTTPRouteMatch) => Number(m.method !== undefined),
    (m: HTTPRouteMatch) => m.headers?.length ?? 0,
    (m: HTTPRouteMatch) => m.queryParams?.length ?? 0,
  ];
  for (const criterion of criteria) {
    const diff = criterion(b) - criterion(a);
    if (diff !== 0) return diff;
  }
  return 0;
}

function responseHeadersOf(filters: readonly HTTPRouteFilter[] | undefined): [string, string][] {
  return (filters ?? [])
    .filter((f) => f.type === 'ResponseHeaderModifier')
    .flatMap((f) => [...(f.responseHeaderModifier?.set ?? []), ...(f.responseHeaderModifier?.add ?? [])])
    .map((h): [string, string] => [h.name.toLowerCase(), h.value]);
}

function mirrorPercent(mirror: NonNullable<HTTPRouteFilter['requestMirror']>): number {
  if (mirror.percent !== undefined) return mirror.percent;
  if (mirror.fraction) return (100 * mirror.fraction.numerator) / (mirror.fraction.denominator ?? 100);
  return 100;
}

function ruleTargets(
  rule: HTTPRouteRule,
  lookup: ServiceLookup,
  namespace: string | undefined,
): { destinations: Destination[]; mirrors: Mirror[] } {
  const ruleHeaders = responseHeadersOf(rule.filters);
  const destinations = (rule.backendRefs ?? [])
    .filter(isService)
    .flatMap((ref) =>
      destinationsOf(
        lookup,
        { service: ref.name, namespace: ref.namespace ?? namespace, weight: ref.weight ?? 1 },
        [...ruleHeaders, ...responseHeadersOf(ref.filters)],
      ),
    );
  const mirrors = (rule.filters ?? [])
    .filter((f) => f.type === 'RequestMirror' && f.requestMirror && isService(f.requestMirror.backendRef))
    .flatMap((f) => {
      const mirror = f.requestMirror as NonNullable<HTTPRouteFilter['requestMirror']>;
      const percent = mirrorPercent(mirror);
      const ref = mirror.backendRef;
      return lookup(ref.name, ref.namespace ?? namespace).map((v) => ({
        hash: v.hash,
        percent: percent * v.share,
      }));
    });
  return { destinations, mirrors };
}

/**
 * The routing of one HTTPRoute, as a Gateway implementation applies it: every (rule, match)
 * pair ordered by the spec's match precedence (a rule without matches matches every path),
 * each sending to its backendRefs by weight (default 1; Services only). Response header
 * filters of the rule and of each backendRef travel with that backend's answers;
 * RequestMirror filters copy the rule's requests to the mirror Service. Pure.
 */
export function gatewayRoutingRules(route: HTTPRoute, lookup: ServiceLookup): RouteRule[] {
  const namespace = route.metadata?.namespace;
  const pairs = (route.spec?.rules ?? []).flatMap((rule, ruleIndex) =>
    (rule.matches && rule.matches.length > 0 ? rule.matches : [{}]).map((match) => ({
      rule,
      ruleIndex,
      match,
    })),
  );
  pairs.sort((a, b) => compareMatchPrecedence(a.match, b.match) || a.ruleIndex - b.ruleIndex);
  // named by content, not position: a rule inserted before another must not reset its round robin
  const ids = numberedIds(
    pairs.map(
      ({ rule, match }) =>
        `gateway:${rule.name ?? ''}:${JSON.stringify(match)}:${(rule.backendRefs ?? []).map((r) => r.name).join(',')}`,
    ),
  );
  return pairs.map(({ rule, match }, i) => {
    const { destinations, mirrors } = ruleTargets(rule, lookup, namespace);
    return {
      id: ids[i] ?? '',
      matches: (request: SimulatedRequest) => httpRouteMatches(match, request),
      destinations,
      ...(mirrors.length > 0 ? { mirrors } : {}),
    };
  });
}
