import { routerTable } from '../api/routers.ts';
import { withCookieStickiness, type StickyBackendRef, type StickyRule } from './gateway-api-stickiness.ts';
import { routerWeights } from './weights.ts';
import { applyBody, applyIfChanged, asRegex, readRequired, type RoutingObject } from './routing-object.ts';
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

interface BackendRef {
  name: string;
  kind?: string;
  group?: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}

interface HeaderMatch {
  type?: string;
  name: string;
  value: string;
}

interface RouteMatch {
  path?: { type?: string; value?: string };
  headers?: HeaderMatch[];
  method?: string;
  [key: string]: unknown;
}

interface Rule {
  name?: string;
  matches?: RouteMatch[];
  filters?: Record<string, unknown>[];
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}

/**
 * Gateway API: sets the weights of the backendRefs to the canary and stable Services in every
 * rule of the HTTPRoute that names both, and adds one rule per header or mirror route, named
 * after the managed route (so the router finds its own rules again). `spec.rules` is an atomic
 * list, so the router applies it whole under the field manager `bellwether`.
 */
export function gatewayApiRouter(
  target: RoutingTarget,
  config: { httpRoute: string; namespace?: string },
  client: RoutingObjectClient,
): TrafficRouter {
  const ref: ObjectRef = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    namespace: config.namespace ?? target.rollout.namespace,
    name: config.httpRoute,
  };
  const field = `${target.field}.gatewayAPI.httpRoute`;
  const managedNames = new Set(target.managedRoutes.map(ruleName));
  const isService = (backend: BackendRef, service: string) =>
    backend.name === service &&
    (backend.kind ?? 'Service') === 'Service' &&
    (backend.group ?? '') === '' &&
    (backend.namespace ?? ref.namespace) === target.rollout.namespace;
  const isWeighted = (rule: Rule) =>
    (rule.backendRefs ?? []).some((b) => isService(b, target.canaryService)) &&
    (rule.backendRefs ?? []).some((b) => isService(b, target.stableService));
  const baseRules = (route: RoutingObject) =>
    ((route.spec?.rules ?? []) as Rule[]).filter((rule) => !managedNames.has(rule.name ?? ''));
  const withWeights = (rule: Rule, canaryPercent: number): Rule => {
    if (!isWeighted(rule)) return rule;
    const weights = routerWeights(canaryPercent, target.maxTrafficWeight);
    const backendRefs = (rule.backendRefs ?? []).map((b) => {
      if (isService(b, target.canaryService)) return { ...b, weight: weights.canary };
      if (isService(b, target.stableService)) return { ...b, weight: weights.stable };
      return b;
    });
    return { ...rule, backendRefs };
  };
  const weightedRules = (route: RoutingObject, canaryPercent: number): Rule[] => {
    const rules = baseRules(route).map((rule) => withWeights(rule, canaryPercent));
    if (!rules.some(isWeighted)) {
      throw new RoutingSpecError(
        field,
        `HTTPRoute "${ref.name}" has no rule with backendRefs to both "${target.canaryService}" and "${target.stableService}"`,
      );
    }
    return rules;
  };

  const stickyServices = {
    isCanary: (backend: StickyBackendRef) => isService(backend, target.canaryService),
    isStable: (backend: StickyBackendRef) => isService(backend, target.stableService),
    isWeighted: (rule: StickyRule) => isWeighted(rule),
  };

  return {
    kind: 'gatewayAPI',
    capabilities: routerTable.gatewayAPI,
    async apply(desired: DesiredRouting) {
      const route = await readRequired(client, ref, field);
      const rules = weightedRules(route, desired.canaryWeight);
      const first = rules.find(isWeighted) as Rule;
      const canaryRef = (first.backendRefs ?? []).find((b) =>
        isService(b, target.canaryService),
      ) as BackendRef;
      const managed = target.managedRoutes.flatMap((name) => {
        const header = desired.headerRoutes.find((r) => r.name === name);
        if (header) return [headerRule(first, canaryRef, header)];
        const mirror = desired.mirrorRoutes.find((r) => r.name === name);
        if (mirror) return [mirrorRule(first, canaryRef, mirror, `${target.field}.managedRoutes`)];
        return [];
      });
      // A/B tests: cookie stickiness (gateway-api-stickiness.ts) on top of the weights.
      const sticky = withCookieStickiness([...rules, ...managed], {
        ...stickyServices,
        cookie: desired.stickiness?.cookie,
        testId: desired.hashes.canary,
        canaryWeight: desired.canaryWeight,
      });
      return applyIfChanged(client, route, applyBody(ref, target, { rules: sticky }));
    },
    async verifyWeight(canaryWeight: number) {
      const route = await readRequired(client, ref, field);
      const expected = routerWeights(canaryWeight, target.maxTrafficWeight);
      const weighted = baseRules(route).filter(isWeighted);
      return (
        weighted.length > 0 &&
        weighted.every((rule) =>
          (rule.backendRefs ?? []).every((b) => {
            if (isService(b, target.canaryService)) return (b.weight ?? 1) === expected.canary;
            if (isService(b, target.stableService)) return (b.weight ?? 1) === expected.stable;
            return true;
          }),
        )
      );
    },
    async restore() {
      const route = await client.read(ref);
      if (!route) return 0;
      const rules = withCookieStickiness(
        baseRules(route).map((rule) => withWeights(rule, 0)),
        { ...stickyServices, cookie: undefined, canaryWeight: 0 },
      );
      return applyIfChanged(client, route, applyBody(ref, target, { rules }, false));
    },
  };
}

/** A managed route's rule name: Gateway API rule names are DNS labels. */
export function ruleName(route: string): string {
  return (
    route
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'route'
  );
}

/** The first weighted rule again, for requests carrying the headers: all of them to the canary. */
function headerRule(first: Rule, canaryRef: BackendRef, route: HeaderRouteDecision): Rule {
  const headers = route.match.map((m): HeaderMatch =>
    m.headerValue.exact !== undefined
      ? { type: 'Exact', name: m.headerName, value: m.headerValue.exact }
      : { type: 'RegularExpression', name: m.headerName, value: asRegex(m.headerValue) },
  );
  const matches = first.matches?.length ? first.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
  const { weight: _weight, ...canary } = canaryRef;
  return {
    ...first,
    name: ruleName(route.name),
    matches: matches.map((m) => ({ ...m, headers: [...(m.headers ?? []), ...headers] })),
    backendRefs: [canary],
  };
}

/** The first weighted rule for the matching requests, plus a RequestMirror filter to the canary. */
function mirrorRule(first: Rule, canaryRef: BackendRef, route: MirrorRouteDecision, field: string): Rule {
  const matches: RouteMatch[] =
    route.match.length > 0
      ? route.match.map((m) => {
          const match: RouteMatch = {};
          if (m.path) {
            match.path =
              m.path.exact !== undefined
                ? { type: 'Exact', value: m.path.exact }
                : m.path.prefix !== undefined
                  ? { type: 'PathPrefix', value: m.path.prefix }
                  : { type: 'RegularExpression', value: asRegex(m.path) };
          }
          if (m.method) {
            if (m.method.exact === undefined)
              throw new RoutingSpecError(
                field,
                `the gatewayAPI router matches methods exactly only (route "${route.name}")`,
              );
            match.method = m.method.exact;
          }
          const headers = Object.entries(m.headers ?? {}).map(([name, value]) =>
            value.exact !== undefined
              ? { type: 'Exact', name, value: value.exact }
              : { type: 'RegularExpression', name, value: asRegex(value) },
          );
          if (headers.length > 0) match.headers = headers;
          return match;
        })
      : (first.matches ?? []);
  const mirror = {
    type: 'RequestMirror',
    requestMirror: {
      backendRef: { name: canaryRef.name, ...(canaryRef.port === undefined ? {} : { port: canaryRef.port }) },
      percent: route.percentage,
    },
  };
  return {
    ...first,
    name: ruleName(route.name),
    matches,
    filters: [...(first.filters ?? []), mirror],
  };
}
