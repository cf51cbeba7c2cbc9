import type { RouterCapabilities, RouterKind } from './types.ts';

/** What each router can do (docs/traffic-routing.md has the table). */
export const routerCapabilities: Record<RouterKind, RouterCapabilities> = {
  nginx: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: false,
    stickiness: false,
    extraDestinations: false,
  },
  gatewayAPI: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: true,
    stickiness: true,
    extraDestinations: false,
  },
  istio: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: true,
    stickiness: false,
    extraDestinations: true,
  },
  smi: {
    weights: true,
    headerRoutes: false,
    mirrorRoutes: false,
    stickiness: false,
    extraDestinations: true,
  },
  // Header routes as Argo Rollouts writes them (alb-header-routes.ts); ALB has no mirroring.
  alb: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: false,
    stickiness: false,
    extraDestinations: false,
  },
};
