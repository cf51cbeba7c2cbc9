import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { HeaderRouteDecision, MirrorRouteDecision, TrafficDecision } from '../../strategies/types.ts';
import type { RouterCapabilities, RouterKind } from '../api/routers.ts';

/** A routing object as routers handle it: metadata plus a spec they read loosely. */
export type RoutingObject = KubernetesObject & { spec?: Record<string, unknown> };

/** Names one object a router reads or writes. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * The only way routers touch the cluster: a GET, a server-side apply under the field manager
 * `bellwether` (force: the routers send only fields they own), and a delete. The controller backs
 * reads with direct GETs and writes with its ClusterWriter, so tests and metrics count them.
 */
export interface RoutingObjectClient {
  /** The object, or undefined when it does not exist. */
  read(ref: ObjectRef): Promise<RoutingObject | undefined>;
  apply(obj: KubernetesObject): Promise<void>;
  /**
   * A JSON merge patch (put `metadata.resourceVersion` in it to guard it), for a field the router
   * shares with the object's owner, such as an Ingress path Argo Rollouts inserts: unlike an apply,
   * a later apply by the router without that field does not delete it.
   */
  patch(ref: ObjectRef, patch: Record<string, unknown>): Promise<void>;
  /** Deletes the object; a missing object is not an error. */
  remove(ref: ObjectRef): Promise<void>;
}

/** Everything a router needs to know about the Rollout it routes for. */
export interface RoutingTarget {
  rollout: { name: string; namespace: string; uid: string };
  /** Put on objects a router generates (canary Ingress, a TrafficSplit it created). */
  ownerReference: V1OwnerReference;
  /** Field path of the trafficRouting block, e.g. `spec.strategy.canary.trafficRouting`. */
  field: string;
  canaryService: string;
  stableService: string;
  /** The total the weights add up to (trafficRouting.maxTrafficWeight, default 100). */
  maxTrafficWeight: number;
  /** trafficRouting.managedRoutes names, highest precedence first. */
  managedRoutes: readonly string[];
}

/**
 * A Service that gets `weight` percent of all traffic next to the canary and the stable (a
 * running experiment step's template with `weight`); the stable's share is reduced by it.
 */
export interface ExtraDestination {
  service: string;
  weight: number;
}

/** What the routing objects should say now: the strategy's decision plus the hashes Services select. */
export interface DesiredRouting extends TrafficDecision {
  /** Pod template hashes of the versions (DestinationRule subsets point at them). */
  hashes: { canary?: string; stable?: string };
  /** Extra weighted destinations; only routers with `extraDestinations` are ever given any. */
  extra?: readonly ExtraDestination[];
}

/**
 * One traffic router. Every method is idempotent: it reads the routing objects, computes what
 * they should say, and writes only when that differs, only the fields it owns, marking what it
 * changed with the `bellwether.dev/managed-by` annotation.
 */
export interface TrafficRouter {
  readonly kind: RouterKind;
  readonly capabilities: RouterCapabilities;
  /** Sets the weight, header routes and mirror routes of `desired`. Returns the objects written. */
  apply(desired: DesiredRouting): Promise<number>;
  /** True when the routing objects carry exactly this canary weight (percent), as read back now. */
  verifyWeight(canaryWeight: number): Promise<boolean>;
  /**
   * All traffic on stable, every managed route removed, generated objects deleted: what the
   * routing looks like without the Rollout (deletion). Returns the objects written or deleted.
   */
  restore(): Promise<number>;
}

/**
 * A routing object the spec names is missing or cannot carry the split. Reported as InvalidSpec
 * (the message starts with the field path); the controller keeps running.
 */
export class RoutingSpecError extends Error {
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'RoutingSpecError';
  }
}

export type { HeaderRouteDecision, MirrorRouteDecision };
