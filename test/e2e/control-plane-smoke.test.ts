import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';

// The foundation every other end-to-end test stands on: a real API server, controller-manager,
// scheduler and kwok turning a Deployment into Ready pods, and CRDs that become Established.
describe('local control plane', () => {
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'smoke');
  });
  afterAll(async () => ns.cleanup());

  const readyPods = async (selector: string) => {
    const pods = await c.core.listNamespacedPod({ namespace: ns.name, labelSelector: selector });
    return pods.items.filter(
      (p) =>
        !p.metadata?.deletionTimestamp &&
        p.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'),
    ).length;
  };

  it('runs a Deployment: 3 Ready pods, scaled to 5, garbage-collected on delete', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
          },
        },
      },
    });
    await eventually('3 Ready pods', async () => ((await readyPods('app=web')) === 3 ? true : undefined));

    await c.apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: ns.name, body: { spec: { replicas: 5 } } },
      // merge patch: the generated client defaults to JSON patch
      (await import('@kubernetes/client-node')).setHeaderOptions(
        'Content-Type',
        'application/merge-patch+json',
      ),
    );
    await eventually('5 Ready pods', async () => ((await readyPods('app=web')) === 5 ? true : undefined));

    await c.apps.deleteNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
      propagationPolicy: 'Background',
    });
    await eventually('pods garbage-collected', async () => {
      const pods = await c.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
      return pods.items.length === 0 ? true : undefined;
    });
    const sets = await c.apps.listNamespacedReplicaSet({ namespace: ns.name });
    expect(sets.items).toHaveLength(0);
  });

  it('installs a CRD, waits until Established, and round-trips an object', async () => {
    const group = 'smoke.bellwether.dev';
    const plural = `widgets${ns.name.replace(/[^a-z0-9]/g, '')}`;
    const name = `${plural}.${group}`;
    await c.ext.createCustomResourceDefinition({
      body: {
        metadata: { name },
        spec: {
          group,
          scope: 'Namespaced',
          names: {
            plural,
            singular: plural.slice(0, -1),
            kind: 'Widget' + plural.slice(7),
            listKind: 'WidgetList' + plural.slice(7),
          },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      await eventually('CRD Established', async () => {
        const crd = await c.ext.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')
          ? true
          : undefined;
      });
      const body = {
        apiVersion: `${group}/v1`,
        kind: 'Widget' + plural.slice(7),
        metadata: { name: 'w1' },
        spec: { size: 3 },
      };
      await eventually('object created', () =>
        c.custom.createNamespacedCustomObject({ group, version: 'v1', namespace: ns.name, plural, body }),
      );
      const read = (await c.custom.getNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns.name,
        plural,
        name: 'w1',
      })) as { spec: { size: number } };
      expect(read.spec.size).toBe(3);
      // the schema is enforced by the real API server
      await expect(
        c.custom.createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace: ns.name,
          plural,
          body: { ...body, metadata: { name: 'w2' }, spec: { size: 0 } },
        }),
      ).rejects.toThrow(/spec.size/);
    } finally {
      await c.ext.deleteCustomResourceDefinition({ name });
    }
  });
});
