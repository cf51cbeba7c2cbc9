import type { RolloutSpecView } from '../../strategies/types.ts';
import {
  pingPongServices,
  type PingPongSpec,
  type PingPongStatus,
} from '../traffic/canary-routing-services.ts';

/** Which of StrategyDecision.selectors a Service follows. */
export type ServiceRole = 'canary' | 'stable';

export interface ServiceRef {
  /** The spec field naming the Service, for error messages. */
  field: string;
  name: string;
  role: ServiceRole;
  /**
   * When the controller points the Service at its version: always; never (the stable pingPong
   * Service keeps the selector it has, as in Argo Rollouts); or only while an update is in
   * progress (the canary pingPong Service).
   */
  selectorWrites?: 'never' | 'whileUpdating';
}

/**
 * The Services a Rollout's strategy points at versions, by role. One mapping for every strategy,
 * so the shell injects selectors, checks that Services exist and reacts to Service changes the
 * same way whether the strategy is a canary, blue-green or an A/B test. With canary pingPong the
 * roles follow `status.canary.stablePingPong`.
 */
export function serviceRefs(spec: RolloutSpecView, status?: PingPongStatus): ServiceRef[] {
  const { canary, blueGreen, abTest } = spec.strategy;
  const refs: (ServiceRef | undefined)[] = [];
  const pingPong = (canary as { pingPong?: PingPongSpec } | undefined)?.pingPong;
  if (pingPong) {
    const roles = pingPongServices(pingPong, status?.canary?.stablePingPong);
    const field = (name: string) =>
      name === pingPong.pingService
        ? 'spec.strategy.canary.pingPong.pingService'
        : 'spec.strategy.canary.pingPong.pongService';
    refs.push({
      field: field(roles.canaryService),
      name: roles.canaryService,
      role: 'canary',
      selectorWrites: 'whileUpdating',
    });
    refs.push({
      field: field(roles.stableService),
      name: roles.stableService,
      role: 'stable',
      selectorWrites: 'never',
    });
  } else if (canary) {
    refs.push(ref('spec.strategy.canary.canaryService', canary.canaryService, 'canary'));
    refs.push(ref('spec.strategy.canary.stableService', canary.stableService, 'stable'));
  }
  if (blueGreen) {
    refs.push(ref('spec.strategy.blueGreen.previewService', blueGreen.previewService, 'canary'));
    refs.push(ref('spec.strategy.blueGreen.activeService', blueGreen.activeService, 'stable'));
  }
  if (abTest) {
    refs.push(ref('spec.strategy.abTest.variants.b.service', abTest.variants.b.service, 'canary'));
    refs.push(ref('spec.strategy.abTest.variants.a.service', abTest.variants.a.service, 'stable'));
  }
  return refs.filter((r) => r !== undefined);
}

function ref(field: string, name: string | undefined, role: ServiceRole): ServiceRef | undefined {
  return name ? { field, name, role } : undefined;
}
