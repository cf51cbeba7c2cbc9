import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { statusCode } from '../log.ts';
import { applyObjects, waitForCrdsEstablished } from './apply.ts';
import { restoreAllRouting } from './restore-all.ts';
import { deployDir, objectKey, renderKustomization } from './kustomization.ts';

/** The field manager of `bellwether install`: apart from the controller's own (`bellwether`). */
export const installFieldManager = 'bellwether-install';

export interface InstallOptions {
  /** A kustomization with only `resources`; default deploy/ of this package. */
  dir?: string;
  /** Replaces the controller container's image in every Deployment. */
  image?: string;
  /** Server-side dry run: the API server checks every object, nothing is persisted. */
  dryRun?: boolean;
  /** Also wait until every Deployment has all its replicas available. */
  wait?: boolean;
  timeoutMs?: number;
  /** One line per object as it is applied or deleted. */
  progress?: (line: string) => void;
}

/**
 * Order of application: a Namespace before what lives in it, CRDs early so the API server
 * establishes them while the rest is applied, identities and permissions before the workload
 * that uses them. Deletion runs the other way round.
 */
const kindRank: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  ServiceAccount: 2,
  ClusterRole: 3,
  Role: 3,
  ClusterRoleBinding: 4,
  RoleBinding: 4,
};
const rank = (obj: KubernetesObject) => kindRank[obj.kind ?? ''] ?? 5;

/** The objects of the kustomization in application order, with the image override applied. */
export function installObjects(options: Pick<InstallOptions, 'dir' | 'image'> = {}): KubernetesObject[] {
  // freshly rendered on every call: changing them in place touches nobody else's copy
  const objects = renderKustomization(options.dir ?? deployDir).map(({ object }) => object);
  if (options.image !== undefined) {
    for (const obj of objects.filter((o): o is V1Deployment => o.kind === 'Deployment'))
      for (const container of obj.spec?.template.spec?.containers ?? [])
        if (container.name === 'controller') container.image = options.image;
  }
  return [...objects].sort((a, b) => rank(a) - rank(b));
}

/**
 * `bellwether install`: server-side apply of deploy/ (the same objects `kubectl apply -k deploy/`
 * makes), then waits until the CRDs are served and, with `wait`, the controller is available.
 * Re-running it upgrades in place: server-side apply changes only what differs.
 */
export async function install(kc: KubeConfig, options: InstallOptions = {}): Promise<KubernetesObject[]> {
  const objects = installObjects(options);
  const progress = options.progress ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const suffix = options.dryRun ? ' (server dry run)' : '';
  const unchecked = options.dryRun ? await namespacesToCreate(kc, objects) : new Set<string>();
  const checked = objects.filter((o) => !unchecked.has(o.metadata?.namespace ?? ''));
  await applyObjects(kc, checked, installFieldManager, {
    ...(options.dryRun ? { dryRun: true } : {}),
    onApplied: (obj) => {
      progress(`${objectKey(obj)} applied${suffix}`);
    },
  });
  if (options.dryRun) {
    for (const obj of objects.filter((o) => !checked.includes(o)))
      progress(`${objectKey(obj)} not checked: its namespace does not exist until installed`);
    return objects;
  }
  const crds = objects
    .filter((o) => o.kind === 'CustomResourceDefinition')
    .map((o) => o.metadata?.name ?? '');
  await waitForCrdsEstablished(kc, crds, timeoutMs);
  if (crds.length > 0) progress(`${crds.length} CustomResourceDefinitions established`);
  if (options.wait) {
    for (const obj of objects.filter((o) => o.kind === 'Deployment')) {
      await waitForAvailable(kc, obj, timeoutMs);
      progress(`${objectKey(obj)} available`);
    }
  }
  return objects;
}

/** Namespaces the install creates that do not exist yet: a dry run cannot check what goes in them. */
async function namespacesToCreate(kc: KubeConfig, objects: KubernetesObject[]): Promise<Set<string>> {
  const core = kc.makeApiClient(CoreV1Api);
  const missing = new Set<string>();
  for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
    const name = ns.metadata?.name ?? '';
    try {
      await core.readNamespace({ name });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      missing.add(name);
    }
  }
  return missing;
}

async function waitForAvailable(kc: KubeConfig, obj: KubernetesObject, timeoutMs: number): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace ?? 'default';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await apps.readNamespacedDeployment({ name, namespace });
    const want = d.spec?.replicas ?? 1;
    const s = d.status;
    if ((s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s?.availableReplicas ?? 0) >= want)
      return;
    if (Date.now() > deadline)
      throw new Error(
        `Deployment ${namespace}/${name}: ${s?.availableReplicas ?? 0} of ${want} replicas available after ${timeoutMs / 1000}s`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface UninstallOptions extends Pick<
  InstallOptions,
  'dir' | 'dryRun' | 'wait' | 'timeoutMs' | 'progress'
> {
  /**
   * Also delete the CRDs. Off by default: deleting a CRD deletes every object of its kind in
   * every namespace, so all Rollouts, AnalysisTemplates and AnalysisRuns would go with it.
   */
  crds?: boolean;
}

/**
 * `bellwether uninstall`: deletes what `install` applied, in reverse order, keeping the CRDs
 * (and so every Rollout) unless `crds` is set. Objects already gone are skipped. The controller's
 * Deployment goes first; then every Rollout's routing objects and Service selectors are restored
 * and the controller's finalizers removed (restore-all.ts), so nothing is left routed by a
 * controller that no longer runs and nothing can hang on a finalizer; then the rest. The Rollouts'
 * ReplicaSets and pods keep running: without the controller they are simply left as they are.
 */
export async function uninstall(kc: KubeConfig, options: UninstallOptions = {}): Promise<KubernetesObject[]> {
  const progress = options.progress ?? (() => undefined);
  const objects = installObjects(options)
    .filter((o) => options.crds === true || o.kind !== 'CustomResourceDefinition')
    .reverse();
  const client = KubernetesObjectApi.makeApiClient(kc);
  const suffix = options.dryRun ? ' (server dry run)' : '';
  const deleted: KubernetesObject[] = [];
  // the controller first, so it cannot route again what is restored next
  const workloadsFirst = [
    ...objects.filter((o) => o.kind === 'Deployment'),
    ...objects.filter((o) => o.kind !== 'Deployment'),
  ];
  let restored = false;
  for (const obj of workloadsFirst) {
    if (!restored && obj.kind !== 'Deployment') {
      restored = true;
      if (!options.dryRun) await restoreAllRouting(kc, progress);
    }
    try {
      await client.delete(
        obj,
        undefined,
        options.dryRun ? 'All' : undefined,
        undefined,
        undefined,
        'Background',
      );
      deleted.push(obj);
      progress(`${objectKey(obj)} deleted${suffix}`);
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      progress(`${objectKey(obj)} already absent`);
    }
  }
  if (options.wait && !options.dryRun) await waitForGone(client, deleted, options.timeoutMs ?? 120_000);
  return deleted;
}

/** Namespaces and CRDs take a while to go: their contents are deleted first. */
async function waitForGone(client: KubernetesObjectApi, objects: KubernetesObject[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (const obj of objects) {
    for (;;) {
      try {
        await client.read({
          apiVersion: obj.apiVersion ?? '',
          kind: obj.kind ?? '',
          metadata: {
            name: obj.metadata?.name ?? '',
            ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
          },
        });
      } catch (err) {
        if (statusCode(err) === 404) break;
        throw err;
      }
      if (Date.now() > deadline)
        throw new Error(`${objectKey(obj)} still present after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
