import type { RouterCapabilities, RouterKind } from './types.ts';

/** What each router can do (docs/traffic-routing.md has the table). */
export const routerCapabilities: Record<RouterKind, RouterCapabilities> = {
  nginx: { weights: true, headerRoutes: true, mirrorRoutes: false, stickiness: false },
  gatewayAPI: { weights: true, headerRoutes: true, mirrorRoutes: true, stickiness: true },
  istio: { weights: true, headerRoutes: true, mirrorRoutes: true, stickiness: false },
  smi: { weights: true, headerRoutes: false, mirrorRoutes: false, stickiness: false },
  // Argo Rollouts' ALB header routes add a use-annotation path to the Ingress rules, which would
  // take the rules from their owner (Git); ALB has no mirroring.
  alb: { weights: true, headerRoutes: false, mirrorRoutes: false, stickiness: false },
};
