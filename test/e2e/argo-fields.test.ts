import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../../src/controller/replica-sets.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import {
  analysisRunsOf,
  canaryRollout,
  createAnalysisTemplate,
  createRollout,
  getRollout,
  patchRollout,
  replicaSetsOf,
} from '../support/rollouts.ts';

// Argo Rollouts fields with effects one can see in the cluster, on the real API server:
// ephemeral role metadata on the pods of each version (moved on promotion), antiAffinity in the
// canary's pod template, minPodsPerReplicaSet, analysisRunMetadata on the runs, run history
// limits deleting old runs, and a failureLimit taken from an argument when the run is made.
describe('Argo Rollouts fields carried out', () => {
  const env = useControllerEnv('argo-fields');
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ ok: 1 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    for (const name of ['web-canary', 'web-stable', 'bg-active', 'bg-preview']) {
      const app = name.split('-')[0] ?? name;
      await env.c.core.createNamespacedService({
        namespace: env.namespace,
        body: { metadata: { name }, spec: { selector: { app }, ports: [{ port: 80 }] } },
      });
    }
    await env.c.objects.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: env.namespace },
      spec: {
        rules: [
          {
            host: 'web.example',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web-stable', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    } as never);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const rollout = (name: string) => getRollout(env.c, env.namespace, name);
  const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000) =>
    eventually(what, probe, ms);
  const replicaSetOf = async (name: string, image: string): Promise<V1ReplicaSet> => {
    const sets = await replicaSetsOf(env.c, await rollout(name));
    const rs = sets.find((candidate) => candidate.spec?.template?.spec?.containers[0]?.image === image);
    if (!rs) throw new Error(`no ReplicaSet of ${name} runs ${image}`);
    return rs;
  };
  const podsOf = async (hash: string): Promise<V1Pod[]> =>
    (
      await env.c.core.listNamespacedPod({
        namespace: env.namespace,
        labelSelector: `rollouts-pod-template-hash=${hash}`,
      })
    ).items.filter((pod) => pod.metadata?.deletionTimestamp === undefined);
  /** The `role` label of every pod of `hash`, once there are `count` of them. */
  const rolesOf = async (hash: string, count: number): Promise<string[] | undefined> => {
    const pods = await podsOf(hash);
    return pods.length === count ? pods.map((pod) => pod.metadata?.labels?.role ?? '-') : undefined;
  };
  const allRoles = (hash: string, count: number, role: string) =>
    until(`${count} pods of ${hash} labelled role=${role}`, async () => {
      const roles = await rolesOf(hash, count);
      return roles?.every((r) => r === role) ? roles : undefined;
    });
  const setImage = (name: string, image: string) => env.run('set', 'image', name, `app=${image}`);

  it('canary: role metadata on each version, minPodsPerReplicaSet, antiAffinity against the stable', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web', 'web:1', {
        replicas: 4,
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            trafficRouting: { nginx: { stableIngress: 'web' } },
            steps: [{ setWeight: 10 }, { pause: {} }],
            minPodsPerReplicaSet: 2,
            canaryMetadata: { labels: { role: 'canary' }, annotations: { 'example.com/version': 'next' } },
            stableMetadata: { labels: { role: 'stable' } },
            antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } },
          },
        },
      }),
    );
    await until('web:1 Healthy', async () =>
      (await rollout('web')).status?.phase === 'Healthy' ? true : undefined,
    );
    const h1 = hashOf(await replicaSetOf('web', 'web:1'));
    await allRoles(h1, 4, 'stable');
    // The first version has no stable to keep away from.
    expect(
      (await replicaSetOf('web', 'web:1')).spec?.template?.spec?.affinity?.podAntiAffinity,
    ).toBeUndefined();

    expect((await setImage('web', 'web:2')).code).toBe(0);
    await until('paused at step 2', async () =>
      (await rollout('web')).status?.pauseConditions?.[0]?.reason === 'CanaryPauseStep' ? true : undefined,
    );
    const canary = await replicaSetOf('web', 'web:2');
    const h2 = hashOf(canary);
    // setWeight 10 of 4 replicas is 1 pod; minPodsPerReplicaSet raises it to 2.
    expect(canary.spec?.replicas).toBe(2);
    await allRoles(h2, 2, 'canary');
    await allRoles(h1, 4, 'stable');
    const [canaryPod] = await podsOf(h2);
    expect(canaryPod?.metadata?.annotations?.['example.com/version']).toBe('next');
    expect(
      canary.spec?.template?.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    ).toEqual([
      {
        weight: 50,
        podAffinityTerm: {
          labelSelector: {
            matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'In', values: [h1] }],
          },
          topologyKey: 'kubernetes.io/hostname',
        },
      },
    ]);
    expect(
      canaryPod?.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    ).toHaveLength(1);

    expect((await env.run('promote', 'web')).code).toBe(0);
    await until('web:2 stable', async () => {
      const ro = await rollout('web');
      return ro.status?.phase === 'Healthy' && ro.status.stableRS === h2 ? true : undefined;
    });
    // The canary's pods are the stable ones now: their role moved, the canary annotation went.
    await allRoles(h2, 4, 'stable');
    const promoted = await podsOf(h2);
    expect(promoted.map((pod) => pod.metadata?.annotations?.['example.com/version'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // ...and the old stable's pods, still there for scaleDownDelaySeconds, lost theirs.
    await until('web:1 pods without a role', async () => {
      const pods = await podsOf(h1);
      return pods.length > 0 && pods.every((pod) => pod.metadata?.labels?.role === undefined)
        ? true
        : undefined;
    });
    // The stable version keeps no anti-affinity against itself.
    await until('anti-affinity dropped from the new stable', async () => {
      const rs = await replicaSetOf('web', 'web:2');
      return rs.spec?.template?.spec?.affinity?.podAntiAffinity
        ?.preferredDuringSchedulingIgnoredDuringExecution === undefined
        ? true
        : undefined;
    });
  });

  // v2's pods keep away from each other across `kubernetes.io/os` (every node is linux), so the
  // scheduler places one of them and leaves the rest Pending: the canary never has more than 1
  // available pod. setWeight 50 of 4 wants 2 canary pods: with replicaProgressThreshold Pod 1 the
  // step completes, without it the step waits.
  it('canary: replicaProgressThreshold lets a step go on with part of its pods available', async () => {
    const steps = [{ setWeight: 50 }, { pause: {} }];
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('rpt', 'rpt:1', {
        replicas: 4,
        strategy: { canary: { steps, replicaProgressThreshold: { type: 'Pod', value: 1 } } },
      }),
    );
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('rpt-all', 'rpt-all:1', { replicas: 4, strategy: { canary: { steps } } }),
    );
    for (const name of ['rpt', 'rpt-all']) {
      await until(`${name}:1 Healthy`, async () =>
        (await rollout(name)).status?.phase === 'Healthy' ? true : undefined,
      );
      await patchRollout(env.c, env.namespace, name, [
        { op: 'add', path: '/spec/template/metadata/labels/release', value: 'two' },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${name}:2` },
        {
          op: 'add',
          path: '/spec/template/spec/affinity',
          value: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  labelSelector: { matchLabels: { app: name, release: 'two' } },
                  topologyKey: 'kubernetes.io/os',
                },
              ],
            },
          },
        },
      ]);
    }
    /** The canary RS of `name` at 2 pods with exactly 1 available. */
    const oneOfTwo = (name: string) =>
      until(`${name}:2 at 2 pods, 1 available`, async () => {
        const rs = await replicaSetOf(name, `${name}:2`);
        return rs.spec?.replicas === 2 && rs.status?.availableReplicas === 1 ? rs : undefined;
      });
    await oneOfTwo('rpt');
    await until('rpt paused at step 2 with 1 of 2 canary pods', async () => {
      const ro = await rollout('rpt');
      return ro.status?.currentStepIndex === 1 && ro.status.pauseConditions?.[0]?.reason === 'CanaryPauseStep'
        ? true
        : undefined;
    });
    expect((await replicaSetOf('rpt', 'rpt:2')).status?.availableReplicas).toBe(1);
    expect((await replicaSetOf('rpt', 'rpt:1')).spec?.replicas).toBe(2);

    // The same Rollout without the field: the stable is at its 2 too (the step's counts are
    // reached), the status the controller wrote after that counts 3 available pods, and the step
    // still waits for the second canary pod.
    await oneOfTwo('rpt-all');
    await until('rpt-all stable at 2 pods', async () =>
      (await replicaSetOf('rpt-all', 'rpt-all:1')).spec?.replicas === 2 ? true : undefined,
    );
    // A count-only change waits up to 2 minutes while pods still move (progress-writes.ts).
    await until(
      'rpt-all status counts 3 available pods',
      async () => ((await rollout('rpt-all')).status?.availableReplicas === 3 ? true : undefined),
      200_000,
    );
    const waiting = await rollout('rpt-all');
    expect(waiting.status?.currentStepIndex ?? 0).toBe(0);
    expect(waiting.status?.pauseConditions ?? []).toEqual([]);
  }, 320_000);

  it('blue-green: previewMetadata on the preview, activeMetadata moves to it on promotion', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('bg', 'bg:1', {
        replicas: 2,
        strategy: {
          blueGreen: {
            activeService: 'bg-active',
            previewService: 'bg-preview',
            autoPromotionEnabled: false,
            previewMetadata: { labels: { role: 'preview' } },
            activeMetadata: { labels: { role: 'active' } },
          },
        },
      }),
    );
    await until('bg:1 Healthy', async () =>
      (await rollout('bg')).status?.phase === 'Healthy' ? true : undefined,
    );
    const h1 = hashOf(await replicaSetOf('bg', 'bg:1'));
    await allRoles(h1, 2, 'active');
    expect((await setImage('bg', 'bg:2')).code).toBe(0);
    await until('paused before the switch', async () =>
      (await rollout('bg')).status?.pauseConditions?.[0]?.reason === 'BlueGreenPause' ? true : undefined,
    );
    const h2 = hashOf(await replicaSetOf('bg', 'bg:2'));
    await allRoles(h2, 2, 'preview');
    await allRoles(h1, 2, 'active');
    expect((await env.run('promote', 'bg')).code).toBe(0);
    await allRoles(h2, 2, 'active');
    await until('bg:1 pods without a role', async () => {
      const pods = await podsOf(h1);
      return pods.length > 0 && pods.every((pod) => pod.metadata?.labels?.role === undefined)
        ? true
        : undefined;
    });
  });

  describe('analysis runs', () => {
    const runsOf = (name: string) => analysisRunsOf(env.c, env.namespace, name);

    beforeAll(async () => {
      await createAnalysisTemplate(env.c, env.namespace, 'check', {
        args: [{ name: 'failures', value: '0' }],
        metrics: [
          {
            name: 'check',
            count: 2,
            interval: '1s',
            successCondition: 'result == 1',
            failureLimit: '{{args.failures}}',
            provider: { web: { url: `http://127.0.0.1:${port}/check`, jsonPath: '{$.ok}' } },
          },
        ],
      });
    });

    const analysisRollout = (name: string, failures: string) =>
      canaryRollout(name, `${name}:1`, {
        replicas: 1,
        analysis: { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 0 },
        strategy: {
          canary: {
            steps: [
              {
                analysis: {
                  templates: [{ templateName: 'check' }],
                  args: [{ name: 'failures', value: failures }],
                  analysisRunMetadata: {
                    labels: { team: 'payments' },
                    annotations: { 'example.com/ticket': 'REL-1' },
                  },
                },
              },
            ],
          },
        },
      });
    const healthyAt = (name: string, image: string) =>
      until(`${image} Healthy`, async () => {
        const ro = await rollout(name);
        const rs = await replicaSetOf(name, image).catch(() => undefined);
        return ro.status?.phase === 'Healthy' && rs && ro.status.stableRS === hashOf(rs) ? true : undefined;
      });

    it('labels its runs, resolves failureLimit from the args, and keeps successfulRunHistoryLimit runs', async () => {
      await createRollout(env.c, env.namespace, analysisRollout('an', '1'));
      await healthyAt('an', 'an:1');
      expect((await setImage('an', 'an:2')).code).toBe(0);
      await healthyAt('an', 'an:2');
      const [first] = await runsOf('an');
      expect(first?.metadata.labels).toMatchObject({ team: 'payments', 'bellwether.dev/rollout': 'an' });
      expect(first?.metadata.annotations?.['example.com/ticket']).toBe('REL-1');
      // The int-or-string limit was resolved from the Rollout's argument when the run was made.
      expect(first?.spec.metrics[0]?.failureLimit).toBe(1);
      expect(first?.status?.phase).toBe('Successful');

      expect((await setImage('an', 'an:3')).code).toBe(0);
      await healthyAt('an', 'an:3');
      // successfulRunHistoryLimit 1: the first run is deleted once the second one is Successful.
      const kept = await until('one successful run kept', async () => {
        const runs = await runsOf('an');
        return runs.length === 1 && runs[0]?.status?.phase === 'Successful' ? runs : undefined;
      });
      expect(kept[0]?.metadata.name).not.toBe(first?.metadata.name);
    });

    it('a limit that is not an integer after substitution is InvalidSpec naming the field', async () => {
      await createRollout(env.c, env.namespace, analysisRollout('bad', 'two'));
      await healthyAt('bad', 'bad:1');
      expect((await setImage('bad', 'bad:2')).code).toBe(0);
      const message = await until('InvalidSpec', async () => {
        const ro = await rollout('bad');
        return ro.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message;
      });
      expect(message).toContain('spec.strategy.canary.steps[0].analysis');
      expect(message).toContain('metrics[check].failureLimit: must be an integer, got "two"');
      expect(await runsOf('bad')).toEqual([]);
    });
  });
});
