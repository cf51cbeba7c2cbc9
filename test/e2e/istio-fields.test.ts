import { describe, expect, it } from 'vitest';
import { useInProcessController } from '../support/in-process-controller.ts';
import { eventually } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';
import { createServices } from '../support/routing-objects.ts';

// Argo's Istio fields on the real API server with Istio's own CRDs (v1.24.2): weights written
// into the TLS and TCP routes a Rollout selects and into every VirtualService of virtualServices,
// and a subset-level split through a DestinationRule with no canary or stable Service at all.

const istio = { group: 'networking.istio.io', version: 'v1' };
type Route = { route: { destination: { host: string; subset?: string }; weight?: number }[] };

describe('Istio virtualServices, tlsRoutes, tcpRoutes and a subset-only split', () => {
  const env = useInProcessController('istio-fields');
  const { run } = env;
  const create = (plural: string, kind: string, name: string, spec: object) =>
    env.c.custom.createNamespacedCustomObject({
      ...istio,
      plural,
      namespace: env.namespace,
      body: { apiVersion: 'networking.istio.io/v1', kind, metadata: { name }, spec },
    });
  const read = async (plural: string, name: string) =>
    (
      (await env.c.custom.getNamespacedCustomObject({
        ...istio,
        plural,
        namespace: env.namespace,
        name,
      })) as {
        spec: Record<string, Route[] | undefined> & {
          subsets?: { name: string; labels?: Record<string, string> }[];
        };
      }
    ).spec;
  const weightsOf = (routes: Route[] | undefined, index: number) =>
    (routes?.[index]?.route ?? []).map(
      (d) => `${d.destination.subset ?? d.destination.host}=${d.weight ?? 0}`,
    );
  const pausedAt = (name: string, index: number) =>
    eventually(`${name} paused at step ${index}`, async () => {
      const ro = await getRollout(env.c, env.namespace, name);
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === index ? ro : undefined;
    });
  const healthy = (name: string) =>
    eventually(`${name} Healthy`, async () =>
      (await getRollout(env.c, env.namespace, name)).status?.phase === 'Healthy' ? true : undefined,
    );
  const split = (stable: string, canary: string, stableWeight: number) => [
    { destination: { host: stable }, weight: stableWeight },
    { destination: { host: canary }, weight: 100 - stableWeight },
  ];

  it('sets the weights in the selected TLS and TCP routes and in every VirtualService, not in others', async () => {
    await createServices(env.c, env.namespace, 'l4', ['l4-stable', 'l4-canary']);
    await create('virtualservices', 'VirtualService', 'l4', {
      hosts: ['l4.example.com'],
      tls: [
        { match: [{ port: 443, sniHosts: ['l4.example.com'] }], route: split('l4-stable', 'l4-canary', 100) },
        {
          match: [{ port: 443, sniHosts: ['other.example.com'] }],
          route: [{ destination: { host: 'other' } }],
        },
      ],
      tcp: [
        { match: [{ port: 5432 }], route: split('l4-stable', 'l4-canary', 100) },
        { match: [{ port: 6379 }], route: [{ destination: { host: 'cache' } }] },
      ],
    });
    await create('virtualservices', 'VirtualService', 'l4-http', {
      hosts: ['l4-http'],
      http: [{ name: 'primary', route: split('l4-stable', 'l4-canary', 100) }],
    });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('l4', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            canaryService: 'l4-canary',
            stableService: 'l4-stable',
            trafficRouting: {
              istio: {
                virtualServices: [
                  {
                    name: 'l4',
                    tlsRoutes: [{ port: 443, sniHosts: ['l4.example.com'] }],
                    tcpRoutes: [{ port: 5432 }],
                  },
                  { name: 'l4-http', routes: ['primary'] },
                ],
              },
            },
            steps: [{ setWeight: 30 }, { pause: {} }],
          },
        },
      }),
    );
    await healthy('l4');
    expect(await run('set', 'image', 'l4', 'app=web:2')).toBe(0);
    const paused = await pausedAt('l4', 1);
    expect(paused.status?.canary?.weights).toEqual({ canary: 30, stable: 70 });
    const l4 = await read('virtualservices', 'l4');
    expect(weightsOf(l4.tls, 0)).toEqual(['l4-stable=70', 'l4-canary=30']);
    expect(weightsOf(l4.tls, 1)).toEqual(['other=0']);
    expect(weightsOf(l4.tcp, 0)).toEqual(['l4-stable=70', 'l4-canary=30']);
    expect(weightsOf(l4.tcp, 1)).toEqual(['cache=0']);
    expect(l4.http).toBeUndefined();
    expect(weightsOf((await read('virtualservices', 'l4-http')).http, 0)).toEqual([
      'l4-stable=70',
      'l4-canary=30',
    ]);

    expect(await run('promote', 'l4')).toBe(0);
    await healthy('l4');
    await eventually('all on stable', async () =>
      weightsOf((await read('virtualservices', 'l4')).tcp, 0).join() === 'l4-stable=100,l4-canary=0'
        ? true
        : undefined,
    );
  });

  it('splits by DestinationRule subsets with no canary or stable Service', async () => {
    await create('destinationrules', 'DestinationRule', 'sub', {
      host: 'sub',
      subsets: [
        { name: 'stable', labels: { app: 'sub' } },
        { name: 'canary', labels: { app: 'sub' } },
      ],
    });
    await create('virtualservices', 'VirtualService', 'sub', {
      hosts: ['sub'],
      http: [
        {
          route: [
            { destination: { host: 'sub', subset: 'stable' }, weight: 100 },
            { destination: { host: 'sub', subset: 'canary' }, weight: 0 },
          ],
        },
      ],
    });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('sub', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            trafficRouting: {
              istio: {
                virtualService: { name: 'sub' },
                destinationRule: { name: 'sub', canarySubsetName: 'canary', stableSubsetName: 'stable' },
              },
            },
            steps: [{ setWeight: 40 }, { pause: {} }],
          },
        },
      }),
    );
    await healthy('sub');
    expect(await run('set', 'image', 'sub', 'app=web:2')).toBe(0);
    const paused = await pausedAt('sub', 1);
    expect(paused.status?.conditions?.find((cond) => cond.type === 'InvalidSpec')).toBeUndefined();
    expect(weightsOf((await read('virtualservices', 'sub')).http, 0)).toEqual(['stable=60', 'canary=40']);
    const subsets = (await read('destinationrules', 'sub')).subsets ?? [];
    expect(
      Object.fromEntries(subsets.map((s) => [s.name, s.labels?.['rollouts-pod-template-hash']])),
    ).toEqual({
      stable: paused.status?.stableRS,
      canary: paused.status?.currentPodHash,
    });
  });
});
