import type { V1HTTPIngressPath, V1Ingress } from '@kubernetes/client-node';
import { cookieValue, headerValue, pathOf, regexMatches } from './request-match.ts';
import type { RouteRule, SimulatedRequest } from './routing.ts';
import { destinationsOf, type ServiceLookup } from './service-versions.ts';

export const defaultNginxAnnotationPrefix = 'nginx.ingress.kubernetes.io';

/** The canary policy ingress-nginx reads from a canary Ingress's annotations. */
export interface NginxCanaryPolicy {
  header?: string;
  headerValue?: string;
  headerPattern?: string;
  cookie?: string;
  weight: number;
  weightTotal: number;
}

/** The annotations of a canary Ingress (`<prefix>/canary: "true"`), or undefined for any other Ingress. */
export function nginxCanaryPolicy(ingress: V1Ingress, prefix: string): NginxCanaryPolicy | undefined {
  const annotations = ingress.metadata?.annotations ?? {};
  const get = (name: string) => {
    const value = annotations[`${prefix}/${name}`];
    return value === undefined || value === '' ? undefined : value;
  };
  if (get('canary') !== 'true') return undefined;
  const weight = Number.parseInt(get('canary-weight') ?? '0', 10);
  const total = Number.parseInt(get('canary-weight-total') ?? '100', 10);
  return {
    header: get('canary-by-header'),
    headerValue: get('canary-by-header-value'),
    headerPattern: get('canary-by-header-pattern'),
    cookie: get('canary-by-cookie'),
    weight: Number.isFinite(weight) ? Math.max(0, weight) : 0,
    // balancer.lua only uses the total when it is above 100
    weightTotal: Number.isFinite(total) && total > 100 ? total : 100,
  };
}

/**
 * Whether the canary gets a request, by header or cookie, in ingress-nginx's order
 * (balancer.lua route_to_alternative_balancer): canary-by-header, then canary-by-cookie; undefined
 * when neither decides and the weight does. With canary-by-header-value (or, without it,
 * canary-by-header-pattern) the header only ever says yes; a plain canary-by-header says yes for
 * `always` and no for `never`. Cookies say `always` or `never`. Other values are ignored.
 */
export function nginxCanaryDecision(
  policy: NginxCanaryPolicy,
  request: SimulatedRequest,
): boolean | undefined {
  const header = policy.header === undefined ? undefined : headerValue(request, policy.header);
  if (header !== undefined) {
    if (policy.headerValue !== undefined) {
      if (header === policy.headerValue) return true;
    } else if (policy.headerPattern !== undefined) {
      if (regexMatches(policy.headerPattern, header, 'search')) return true;
    } else if (header === 'always') return true;
    else if (header === 'never') return false;
  }
  const cookie = policy.cookie === undefined ? undefined : cookieValue(request, policy.cookie);
  if (cookie === 'always') return true;
  if (cookie === 'never') return false;
  return undefined;
}

/** Whether an Ingress path takes a request path (Exact, Prefix by path elements, else NGINX's string prefix). */
function ingressPathMatches(path: V1HTTPIngressPath, requestPath: string): boolean {
  const p = path.path ?? '/';
  if (path.pathType === 'Exact') return requestPath === p;
  if (path.pathType === 'Prefix') {
    const trimmed = p.replace(/\/+$/, '');
    return trimmed === '' || requestPath === trimmed || requestPath.startsWith(`${trimmed}/`);
  }
  return requestPath.startsWith(p);
}

function pathsOf(ingress: V1Ingress): V1HTTPIngressPath[] {
  const paths = (ingress.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []);
  const fallback = ingress.spec?.defaultBackend;
  if (paths.length === 0 && fallback) return [{ path: '/', pathType: 'Prefix', backend: fallback }];
  return paths;
}

/** NGINX picks the location with the longest path; an exact location wins over a prefix of the same length. */
function byPrecedence(a: V1HTTPIngressPath, b: V1HTTPIngressPath): number {
  const length = (b.path ?? '/').length - (a.path ?? '/').length;
  if (length !== 0) return length;
  return Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact');
}

/**
 * The routing of a stable Ingress and the canary Ingress ingress-nginx merges into it (same
 * host and path): for each path, requests the canary policy decides on by header or cookie,
 * then the rest split canary-weight : (total - canary-weight). Without a canary Ingress every
 * request of a path goes to the stable backend. Pure.
 */
export function nginxRoutingRules(
  input: { stableIngress: V1Ingress; canaryIngress?: V1Ingress; annotationPrefix?: string },
  lookup: ServiceLookup,
): RouteRule[] {
  const prefix = input.annotationPrefix ?? defaultNginxAnnotationPrefix;
  const policy = input.canaryIngress && nginxCanaryPolicy(input.canaryIngress, prefix);
  const canaryPaths = input.canaryIngress ? pathsOf(input.canaryIngress) : [];
  const namespace = input.stableIngress.metadata?.namespace;
  const rules: RouteRule[] = [];
  for (const path of pathsOf(input.stableIngress).sort(byPrecedence)) {
    const id = `nginx:${path.pathType}:${path.path ?? '/'}`;
    const onPath = (request: SimulatedRequest) => ingressPathMatches(path, pathOf(request));
    const stable = destinationsOf(lookup, {
      service: path.backend.service?.name ?? '',
      namespace,
      weight: 1,
    });
    const canaryService = canaryPaths.find((p) => (p.path ?? '/') === (path.path ?? '/'))?.backend.service
      ?.name;
    if (!policy || canaryService === undefined) {
      rules.push({ id, matches: onPath, destinations: stable });
      continue;
    }
    const canary = (weight: number) => destinationsOf(lookup, { service: canaryService, namespace, weight });
    const decided = (to: boolean) => (request: SimulatedRequest) =>
      onPath(request) && nginxCanaryDecision(policy, request) === to;
    rules.push(
      { id: `${id}:canary`, matches: decided(true), destinations: canary(1) },
      { id: `${id}:not-canary`, matches: decided(false), destinations: stable },
      {
        id: `${id}:weight`,
        matches: onPath,
        destinations: [
          ...canary(Math.min(policy.weight, policy.weightTotal)),
          ...stable.map((d) => ({
            ...d,
            weight: d.weight * Math.max(0, policy.weightTotal - policy.weight),
          })),
        ],
      },
    );
  }
  return rules;
}
