import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { startPrometheus, type PrometheusServer } from '../../tools/prometheus/server.ts';
import { startSimulator, type Simulator } from '../../tools/simulator/simulator.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import {
  analysisRunsOf,
  canaryRollout,
  createAnalysisTemplate,
  createRollout,
  getRollout,
  releaseApp,
} from '../support/rollouts.ts';

const httpRoute = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', name: 'shop' };
const COOKIE = 'shop-variant';

// An A/B test end to end: the controller splits users between A and B through a real Gateway API
// HTTPRoute (weights, Set-Cookie per backend, Cookie-matching rules), the simulator's users follow
// that HTTPRoute and keep their cookies, the demo app counts checkouts and conversions per version
// (CONVERSION_RATE from the pod template), a real Prometheus scrapes them, and the comparison
// analysis judges B against A with a two-proportion z-test.
describe('A/B test (Gateway API cookie stickiness, comparison analysis on a real Prometheus)', () => {
  const env = useControllerEnv('ab-test');
  let prometheus: PrometheusServer | undefined;
  let simulator: Simulator | undefined;

  /** Successes and trials of the variant whose pod template hash is {{args.<hashArg>}}, 0 before it has a series. */
  const counts = (hashArg: string) => {
    const selector = `namespace="${env.namespace}",rollout="shop",pod_template_hash="{{args.${hashArg}}}"`;
    return {
      successes: `sum(conversions_total{${selector}}) or vector(0)`,
      trials: `sum(checkout_total{${selector}}) or vector(0)`,
    };
  };

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
    for (const svc of ['shop-a', 'shop-b']) {
      await env.c.core.createNamespacedService({
        namespace: env.namespace,
        body: { metadata: { name: svc }, spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] } },
      });
    }
    await env.c.custom.createNamespacedCustomObject({
      ...httpRoute,
      namespace: env.namespace,
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'shop' },
        spec: {
          parentRefs: [{ name: 'gateway' }],
          rules: [
            {
              backendRefs: [
                { name: 'shop-a', port: 80, weight: 100 },
                { name: 'shop-b', port: 80, weight: 0 },
              ],
            },
          ],
        },
      },
    });
    await createAnalysisTemplate(env.c, env.namespace, 'conversion-ab', {
      args: [{ name: 'a-hash' }, { name: 'b-hash' }],
      metrics: [
        {
          name: 'conversion',
          // Each measurement tests the counts so far; with no clear winner after 8 of them (about
          // 20 s with enough samples) the metric is Inconclusive.
          interval: '3s',
          count: 8,
          consecutiveSuccessLimit: 1,
          inconclusiveLimit: 8,
          provider: {
            comparison: {
              address: prometheus.url,
              a: counts('a-hash'),
              b: counts('b-hash'),
              alpha: 0.01,
              minSamples: 100,
              better: 'higher',
            },
          },
        },
      ],
    });
    const rollout = canaryRollout('shop', 'shop:v1', {
      replicas: 4,
      strategy: {
        abTest: {
          variants: {
            a: { service: 'shop-a', name: 'control' },
            b: { service: 'shop-b', name: 'candidate' },
          },
          split: { a: 50, b: 50 },
          stickiness: { cookie: { name: COOKIE, maxAgeSeconds: 3600 } },
          trafficRouting: { gatewayAPI: { httpRoute: 'shop' } },
          // B's app warms up at 0% (first pause); the second pause lets the test watch users at
          // 50/50 before the comparison starts (step 3).
          steps: [
            { pause: {} },
            { setSplit: { a: 50, b: 50 } },
            { pause: {} },
            { setSplit: { a: 50, b: 50 } },
          ],
          analysis: {
            startingStep: 3,
            templates: [{ templateName: 'conversion-ab' }],
            args: [
              { name: 'a-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
              { name: 'b-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
            ],
          },
          scaleDownDelaySeconds: 2,
        },
      },
    }) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    const [container] = rollout.spec.template.spec.containers;
    if (container) container.env = [{ name: 'CONVERSION_RATE', value: '0.1' }];
    await createRollout(env.c, env.namespace, rollout);
    await eventually('shop Healthy on v1', async () =>
      (await getRollout(env.c, env.namespace, 'shop')).status?.phase === 'Healthy' ? true : undefined,
    );
    simulator = startSimulator({
      kubeconfig: env.kubeconfig,
      namespace: env.namespace,
      rollout: 'shop',
      requestsPerSecond: 40,
      prometheus,
      request: () => ({ path: '/checkout', headers: {} }),
      users: { count: 40 },
      maxDurationMs: 480_000,
    });
  });

  afterAll(async () => {
    await simulator?.stop();
    await prometheus?.stop();
  });

  /** A new version of the shop with this conversion rate, as a commit changing image and env would. */
  const release = (image: string, conversionRate: string) =>
    releaseApp(env.c, env.namespace, 'shop', image, { CONVERSION_RATE: conversionRate });

  const rolloutWhere = (what: string, test: (ro: RolloutObject) => boolean, timeoutMs = 120_000) =>
    eventually(
      what,
      async () => {
        const ro = await getRollout(env.c, env.namespace, 'shop');
        if (test(ro)) return ro;
        throw new Error(
          `phase ${ro.status?.phase}, step ${ro.status?.currentStepIndex}: ${ro.status?.message}`,
        );
      },
      timeoutMs,
    );

  const comparisonRun = async (): Promise<AnalysisRun | undefined> => {
    return (await analysisRunsOf(env.c, env.namespace))
      .filter((run) => run.metadata.name?.endsWith('-bg'))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))
      .at(-1);
  };
  const lastValue = (run: AnalysisRun | undefined) =>
    run?.status?.metricResults?.[0]?.measurements?.at(-1)?.value ?? '(no measurement)';

  /** Per user: the versions that answered it between two snapshots of answersByUser(). */
  const versionsPerUser = (
    before: Map<number, Map<string, number>>,
    after: Map<number, Map<string, number>>,
  ) =>
    [...after].map(([user, seen]) =>
      [...seen].filter(([hash, n]) => n > (before.get(user)?.get(hash) ?? 0)).map(([hash]) => hash),
    );

  let hashA = '';
  let hashB = '';

  it('at 50/50 a user with the sticky cookie keeps its variant across requests', async () => {
    hashA = (await getRollout(env.c, env.namespace, 'shop')).status?.stableRS ?? '';
    await release('shop:v2', '0.3');
    const warming = await rolloutWhere(
      'B running at 0% (first pause)',
      (ro) => ro.status?.currentStepIndex === 0 && ro.status.phase === 'Paused',
    );
    hashB = warming.status?.currentPodHash ?? '';
    expect(hashB).not.toBe(hashA);
    await simulator?.waitForVersions([hashA, hashB]);
    expect((await env.run('promote', 'shop')).code).toBe(0);
    await rolloutWhere(
      'the pause at 50/50',
      (ro) =>
        ro.status?.currentStepIndex === 2 &&
        ro.status.phase === 'Paused' &&
        ro.status.abTest?.split?.b === 50,
    );
    // Every user gets a cookie on its first answer at 50/50; from then on it sticks.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const before = simulator?.answersByUser() ?? new Map<number, Map<string, number>>();
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const after = simulator?.answersByUser() ?? new Map<number, Map<string, number>>();
    const perUser = versionsPerUser(before, after);
    const active = perUser.filter((versions) => versions.length > 0);
    expect(active.length).toBeGreaterThan(30);
    // each user saw exactly one variant; both variants have users
    expect(active.filter((versions) => versions.length !== 1)).toEqual([]);
    const onB = active.filter(([hash]) => hash === hashB).length;
    process.stderr.write(`[ab-test] 50/50: ${onB} of ${active.length} users pinned to B, the rest to A\n`);
    expect(onB).toBeGreaterThan(5);
    expect(active.length - onB).toBeGreaterThan(5);
  });

  it('promotes a B with a clearly better conversion rate (30% vs 10%)', async () => {
    const started = Date.now();
    expect((await env.run('promote', 'shop')).code).toBe(0);
    const done = await rolloutWhere(
      'B promoted and stable',
      (ro) => ro.status?.stableRS === hashB && ro.status.phase === 'Healthy',
      180_000,
    );
    const run = await comparisonRun();
    process.stderr.write(
      `[ab-test] PromoteB after ${((Date.now() - started) / 1000).toFixed(1)} s; run ${run?.status?.phase}: ${lastValue(run)}\n`,
    );
    expect(run?.status?.phase).toBe('Successful');
    expect(lastValue(run)).toMatch(
      /^B better than A: (29|30)\.\d% vs (9|10)\.\d% \(z [\d.]+, p-value [\d.e-]+ < alpha 0\.01/,
    );
    expect(done.status?.abTest?.decision).toBeUndefined();
    // no traffic on B any more: the sticky rules are gone
    await eventually('the HTTPRoute without sticky rules', async () => {
      const r = (await env.c.custom.getNamespacedCustomObject({
        ...httpRoute,
        namespace: env.namespace,
      })) as {
        spec: { rules: { name?: string }[] };
      };
      return r.spec.rules.every((rule) => !(rule.name ?? '').startsWith('bellwether-sticky')) ? r : undefined;
    });
  });

  it('waits for a human when B shows no significant difference (decision.onInconclusive default Wait)', async () => {
    hashA = hashB;
    await release('shop:v3', '0.3');
    const warming = await rolloutWhere(
      'the new B running at 0% (first pause)',
      (ro) =>
        ro.status?.currentStepIndex === 0 &&
        ro.status.phase === 'Paused' &&
        ro.status.currentPodHash !== hashA,
    );
    await simulator?.waitForVersions([hashA, warming.status?.currentPodHash ?? '']);
    expect((await env.run('promote', 'shop')).code).toBe(0);
    await rolloutWhere(
      'the pause at 50/50',
      (ro) => ro.status?.currentStepIndex === 2 && ro.status.phase === 'Paused',
    );
    const started = Date.now();
    expect((await env.run('promote', 'shop')).code).toBe(0);
    const waiting = await rolloutWhere(
      'waiting for a decision',
      (ro) => ro.status?.abTest?.decision === 'Wait',
      180_000,
    );
    const run = await comparisonRun();
    process.stderr.write(
      `[ab-test] Wait after ${((Date.now() - started) / 1000).toFixed(1)} s; run ${run?.status?.phase}: ${lastValue(run)}\n`,
    );
    expect(run?.status?.phase).toBe('Inconclusive');
    expect(waiting.status).toMatchObject({
      phase: 'Paused',
      stableRS: hashA,
      pauseConditions: [{ reason: 'AbTestDecision' }],
      abTest: { split: { a: 50, b: 50 } },
    });
    expect(waiting.status?.message).toMatch(/no significant difference: (29|30)\.\d% vs (29|30)\.\d%/);

    // A human keeps A: B is removed and all traffic goes back to A.
    expect((await env.run('abort', 'shop')).code).toBe(0);
    const kept = await rolloutWhere('A kept', (ro) => ro.status?.abTest?.decision === 'KeepA');
    expect(kept.status).toMatchObject({
      phase: 'Degraded',
      stableRS: hashA,
      abTest: { split: { a: 100, b: 0 } },
    });
  });
});
