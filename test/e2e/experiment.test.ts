import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { startPrometheus, type PrometheusServer } from '../prometheus/server.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';

// Canary experiment steps on the real API server: the step creates an Experiment owned by the
// Rollout, the Experiment runs its templates' ReplicaSets, and the step passes only when it
// succeeds; a failed analysis inside it aborts the Rollout.
describe('canary experiment steps', () => {
  const env = useControllerEnv('experiment');
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
  });
  afterAll(async () => {
    await prometheus.stop();
  });

  const experimentReplicaSets = async (experiment: string): Promise<V1ReplicaSet[]> =>
    (await env.c.apps.listNamespacedReplicaSet({ namespace: env.namespace })).items.filter(
      (rs) => rs.metadata?.labels?.['bellwether.dev/experiment'] === experiment,
    );

  const deployV2 = async (name: string) => {
    expect((await env.run('set', 'image', name, `app=${name}:2`)).code).toBe(0);
  };

  const stepExperiment = (analyses?: object[]) => ({
    experiment: {
      duration: '6s',
      templates: [
        { name: 'baseline', specRef: 'stable', replicas: 1 },
        { name: 'canary', specRef: 'canary', replicas: 1 },
      ],
      ...(analyses ? { analyses } : {}),
    },
  });

  it('runs baseline and canary ReplicaSets for the duration, then passes the step', async () => {
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('exp-pass', 'exp-pass:1', {
        replicas: 2,
        strategy: { canary: { steps: [{ setWeight: 50 }, stepExperiment(), { pause: {} }] } },
      }),
    );
    await eventually('Healthy', async () =>
      (await getRollout(env.c, env.namespace, 'exp-pass')).status?.phase === 'Healthy' ? true : undefined,
    );
    await deployV2('exp-pass');
    const running = await eventually('the experiment runs both templates', async () => {
      const ro = await getRollout(env.c, env.namespace, 'exp-pass');
      const name = ro.status?.canary?.currentExperiment;
      if (!name) return undefined;
      const sets = await experimentReplicaSets(name);
      const available = sets.filter((rs) => (rs.status?.availableReplicas ?? 0) >= 1);
      return available.length === 2 ? { name, sets } : undefined;
    });
    const images = running.sets.map((rs) => rs.spec?.template?.spec?.containers[0]?.image).sort();
    expect(images).toEqual(['exp-pass:1', 'exp-pass:2']);
    // the step waits for the Experiment: still at step 1 while it runs
    expect((await getRollout(env.c, env.namespace, 'exp-pass')).status?.currentStepIndex).toBe(1);
    const paused = await eventually('past the experiment, at the pause', async () => {
      const ro = await getRollout(env.c, env.namespace, 'exp-pass');
      return ro.status?.currentStepIndex === 2 && ro.status.phase === 'Paused' ? ro : undefined;
    });
    expect(paused.status?.abort).toBeUndefined();
    const experiment = (await env.c.custom.getNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'experiments',
      name: running.name,
    })) as { status?: { phase?: string; availableAt?: string; finishedAt?: string } };
    expect(experiment.status?.phase).toBe('Successful');
    const ranMs =
      Date.parse(experiment.status?.finishedAt ?? '') - Date.parse(experiment.status?.availableAt ?? '');
    expect(ranMs).toBeGreaterThanOrEqual(6000);
  });

  it('aborts the Rollout when an analysis in the experiment fails', async () => {
    await env.c.custom.createNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'analysistemplates',
      body: {
        apiVersion: 'bellwether.dev/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'always-fails' },
        spec: {
          metrics: [
            {
              name: 'one',
              failureCondition: 'result[0] == 1',
              provider: { prometheus: { address: prometheus.url, query: 'vector(1)' } },
            },
          ],
        },
      },
    });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('exp-fail', 'exp-fail:1', {
        replicas: 2,
        strategy: {
          canary: {
            steps: [
              { setWeight: 50 },
              stepExperiment([{ name: 'judge', templateName: 'always-fails' }]),
              { pause: {} },
            ],
          },
        },
      }),
    );
    await eventually('Healthy', async () =>
      (await getRollout(env.c, env.namespace, 'exp-fail')).status?.phase === 'Healthy' ? true : undefined,
    );
    await deployV2('exp-fail');
    const aborted = await eventually('aborted', async () => {
      const ro = await getRollout(env.c, env.namespace, 'exp-fail');
      return ro.status?.abort === true ? ro : undefined;
    });
    expect(aborted.status?.message).toMatch(/^RolloutAborted: .*exp-fail-.*Failed/);
  });
});
