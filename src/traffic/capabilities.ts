import type { TrafficRouting } from '../api/rollout.ts';
import type { RolloutSpecView } from '../../strategies/types.ts';
import { kindsWith, routerTable } from '../api/routers.ts';
import { routerKinds } from './routers.ts';

/**
 * Steps the configured routers cannot carry out, each naming the step field, e.g.
 * `spec.strategy.canary.steps[3].setMirrorRoute: the smi router does not support mirror routes`.
 * Pure: checked with the other spec problems before anything is written.
 */
export function trafficStepProblems(spec: RolloutSpecView): string[] {
  return trafficStepIssues(spec).map(({ path, detail }) => `${path}: ${detail}`);
}

/** The same problems as field path and detail (`bellwether lint` points at the line of the path). */
export function trafficStepIssues(spec: RolloutSpecView): { path: string; detail: string }[] {
  const canary = spec.strategy.canary;
  const routing = canary?.trafficRouting as TrafficRouting | undefined;
  if (!canary) return [];
  const problems: { path: string; detail: string }[] = [];
  if (!routing) return problems;
  const kinds = routerKinds(routing);
  const headerRouteNames = new Set<string>();
  (canary.steps ?? []).forEach((step, i) => {
    const path = `spec.strategy.canary.steps[${i}]`;
    const header = step.setHeaderRoute as { name: string; match?: unknown[] } | undefined;
    if (header) {
      for (const kind of kinds.filter((k) => !routerTable[k].headerRoutes))
        problems.push({
          path: `${path}.setHeaderRoute`,
          detail: `the ${kind} router does not support header routes`,
        });
      if (kinds.includes('alb'))
        (header.match ?? []).forEach((m, j) => {
          if ((m as { headerValue?: { regex?: string } }).headerValue?.regex !== undefined)
            problems.push({
              path: `${path}.setHeaderRoute.match[${j}].headerValue.regex`,
              detail:
                'the alb router matches header values exactly or by prefix (ALB conditions have no regular expressions)',
            });
        });
      if (kinds.includes('nginx')) {
        if ((header.match?.length ?? 0) > 1)
          problems.push({
            path: `${path}.setHeaderRoute.match`,
            detail: 'the nginx router supports one header match (canary-by-header)',
          });
        headerRouteNames.add(header.name);
        if (headerRouteNames.size > 1)
          problems.push({
            path: `${path}.setHeaderRoute.name`,
            detail: 'the nginx router supports one header route (canary-by-header)',
          });
      }
    }
    const templates = (step.experiment as { templates?: { weight?: number }[] } | undefined)?.templates ?? [];
    templates.forEach((template, j) => {
      if (template.weight === undefined) return;
      for (const kind of kinds.filter((k) => !routerTable[k].extraDestinations))
        problems.push({
          path: `${path}.experiment.templates[${j}].weight`,
          detail: `the ${kind} router cannot send traffic to an experiment template (only ${kindsWith((c) => c.extraDestinations)} can)`,
        });
    });
    if (step.setMirrorRoute !== undefined) {
      for (const kind of kinds.filter((k) => !routerTable[k].mirrorRoutes))
        problems.push({
          path: `${path}.setMirrorRoute`,
          detail: `the ${kind} router does not support mirror routes`,
        });
    }
  });
  return problems;
}
