import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { RolloutGroupObject } from '../../src/controller/group/group-object.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { podTemplateHash } from '../../src/controller/pod-template-hash.ts';
import type { Clients } from './kube.ts';
import { canaryRollout } from './rollouts.ts';

const group = 'bellwether.dev';
const version = 'v1alpha1';

export async function createRolloutGroup(
  c: Clients,
  namespace: string,
  name: string,
  spec: object,
): Promise<void> {
  await c.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'rolloutgroups',
    body: { apiVersion: `${group}/${version}`, kind: 'RolloutGroup', metadata: { name }, spec },
  });
}

export async function getRolloutGroup(
  c: Clients,
  namespace: string,
  name: string,
): Promise<RolloutGroupObject> {
  return (await c.custom.getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'rolloutgroups',
    name,
  })) as RolloutGroupObject;
}

/** Every Rollout of the namespace in one consistent read (a list is one etcd revision). */
export async function listRollouts(c: Clients, namespace: string): Promise<RolloutObject[]> {
  const list = (await c.custom.listNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'rollouts',
  })) as {
    items: RolloutObject[];
  };
  return list.items;
}

/** A small canary (2 pods) with a label, for group members. */
export function memberRollout(
  name: string,
  image: string,
  steps: object[],
  labels: Record<string, string> = {},
): object {
  const body = canaryRollout(name, image, { replicas: 2, strategy: { canary: { steps } } }) as {
    metadata: { name: string; labels?: Record<string, string> };
  };
  body.metadata.labels = labels;
  return body;
}

/** Has the Rollout started the version its template asks for? */
export function started(ro: RolloutObject): boolean {
  return ro.status?.currentPodHash === podTemplateHash(ro.spec.template);
}

/** Healthy on the version its template asks for. */
export function settled(ro: RolloutObject): boolean {
  const hash = podTemplateHash(ro.spec.template);
  return ro.status?.currentPodHash === hash && ro.status.stableRS === hash && ro.status.phase === 'Healthy';
}

/** Started and not yet settled: what counts against a group's maxInProgress. */
export function inProgress(ro: RolloutObject): boolean {
  return started(ro) && ro.status?.stableRS !== ro.status?.currentPodHash;
}

/**
 * Calls `sample` every `everyMs` until `done` says so (or the timeout), and returns the samples.
 * The test asserts over all of them: an invariant that must hold at every instant.
 */
export async function sampleUntil<T>(
  what: string,
  sample: () => Promise<T>,
  done: (s: T) => boolean,
  everyMs = 100,
  timeoutMs = 120_000,
): Promise<T[]> {
  const samples: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample();
    samples.push(s);
    if (done(s)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s sampling until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Changes the image of the Rollout's first container (what `bellwether set image` writes), fast. */
export async function setImage(c: Clients, namespace: string, name: string, image: string): Promise<void> {
  await c.custom.patchNamespacedCustomObject(
    {
      group,
      version,
      namespace,
      plural: 'rollouts',
      name,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}

/** `status.abort: true`: what `bellwether abort NAME` writes. */
export async function abortRollout(c: Clients, namespace: string, name: string): Promise<void> {
  await c.custom.patchNamespacedCustomObjectStatus(
    { group, version, namespace, plural: 'rollouts', name, body: { status: { abort: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
