import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { describeError } from '../log.ts';

/**
 * Every object in the YAML files of a directory (multi-document files allowed), in file order.
 * Loaded through the client's own YAML loader: it turns wire names such as
 * `x-kubernetes-int-or-string` into the model's property names, which the client's serializer
 * expects; objects parsed with plain js-yaml would silently lose those fields when sent.
 */
export function readManifests(dir: string): KubernetesObject[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
  return files.flatMap((file) =>
    (loadAllYaml(readFileSync(join(dir, file), 'utf8')) as unknown[]).filter(
      (doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null && 'kind' in doc,
    ),
  );
}

/**
 * Server-side apply of each object under one field manager (force: we own these fields).
 * `dryRun`: the API server validates and admits each object but persists nothing.
 */
export async function applyObjects(
  kc: KubeConfig,
  objects: KubernetesObject[],
  fieldManager = 'bellwether',
  options: { dryRun?: boolean; onApplied?: (obj: KubernetesObject) => void } = {},
): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const dryRun = options.dryRun ? 'All' : undefined;
  for (const obj of objects) {
    await client.patch(obj, undefined, dryRun, fieldManager, true, PatchStrategy.ServerSideApply);
    options.onApplied?.(obj);
  }
}

/** Applies the CustomResourceDefinitions in `dir` and waits until the API server serves them. */
export async function installCrds(kc: KubeConfig, dir: string, timeoutMs = 60_000): Promise<string[]> {
  return installCrdObjects(
    kc,
    readManifests(dir).filter((o) => o.kind === 'CustomResourceDefinition'),
    timeoutMs,
  );
}

/** Applies the given CustomResourceDefinitions and waits until the API server serves them. */
export async function installCrdObjects(
  kc: KubeConfig,
  crds: KubernetesObject[],
  timeoutMs = 60_000,
): Promise<string[]> {
  await applyObjects(kc, crds);
  const names = crds.map((c) => c.metadata?.name ?? '');
  await waitForCrdsEstablished(kc, names, timeoutMs);
  await waitUntilWatchable(kc, crds, timeoutMs);
  return names;
}

/**
 * Right after a CRD is created the API server answers its kind with 429 "storage is
 * (re)initializing" for a few seconds, though the CRD is Established: a controller, or a test's
 * own list, started into that window fails. Waits until a short watch of each kind (its storage
 * version) is accepted.
 */
async function waitUntilWatchable(
  kc: KubeConfig,
  crds: KubernetesObject[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const { spec } of crds as V1CustomResourceDefinition[]) {
    const version = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name ?? '';
    const path = `/apis/${spec.group}/${version}/${spec.names.plural}`;
    for (;;) {
      const err = await new Promise<unknown>((resolve) => {
        void new Watch(kc).watch(path, { timeoutSeconds: 1 }, () => undefined, resolve);
      });
      if (!err) break;
      if (Date.now() > deadline)
        throw new Error(`watching ${path} still fails after ${timeoutMs / 1000}s: ${describeError(err)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Waits until the API server serves each named CRD (condition Established). */
export async function waitForCrdsEstablished(
  kc: KubeConfig,
  names: string[],
  timeoutMs: number,
): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await ext.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
