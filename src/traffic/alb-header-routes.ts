/**
 * ALB header routes as Argo Rollouts writes them: for a managed route `<name>` set by a
 * setHeaderRoute step, the Ingress gets
 * - `<prefix>/actions.<name>`: a forward action to the canary target group alone (Weight 100),
 * - `<prefix>/conditions.<name>`: `[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":H,"values":[V]}}]`,
 * - a path `/*` (ImplementationSpecific) with backend `<name>`, port name `use-annotation`,
 *   first in every rule, the managed-route paths in managedRoutes order;
 * and when the route is removed, all three go. Paths and annotations of other names are never
 * touched. ALB header conditions match exact values with `*` and `?` wildcards, so an exact match
 * is written as is and a prefix match as `<prefix>*` (Argo writes the exact value only). Pure.
 */
import type { AlbTrafficRouting } from '../api/rollout.ts';
import { albAnnotationPrefix } from './alb-names.ts';
import type { HeaderRouteDecision } from './types.ts';

export interface AlbIngressPath {
  path?: string;
  pathType?: string;
  backend?: { service?: { name?: string; port?: { name?: string; number?: number } } };
  [key: string]: unknown;
}

export interface AlbIngressRule {
  http?: { paths?: AlbIngressPath[] };
  [key: string]: unknown;
}

/** The annotation keys of one header route. */
export function albRouteKeys(config: Pick<AlbTrafficRouting, 'annotationPrefix'>, route: string) {
  const prefix = config.annotationPrefix ?? albAnnotationPrefix;
  return { action: `${prefix}/actions.${route}`, conditions: `${prefix}/conditions.${route}` };
}

/** The action of a header route: every matching request to the canary target group. */
export function albHeaderAction(
  config: Pick<AlbTrafficRouting, 'servicePort' | 'stickinessConfig'>,
  canaryService: string,
): string {
  const forward: Record<string, unknown> = {
    TargetGroups: [{ ServiceName: canaryService, ServicePort: String(config.servicePort), Weight: 100 }],
  };
  if (config.stickinessConfig?.enabled)
    forward.TargetGroupStickinessConfig = {
      Enabled: true,
      DurationSeconds: config.stickinessConfig.durationSeconds,
    };
  return JSON.stringify({ Type: 'forward', ForwardConfig: forward });
}

/** The conditions of a header route (all must match, as ALB combines conditions). */
export function albHeaderConditions(route: HeaderRouteDecision): string {
  return JSON.stringify(
    route.match.map((m) => ({
      field: 'http-header',
      httpHeaderConfig: {
        httpHeaderName: m.headerName,
        values: [m.headerValue.exact ?? `${m.headerValue.prefix ?? ''}*`],
      },
    })),
  );
}

function routePath(name: string): AlbIngressPath {
  return {
    path: '/*',
    pathType: 'ImplementationSpecific',
    backend: { service: { name, port: { name: 'use-annotation' } } },
  };
}

const backendName = (path: AlbIngressPath) => path.backend?.service?.name ?? '';

/**
 * The rules with a path for each active route first (in managedRoutes order) and no path for a
 * managed route that is not active; every other path stays where it was.
 */
export function albRulesWithRoutes(
  rules: readonly AlbIngressRule[],
  managedRoutes: readonly string[],
  active: ReadonlySet<string>,
): AlbIngressRule[] {
  const managed = new Set(managedRoutes);
  return rules.map((rule) => {
    const paths = rule.http?.paths ?? [];
    const existing = new Map(
      paths.filter((p) => managed.has(backendName(p))).map((p) => [backendName(p), p]),
    );
    const routes = managedRoutes
      .filter((name) => active.has(name))
      .map((name) => existing.get(name) ?? routePath(name));
    const others = paths.filter((p) => !managed.has(backendName(p)));
    return { ...rule, http: { ...rule.http, paths: [...routes, ...others] } };
  });
}

/** The annotation values the header routes want: a string to set, null to remove. */
export function albRouteAnnotations(
  config: Pick<AlbTrafficRouting, 'annotationPrefix' | 'servicePort' | 'stickinessConfig'>,
  canaryService: string,
  managedRoutes: readonly string[],
  headerRoutes: readonly HeaderRouteDecision[],
): Record<string, string | null> {
  const result: Record<string, string | null> = {};
  for (const name of managedRoutes) {
    const keys = albRouteKeys(config, name);
    const route = headerRoutes.find((r) => r.name === name);
    result[keys.action] = route ? albHeaderAction(config, canaryService) : null;
    result[keys.conditions] = route ? albHeaderConditions(route) : null;
  }
  return result;
}
