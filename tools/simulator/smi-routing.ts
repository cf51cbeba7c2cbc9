import type { RouteRule } from './routing.ts';
import { destinationsOf, type ServiceLookup } from './service-versions.ts';

/** The parts of an SMI TrafficSplit (split.smi-spec.io, v1alpha1 to v1alpha4) that split traffic. */
export interface TrafficSplit {
  metadata?: { name?: string; namespace?: string };
  spec?: { service?: string; backends?: { service: string; weight?: number | string }[] };
}

/**
 * A backend weight: an integer from v1alpha2 on, a Kubernetes quantity in v1alpha1 (`500m`,
 * `1`, `1k`). Only ratios matter, so the scale of the suffix is all that is needed.
 */
export function smiWeight(weight: number | string | undefined): number {
  if (weight === undefined) return 0;
  if (typeof weight === 'number') return Math.max(0, weight);
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G)?$/.exec(weight.trim());
  if (!match) return 0;
  const scale = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * scale;
}

/**
 * The routing of a TrafficSplit: every request to the root Service is split over the backends
 * by weight. A TrafficSplit has no header routes (HTTPRouteGroup matches are not simulated). Pure.
 */
export function smiRoutingRules(split: TrafficSplit, lookup: ServiceLookup): RouteRule[] {
  const namespace = split.metadata?.namespace;
  return [
    {
      id: 'smi',
      matches: () => true,
      destinations: (split.spec?.backends ?? []).flatMap((b) =>
        destinationsOf(lookup, { service: b.service, namespace, weight: smiWeight(b.weight) }),
      ),
    },
  ];
}
