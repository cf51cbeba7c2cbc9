/**
 * Traffic weight arithmetic for strategies with a traffic router. Pure, integer arithmetic.
 *
 * Weights are kept in the units of `trafficRouting.maxTrafficWeight` (default 100), the scale
 * `setWeight` is written in: with maxTrafficWeight 1000, `setWeight: 5` is 0.5% of traffic.
 * `TrafficDecision.canaryWeight` is a percent (`toPercent`); the router scales it back to its
 * own total. Pod counts are computed from units directly, so no float rounding changes them.
 */

/** Argo Rollouts' default total weight. */
export const DEFAULT_MAX_TRAFFIC_WEIGHT = 100;

/** Weight units -> percent of all traffic (may be fractional, e.g. 5/1000 -> 0.5). */
export function toPercent(units: number, maxTrafficWeight: number): number {
  return (units * 100) / maxTrafficWeight;
}

/** Percent of all traffic -> the nearest weight unit (how a router reads its own total back). */
export function toUnits(percent: number, maxTrafficWeight: number): number {
  return Math.min(maxTrafficWeight, Math.max(0, Math.round((percent * maxTrafficWeight) / 100)));
}

/** Pods that carry `units` of the traffic at spec.replicas `replicas` (rounded up, as Argo). */
export function podsForWeight(replicas: number, units: number, maxTrafficWeight: number): number {
  const clamped = Math.min(maxTrafficWeight, Math.max(0, units));
  return Math.min(replicas, Math.ceil((replicas * clamped) / maxTrafficWeight));
}

/** The largest weight (units) `available` pods carry at spec.replicas `replicas`. */
export function weightPodsCarry(available: number, replicas: number, maxTrafficWeight: number): number {
  if (available >= replicas) return maxTrafficWeight;
  return Math.floor((Math.max(0, available) * maxTrafficWeight) / replicas);
}
