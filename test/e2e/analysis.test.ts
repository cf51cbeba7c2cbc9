import { describe, expect, it } from 'vitest';
import { useControllerEnv } from '../support/controller-env.ts';
import { usePrometheusWithSimulators } from '../support/prometheus-traffic.ts';
import { eventually } from '../support/kube.ts';
import {
  analysisRunsOf,
  canaryRollout,
  createRollout,
  desiredByImage,
  getRollout,
  releaseApp,
  rolloutEvents,
} from '../support/rollouts.ts';

// Metric analysis against a real Prometheus scraping the demo app, whose error rate comes from
// the pod template's env; the simulator sends traffic to each version in the ratio of its pods.
describe('analysis on a real Prometheus', () => {
  const env = useControllerEnv('analysis');
  const traffic = usePrometheusWithSimulators(env);

  /** Success rate of one version over the last 10s: what the analysis gates on. */
  const successRateQuery = (extra = '') =>
    `sum(rate(http_requests_total{namespace="{{args.namespace}}",pod_template_hash="{{args.hash}}",code!~"5.."${extra}}[10s])) / ` +
    `sum(rate(http_requests_total{namespace="{{args.namespace}}",pod_template_hash="{{args.hash}}"${extra}}[10s]))`;

  const template = async (name: string, metric: Record<string, unknown>) => {
    await env.c.custom.createNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'analysistemplates',
      body: {
        apiVersion: 'bellwether.dev/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name },
        spec: {
          args: [{ name: 'hash' }, { name: 'namespace' }],
          metrics: [
            {
              name: 'success-rate',
              // a new version's app starts in ~2s and Prometheus picks up new targets within ~5.5s
              initialDelay: '8s',
              interval: '2s',
              count: 3,
              successCondition: 'result[0] >= 0.95',
              provider: { prometheus: { address: traffic.prometheus.url, query: successRateQuery() } },
              ...metric,
            },
          ],
        },
      },
    });
  };

  const analysisArgs = () => [
    { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    { name: 'namespace', value: env.namespace },
  ];

  /** A Rollout whose container env sets the demo app's error rate; Healthy on v1 before returning. */
  const deploy = async (name: string, canary: Record<string, unknown>) => {
    const body = canaryRollout(name, `${name}:v1`, { replicas: 4, strategy: { canary } }) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const [container] = body.spec.template.spec.containers;
    if (container) container.env = [{ name: 'ERROR_RATE', value: '0' }];
    await createRollout(env.c, env.namespace, body);
    await eventually(`${name} Healthy on v1`, async () =>
      (await getRollout(env.c, env.namespace, name)).status?.phase === 'Healthy' ? true : undefined,
    );
    return traffic.simulate(name);
  };

  /** A new version with the given error rate, as a commit changing image and env would. */
  const release = (name: string, image: string, errorRate: string) =>
    releaseApp(env.c, env.namespace, name, image, { ERROR_RATE: errorRate });

  const runsOf = (name: string) => analysisRunsOf(env.c, env.namespace, name);

  it('promotes a version with 0% errors through an analysis step', async () => {
    await template('success-rate', {});
    await deploy('good', {
      steps: [
        { setWeight: 50 },
        { analysis: { templates: [{ templateName: 'success-rate' }], args: analysisArgs() } },
      ],
    });
    await release('good', 'good:v2', '0');
    const healthy = await eventually(
      'Healthy on v2 after a Successful analysis',
      async () => {
        const ro = await getRollout(env.c, env.namespace, 'good');
        const desired = await desiredByImage(env.c, env.namespace, 'good');
        return ro.status?.phase === 'Healthy' && desired['good:v2'] === 4 ? ro : undefined;
      },
      120_000,
    );
    expect(healthy.status?.stableRS).toBe(healthy.status?.currentPodHash);
    const [run] = await runsOf('good');
    expect(run?.status?.phase).toBe('Successful');
    const measurements = run?.status?.metricResults?.[0]?.measurements ?? [];
    // Under load the first measurement can come before Prometheus has two scrapes of the new
    // version (an empty vector): that is an Error measurement, never a success. The promotion
    // rests on at least `count` successful ones, each with data at or above the threshold.
    const successful = measurements.filter((m) => m.phase === 'Successful');
    expect(successful.length).toBeGreaterThanOrEqual(3);
    for (const m of successful) {
      const [rate] = JSON.parse(m.value ?? '[]') as number[];
      expect(rate).toBeGreaterThanOrEqual(0.95);
    }
    expect(measurements.filter((m) => m.phase !== 'Successful' && m.phase !== 'Error')).toEqual([]);
  });

  it('aborts a version with 30% errors on its own: Degraded, canary down, run Failed', async () => {
    await template('success-rate-strict', { failureLimit: 0 });
    await deploy('bad', {
      steps: [
        { setWeight: 50 },
        { analysis: { templates: [{ templateName: 'success-rate-strict' }], args: analysisArgs() } },
        { setWeight: 100 },
      ],
    });
    await release('bad', 'bad:v2', '0.3');
    const aborted = await eventually(
      'aborted by the analysis',
      async () => {
        const ro = await getRollout(env.c, env.namespace, 'bad');
        return ro.status?.phase === 'Degraded' && ro.status.abort ? ro : undefined;
      },
      120_000,
    );
    expect(aborted.status?.message).toContain('success-rate');
    expect(aborted.status?.canary?.weights).toEqual({ canary: 0, stable: 100 });
    await eventually('canary scaled down, stable full', async () => {
      const desired = await desiredByImage(env.c, env.namespace, 'bad');
      return desired['bad:v1'] === 4 && (desired['bad:v2'] ?? 0) === 0 ? true : undefined;
    });
    const [run] = await runsOf('bad');
    expect(run?.status?.phase).toBe('Failed');
    const result = run?.status?.metricResults?.[0];
    expect(result?.failed).toBeGreaterThanOrEqual(1);
    expect(result?.measurements?.some((m) => m.phase === 'Failed')).toBe(true);
    const events = await rolloutEvents(env.c, env.namespace, 'bad');
    const abort = events.find((e) => e.reason === 'RolloutAborted');
    expect(abort?.type).toBe('Warning');
    expect(abort?.message).toContain('success-rate');
  });

  it('never promotes on missing data: Prometheus down -> Error measurements -> run Error -> abort', async () => {
    await template('success-rate-long', {
      initialDelay: '12s',
      count: 30,
      interval: '1s',
      consecutiveErrorLimit: 2,
    });
    await deploy('blind', {
      steps: [
        { setWeight: 50 },
        { analysis: { templates: [{ templateName: 'success-rate-long' }], args: analysisArgs() } },
      ],
    });
    await release('blind', 'blind:v2', '0');
    await eventually(
      'two successful measurements',
      async () => {
        const [run] = await runsOf('blind');
        return (run?.status?.metricResults?.[0]?.successful ?? 0) >= 2 ? run : undefined;
      },
      120_000,
    );
    await traffic.prometheus.kill();
    try {
      const aborted = await eventually(
        'aborted after consecutive errors',
        async () => {
          const ro = await getRollout(env.c, env.namespace, 'blind');
          return ro.status?.phase === 'Degraded' ? ro : undefined;
        },
        90_000,
      );
      expect(aborted.status?.stableRS).not.toBe(aborted.status?.currentPodHash);
      const [run] = await runsOf('blind');
      expect(run?.status?.phase).toBe('Error');
      const errors = run?.status?.metricResults?.[0]?.measurements?.filter((m) => m.phase === 'Error') ?? [];
      expect(errors.length).toBeGreaterThanOrEqual(3);
    } finally {
      await traffic.prometheus.restart();
    }
  });

  it('aborts when background analysis fails at a later step', async () => {
    await template('success-rate-bg', { count: 100, interval: '2s' });
    await deploy('later', {
      analysis: { templates: [{ templateName: 'success-rate-bg' }], args: analysisArgs(), startingStep: 2 },
      steps: [{ setWeight: 25 }, { pause: { duration: '3s' } }, { setWeight: 50 }, { pause: {} }],
    });
    await release('later', 'later:v2', '0.3');
    const aborted = await eventually(
      'aborted by the background analysis',
      async () => {
        const ro = await getRollout(env.c, env.namespace, 'later');
        return ro.status?.phase === 'Degraded' && ro.status.abort ? ro : undefined;
      },
      120_000,
    );
    expect(aborted.status?.message).toContain('success-rate');
    const runs = await runsOf('later');
    expect(runs.map((r) => r.metadata.labels?.['bellwether.dev/analysis-kind'])).toContain('background');
    const events = (await rolloutEvents(env.c, env.namespace, 'later')).map(
      (e) => `${e.reason}: ${e.message ?? ''}`,
    );
    // the background run starts at step index 2 (Step 3/4), so the abort comes after it started
    const started = events.findIndex((e) => e.startsWith('RolloutStepStarted') && e.includes('Step 3/4'));
    const abortedAt = events.findIndex((e) => e.startsWith('RolloutAborted'));
    expect(started).toBeGreaterThanOrEqual(0);
    expect(abortedAt).toBeGreaterThan(started);
  });
});
