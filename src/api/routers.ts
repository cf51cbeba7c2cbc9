/**
 * The one table of traffic routers, keyed by the `trafficRouting` field that names each: what it
 * can carry out. Everything that lists routers derives from it: the CRD rule "at least one router"
 * (rollout.ts), the A/B check (semantics.ts), the step and stickiness checks that the controller
 * and `bellwether lint` share (src/traffic/capabilities.ts, stickiness-support.ts), and the routers
 * themselves (src/traffic/routers.ts has one factory per key, which TypeScript holds complete).
 * docs/traffic-routing.md shows it as a table. It lives in src/api, the lowest room that needs it.
 */

/** What a router can do; a step or field needing a missing capability is an InvalidSpec naming it. */
export interface RouterCapabilities {
  weights: true;
  headerRoutes: boolean;
  mirrorRoutes: boolean;
  /** Splits users between the variants of an A/B test (a layer-7 router). */
  abVariants: boolean;
  /** Keeps a user on the variant first assigned (spec.strategy.abTest.stickiness), by cookie or header. */
  stickiness: { cookie: boolean; header: boolean };
  /** Weighted destinations beyond canary and stable (experiment step templates with `weight`). */
  extraDestinations: boolean;
}

const none = { cookie: false, header: false };

export const routerTable = {
  nginx: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: false,
    abVariants: true,
    stickiness: none,
    extraDestinations: false,
  },
  // Cookie stickiness: gateway-api-stickiness.ts. Header stickiness (a stable hash of a header
  // value) needs consistent hashing per backend, which HTTPRoute cannot express.
  gatewayAPI: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: true,
    abVariants: true,
    stickiness: { cookie: true, header: false },
    extraDestinations: false,
  },
  istio: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: true,
    abVariants: true,
    stickiness: none,
    extraDestinations: true,
  },
  smi: {
    weights: true,
    headerRoutes: false,
    mirrorRoutes: false,
    abVariants: false,
    stickiness: none,
    extraDestinations: true,
  },
  // Header routes as Argo Rollouts writes them (alb-header-routes.ts); ALB has no mirroring.
  alb: {
    weights: true,
    headerRoutes: true,
    mirrorRoutes: false,
    abVariants: false,
    stickiness: none,
    extraDestinations: false,
  },
} as const satisfies Record<string, RouterCapabilities>;

export type RouterKind = keyof typeof routerTable;

/** The router kinds, in the table's order (the order routers are applied in). */
export const routerKindList = Object.keys(routerTable) as RouterKind[];

/** `a, b or c`: the kinds with a capability, as a message names them. */
export function kindsWith(has: (c: RouterCapabilities) => boolean): string {
  const kinds = routerKindList.filter((kind) => has(routerTable[kind]));
  return kinds.length <= 1
    ? (kinds[0] ?? 'none')
    : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1) ?? ''}`;
}
