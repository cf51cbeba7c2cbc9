import type { TrafficRouting } from '../api/rollout.ts';
import type { RolloutSpecView } from '../../strategies/types.ts';
import { routerCapabilities } from './router-capabilities.ts';
import { routerKinds } from './routers.ts';

/**
 * Steps the configured routers cannot carry out, each naming the step field, e.g.
 * `spec.strategy.canary.steps[3].setMirrorRoute: the smi router does not support mirror routes`.
 * Pure: checked with the other spec problems before anything is written.
 */
export function trafficStepProblems(spec: RolloutSpecView): string[] {
  const canary = spec.strategy.canary;
  const routing = canary?.trafficRouting as TrafficRouting | undefined;
  if (!canary || !routing) return [];
  const kinds = routerKinds(routing);
  const problems: string[] = [];
  const headerRouteNames = new Set<string>();
  (canary.steps ?? []).forEach((step, i) => {
    const path = `spec.strategy.canary.steps[${i}]`;
    const header = step.setHeaderRoute as { name: string; match?: unknown[] } | undefined;
    if (header) {
      for (const kind of kinds.filter((k) => !routerCapabilities[k].headerRoutes))
        problems.push(`${path}.setHeaderRoute: the ${kind} router does not support header routes`);
      if (kinds.includes('nginx')) {
        if ((header.match?.length ?? 0) > 1)
          problems.push(
            `${path}.setHeaderRoute.match: the nginx router supports one header match (canary-by-header)`,
          );
        headerRouteNames.add(header.name);
        if (headerRouteNames.size > 1)
          problems.push(
            `${path}.setHeaderRoute.name: the nginx router supports one header route (canary-by-header)`,
          );
      }
    }
    if (step.setMirrorRoute !== undefined) {
      for (const kind of kinds.filter((k) => !routerCapabilities[k].mirrorRoutes))
        problems.push(`${path}.setMirrorRoute: the ${kind} router does not support mirror routes`);
    }
  });
  return problems;
}
