import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryByLabel } from '../../tools/prometheus/query.ts';
import { startPrometheus, type PrometheusServer } from '../../tools/prometheus/server.ts';
import { gatewayRoutingRules, type HTTPRoute } from '../../tools/simulator/gateway-routing.ts';
import { serviceLookup } from '../../tools/simulator/service-versions.ts';
import { startSimulator, type Simulator } from '../../tools/simulator/simulator.ts';
import { TableRouter, type SimulatedRequest } from '../../tools/simulator/routing.ts';
import { useControllerEnv } from '../support/controller-env.ts';
import { eventually } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';
import { createHttpRoute, createServices, httpRouteApi } from '../support/routing-objects.ts';

const httpRoute = { ...httpRouteApi, name: 'web' };

// Header requests go to /checkout and plain ones to /: the demo app counts /checkout in
// checkout_total, so Prometheus tells the two kinds of traffic apart per version.
const withHeader: SimulatedRequest = { path: '/checkout', headers: { 'X-Canary': 'yes' } };
const plain: SimulatedRequest = { path: '/', headers: {} };

// setHeaderRoute through a real router, end to end: the controller writes the header rule into a
// Gateway API HTTPRoute on the real API server, the simulator follows that HTTPRoute, and a real
// Prometheus counts what each version served.
describe('header route step (Gateway API HTTPRoute, through the simulator)', () => {
  const env = useControllerEnv('header-route');
  let prometheus: PrometheusServer | undefined;
  let simulator: Simulator | undefined;

  beforeAll(async () => {
    await createServices(env.c, env.namespace, 'web', ['web-canary', 'web-stable']);
    await createHttpRoute(env.c, env.namespace, 'web', { stable: 'web-stable', canary: 'web-canary' });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web', 'registry.example/web:1', {
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            trafficRouting: { gatewayAPI: { httpRoute: 'web' }, managedRoutes: [{ name: 'canary-header' }] },
            steps: [
              { setWeight: 20 },
              {
                setHeaderRoute: {
                  name: 'canary-header',
                  match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
                },
              },
              { pause: {} },
            ],
          },
        },
      }),
    );
    await eventually('the first version Healthy', async () =>
      (await getRollout(env.c, env.namespace, 'web')).status?.phase === 'Healthy' ? true : undefined,
    );
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
    // one request in four carries the header
    simulator = startSimulator({
      kubeconfig: env.kubeconfig,
      namespace: env.namespace,
      rollout: 'web',
      requestsPerSecond: 40,
      prometheus,
      request: (n) => (n % 4 === 0 ? withHeader : plain),
    });
  });

  afterAll(async () => {
    await simulator?.stop();
    await prometheus?.stop();
  });

  const readRoute = async () =>
    (await env.c.custom.getNamespacedCustomObject({ ...httpRoute, namespace: env.namespace })) as HTTPRoute;
  const headerRules = (route: HTTPRoute) =>
    (route.spec?.rules ?? []).filter((rule) => rule.matches?.some((m) => (m.headers ?? []).length > 0));
  /** Requests per second over the last 10 s, per version: all of them, and those with the header. */
  const rates = async () => {
    const selector = `namespace="${env.namespace}",rollout="web"`;
    const url = prometheus?.url ?? '';
    const [all, header] = await Promise.all([
      queryByLabel(
        url,
        `sum by (pod_template_hash) (rate(http_requests_total{${selector}}[10s]))`,
        'pod_template_hash',
      ),
      queryByLabel(
        url,
        `sum by (pod_template_hash) (rate(checkout_total{${selector}}[10s]))`,
        'pod_template_hash',
      ),
    ]);
    return { all, header };
  };

  it('sends every request with the header to the canary, and 20% of the others', async () => {
    const stableHash = (await getRollout(env.c, env.namespace, 'web')).status?.stableRS ?? '';
    expect((await env.run('set', 'image', 'web', 'app=registry.example/web:2')).code).toBe(0);
    const paused = await eventually(
      'the pause after the header route step',
      async () => {
        const ro = await getRollout(env.c, env.namespace, 'web');
        if (ro.status?.currentStepIndex === 2 && (ro.status.pauseConditions ?? []).length > 0) return ro;
        throw new Error(`step ${ro.status?.currentStepIndex}, phase ${ro.status?.phase}`);
      },
      120_000,
    );
    const canaryHash = paused.status?.currentPodHash ?? '';
    expect(canaryHash).not.toBe(stableHash);
    const route = await readRoute();
    expect(headerRules(route)).toHaveLength(1);
    await simulator?.waitForVersions([stableHash, canaryHash]);

    // a 10 s window after the header rule reached the simulator with no header request on stable
    await eventually(
      'a 10s window of traffic with every header request on the canary',
      async () => {
        const r = await rates();
        if ((r.header.get(canaryHash) ?? 0) > 7 && r.header.get(stableHash) === 0) return true;
        throw new Error(
          `rates: all ${JSON.stringify(Object.fromEntries(r.all))}, header ${JSON.stringify(Object.fromEntries(r.header))}`,
        );
      },
      90_000,
    );
    // then a whole fresh window, both apps scraped throughout, for the shares
    const sentBefore = simulator?.sent();
    const windowStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const r = await rates();
    const sentAfter = simulator?.sent();
    const canaryHeader = r.header.get(canaryHash) ?? 0;
    const canaryPlain = (r.all.get(canaryHash) ?? 0) - canaryHeader;
    const stablePlain = r.all.get(stableHash) ?? 0;
    const plainShare = canaryPlain / (canaryPlain + stablePlain);
    // the simulator's own counts: 1 request in 4 has the header, 20% of the rest -> 40% to the canary
    const sent = (hash: string) => (sentAfter?.get(hash)?.sent ?? 0) - (sentBefore?.get(hash)?.sent ?? 0);
    const simulatedShare = sent(canaryHash) / (sent(canaryHash) + sent(stableHash));
    const steadyRate = ((sent(canaryHash) + sent(stableHash)) * 1000) / (Date.now() - windowStart);
    process.stderr.write(
      `[header-route] header requests: ${canaryHeader.toFixed(1)}/s on the canary, ` +
        `${r.header.get(stableHash)} on stable; requests without the header on the canary: ` +
        `${(100 * plainShare).toFixed(1)}% (weight 20) in Prometheus; canary share of all requests sent: ` +
        `${(100 * simulatedShare).toFixed(1)}% (expected 40%) at ${steadyRate.toFixed(1)} req/s of 40\n`,
    );
    expect(r.header.get(stableHash)).toBe(0);
    expect(canaryHeader).toBeGreaterThan(8);
    expect(plainShare).toBeGreaterThan(0.16);
    expect(plainShare).toBeLessThan(0.24);
    expect(simulatedShare).toBeGreaterThan(0.37);
    expect(simulatedShare).toBeLessThan(0.43);
  });

  it('removes the header route at the end of the rollout; header requests follow the weights again', async () => {
    expect((await env.run('promote', 'web')).code).toBe(0);
    const done = await eventually(
      'Healthy after the last step',
      async () => {
        const ro = await getRollout(env.c, env.namespace, 'web');
        return ro.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash
          ? ro
          : undefined;
      },
      120_000,
    );
    const route = await eventually('the HTTPRoute without the header rule', async () => {
      const r = await readRoute();
      return headerRules(r).length === 0 ? r : undefined;
    });
    expect(route.spec?.rules).toHaveLength(1);

    // as the simulator reads it: one rule takes both kinds of request, split by its weights
    const services = await env.c.core.listNamespacedService({ namespace: env.namespace });
    const versions = (simulator?.versions() ?? []).map((v) => ({
      hash: v.hash,
      replicaSet: v.replicaSet,
      availableReplicas: 1,
      env: {},
    }));
    const rules = gatewayRoutingRules(route, serviceLookup(services.items, versions, env.namespace));
    expect(rules.filter((r) => r.matches(withHeader)).map((r) => r.id)).toEqual(
      rules.filter((r) => r.matches(plain)).map((r) => r.id),
    );
    const router = new TableRouter();
    router.update({ rules }, new Set(versions.map((v) => v.hash)));
    const headerTargets = new Set(Array.from({ length: 20 }, () => router.route(withHeader)?.hash));
    expect([...headerTargets]).toEqual([done.status?.stableRS]);

    // and Prometheus sees header requests served by the new stable version
    await eventually('header requests on the promoted version', async () => {
      const r = await rates();
      return (r.header.get(done.status?.stableRS ?? '') ?? 0) > 5 ? true : undefined;
    });
  });
});
