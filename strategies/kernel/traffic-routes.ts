/**
 * Header and mirror routes a traffic router should have, derived from the steps executed so
 * far. Pure, and independent of the canary machine so other routed strategies can reuse it.
 *
 * Routes are not state: a step with `setHeaderRoute` / `setMirrorRoute` declares a route by
 * name, a later step with the same name replaces it, and one with no `match` (or an empty one)
 * removes it. The routes in effect are what the executed steps leave, in
 * `trafficRouting.managedRoutes` order (highest precedence first). A name that is not a managed
 * route is left out: `src/api/semantics.ts` rejects such a spec before the core runs.
 */
import type { CanaryStep, HeaderRouteDecision, MirrorRouteDecision } from '../types.ts';

/** Default share of matching requests a mirror route copies to the canary. */
export const DEFAULT_MIRROR_PERCENTAGE = 100;

export interface RoutesInEffect {
  headerRoutes: HeaderRouteDecision[];
  mirrorRoutes: MirrorRouteDecision[];
}

export const NO_ROUTES: RoutesInEffect = { headerRoutes: [], mirrorRoutes: [] };

type RouteStep = Pick<CanaryStep, 'setHeaderRoute' | 'setMirrorRoute'>;
type Route = { kind: 'header'; route: HeaderRouteDecision } | { kind: 'mirror'; route: MirrorRouteDecision };

/** The routes `executedSteps` leave in place, ordered by `managedRoutes`. */
export function routesInEffect(
  executedSteps: readonly RouteStep[],
  managedRoutes: readonly string[],
): RoutesInEffect {
  // One managed route is one name: whichever step named it last decides what it is.
  const byName = new Map<string, Route | undefined>();
  for (const step of executedSteps) {
    const header = step.setHeaderRoute;
    if (header !== undefined) {
      const match = header.match ?? [];
      byName.set(
        header.name,
        match.length > 0 ? { kind: 'header', route: { name: header.name, match } } : undefined,
      );
    }
    const mirror = step.setMirrorRoute;
    if (mirror !== undefined) {
      const match = mirror.match ?? [];
      byName.set(
        mirror.name,
        match.length > 0
          ? {
              kind: 'mirror',
              route: {
                name: mirror.name,
                percentage: mirror.percentage ?? DEFAULT_MIRROR_PERCENTAGE,
                match,
              },
            }
          : undefined,
      );
    }
  }
  const routes: RoutesInEffect = { headerRoutes: [], mirrorRoutes: [] };
  for (const name of managedRoutes) {
    const route = byName.get(name);
    if (route?.kind === 'header') routes.headerRoutes.push(route.route);
    else if (route?.kind === 'mirror') routes.mirrorRoutes.push(route.route);
  }
  return routes;
}
