/**
 * Which Services a canary with trafficRouting needs, as Argo Rollouts decides it: every router
 * splits between a canary and a stable Service, except Istio with a DestinationRule alone (the
 * split is between subsets, so the VirtualService names its own host), and pingPong stands in
 * for the two Services (ALB only). Pure; semantics.ts reports what this returns.
 */
import type { CanaryStrategy, TrafficRouting } from './rollout.ts';

export interface FieldProblem {
  /** Path below the canary strategy, e.g. `.canaryService`. */
  path: string;
  detail: string;
}

/** True when the only router is Istio with a DestinationRule (subset-level split). */
export function splitsBySubsetsOnly(routing: TrafficRouting): boolean {
  return (
    routing.istio?.destinationRule !== undefined &&
    routing.nginx === undefined &&
    routing.gatewayAPI === undefined &&
    routing.smi === undefined &&
    routing.alb === undefined
  );
}

/** Problems with canaryService, stableService and pingPong of a canary strategy. */
export function canaryServiceProblems(canary: CanaryStrategy): FieldProblem[] {
  const routing = canary.trafficRouting;
  const problems: FieldProblem[] = [];
  if (canary.pingPong !== undefined) {
    if (routing?.alb === undefined)
      problems.push({
        path: '.pingPong',
        detail: 'requires trafficRouting.alb (ping-pong Services take turns behind the ALB action)',
      });
    for (const field of ['canaryService', 'stableService'] as const)
      if (canary[field] !== undefined)
        problems.push({
          path: `.${field}`,
          detail: 'cannot be used with pingPong (the two Services take turns)',
        });
    if (routing?.alb !== undefined && routing.alb.rootService === undefined)
      problems.push({
        path: '.trafficRouting.alb.rootService',
        detail: 'is required with pingPong (it names the action; neither ping nor pong is always stable)',
      });
    if (canary.pingPong.pingService === canary.pingPong.pongService)
      problems.push({ path: '.pingPong.pongService', detail: 'must differ from pingService' });
    return problems;
  }
  if (routing === undefined || splitsBySubsetsOnly(routing)) return problems;
  for (const field of ['canaryService', 'stableService'] as const)
    if (canary[field] === undefined)
      problems.push({ path: `.${field}`, detail: 'is required when trafficRouting is set' });
  return problems;
}
