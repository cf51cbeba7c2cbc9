import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { kubeClusterWriter } from '../controller/cluster-writer.ts';
import {
  restoreDeletedRollout,
  restoreRecordAnnotation,
  restoreRoutingFinalizer,
  rolloutsNamedBy,
  type RestoreDeps,
} from '../controller/restore-routing.ts';
import { type RolloutObject } from '../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../kube/names.ts';
import { createLogger, statusCode } from '../log.ts';
import { kubeRoutingObjects } from '../traffic/kube-routing-client.ts';
import { routingSpec } from '../traffic/routers.ts';

/**
 * What `bellwether uninstall` does before it removes the controller: for every Rollout (and every
 * Rollout already deleted whose Services still record it), put the routing objects and Service
 * selectors back the way they were without Bellwether, drop the annotations that record them,
 * then remove the controller's finalizers. The cluster is then as if Bellwether had never
 * changed its routing, and no Rollout or namespace can hang on a finalizer nobody releases.
 * Returns the Rollouts restored, as `namespace/name`.
 */
export async function restoreAllRouting(kc: KubeConfig, progress: (line: string) => void): Promise<string[]> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  let rollouts: RolloutObject[];
  try {
    rollouts = (
      (await custom.listClusterCustomObject({ group, version, plural: rolloutPlural })) as {
        items: RolloutObject[];
      }
    ).items;
  } catch (err) {
    if (statusCode(err) === 404) return []; // no CRD: no Rollout ever changed anything
    throw err;
  }
  const services = (await core.listServiceForAllNamespaces()).items;
  const byNamespace = new Map<string, V1Service[]>();
  for (const svc of services) {
    const ns = svc.metadata?.namespace ?? '';
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), svc]);
  }
  const writer = kubeClusterWriter(kc);
  const routing = kubeRoutingObjects(kc);
  const deps: RestoreDeps = {
    caches: {
      service: (ns, name) => byNamespace.get(ns)?.find((s) => s.metadata?.name === name),
      services: (ns) => byNamespace.get(ns) ?? [],
      routingObject: (ref) => routing.read(ref),
    },
    writer,
    log: createLogger('warn', { component: 'uninstall' }),
  };

  const restored: string[] = [];
  for (const [key, { namespace, name, rollout }] of restoreTargets(rollouts, services)) {
    if (rollout) recordFromSpec(rollout, deps);
    const writes = await restoreDeletedRollout(namespace, name, deps);
    const finalizers = rollout?.metadata.finalizers ?? [];
    if (rollout && finalizers.includes(restoreRoutingFinalizer)) {
      await writer.patchRolloutMetadata(namespace, name, rollout.metadata.resourceVersion ?? '', {
        finalizers: finalizers.filter((f) => f !== restoreRoutingFinalizer),
      });
      progress(`Rollout ${key}: finalizer ${restoreRoutingFinalizer} removed`);
    }
    if (writes > 0) {
      progress(`Rollout ${key}: routing and Service selectors restored`);
      restored.push(key);
    }
  }
  return restored;
}

interface Target {
  namespace: string;
  name: string;
  rollout?: RolloutObject;
}

/** Rollouts that exist, and Rollouts already gone that Services still name. */
function restoreTargets(rollouts: RolloutObject[], services: V1Service[]): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const ro of rollouts)
    targets.set(`${ro.metadata.namespace}/${ro.metadata.name}`, {
      namespace: ro.metadata.namespace,
      name: ro.metadata.name,
      rollout: ro,
    });
  for (const svc of services)
    for (const name of rolloutsNamedBy(svc)) {
      const namespace = svc.metadata?.namespace ?? '';
      if (!targets.has(`${namespace}/${name}`)) targets.set(`${namespace}/${name}`, { namespace, name });
    }
  return targets;
}

/** A Rollout whose stable Service has no restore record yet (it predates them): the record from its spec. */
function recordFromSpec(rollout: RolloutObject, deps: RestoreDeps): void {
  const spec = routingSpec(rollout.spec, rollout.status);
  const stable = spec ? deps.caches.service(rollout.metadata.namespace, spec.stableService) : undefined;
  if (!spec || !stable || stable.metadata?.annotations?.[restoreRecordAnnotation]) return;
  const record = { rollout: rollout.metadata.name, uid: rollout.metadata.uid, routing: spec };
  (stable.metadata ??= {}).annotations = {
    ...stable.metadata.annotations,
    [restoreRecordAnnotation]: JSON.stringify(record),
  };
}
