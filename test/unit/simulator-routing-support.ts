import { TableRouter, type RouteRule, type SimulatedRequest } from '../../tools/simulator/routing.ts';
import type { ServiceLookup } from '../../tools/simulator/service-versions.ts';

/** A lookup where each named Service selects one version (as after the controller injected the hash). */
export function lookupOf(services: Record<string, string>): ServiceLookup {
  return (name) => {
    const hash = services[name];
    return hash === undefined ? [] : [{ hash, share: 1 }];
  };
}

export const request = (headers: Record<string, string> = {}, path = '/'): SimulatedRequest => ({
  path,
  headers,
});

/** Requests per version when `count` copies of `req` go through the rules, all versions running. */
export function countsOf(rules: RouteRule[], req: SimulatedRequest, count = 100): Record<string, number> {
  const running = new Set(rules.flatMap((r) => r.destinations.map((d) => d.hash)));
  const router = new TableRouter();
  router.update({ rules }, running);
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const hash = router.route(req)?.hash ?? 'unrouted';
    counts[hash] = (counts[hash] ?? 0) + 1;
  }
  return counts;
}
