import type { StrategyDecision } from '../../strategies/types.ts';
import { routersFor, routingSpec } from '../traffic/routers.ts';
import { RoutingSpecError, type RoutingObjectClient, type TrafficRouter } from '../traffic/types.ts';
import type { ReconcileDeps } from './reconcile-rollout.ts';
import { podTemplateHashLabel } from './pod-template-hash.ts';
import { annotations, rolloutOwnerReference, rolloutKey, type RolloutObject } from './rollout-object.ts';
import { serviceRefs } from './service-roles.ts';

/**
 * Keeps a deleted Rollout until the controller has put its routing objects and Services back the
 * way they were without it (all traffic on stable, managed routes gone, original selectors).
 */
export const restoreRoutingFinalizer = 'bellwether.dev/restore-routing';

/** Rollouts that change routing objects or Service selectors get the finalizer. */
export function needsRestoreFinalizer(rollout: RolloutObject): boolean {
  return routingSpec(rollout.spec) !== undefined || serviceRefs(rollout.spec).length > 0;
}

function routingClient(deps: ReconcileDeps): RoutingObjectClient {
  return {
    read: (ref) => deps.caches.routingObject(ref),
    apply: (obj) => deps.writer.applyRoutingObject(obj),
    remove: (ref) => deps.writer.deleteRoutingObject(ref),
  };
}

/** The routers of the Rollout's strategy (none without trafficRouting). */
export function rolloutRouters(rollout: RolloutObject, deps: ReconcileDeps): TrafficRouter[] {
  const spec = routingSpec(rollout.spec);
  if (!spec) return [];
  const { name, namespace, uid } = rollout.metadata;
  return routersFor(
    spec,
    { rollout: { name, namespace, uid }, ownerReference: rolloutOwnerReference(rollout) },
    routingClient(deps),
  );
}

/**
 * Adds the finalizer when the Rollout needs it and lacks it. Returns true when it wrote: the
 * cached Rollout is then stale (a new resourceVersion), so the reconcile stops and the watch
 * brings the Rollout back.
 */
export async function ensureRestoreFinalizer(rollout: RolloutObject, deps: ReconcileDeps): Promise<boolean> {
  const finalizers = rollout.metadata.finalizers ?? [];
  if (finalizers.includes(restoreRoutingFinalizer) || !needsRestoreFinalizer(rollout)) return false;
  await setFinalizers(rollout, [...finalizers, restoreRoutingFinalizer], deps);
  return true;
}

async function setFinalizers(rollout: RolloutObject, finalizers: string[], deps: ReconcileDeps) {
  const { namespace, name, resourceVersion = '' } = rollout.metadata;
  await deps.writer.patchRolloutMetadata(namespace, name, resourceVersion, { finalizers });
  deps.supersededVersions?.set(rolloutKey(namespace, name), resourceVersion);
}

/**
 * Applies `decision.traffic` through every router of the Rollout. Returns the spec problem when a
 * routing object is missing or cannot carry the split (reported as InvalidSpec), else undefined.
 */
export async function applyTraffic(
  rollout: RolloutObject,
  decision: StrategyDecision,
  deps: ReconcileDeps,
): Promise<string | undefined> {
  const traffic = decision.traffic;
  if (!traffic) return undefined;
  try {
    for (const router of rolloutRouters(rollout, deps)) {
      const writes = await router.apply({ ...traffic, hashes: decision.selectors });
      if (writes > 0)
        deps.log.info('traffic routed', {
          rollout: rollout.metadata.name,
          namespace: rollout.metadata.namespace,
          router: router.kind,
          canaryWeight: traffic.canaryWeight,
          headerRoutes: traffic.headerRoutes.map((r) => r.name),
          mirrorRoutes: traffic.mirrorRoutes.map((r) => r.name),
        });
    }
    return undefined;
  } catch (err) {
    if (err instanceof RoutingSpecError) return err.message;
    throw err;
  }
}

/**
 * A deleted Rollout that still carries the finalizer: restore every routing object (a missing one
 * is fine: nothing to restore), give the Services their original selectors back, then let the
 * deletion finish. Runs whenever the controller sees the Rollout, so a Rollout deleted while the
 * controller was down is restored when it comes back.
 */
export async function finalizeDeletedRollout(rollout: RolloutObject, deps: ReconcileDeps): Promise<void> {
  const finalizers = rollout.metadata.finalizers ?? [];
  if (!finalizers.includes(restoreRoutingFinalizer)) return;
  const log = deps.log.with({ rollout: rollout.metadata.name, namespace: rollout.metadata.namespace });
  for (const router of rolloutRouters(rollout, deps)) {
    try {
      const writes = await router.restore();
      if (writes > 0) log.info('routing restored', { router: router.kind });
    } catch (err) {
      // A routing object that cannot be read as expected must not keep the Rollout forever.
      if (!(err instanceof RoutingSpecError)) throw err;
      log.warn('routing not restored', { router: router.kind, error: err.message });
    }
  }
  await restoreServiceSelectors(rollout, deps);
  await setFinalizers(
    rollout,
    finalizers.filter((f) => f !== restoreRoutingFinalizer),
    deps,
  );
  log.info('Rollout deleted; routing and Service selectors restored');
}

/** Puts back the selector recorded in `bellwether.dev/original-selector` on the Services this Rollout manages. */
async function restoreServiceSelectors(rollout: RolloutObject, deps: ReconcileDeps): Promise<void> {
  const { namespace } = rollout.metadata;
  for (const { name } of serviceRefs(rollout.spec)) {
    const service = deps.caches.service(namespace, name);
    const current = service?.metadata?.annotations;
    if (current?.[annotations.managedBy] !== rollout.metadata.name) continue;
    const original = parseSelector(current[annotations.originalSelector]);
    // Without a readable original only the injected hash goes: never leave a Service selecting nothing.
    const selector: Record<string, string | null> = { [podTemplateHashLabel]: null };
    if (original) {
      for (const key of Object.keys(service?.spec?.selector ?? {})) selector[key] = null;
      Object.assign(selector, original);
    }
    await deps.writer.patchService(namespace, name, {
      metadata: { annotations: { [annotations.managedBy]: null, [annotations.originalSelector]: null } },
      spec: { selector },
    });
  }
}

function parseSelector(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).length === 0) return undefined;
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string'));
  } catch {
    return undefined;
  }
}
