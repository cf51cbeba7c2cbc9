import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreV1Event, V1ReplicaSet } from '@kubernetes/client-node';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { usePrometheusWithSimulators } from '../support/prometheus-traffic.ts';
import { eventually } from '../support/kube.ts';
import { createServices } from '../support/routing-objects.ts';
import {
  analysisRunsOf,
  canaryRollout,
  createAnalysisTemplate,
  createRollout,
  getRollout,
} from '../support/rollouts.ts';

// Canary experiment steps on the real API server: the step creates an Experiment owned by the
// Rollout, the Experiment runs its templates' ReplicaSets, and the step passes only when it
// succeeds; a failed analysis inside it aborts the Rollout.
describe('canary experiment steps', () => {
  const env = useControllerEnv('experiment');
  const traffic = usePrometheusWithSimulators(env);

  const experimentObject = async (name: string) =>
    (await env.c.custom.getNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'experiments',
      name,
    })) as {
      metadata: { uid: string };
      status?: { phase?: string; availableAt?: string; finishedAt?: string; outbox?: unknown[] };
    };

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
    const experiment = await experimentObject(running.name);
    expect(experiment.status?.phase).toBe('Successful');
    const ranMs =
      Date.parse(experiment.status?.finishedAt ?? '') - Date.parse(experiment.status?.availableAt ?? '');
    expect(ranMs).toBeGreaterThanOrEqual(6000);
  });

  it('aborts the Rollout when an analysis in the experiment fails', async () => {
    await createAnalysisTemplate(env.c, env.namespace, 'always-fails', {
      metrics: [
        {
          name: 'one',
          failureCondition: 'result[0] == 1',
          provider: { prometheus: { address: traffic.prometheus.url, query: 'vector(1)' } },
        },
      ],
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

  // The canary-vs-baseline judge: a baseline (the stable pod template) and the canary run side by
  // side in the step's Experiment; the simulator serves both with the demo app, whose latency
  // comes from LATENCY_MS; Prometheus scrapes them; the judge compares their latency samples.
  describe('the canary-vs-baseline judge', () => {
    /** Mean latency of one template's pods per second over the last 15s (NaN-free: `> 0`). */
    const latency = (hash: string) =>
      `(sum(rate(http_request_duration_seconds_sum{namespace="{{args.namespace}}",pod_template_hash="${hash}"}[5s])) / ` +
      `sum(rate(http_request_duration_seconds_count{namespace="{{args.namespace}}",pod_template_hash="${hash}"}[5s])) > 0)[15s:1s]`;

    beforeAll(async () => {
      await createAnalysisTemplate(env.c, env.namespace, 'latency-judge', {
        args: [{ name: 'baseline' }, { name: 'canary' }, { name: 'namespace' }],
        metrics: [
          {
            name: 'judge',
            // apps start in ~2s and Prometheus takes new targets within ~5.5s: then 15s of samples
            initialDelay: '25s',
            interval: '5s',
            count: 1,
            provider: {
              judge: {
                address: traffic.prometheus.url,
                minSamples: 8,
                metrics: [
                  {
                    name: 'latency',
                    baseline: latency('{{args.baseline}}'),
                    canary: latency('{{args.canary}}'),
                  },
                ],
              },
            },
          },
        ],
      });
    });

    /** A Rollout on v1 (LATENCY_MS 30) with a judged experiment step; Healthy, with traffic, before returning. */
    const deployJudged = async (name: string) => {
      const body = canaryRollout(name, `${name}:1`, {
        replicas: 2,
        strategy: {
          canary: {
            steps: [
              { setWeight: 50 },
              {
                experiment: {
                  duration: '10s',
                  templates: [
                    { name: 'baseline', specRef: 'stable', replicas: 1 },
                    { name: 'canary', specRef: 'canary', replicas: 1 },
                  ],
                  analyses: [
                    {
                      name: 'judge',
                      templateName: 'latency-judge',
                      requiredForCompletion: true,
                      args: [
                        { name: 'baseline', value: '{{templates.baseline.podTemplateHash}}' },
                        { name: 'canary', value: '{{templates.canary.podTemplateHash}}' },
                        { name: 'namespace', value: env.namespace },
                      ],
                    },
                  ],
                },
              },
              { pause: {} },
            ],
          },
        },
      }) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
      const [container] = body.spec.template.spec.containers;
      if (container) container.env = [{ name: 'LATENCY_MS', value: '30' }];
      await createRollout(env.c, env.namespace, body);
      await eventually(`${name} Healthy on v1`, async () =>
        (await getRollout(env.c, env.namespace, name)).status?.phase === 'Healthy' ? true : undefined,
      );
      traffic.simulate(name);
    };

    /** v2: a new image and the given latency, as a commit changing both would. */
    const release = async (name: string, latencyMs: string) => {
      await env.c.custom.patchNamespacedCustomObject(
        {
          group: 'bellwether.dev',
          version: 'v1alpha1',
          namespace: env.namespace,
          plural: 'rollouts',
          name,
          body: [
            {
              op: 'replace',
              path: '/spec/template/spec/containers/0',
              value: { name: 'app', image: `${name}:2`, env: [{ name: 'LATENCY_MS', value: latencyMs }] },
            },
          ],
        },
        (await import('@kubernetes/client-node')).setHeaderOptions(
          'Content-Type',
          'application/json-patch+json',
        ),
      );
    };

    /** The judge's AnalysisRun of the Experiment, once it has finished. */
    const finishedJudgeRun = async (experiment: string): Promise<AnalysisRun> =>
      eventually(`the judge of ${experiment} finished`, async () => {
        const runs = await analysisRunsOf(env.c, env.namespace);
        const run = runs.find((r) => r.metadata.labels?.['bellwether.dev/experiment'] === experiment);
        return run?.status?.phase && !['Pending', 'Running'].includes(run.status.phase) ? run : undefined;
      });

    const experimentEvents = async (uid: string): Promise<CoreV1Event[]> =>
      (await env.c.core.listNamespacedEvent({ namespace: env.namespace })).items.filter(
        (e) => e.involvedObject.kind === 'Experiment' && e.involvedObject.uid === uid,
      );

    const currentExperiment = async (name: string) =>
      eventually(`${name} at its experiment step`, async () => {
        const ro = await getRollout(env.c, env.namespace, name);
        return ro.status?.canary?.currentExperiment;
      });

    it('passes a canary equal to the baseline, and the Rollout goes on', async () => {
      await deployJudged('judge-eq');
      await release('judge-eq', '30');
      const experiment = await currentExperiment('judge-eq');
      const run = await finishedJudgeRun(experiment);
      const measurement = run.status?.metricResults?.[0]?.measurements?.at(-1);
      expect(run.status?.phase).toBe('Successful');
      expect(measurement?.value).toMatch(/^score 100 \(pass\): latency Pass/);
      const ro = await eventually('past the experiment, at the pause', async () => {
        const r = await getRollout(env.c, env.namespace, 'judge-eq');
        return r.status?.currentStepIndex === 2 && r.status.phase === 'Paused' ? r : undefined;
      });
      expect(ro.status?.abort).toBeUndefined();
      const done = await experimentObject(experiment);
      expect(done.status?.phase).toBe('Successful');
      // Events through the outbox: one per change of phase, and the outbox is emptied
      const reasons = await eventually('the Experiment Events recorded', async () => {
        const exp = await experimentObject(experiment);
        const events = await experimentEvents(exp.metadata.uid);
        return exp.status?.outbox === undefined && events.some((e) => e.reason === 'ExperimentSuccessful')
          ? events.map((e) => e.reason)
          : undefined;
      });
      expect(reasons.filter((r) => r === 'ExperimentSuccessful')).toHaveLength(1);
      expect(reasons.filter((r) => r === 'ExperimentRunning')).toHaveLength(1);
    });

    it('fails a canary whose latency samples are shifted, and the failed experiment aborts the Rollout', async () => {
      await deployJudged('judge-slow');
      await release('judge-slow', '150');
      const experiment = await currentExperiment('judge-slow');
      const run = await finishedJudgeRun(experiment);
      const measurement = run.status?.metricResults?.[0]?.measurements?.at(-1);
      expect(run.status?.phase).toBe('Failed');
      expect(measurement?.value).toMatch(/^score 0 \(fail\): latency High/);
      const aborted = await eventually('aborted', async () => {
        const ro = await getRollout(env.c, env.namespace, 'judge-slow');
        return ro.status?.abort === true ? ro : undefined;
      });
      expect(aborted.status?.message).toMatch(/^RolloutAborted: .*judge-slow-.*Failed/);
      expect((await experimentObject(experiment)).status?.phase).toBe('Failed');
      const failed = await eventually('the ExperimentFailed Event', async () => {
        const exp = await experimentObject(experiment);
        const events = (await experimentEvents(exp.metadata.uid)).filter(
          (e) => e.reason === 'ExperimentFailed',
        );
        return exp.status?.outbox === undefined && events.length > 0 ? events : undefined;
      });
      expect(failed).toHaveLength(1);
      expect(failed[0]?.type).toBe('Warning');
    });
  });

  // An experiment step whose templates have weights, on an Istio-routed canary (host-level
  // VirtualService): while the Experiment runs, each template's Service is a destination of the
  // route with its weight and the stable gives that share up; once it is over they are gone.
  describe('template weights through a traffic router', () => {
    const istio = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' };
    type Destination = { destination: { host: string }; weight?: number };
    const routeOf = async (name: string): Promise<string[]> => {
      const vs = (await env.c.custom.getNamespacedCustomObject({
        ...istio,
        namespace: env.namespace,
        name,
      })) as { spec: { http: { route: Destination[] }[] } };
      return (vs.spec.http[0]?.route ?? []).map((d) => `${d.destination.host}=${d.weight ?? 0}`);
    };

    it('routes each weighted template its share while the Experiment runs, and takes it back after', async () => {
      await createServices(env.c, env.namespace, 'exp-w', ['exp-w-canary', 'exp-w-stable']);
      await env.c.custom.createNamespacedCustomObject({
        ...istio,
        namespace: env.namespace,
        body: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'exp-w' },
          spec: {
            hosts: ['exp-w.example'],
            http: [
              {
                name: 'primary',
                route: [
                  { destination: { host: 'exp-w-stable' }, weight: 100 },
                  { destination: { host: 'exp-w-canary' }, weight: 0 },
                ],
              },
            ],
          },
        },
      });
      await createRollout(
        env.c,
        env.namespace,
        canaryRollout('exp-w', 'exp-w:1', {
          replicas: 2,
          strategy: {
            canary: {
              canaryService: 'exp-w-canary',
              stableService: 'exp-w-stable',
              trafficRouting: { istio: { virtualService: { name: 'exp-w', routes: ['primary'] } } },
              steps: [
                { setWeight: 20 },
                {
                  experiment: {
                    duration: '10s',
                    templates: [
                      { name: 'baseline', specRef: 'stable', replicas: 1, weight: 5 },
                      { name: 'canary', specRef: 'canary', replicas: 1, weight: 10 },
                    ],
                  },
                },
                { pause: {} },
              ],
            },
          },
        }),
      );
      await eventually('Healthy', async () =>
        (await getRollout(env.c, env.namespace, 'exp-w')).status?.phase === 'Healthy' ? true : undefined,
      );
      await deployV2('exp-w');
      const running = await eventually('the template Services in the route', async () => {
        const name = (await getRollout(env.c, env.namespace, 'exp-w')).status?.canary?.currentExperiment;
        if (!name) return undefined;
        const route = await routeOf('exp-w');
        return route.length === 4 ? { name, route } : undefined;
      });
      expect(running.route).toEqual([
        'exp-w-stable=65',
        'exp-w-canary=20',
        `${running.name}-baseline=5`,
        `${running.name}-canary=10`,
      ]);
      // Only while the Experiment runs, and each Service selects its template's pods.
      expect((await experimentObject(running.name)).status?.phase).toBe('Running');
      for (const template of ['baseline', 'canary']) {
        const service = await env.c.core.readNamespacedService({
          namespace: env.namespace,
          name: `${running.name}-${template}`,
        });
        const [rs] = (await experimentReplicaSets(running.name)).filter(
          (set) => set.metadata?.labels?.['bellwether.dev/experiment-template'] === template,
        );
        expect(service.spec?.selector?.['rollouts-pod-template-hash']).toBe(
          rs?.metadata?.labels?.['rollouts-pod-template-hash'],
        );
      }

      await eventually('past the experiment, at the pause', async () => {
        const ro = await getRollout(env.c, env.namespace, 'exp-w');
        return ro.status?.currentStepIndex === 2 && ro.status.phase === 'Paused' ? ro : undefined;
      });
      const after = await eventually('the route back to canary and stable', async () => {
        const route = await routeOf('exp-w');
        return route.length === 2 ? route : undefined;
      });
      expect(after).toEqual(['exp-w-stable=80', 'exp-w-canary=20']);
      expect((await experimentObject(running.name)).status?.phase).toBe('Successful');
    });
  });
});
