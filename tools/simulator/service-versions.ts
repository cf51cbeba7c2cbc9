import type { V1Service } from '@kubernetes/client-node';
import type { Destination } from './routing.ts';
import { podTemplateHashLabel, type ObservedVersion } from './versions.ts';

/** The share of a Service's traffic one version gets. */
export interface VersionShare {
  hash: string;
  share: number;
}

/** Which versions a Service (named by a route) reaches; none for a Service that does not exist (no endpoints). */
export type ServiceLookup = (name: string, namespace?: string) => readonly VersionShare[];

/**
 * The versions behind a Service, as its selector picks pods. The controller injects
 * `rollouts-pod-template-hash` into the selector, which narrows it to one version; before that
 * (or for a Service it does not manage) the Service spreads over every pod of the Rollout, so
 * each version gets the share of its available replicas. Pure.
 */
export function serviceVersions(
  service: V1Service | undefined,
  versions: readonly ObservedVersion[],
): VersionShare[] {
  if (!service) return [];
  const hash = service.spec?.selector?.[podTemplateHashLabel];
  if (hash !== undefined) return [{ hash, share: 1 }];
  const available = versions.filter((v) => v.availableReplicas > 0);
  const total = available.reduce((n, v) => n + v.availableReplicas, 0);
  return available.map((v) => ({ hash: v.hash, share: v.availableReplicas / total }));
}

/** A lookup over Services read from the cluster (namespace/name), for the Rollout's versions. */
export function serviceLookup(
  services: readonly V1Service[],
  versions: readonly ObservedVersion[],
  defaultNamespace: string,
): ServiceLookup {
  const byKey = new Map(services.map((s) => [`${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`, s]));
  return (name, namespace) =>
    serviceVersions(byKey.get(`${namespace ?? defaultNamespace}/${name}`), versions);
}

/** A route's weighted reference to a Service, as destinations per version. */
export function destinationsOf(
  lookup: ServiceLookup,
  ref: { service: string; namespace?: string; weight: number },
  responseHeaders?: Destination['responseHeaders'],
): Destination[] {
  return lookup(ref.service, ref.namespace).map((v) => ({
    hash: v.hash,
    weight: ref.weight * v.share,
    ...(responseHeaders && responseHeaders.length > 0 ? { responseHeaders } : {}),
  }));
}
