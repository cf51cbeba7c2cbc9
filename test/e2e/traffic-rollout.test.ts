import { beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { restoreRecordAnnotation } from '../../src/controller/restore-routing.ts';
import { kubeRoutingObjects } from '../../src/traffic/kube-routing-client.ts';
import { useInProcessController } from '../support/in-process-controller.ts';
import { eventually } from '../support/kube.ts';
import { createServices } from '../support/routing-objects.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';

// Canary Rollouts through each router, driven by an in-process controller on the real API
// server: setWeight 10 / 50 / 100 land in the routing object exactly, a reconcile of a settled
// Rollout writes nothing (counted), abort puts all traffic back on stable, and deleting the
// Rollout restores the routing object and the Services (also when the controller was down).

type Weights = { canary: number; stable: number } | 'absent';

interface RouterCase {
  name: string;
  trafficRouting: Record<string, unknown>;
  /** The routing object the user declared (none for NGINX beyond the stable Ingress). */
  objects: (name: string) => Record<string, unknown>[];
  weights: (read: Reader, name: string) => Promise<Weights>;
}

type Reader = (
  apiVersion: string,
  kind: string,
  name: string,
) => Promise<Record<string, unknown> | undefined>;

const backend = (service: string, weight: number) => ({ name: service, port: 80, weight });
const spec = (obj: Record<string, unknown> | undefined) => (obj?.spec ?? {}) as Record<string, unknown>;
const byService = (pairs: [string, number | undefined][], name: string): Weights => ({
  canary: pairs.find(([s]) => s === `${name}-canary`)?.[1] ?? -1,
  stable: pairs.find(([s]) => s === `${name}-stable`)?.[1] ?? -1,
});

const cases: RouterCase[] = [
  {
    name: 'gw',
    trafficRouting: { gatewayAPI: { httpRoute: 'gw' } },
    objects: (name) => [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name },
        spec: {
          parentRefs: [{ name: 'gateway' }],
          rules: [{ backendRefs: [backend(`${name}-stable`, 100), backend(`${name}-canary`, 0)] }],
        },
      },
    ],
    weights: async (read, name) => {
      const rules = spec(await read('gateway.networking.k8s.io/v1', 'HTTPRoute', name)).rules as {
        backendRefs: { name: string; weight?: number }[];
      }[];
      if (rules.length !== 1) throw new Error(`expected only the declared rule, got ${rules.length} rules`);
      return byService(rules[0]?.backendRefs.map((b) => [b.name, b.weight]) ?? [], name);
    },
  },
  {
    name: 'istio',
    trafficRouting: { istio: { virtualService: { name: 'istio', routes: ['primary'] } } },
    objects: (name) => [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name },
        spec: {
          hosts: [name],
          http: [
            {
              name: 'primary',
              route: [
                { destination: { host: `${name}-stable` }, weight: 100 },
                { destination: { host: `${name}-canary` }, weight: 0 },
              ],
            },
          ],
        },
      },
    ],
    weights: async (read, name) => {
      const http = spec(await read('networking.istio.io/v1', 'VirtualService', name)).http as {
        route: { destination: { host: string }; weight?: number }[];
      }[];
      if (http.length !== 1) throw new Error(`expected only the declared route, got ${http.length}`);
      return byService(http[0]?.route.map((d) => [d.destination.host, d.weight]) ?? [], name);
    },
  },
  {
    name: 'smi',
    trafficRouting: { smi: { rootService: 'smi', trafficSplitName: 'smi' } },
    objects: (name) => [
      {
        apiVersion: 'split.smi-spec.io/v1alpha2',
        kind: 'TrafficSplit',
        metadata: { name },
        spec: { service: name, backends: [{ service: `${name}-stable`, weight: 100 }] },
      },
    ],
    weights: async (read, name) => {
      const backends = spec(await read('split.smi-spec.io/v1alpha2', 'TrafficSplit', name)).backends as {
        service: string;
        weight: number;
      }[];
      return byService(
        backends.map((b) => [b.service, b.weight]),
        name,
      );
    },
  },
  {
    name: 'nginx',
    trafficRouting: { nginx: { stableIngress: 'nginx' } },
    objects: (name) => [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name },
        spec: {
          rules: [
            {
              host: `${name}.example`,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: `${name}-stable`, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ],
    weights: async (read, name) => {
      const canary = await read('networking.k8s.io/v1', 'Ingress', `${name}-${name}-canary`);
      if (!canary) return 'absent';
      const annotations = (canary.metadata as KubernetesObject['metadata'])?.annotations ?? {};
      const weight = Number(annotations['nginx.ingress.kubernetes.io/canary-weight']);
      return { canary: weight, stable: 100 - weight };
    },
  },
];

describe('canary Rollouts through the traffic routers', () => {
  const env = useInProcessController('traffic-rollout');
  let read: Reader;

  beforeAll(() => {
    const objects = kubeRoutingObjects(env.c.kc);
    read = async (apiVersion, kind, name) =>
      (await objects.read({ apiVersion, kind, namespace: env.namespace, name })) as
        Record<string, unknown> | undefined;
  });

  const { run } = env;
  const pausedAt = (name: string, index: number) =>
    eventually(`${name} paused at step ${index}`, async () => {
      const ro = await getRollout(env.c, env.namespace, name);
      // settled: the outbox of the pausing write delivered too (its Events created, entries cleared)
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === index && !ro.status.outbox
        ? ro
        : undefined;
    });
  const selectorOf = async (service: string) =>
    (await env.c.core.readNamespacedService({ name: service, namespace: env.namespace })).spec?.selector;

  async function setUp(rc: RouterCase) {
    const { name } = rc;
    await createServices(env.c, env.namespace, name, [`${name}-canary`, `${name}-stable`]);
    for (const obj of rc.objects(name)) {
      const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
      await env.c.objects.create({ ...obj, metadata: { ...metadata, namespace: env.namespace } });
    }
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout(name, `${name}:1`, {
        replicas: 2,
        strategy: {
          canary: {
            canaryService: `${name}-canary`,
            stableService: `${name}-stable`,
            abortScaleDownDelaySeconds: 0,
            trafficRouting: rc.trafficRouting,
            steps: [
              { setWeight: 10 },
              { pause: {} },
              { setWeight: 50 },
              { pause: {} },
              { setWeight: 100 },
              { pause: {} },
            ],
          },
        },
      }),
    );
    await eventually(`${name} Healthy`, async () =>
      (await getRollout(env.c, env.namespace, name)).status?.phase === 'Healthy' ? true : undefined,
    );
    // nothing holds a deletion: the restore record is on the stable Service
    expect((await getRollout(env.c, env.namespace, name)).metadata.finalizers ?? []).toEqual([]);
    const stable = await env.c.core.readNamespacedService({
      namespace: env.namespace,
      name: `${name}-stable`,
    });
    expect(JSON.parse(stable.metadata?.annotations?.[restoreRecordAnnotation] ?? '{}')).toMatchObject({
      rollout: name,
    });
  }

  /** Reconciles the settled Rollout directly, five times, through a counting writer: no write at all. */
  for (const rc of cases.filter((r) => r.name !== 'smi')) {
    it(`${rc.name}: 10 / 50 / 100 in the routing object, no write when settled, abort, restore on deletion`, async () => {
      const { name } = rc;
      await setUp(rc);
      expect(await run('set', 'image', name, `app=${name}:2`)).toBe(0);
      for (const [index, weight] of [
        [1, 10],
        [3, 50],
        [5, 100],
      ] as const) {
        const ro = await pausedAt(name, index);
        expect(ro.status?.canary?.weights).toEqual({ canary: weight, stable: 100 - weight });
        expect(await rc.weights(read, name)).toEqual({ canary: weight, stable: 100 - weight });
        if (index === 3) expect(await env.writesOfReconciles(name, 5)).toEqual({});
        if (index < 5) expect(await run('promote', name)).toBe(0);
      }
      expect(await run('abort', name)).toBe(0);
      // Status is written after the routers: once it says aborted, all traffic is on stable.
      const aborted = await eventually(`${name} aborted`, async () => {
        const ro = await getRollout(env.c, env.namespace, name);
        return ro.status?.phase === 'Degraded' ? ro : undefined;
      });
      expect(aborted.status?.canary?.weights).toEqual({ canary: 0, stable: 100 });
      expect(await rc.weights(read, name)).toEqual({ canary: 0, stable: 100 });
      expect(await selectorOf(`${name}-stable`)).toHaveProperty(['rollouts-pod-template-hash']);

      await env.c.custom.deleteNamespacedCustomObject({
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: env.namespace,
        plural: 'rollouts',
        name,
      });
      await eventually(`${name} deleted`, async () =>
        (await getRollout(env.c, env.namespace, name).then(
          () => false,
          () => true,
        ))
          ? true
          : undefined,
      );
      // restored by the controller right after the delete event (nothing holds the deletion)
      await eventually(`${name}-canary selector restored`, async () =>
        JSON.stringify(await selectorOf(`${name}-canary`)) === JSON.stringify({ app: name })
          ? true
          : undefined,
      );
      if (rc.name === 'nginx') expect(await rc.weights(read, name)).toBe('absent');
      else expect(await rc.weights(read, name)).toEqual({ canary: 0, stable: 100 });
      expect(await selectorOf(`${name}-stable`)).toEqual({ app: name });
      expect(await selectorOf(`${name}-canary`)).toEqual({ app: name });
    });
  }

  it('smi: a Rollout deleted while the controller is down is restored when it comes back', async () => {
    const rc = cases.find((r) => r.name === 'smi') as RouterCase;
    const { name } = rc;
    await setUp(rc);
    expect(await run('set', 'image', name, `app=${name}:2`)).toBe(0);
    await pausedAt(name, 1);
    expect(await rc.weights(read, name)).toEqual({ canary: 10, stable: 90 });
    expect(await run('promote', name)).toBe(0);
    await pausedAt(name, 3);
    expect(await rc.weights(read, name)).toEqual({ canary: 50, stable: 50 });

    await env.stop();
    await env.c.custom.deleteNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'rollouts',
      name,
    });
    // nothing holds the deletion while no controller runs: the Rollout goes at once, the routing
    // stays as it was until a controller runs again
    await eventually(`${name} deleted without a controller`, async () =>
      (await getRollout(env.c, env.namespace, name).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    expect(await rc.weights(read, name)).toEqual({ canary: 50, stable: 50 });

    await env.start();
    await eventually(`${name} routing restored after the restart`, async () =>
      JSON.stringify(await rc.weights(read, name)) === JSON.stringify({ canary: 0, stable: 100 })
        ? true
        : undefined,
    );
    expect(await rc.weights(read, name)).toEqual({ canary: 0, stable: 100 });
    await eventually(`${name}-stable selector restored`, async () =>
      JSON.stringify(await selectorOf(`${name}-stable`)) === JSON.stringify({ app: name }) ? true : undefined,
    );
    const stable = await env.c.core.readNamespacedService({
      namespace: env.namespace,
      name: `${name}-stable`,
    });
    expect(stable.metadata?.annotations?.[restoreRecordAnnotation]).toBeUndefined();
  });
  it('a missing routing object and a step the router cannot carry are InvalidSpec naming the field', async () => {
    await createServices(env.c, env.namespace, 'bad', ['bad-canary', 'bad-stable']);
    const invalid = (name: string) =>
      eventually(`${name} InvalidSpec`, async () =>
        (await getRollout(env.c, env.namespace, name)).status?.conditions?.find(
          (cond) => cond.type === 'InvalidSpec',
        ),
      );
    const strategy = (trafficRouting: object, steps: object[] = [{ setWeight: 10 }, { pause: {} }]) => ({
      replicas: 1,
      strategy: {
        canary: { canaryService: 'bad-canary', stableService: 'bad-stable', trafficRouting, steps },
      },
    });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('bad', 'bad:1', strategy({ gatewayAPI: { httpRoute: 'missing' } })),
    );
    expect((await invalid('bad')).message).toBe(
      `InvalidSpec: spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: HTTPRoute "missing" not found in namespace ${env.namespace}`,
    );
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout(
        'bad-mirror',
        'bad:1',
        strategy({ smi: {}, managedRoutes: [{ name: 'shadow' }] }, [
          { setWeight: 10 },
          { setMirrorRoute: { name: 'shadow', match: [{ path: { prefix: '/' } }] } },
        ]),
      ),
    );
    expect((await invalid('bad-mirror')).message).toBe(
      'InvalidSpec: spec.strategy.canary.steps[1].setMirrorRoute: the smi router does not support mirror routes',
    );
  });
});
