import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { istioRouter } from './istio.ts';
import { nginxRouter } from './nginx.ts';
import { smiRouter } from './smi.ts';
import { routerSplit } from './weights.ts';
import { selectL4Routes } from './istio-l4-routes.ts';
import { canaryRoutingServices } from './canary-routing-services.ts';
import type { ObjectRef, RoutingObject, RoutingObjectClient, RoutingTarget } from './types.ts';

const target: RoutingTarget = {
  rollout: { name: 'web', namespace: 'ns', uid: 'u1' },
  ownerReference: { apiVersion: 'bellwether.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u1' },
  field: 'spec.strategy.canary.trafficRouting',
  canaryService: 'web-canary',
  stableService: 'web-stable',
  maxTrafficWeight: 100,
  managedRoutes: [],
};

/** Objects in memory; an apply replaces the spec fields it sends and merges annotations. */
function memory(objects: RoutingObject[]) {
  const byKey = new Map(objects.map((o) => [`${o.kind}/${o.metadata?.name}`, o]));
  const applied: KubernetesObject[] = [];
  const client: RoutingObjectClient = {
    read: (ref: ObjectRef) => Promise.resolve(structuredClone(byKey.get(`${ref.kind}/${ref.name}`))),
    apply: (obj) => {
      applied.push(obj);
      const key = `${obj.kind}/${obj.metadata?.name}`;
      const current = byKey.get(key);
      const spec = (obj as RoutingObject).spec ?? {};
      byKey.set(key, {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: {
          name: obj.metadata?.name,
          namespace: 'ns',
          annotations: { ...current?.metadata?.annotations, ...obj.metadata?.annotations },
          ...(obj.metadata?.ownerReferences ? { ownerReferences: obj.metadata.ownerReferences } : {}),
        },
        spec: { ...current?.spec, ...spec },
      });
      return Promise.resolve();
    },
    patch: () => Promise.reject(new Error('not used')),
    remove: (ref) => {
      byKey.delete(`${ref.kind}/${ref.name}`);
      return Promise.resolve();
    },
  };
  return { client, applied, get: (kind: string, name: string) => byKey.get(`${kind}/${name}`) };
}

const desired = (canaryWeight: number) => ({ canaryWeight, headerRoutes: [], mirrorRoutes: [], hashes: {} });
const dest = (host: string, weight: number, subset?: string) => ({
  destination: { host, ...(subset ? { subset } : {}) },
  weight,
});

const virtualService = (name: string, spec: Record<string, unknown>): RoutingObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'ns' },
  spec,
});

describe('Istio virtualServices, tlsRoutes and tcpRoutes', () => {
  it('sets the same weights on every VirtualService of virtualServices', async () => {
    const http = [{ name: 'primary', route: [dest('web-stable', 100), dest('web-canary', 0)] }];
    const m = memory([virtualService('a', { http }), virtualService('b', { http })]);
    const router = istioRouter(
      target,
      { virtualServices: [{ name: 'a' }, { name: 'b', routes: ['primary'] }] },
      m.client,
    );
    expect(await router.apply(desired(30))).toBe(2);
    for (const name of ['a', 'b'])
      expect(
        (m.get('VirtualService', name)?.spec?.http as typeof http)[0]?.route.map((d) => d.weight),
      ).toEqual([70, 30]);
    expect(await router.verifyWeight(30)).toBe(true);
    expect(await router.apply(desired(30))).toBe(0);
  });

  it('weights the TLS routes matched by port and SNI hosts and the TCP routes matched by port, not the others', async () => {
    const tls = [
      {
        match: [{ port: 443, sniHosts: ['web.example.com'] }],
        route: [dest('web-stable', 100), dest('web-canary', 0)],
      },
      { match: [{ port: 443, sniHosts: ['other.example.com'] }], route: [dest('other', 100)] },
    ];
    const tcp = [
      { match: [{ port: 5432 }], route: [dest('web-stable', 100), dest('web-canary', 0)] },
      { match: [{ port: 6379 }], route: [dest('cache', 100)] },
    ];
    const m = memory([virtualService('l4', { tls, tcp })]);
    const router = istioRouter(
      target,
      {
        virtualService: {
          name: 'l4',
          tlsRoutes: [{ port: 443, sniHosts: ['web.example.com'] }],
          tcpRoutes: [{ port: 5432 }],
        },
      },
      m.client,
    );
    await router.apply(desired(25));
    const spec = m.get('VirtualService', 'l4')?.spec as { tls: typeof tls; tcp: typeof tcp; http?: unknown };
    expect(spec.tls[0]?.route.map((d) => d.weight)).toEqual([75, 25]);
    expect(spec.tls[1]?.route.map((d) => d.weight)).toEqual([100]);
    expect(spec.tcp[0]?.route.map((d) => d.weight)).toEqual([75, 25]);
    expect(spec.tcp[1]?.route.map((d) => d.weight)).toEqual([100]);
    expect(spec.http).toBeUndefined();
    expect(await router.verifyWeight(25)).toBe(true);
    expect(await router.verifyWeight(50)).toBe(false);
    await router.restore();
    expect(
      (m.get('VirtualService', 'l4')?.spec as { tcp: typeof tcp }).tcp[0]?.route.map((d) => d.weight),
    ).toEqual([100, 0]);
  });

  it('names the tlsRoutes entry that selects no route', async () => {
    const m = memory([virtualService('l4', { tls: [{ match: [{ port: 443 }], route: [] }] })]);
    const router = istioRouter(
      target,
      { virtualService: { name: 'l4', tlsRoutes: [{ port: 8443 }] } },
      m.client,
    );
    await expect(router.apply(desired(10))).rejects.toThrow(
      'spec.strategy.canary.trafficRouting.istio.virtualService.tlsRoutes[0]: VirtualService "l4" has no TLS route with that match',
    );
  });

  it('splits by subsets without canary or stable Services', async () => {
    const http = [{ route: [dest('web', 100, 'stable'), dest('web', 0, 'canary')] }];
    const rule: RoutingObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        subsets: [
          { name: 'stable', labels: {} },
          { name: 'canary', labels: {} },
        ],
      },
    };
    const m = memory([virtualService('web', { http }), rule]);
    const routing = {
      istio: {
        virtualService: { name: 'web' },
        destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    };
    const services = canaryRoutingServices({ trafficRouting: routing }, routing, undefined);
    expect(services).toEqual({ canaryService: '', stableService: '' });
    const router = istioRouter({ ...target, ...services }, routing.istio, m.client);
    await router.apply({ ...desired(40), hashes: { canary: 'c1', stable: 's1' } });
    expect(
      (m.get('VirtualService', 'web')?.spec?.http as typeof http)[0]?.route.map((d) => d.weight),
    ).toEqual([60, 40]);
    expect(m.get('DestinationRule', 'web')?.spec?.subsets).toEqual([
      { name: 'stable', labels: { 'rollouts-pod-template-hash': 's1' } },
      { name: 'canary', labels: { 'rollouts-pod-template-hash': 'c1' } },
    ]);
  });

  it('selectL4Routes: every selector must select, SNI hosts compare as sets', () => {
    const routes = [{ match: [{ port: 443, sniHosts: ['b', 'a'] }] }, { match: [{ port: 80 }] }];
    expect(selectL4Routes('tls', [{ sniHosts: ['a', 'b'] }], routes)).toEqual({ indexes: [0], missing: [] });
    expect(selectL4Routes('tcp', [{ port: 80 }, { port: 81 }], routes)).toEqual({
      indexes: [1],
      missing: [1],
    });
  });
});

describe('NGINX stableIngresses and canaryIngressAnnotations', () => {
  const stable = (name: string): RoutingObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'ns' },
    spec: {
      rules: [
        {
          http: {
            paths: [{ path: '/', backend: { service: { name: 'web-stable', port: { number: 80 } } } }],
          },
        },
      ],
    },
  });

  it('generates a canary Ingress per stable Ingress, with the full-key annotations as written', async () => {
    const m = memory([stable('public'), stable('internal')]);
    const router = nginxRouter(
      target,
      {
        stableIngresses: ['public', 'internal'],
        additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
        canaryIngressAnnotations: { 'example.com/team': 'shop' },
      },
      m.client,
    );
    expect(await router.apply(desired(20))).toBe(2);
    for (const name of ['public', 'internal']) {
      const canary = m.get('Ingress', `web-${name}-canary`);
      expect(canary?.metadata?.annotations).toMatchObject({
        'example.com/team': 'shop',
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '20',
        'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      });
    }
    expect(await router.verifyWeight(20)).toBe(true);
    expect(await router.apply(desired(20))).toBe(0);
  });
});

describe('pingPong Services by status', () => {
  const canary = {
    pingPong: { pingService: 'ping', pongService: 'pong' },
    trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'root' } },
  };
  it('ping is stable until the first promotion, then pong', () => {
    const routing = canary.trafficRouting;
    expect(canaryRoutingServices(canary, routing, undefined)).toEqual({
      canaryService: 'pong',
      stableService: 'ping',
    });
    expect(canaryRoutingServices(canary, routing, { canary: { stablePingPong: 'pong' } })).toEqual({
      canaryService: 'ping',
      stableService: 'pong',
    });
  });
});

describe('extra destinations (experiment templates with weight)', () => {
  const extra = [
    { service: 'web-exp-baseline', weight: 5 },
    { service: 'web-exp-canary', weight: 10 },
  ];
  const withExtra = (canaryWeight: number, destinations = extra) => ({
    ...desired(canaryWeight),
    extra: destinations,
  });

  it('Istio: adds each template Service as a host destination, takes its share from the stable, removes it after', async () => {
    const http = [{ name: 'primary', route: [dest('web-stable', 100), dest('web-canary', 0)] }];
    const m = memory([virtualService('vs', { http })]);
    const router = istioRouter(target, { virtualService: { name: 'vs' } }, m.client);
    const routes = () => (m.get('VirtualService', 'vs')?.spec?.http as typeof http)[0]?.route;

    expect(await router.apply(withExtra(20))).toBe(1);
    expect(routes()).toEqual([
      dest('web-stable', 65),
      dest('web-canary', 20),
      dest('web-exp-baseline', 5),
      dest('web-exp-canary', 10),
    ]);
    expect(await router.apply(withExtra(20))).toBe(0);
    // A weight changes in place; a destination no longer wanted goes.
    expect(await router.apply(withExtra(20, [{ service: 'web-exp-canary', weight: 30 }]))).toBe(1);
    expect(routes()).toEqual([dest('web-stable', 50), dest('web-canary', 20), dest('web-exp-canary', 30)]);
    expect(await router.apply(desired(20))).toBe(1);
    expect(routes()).toEqual([dest('web-stable', 80), dest('web-canary', 20)]);
  });

  it('SMI: one backend per template Service next to canary and stable, gone when the experiment ends', async () => {
    const m = memory([]);
    const router = smiRouter(target, { trafficSplitName: 'split' }, m.client);
    const backends = () => m.get('TrafficSplit', 'split')?.spec?.backends;
    await router.apply(withExtra(20));
    expect(backends()).toEqual([
      { service: 'web-canary', weight: 20 },
      { service: 'web-stable', weight: 65 },
      { service: 'web-exp-baseline', weight: 5 },
      { service: 'web-exp-canary', weight: 10 },
    ]);
    expect(await router.apply(withExtra(20))).toBe(0);
    await router.apply(desired(20));
    expect(backends()).toEqual([
      { service: 'web-canary', weight: 20 },
      { service: 'web-stable', weight: 80 },
    ]);
  });

  it('on a maxTrafficWeight scale, the shares still add up to the total', () => {
    expect(routerSplit(20, extra, 1000)).toEqual({
      canary: 200,
      stable: 650,
      extra: [
        { service: 'web-exp-baseline', weight: 50 },
        { service: 'web-exp-canary', weight: 100 },
      ],
    });
  });
});
