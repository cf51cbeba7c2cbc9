import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  countingWriter,
  kubeClusterWriter,
  type ClusterWriter,
} from '../../src/controller/cluster-writer.ts';
import { Manager } from '../../src/controller/manager.ts';
import { reconcileRollout } from '../../src/controller/reconcile-rollout.ts';
import { restoreRecordAnnotation } from '../../src/controller/restore-routing.ts';
import { createLogger } from '../../src/log.ts';
import { kubeRoutingObjects } from '../../src/traffic/kube-routing-client.ts';
import { abortCommand, promoteCommand, setCommand } from '../../src/cli/commands/rollout-commands.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
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
  const kubeconfig = inject('kubeconfig');
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let manager: Manager | undefined;
  let read: Reader;

  const startController = async () => {
    manager = new Manager({
      kc: c.kc,
      log: createLogger('warn', { component: 'controller' }),
      namespace: ns.name,
    });
    await manager.start();
  };

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'traffic-rollout');
    const objects = kubeRoutingObjects(c.kc);
    read = async (apiVersion, kind, name) =>
      (await objects.read({ apiVersion, kind, namespace: ns.name, name })) as
        Record<string, unknown> | undefined;
    await startController();
  });
  afterAll(async () => {
    await manager?.stop();
    await ns.cleanup();
  });

  // The CLI's own commands, called in the test process: `bellwether promote` and friends without
  // paying a process start each (seconds on a loaded 2-core machine).
  const commands = { set: setCommand, promote: promoteCommand, abort: abortCommand };
  const run = async (command: keyof typeof commands, ...args: string[]) => ({
    code: await commands[command]([...args, '-n', ns.name, '--kubeconfig', kubeconfig], () => undefined),
  });
  const pausedAt = (name: string, index: number) =>
    eventually(`${name} paused at step ${index}`, async () => {
      const ro = await getRollout(c, ns.name, name);
      // settled: the outbox of the pausing write delivered too (its Events created, entries cleared)
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === index && !ro.status.outbox
        ? ro
        : undefined;
    });
  const selectorOf = async (service: string) =>
    (await c.core.readNamespacedService({ name: service, namespace: ns.name })).spec?.selector;

  async function setUp(rc: RouterCase) {
    const { name } = rc;
    for (const service of [`${name}-canary`, `${name}-stable`])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name: service }, spec: { selector: { app: name }, ports: [{ port: 80 }] } },
      });
    for (const obj of rc.objects(name)) {
      const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
      await c.objects.create({ ...obj, metadata: { ...metadata, namespace: ns.name } });
    }
    await createRollout(
      c,
      ns.name,
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
      (await getRollout(c, ns.name, name)).status?.phase === 'Healthy' ? true : undefined,
    );
    // nothing holds a deletion: the restore record is on the stable Service
    expect((await getRollout(c, ns.name, name)).metadata.finalizers ?? []).toEqual([]);
    const stable = await c.core.readNamespacedService({ namespace: ns.name, name: `${name}-stable` });
    expect(JSON.parse(stable.metadata?.annotations?.[restoreRecordAnnotation] ?? '{}')).toMatchObject({
      rollout: name,
    });
  }

  /** Reconciles the settled Rollout directly, five times, through a counting writer: no write at all. */
  async function expectNoWrites(name: string) {
    if (!manager) throw new Error('no controller');
    const counted: Record<string, number> = {};
    const writer: ClusterWriter = countingWriter(kubeClusterWriter(c.kc), (method) => {
      counted[method] = (counted[method] ?? 0) + 1;
    });
    const log = createLogger('warn');
    for (let i = 0; i < 5; i++)
      await reconcileRollout(ns.name, name, { caches: manager.caches, writer, now: () => Date.now(), log });
    expect(counted).toEqual({});
  }

  for (const rc of cases.filter((r) => r.name !== 'smi')) {
    it(`${rc.name}: 10 / 50 / 100 in the routing object, no write when settled, abort, restore on deletion`, async () => {
      const { name } = rc;
      await setUp(rc);
      expect((await run('set', 'image', name, `app=${name}:2`)).code).toBe(0);
      for (const [index, weight] of [
        [1, 10],
        [3, 50],
        [5, 100],
      ] as const) {
        const ro = await pausedAt(name, index);
        expect(ro.status?.canary?.weights).toEqual({ canary: weight, stable: 100 - weight });
        expect(await rc.weights(read, name)).toEqual({ canary: weight, stable: 100 - weight });
        if (index === 3) await expectNoWrites(name);
        if (index < 5) expect((await run('promote', name)).code).toBe(0);
      }
      expect((await run('abort', name)).code).toBe(0);
      // Status is written after the routers: once it says aborted, all traffic is on stable.
      const aborted = await eventually(`${name} aborted`, async () => {
        const ro = await getRollout(c, ns.name, name);
        return ro.status?.phase === 'Degraded' ? ro : undefined;
      });
      expect(aborted.status?.canary?.weights).toEqual({ canary: 0, stable: 100 });
      expect(await rc.weights(read, name)).toEqual({ canary: 0, stable: 100 });
      expect(await selectorOf(`${name}-stable`)).toHaveProperty(['rollouts-pod-template-hash']);

      await c.custom.deleteNamespacedCustomObject({
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: ns.name,
        plural: 'rollouts',
        name,
      });
      await eventually(`${name} deleted`, async () =>
        (await getRollout(c, ns.name, name).then(
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
    expect((await run('set', 'image', name, `app=${name}:2`)).code).toBe(0);
    await pausedAt(name, 1);
    expect(await rc.weights(read, name)).toEqual({ canary: 10, stable: 90 });
    expect((await run('promote', name)).code).toBe(0);
    await pausedAt(name, 3);
    expect(await rc.weights(read, name)).toEqual({ canary: 50, stable: 50 });

    await manager?.stop();
    manager = undefined;
    await c.custom.deleteNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: ns.name,
      plural: 'rollouts',
      name,
    });
    // nothing holds the deletion while no controller runs: the Rollout goes at once, the routing
    // stays as it was until a controller runs again
    await eventually(`${name} deleted without a controller`, async () =>
      (await getRollout(c, ns.name, name).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    expect(await rc.weights(read, name)).toEqual({ canary: 50, stable: 50 });

    await startController();
    await eventually(`${name} routing restored after the restart`, async () =>
      JSON.stringify(await rc.weights(read, name)) === JSON.stringify({ canary: 0, stable: 100 })
        ? true
        : undefined,
    );
    expect(await rc.weights(read, name)).toEqual({ canary: 0, stable: 100 });
    await eventually(`${name}-stable selector restored`, async () =>
      JSON.stringify(await selectorOf(`${name}-stable`)) === JSON.stringify({ app: name }) ? true : undefined,
    );
    const stable = await c.core.readNamespacedService({ namespace: ns.name, name: `${name}-stable` });
    expect(stable.metadata?.annotations?.[restoreRecordAnnotation]).toBeUndefined();
  });
  it('a missing routing object and a step the router cannot carry are InvalidSpec naming the field', async () => {
    for (const service of ['bad-canary', 'bad-stable'])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name: service }, spec: { selector: { app: 'bad' }, ports: [{ port: 80 }] } },
      });
    const invalid = (name: string) =>
      eventually(`${name} InvalidSpec`, async () =>
        (await getRollout(c, ns.name, name)).status?.conditions?.find((cond) => cond.type === 'InvalidSpec'),
      );
    const strategy = (trafficRouting: object, steps: object[] = [{ setWeight: 10 }, { pause: {} }]) => ({
      replicas: 1,
      strategy: {
        canary: { canaryService: 'bad-canary', stableService: 'bad-stable', trafficRouting, steps },
      },
    });
    await createRollout(
      c,
      ns.name,
      canaryRollout('bad', 'bad:1', strategy({ gatewayAPI: { httpRoute: 'missing' } })),
    );
    expect((await invalid('bad')).message).toBe(
      `InvalidSpec: spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: HTTPRoute "missing" not found in namespace ${ns.name}`,
    );
    await createRollout(
      c,
      ns.name,
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
