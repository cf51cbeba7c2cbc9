import type { V1Service } from '@kubernetes/client-node';
import { routersFor, routingSpec, type RoutingSpec } from '../traffic/routers.ts';
import { RoutingSpecError } from '../traffic/types.ts';
import type { Logger } from '../log.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import type { Caches } from './reconcile-deps.ts';
import { annotations, podTemplateHashLabel } from '../kube/names.ts';
import { rolloutKey, type RolloutObject } from './rollout-object.ts';
import { routingClient } from './traffic-routing.ts';

/**
 * Putting routing back when a Rollout is deleted, without ever holding the deletion.
 *
 * Earlier versions kept a deleted Rollout with the `bellwether.dev/restore-routing` finalizer
 * until the controller had restored its routing objects and Services. With no controller
 * running, that finalizer kept the Rollout, and so its whole namespace, Terminating forever.
 * Now nothing holds the deletion: what a restore needs is kept on the objects being restored.
 *
 * - Each Service whose selector the controller changed carries `bellwether.dev/managed-by` (the
 *   Rollout) and `bellwether.dev/original-selector` (what to put back), as before.
 * - The stable Service of a Rollout with trafficRouting also carries the restore record
 *   (`bellwether.dev/restore-routing`): the Rollout's name and uid and its trafficRouting block,
 *   written before the first routing write, so the routers can be rebuilt without the Rollout.
 *
 * Whenever the controller finds such a Service naming a Rollout that no longer exists (at the
 * delete event, at start-up, on every resync), it restores the routing objects from the record,
 * then the Service selectors, then drops the annotations. A Rollout deleted while no controller
 * runs is gone at once (its namespace too); its routing is restored when a controller next runs.
 * `bellwether uninstall` runs the same restore for every Rollout before it removes the controller.
 */
export const restoreRecordAnnotation = 'bellwether.dev/restore-routing';

/** The finalizer of earlier versions: still released (after a restore) where it is found. */
export const restoreRoutingFinalizer = 'bellwether.dev/restore-routing';

/** What the restore record on the stable Service holds. */
export interface RestoreRecord {
  rollout: string;
  uid: string;
  routing: RoutingSpec;
}

export interface RestoreDeps {
  caches: Pick<Caches, 'service' | 'services' | 'routingObject'>;
  writer: Pick<
    ClusterWriter,
    | 'patchService'
    | 'applyRoutingObject'
    | 'patchRoutingObject'
    | 'deleteRoutingObject'
    | 'patchRolloutMetadata'
  >;
  log: Logger;
  supersededVersions?: Map<string, string>;
}

export function restoreRecordOf(service: V1Service | undefined): RestoreRecord | undefined {
  const text = service?.metadata?.annotations?.[restoreRecordAnnotation];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<RestoreRecord> | null;
    if (typeof parsed?.rollout !== 'string' || typeof parsed.uid !== 'string' || !parsed.routing)
      return undefined;
    return parsed as RestoreRecord;
  } catch {
    return undefined;
  }
}

/** The Rollouts a Service's annotations name (selector managed, restore record), for orphan checks. */
export function rolloutsNamedBy(service: V1Service): string[] {
  const names = new Set<string>();
  const managed = service.metadata?.annotations?.[annotations.managedBy];
  if (managed) names.add(managed);
  const record = restoreRecordOf(service);
  if (record) names.add(record.rollout);
  return [...names];
}

/**
 * Keeps the restore record on the stable Service up to date (before any routing write), drops
 * records of this Rollout left on other Services, and releases the finalizer of earlier versions.
 * Writes nothing when all is as it should be. Returns true when it changed the Rollout itself
 * (the cached copy is then stale: the reconcile stops and the watch brings the new version).
 */
export async function ensureRestoreRecord(rollout: RolloutObject, deps: RestoreDeps): Promise<boolean> {
  const { namespace, name, uid } = rollout.metadata;
  const spec = routingSpec(rollout.spec, rollout.status);
  const wanted = spec
    ? JSON.stringify({ rollout: name, uid, routing: spec } satisfies RestoreRecord)
    : undefined;
  for (const service of deps.caches.services(namespace)) {
    const serviceName = service.metadata?.name ?? '';
    const current = service.metadata?.annotations?.[restoreRecordAnnotation];
    const value = serviceName === spec?.stableService ? wanted : undefined;
    if (current === value || (value === undefined && restoreRecordOf(service)?.rollout !== name)) continue;
    await deps.writer.patchService(namespace, serviceName, {
      metadata: { annotations: { [restoreRecordAnnotation]: value ?? null } },
    });
  }
  if (spec && !deps.caches.service(namespace, spec.stableService)) return false; // InvalidSpec reports it
  const finalizers = rollout.metadata.finalizers ?? [];
  if (!finalizers.includes(restoreRoutingFinalizer)) return false;
  await setFinalizers(
    rollout,
    finalizers.filter((f) => f !== restoreRoutingFinalizer),
    deps,
  );
  return true;
}

/**
 * The Rollout `namespace/name` is gone (not in the cache): restore what its Services' annotations
 * record. Idempotent; a Service without annotations naming the Rollout is never touched.
 */
export async function restoreDeletedRollout(
  namespace: string,
  name: string,
  deps: RestoreDeps,
): Promise<number> {
  const services = deps.caches.services(namespace);
  let writes = 0;
  for (const service of services) {
    const record = restoreRecordOf(service);
    if (record?.rollout !== name) continue;
    writes += await restoreRouters(namespace, record, deps);
    await deps.writer.patchService(namespace, service.metadata?.name ?? '', {
      metadata: { annotations: { [restoreRecordAnnotation]: null } },
    });
    writes++;
  }
  writes += await restoreServiceSelectors(namespace, name, services, deps);
  if (writes > 0)
    deps.log.info('Rollout deleted; routing and Service selectors restored', { rollout: name, namespace });
  return writes;
}

/**
 * A deleted Rollout that still carries the finalizer of an earlier version: restore from its
 * spec (it may predate the restore record), then let the deletion finish.
 */
export async function finalizeDeletedRollout(rollout: RolloutObject, deps: RestoreDeps): Promise<void> {
  const finalizers = rollout.metadata.finalizers ?? [];
  if (!finalizers.includes(restoreRoutingFinalizer)) return;
  const { namespace, name, uid } = rollout.metadata;
  const spec = routingSpec(rollout.spec, rollout.status);
  if (spec) await restoreRouters(namespace, { rollout: name, uid, routing: spec }, deps);
  await restoreDeletedRollout(namespace, name, deps);
  await setFinalizers(
    rollout,
    finalizers.filter((f) => f !== restoreRoutingFinalizer),
    deps,
  );
}

async function restoreRouters(namespace: string, record: RestoreRecord, deps: RestoreDeps): Promise<number> {
  const target = {
    rollout: { name: record.rollout, namespace, uid: record.uid },
    ownerReference: {
      apiVersion: 'bellwether.dev/v1alpha1' as const,
      kind: 'Rollout' as const,
      name: record.rollout,
      uid: record.uid,
      controller: true as const,
      blockOwnerDeletion: true as const,
    },
  };
  let writes = 0;
  for (const router of routersFor(record.routing, target, routingClient(deps))) {
    try {
      const n = await router.restore();
      if (n > 0)
        deps.log.info('routing restored', { rollout: record.rollout, namespace, router: router.kind });
      writes += n;
    } catch (err) {
      // A routing object that cannot be read as expected must not stop the Services' restore.
      if (!(err instanceof RoutingSpecError)) throw err;
      deps.log.warn('routing not restored', {
        rollout: record.rollout,
        router: router.kind,
        error: err.message,
      });
    }
  }
  return writes;
}

/** Puts back the selector recorded in `bellwether.dev/original-selector` on the Services the Rollout manages. */
async function restoreServiceSelectors(
  namespace: string,
  rollout: string,
  services: readonly V1Service[],
  deps: RestoreDeps,
): Promise<number> {
  let writes = 0;
  for (const service of services) {
    const current = service.metadata?.annotations;
    if (current?.[annotations.managedBy] !== rollout) continue;
    const original = parseSelector(current[annotations.originalSelector]);
    // Without a readable original only the injected hash goes: never leave a Service selecting nothing.
    const selector: Record<string, string | null> = { [podTemplateHashLabel]: null };
    if (original) {
      for (const key of Object.keys(service.spec?.selector ?? {})) selector[key] = null;
      Object.assign(selector, original);
    }
    await deps.writer.patchService(namespace, service.metadata?.name ?? '', {
      metadata: { annotations: { [annotations.managedBy]: null, [annotations.originalSelector]: null } },
      spec: { selector },
    });
    writes++;
  }
  return writes;
}

async function setFinalizers(rollout: RolloutObject, finalizers: string[], deps: RestoreDeps) {
  const { namespace, name, resourceVersion = '' } = rollout.metadata;
  await deps.writer.patchRolloutMetadata(namespace, name, resourceVersion, { finalizers });
  deps.supersededVersions?.set(rolloutKey(namespace, name), resourceVersion);
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
