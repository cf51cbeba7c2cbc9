import { setHeaderOptions, type CoreV1Event, type V1ReplicaSet } from '@kubernetes/client-node';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { ownedReplicaSets } from '../../src/controller/replica-sets.ts';
import type { Clients } from './kube.ts';

const group = 'bellwether.dev';
const version = 'v1alpha1';
const plural = 'rollouts';

export async function createRollout(c: Clients, namespace: string, body: object): Promise<RolloutObject> {
  return (await c.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body,
  })) as RolloutObject;
}

/** Creates an AnalysisTemplate named `name` with the given spec in the namespace. */
export async function createAnalysisTemplate(
  c: Clients,
  namespace: string,
  name: string,
  spec: object,
): Promise<void> {
  await c.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'analysistemplates',
    body: { apiVersion: `${group}/${version}`, kind: 'AnalysisTemplate', metadata: { name }, spec },
  });
}

/** The AnalysisRuns of a Rollout (by the label the controller sets), or of the namespace. */
export async function analysisRunsOf(
  c: Clients,
  namespace: string,
  rollout?: string,
): Promise<AnalysisRun[]> {
  const list = (await c.custom.listNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'analysisruns',
    ...(rollout === undefined ? {} : { labelSelector: `bellwether.dev/rollout=${rollout}` }),
  })) as { items: AnalysisRun[] };
  return list.items;
}

/** A JSON patch (RFC 6902) to a Rollout, as a commit changing those fields would make. */
export async function patchRollout(
  c: Clients,
  namespace: string,
  name: string,
  body: object[],
): Promise<void> {
  await c.custom.patchNamespacedCustomObject({ group, version, namespace, plural, name, body });
}

export async function getRollout(c: Clients, namespace: string, name: string): Promise<RolloutObject> {
  return (await c.custom.getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    name,
  })) as RolloutObject;
}

export async function replicaSetsOf(c: Clients, rollout: RolloutObject): Promise<V1ReplicaSet[]> {
  const list = await c.apps.listNamespacedReplicaSet({ namespace: rollout.metadata.namespace });
  return ownedReplicaSets(rollout, list.items);
}

/** Replicas per image, summed over the Rollout's ReplicaSets: what each count field says. */
async function countsByImage(
  c: Clients,
  namespace: string,
  name: string,
  count: (rs: V1ReplicaSet) => number,
): Promise<Record<string, number>> {
  const rollout = await getRollout(c, namespace, name);
  const counts: Record<string, number> = {};
  for (const rs of await replicaSetsOf(c, rollout)) {
    const image = rs.spec?.template?.spec?.containers[0]?.image ?? '?';
    counts[image] = (counts[image] ?? 0) + count(rs);
  }
  return counts;
}

/** Available replicas per image, e.g. { 'web:1': 4, 'web:2': 1 }. */
export const availableByImage = (c: Clients, namespace: string, name: string) =>
  countsByImage(c, namespace, name, (rs) => rs.status?.availableReplicas ?? 0);

/** Desired replicas per image, as the controller set them. */
export const desiredByImage = (c: Clients, namespace: string, name: string) =>
  countsByImage(c, namespace, name, (rs) => rs.spec?.replicas ?? 0);

export async function rolloutEvents(c: Clients, namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await c.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Rollout,involvedObject.name=${name}`,
  });
  return list.items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export function canaryRollout(name: string, image: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
      ...spec,
    },
  };
}

/**
 * A new version of a Rollout made with canaryRollout(): its app container replaced by `image`
 * with exactly `env` (the demo app's ERROR_RATE, LATENCY_MS, ...), as a commit changing both would.
 */
export async function releaseApp(
  c: Clients,
  namespace: string,
  name: string,
  image: string,
  env: Record<string, string>,
): Promise<void> {
  await c.custom.patchNamespacedCustomObject(
    {
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace,
      plural: 'rollouts',
      name,
      body: [
        {
          op: 'replace',
          path: '/spec/template/spec/containers/0',
          value: {
            name: 'app',
            image,
            env: Object.entries(env).map(([key, value]) => ({ name: key, value })),
          },
        },
      ],
    },
    setHeaderOptions('Content-Type', 'application/json-patch+json'),
  );
}
