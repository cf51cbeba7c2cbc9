import type { RolloutSpecView } from '../../strategies/types.ts';

/** Which of StrategyDecision.selectors a Service follows. */
export type ServiceRole = 'canary' | 'stable';

export interface ServiceRef {
  /** The spec field naming the Service, for error messages. */
  field: string;
  name: string;
  role: ServiceRole;
}

/**
 * The Services a Rollout's strategy points at versions, by role. One mapping for every strategy,
 * so the shell injects selectors, checks that Services exist and reacts to Service changes the
 * same way whether the strategy is a canary, blue-green or an A/B test.
 */
export function serviceRefs(spec: RolloutSpecView): ServiceRef[] {
  const { canary, blueGreen, abTest } = spec.strategy;
  const refs: (ServiceRef | undefined)[] = [];
  if (canary) {
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
