import type { SmoothWeightedRoundRobin } from './allocation.ts';

/**
 * What a simulated client sends. Headers (including `cookie`) are sent for real and are what
 * header/cookie routing (A/B tests, `setHeaderRoute`) decides on.
 */
export interface SimulatedRequest {
  path: string;
  headers: Readonly<Record<string, string>>;
}

/** A route that sends every matching request to one version, whatever the weights say. */
export interface MatchRoute {
  /** `rollouts-pod-template-hash` of the version it sends to. */
  hash: string;
  matches(request: SimulatedRequest): boolean;
}

/**
 * Where traffic goes, as the routing layer a Rollout drives would send it. Today: the ratio of
 * available replicas (no traffic router: a Service spreads requests over all pods). Later: the
 * weights the controller wrote into an NGINX canary Ingress, a Gateway API HTTPRoute or an Istio
 * VirtualService, and their header/cookie matches.
 */
export interface WeightSource {
  /** Weight per pod template hash; only the ratios matter. */
  currentWeights(): Promise<Map<string, number>>;
  /** Routes checked before the weights, in order; sources without header routing leave this out. */
  currentMatchRoutes?(): Promise<MatchRoute[]>;
}

/**
 * The version one request goes to: the first matching route whose version is running, else the
 * next pick of the weighted round robin (whose weights only name running versions).
 */
export function chooseTarget(
  request: SimulatedRequest,
  routes: readonly MatchRoute[],
  running: ReadonlySet<string>,
  weighted: SmoothWeightedRoundRobin,
): string | undefined {
  for (const route of routes) {
    if (running.has(route.hash) && route.matches(request)) return route.hash;
  }
  return weighted.next();
}

/** Weights restricted to versions that are running: a router only sends traffic to ready endpoints. */
export function runningWeights(
  weights: ReadonlyMap<string, number>,
  running: ReadonlySet<string>,
): Map<string, number> {
  return new Map([...weights].filter(([hash]) => running.has(hash)));
}
