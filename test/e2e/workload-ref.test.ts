import { describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { createRollout, getRollout } from '../support/rollouts.ts';

// spec.workloadRef on the real API server: a Rollout takes over a running Deployment, takes its
// pod template from it and scales it down as its own pods become available.
describe('a Rollout with workloadRef', () => {
  const env = useControllerEnv('workload-ref');

  const deployment = (name: string, image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  });

  const rolloutOf = (name: string, scaleDown: string) => ({
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 4,
      // no selector: the Deployment's
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name, scaleDown },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
  });

  const rolloutReplicaSets = async (name: string) =>
    (await env.c.apps.listNamespacedReplicaSet({ namespace: env.namespace })).items.filter((rs) =>
      rs.metadata?.ownerReferences?.some((r) => r.kind === 'Rollout' && r.name === name),
    );

  const readDeployment = (name: string) =>
    env.c.apps.readNamespacedDeployment({ namespace: env.namespace, name });

  it('takes over a Deployment and scales it down progressively as its own pods become available', async () => {
    // A quota of 5 pods: the Rollout can only add a pod once the Deployment gave one back, so
    // the hand-over goes one pod at a time, as it would in a cluster without spare capacity.
    await env.c.core.createNamespacedResourceQuota({
      namespace: env.namespace,
      body: { metadata: { name: 'pods' }, spec: { hard: { pods: '5' } } },
    });
    await eventually('the quota counted', async () => {
      const quota = await env.c.core.readNamespacedResourceQuota({ namespace: env.namespace, name: 'pods' });
      return quota.status?.used?.pods !== undefined ? true : undefined;
    });
    await env.c.apps.createNamespacedDeployment({
      namespace: env.namespace,
      body: deployment('legacy', 'legacy:1'),
    });
    await eventually('the Deployment runs 4 pods', async () =>
      (await readDeployment('legacy')).status?.availableReplicas === 4 ? true : undefined,
    );

    await createRollout(env.c, env.namespace, rolloutOf('legacy', 'progressively'));
    const samples: { deployment: number; available: number }[] = [];
    // The Deployment is read before the Rollout's ReplicaSets: their availability only grows
    // during the take-over, so a sample never shows pods the controller had not seen yet.
    const done = await eventually(
      'the Deployment at 0 and the Rollout Healthy at 4',
      async () => {
        const dep = await readDeployment('legacy');
        const available = (await rolloutReplicaSets('legacy')).reduce(
          (sum, rs) => sum + (rs.status?.availableReplicas ?? 0),
          0,
        );
        const sample = { deployment: dep.spec?.replicas ?? -1, available };
        samples.push(sample);
        const ro = await getRollout(env.c, env.namespace, 'legacy');
        return sample.deployment === 0 && sample.available === 4 && ro.status?.phase === 'Healthy'
          ? ro
          : undefined;
      },
      180_000,
    );
    // the Rollout runs the Deployment's pod template, under its own hash
    const own = await rolloutReplicaSets('legacy');
    expect(own.map((rs) => rs.spec?.template?.spec?.containers[0]?.image)).toEqual(['legacy:1']);
    expect(done.status?.selector).toBe('app=legacy');
    // the Deployment fell while the Rollout rose: never below the desired 4 together, never back
    // up, and through the values in between
    const changes = samples.filter(
      (s, i) =>
        i === 0 || s.deployment !== samples[i - 1]?.deployment || s.available !== samples[i - 1]?.available,
    );
    console.log(
      `Deployment/Rollout available: ${changes.map((s) => `${s.deployment}/${s.available}`).join(' -> ')}`,
    );
    const replicas = samples.map((s) => s.deployment);
    expect(samples.every((s) => s.deployment + s.available >= 4)).toBe(true);
    expect(replicas.every((r, i) => i === 0 || r <= (replicas[i - 1] ?? r))).toBe(true);
    expect(replicas.some((r) => r > 0 && r < 4)).toBe(true);
    expect(samples.at(-1)).toEqual({ deployment: 0, available: 4 });
  });

  it("starts a new version when the Deployment's template changes", async () => {
    const ro = await getRollout(env.c, env.namespace, 'legacy');
    const before = ro.status?.currentPodHash;
    await env.c.apps.patchNamespacedDeployment(
      {
        namespace: env.namespace,
        name: 'legacy',
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'legacy:2' }],
      },
      (await import('@kubernetes/client-node')).setHeaderOptions(
        'Content-Type',
        'application/json-patch+json',
      ),
    );
    const paused = await eventually('the new version paused at its first step', async () => {
      const r = await getRollout(env.c, env.namespace, 'legacy');
      return r.status?.currentPodHash !== before && r.status?.phase === 'Paused' ? r : undefined;
    });
    expect(paused.status?.currentStepIndex).toBe(1);
    const images = (await rolloutReplicaSets('legacy'))
      .map((rs) => rs.spec?.template?.spec?.containers[0]?.image)
      .sort();
    expect(images).toEqual(['legacy:1', 'legacy:2']);
    // the Deployment stays scaled down
    expect((await readDeployment('legacy')).spec?.replicas).toBe(0);
  });

  it('is InvalidSpec naming the field when the Deployment does not exist', async () => {
    await createRollout(env.c, env.namespace, rolloutOf('missing', 'onsuccess'));
    const invalid = await eventually('InvalidSpec', async () => {
      const r = await getRollout(env.c, env.namespace, 'missing');
      return r.status?.conditions?.find((c) => c.type === 'InvalidSpec');
    });
    expect(invalid.message).toBe('InvalidSpec: spec.workloadRef.name: Deployment "missing" not found');
  });
});
