import { setHeaderOptions, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manager } from '../../src/controller/manager.ts';
import { restoreRecordAnnotation, restoreRoutingFinalizer } from '../../src/controller/restore-routing.ts';
import { restoreAllRouting } from '../../src/install/restore-all.ts';
import { createLogger } from '../../src/log.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const rollouts = { group: 'bellwether.dev', version: 'v1alpha1', plural: 'rollouts' };

/**
 * Deleting with no controller running: nothing may hang on a finalizer (docs/operations.md,
 * "Deleting Rollouts and namespaces"). A namespace whose Rollouts are mid-canary, with Services
 * and a TrafficSplit the controller changed, is deleted while no controller runs and must be gone
 * within a bounded time; `bellwether uninstall`'s restore puts routing and Services back.
 */
describe('deletion without a controller', () => {
  let c: Clients;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(() => {
    c = clients();
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  /** A namespace with a canary paused at 10% through an SMI TrafficSplit, its controller stopped. */
  async function midCanary(prefix: string) {
    const ns = await testNamespace(c, prefix);
    cleanups.push(() => ns.cleanup());
    const manager = new Manager({ kc: c.kc, log: createLogger('warn'), namespace: ns.name });
    await manager.start();
    for (const service of ['web-canary', 'web-stable', 'web'])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name: service }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
    await c.objects.create({
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace: ns.name },
      spec: { service: 'web', backends: [{ service: 'web-stable', weight: 100 }] },
    });
    await createRollout(
      c,
      ns.name,
      canaryRollout('web', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            trafficRouting: { smi: { rootService: 'web', trafficSplitName: 'web' } },
            steps: [{ setWeight: 10 }, { pause: {} }],
          },
        },
      }),
    );
    await eventually('web Healthy', async () =>
      (await getRollout(c, ns.name, 'web')).status?.phase === 'Healthy' ? true : undefined,
    );
    await c.custom.patchNamespacedCustomObject(
      {
        ...rollouts,
        namespace: ns.name,
        name: 'web',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } } },
      },
      mergePatch,
    );
    await eventually('web paused at 10%', async () => {
      const ro = await getRollout(c, ns.name, 'web');
      return ro.status?.phase === 'Paused' && ro.status.canary?.weights?.canary === 10 ? ro : undefined;
    });
    await manager.stop();
    return ns.name;
  }

  const splitWeights = async (namespace: string) => {
    const split = (await c.objects.read({
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace },
    })) as { spec: { backends: { service: string; weight: number }[] } };
    return Object.fromEntries(split.spec.backends.map((b) => [b.service, b.weight]));
  };
  const service = (namespace: string, name: string) => c.core.readNamespacedService({ namespace, name });

  it('a namespace deleted mid-canary with no controller running is gone within a bounded time', async () => {
    const namespace = await midCanary('fault-del-ns');
    const stable = await service(namespace, 'web-stable');
    expect(stable.metadata?.annotations?.[restoreRecordAnnotation]).toBeDefined();
    expect(stable.spec?.selector).toHaveProperty(['rollouts-pod-template-hash']);
    expect((await getRollout(c, namespace, 'web')).metadata.finalizers ?? []).toEqual([]);

    const started = Date.now();
    await c.core.deleteNamespace({ name: namespace });
    await eventually(
      `namespace ${namespace} gone`,
      () =>
        c.core.readNamespace({ name: namespace }).then(
          () => undefined,
          (err: unknown) => ((err as { code?: number }).code === 404 ? true : undefined),
        ),
      120_000,
    );
    process.stderr.write(
      `[fault-deletion] namespace deleted without a controller in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
    );
  });

  it('uninstall restores routing and Services of live Rollouts and releases old finalizers', async () => {
    const namespace = await midCanary('fault-del-un');
    // a Rollout of an earlier version, still carrying the finalizer those versions added
    const ro = await getRollout(c, namespace, 'web');
    await c.custom.patchNamespacedCustomObject(
      {
        ...rollouts,
        namespace,
        name: 'web',
        body: {
          metadata: { finalizers: [restoreRoutingFinalizer], resourceVersion: ro.metadata.resourceVersion },
        },
      },
      mergePatch,
    );
    expect(await splitWeights(namespace)).toEqual({ 'web-stable': 90, 'web-canary': 10 });

    const lines: string[] = [];
    const restored = await restoreAllRouting(c.kc, (line) => lines.push(line));
    expect(restored).toContain(`${namespace}/web`);
    expect(lines).toContain(`Rollout ${namespace}/web: finalizer ${restoreRoutingFinalizer} removed`);
    expect(await splitWeights(namespace)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    for (const name of ['web-stable', 'web-canary']) {
      const svc = await service(namespace, name);
      expect(svc.spec?.selector).toEqual({ app: 'web' });
      expect(svc.metadata?.annotations ?? {}).not.toHaveProperty([restoreRecordAnnotation]);
      expect(svc.metadata?.annotations ?? {}).not.toHaveProperty(['bellwether.dev/managed-by']);
    }
    expect((await getRollout(c, namespace, 'web')).metadata.finalizers ?? []).toEqual([]);
    // nothing is left to hold the deletion
    await c.custom.deleteNamespacedCustomObject({ ...rollouts, namespace, name: 'web' });
    await eventually('web gone', () =>
      getRollout(c, namespace, 'web').then(
        () => undefined,
        () => true,
      ),
    );
  });

  it('a Rollout of an earlier version, deleted while no controller ran, is restored and released when one starts', async () => {
    const namespace = await midCanary('fault-del-old');
    const ro = await getRollout(c, namespace, 'web');
    await c.custom.patchNamespacedCustomObject(
      {
        ...rollouts,
        namespace,
        name: 'web',
        body: {
          metadata: { finalizers: [restoreRoutingFinalizer], resourceVersion: ro.metadata.resourceVersion },
        },
      },
      mergePatch,
    );
    await c.custom.deleteNamespacedCustomObject({ ...rollouts, namespace, name: 'web' });
    expect((await getRollout(c, namespace, 'web')).metadata.deletionTimestamp).toBeDefined();
    const manager = new Manager({ kc: c.kc, log: createLogger('warn'), namespace });
    await manager.start();
    try {
      await eventually('web released and gone', () =>
        getRollout(c, namespace, 'web').then(
          () => undefined,
          () => true,
        ),
      );
      expect(await splitWeights(namespace)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
      await eventually('web-stable selector restored', async () =>
        JSON.stringify((await service(namespace, 'web-stable')).spec?.selector) === '{"app":"web"}'
          ? true
          : undefined,
      );
    } finally {
      await manager.stop();
    }
  });
});
