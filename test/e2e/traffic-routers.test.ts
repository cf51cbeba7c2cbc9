import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { TrafficRouting } from '../../src/api/rollout.ts';
import { rolloutOwnerReference, type RolloutObject } from '../../src/controller/rollout-object.ts';
import { kubeRoutingObjects } from '../../src/traffic/kube-routing-client.ts';
import { routersFor } from '../../src/traffic/routers.ts';
import type { DesiredRouting, RoutingObjectClient, TrafficRouter } from '../../src/traffic/types.ts';
import { join } from 'node:path';
import { readManifests } from '../../src/install/apply.ts';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { clients, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout } from '../support/rollouts.ts';

// Each router against the real API server with the real CRDs (Gateway API, Istio, SMI): the
// weights it writes, its header and mirror routes, abort, and restore; a second apply of the same
// routing writes nothing. The controller's use of them (finalizer, deletion) is in
// traffic-rollout.test.ts.

const header = {
  name: 'canary-header',
  match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
};
const mirror = {
  name: 'canary-mirror',
  percentage: 20,
  match: [{ path: { prefix: '/api' }, method: { exact: 'GET' } }],
};
const at = (canaryWeight: number, routes: { header?: boolean; mirror?: boolean } = {}): DesiredRouting => ({
  canaryWeight,
  headerRoutes: routes.header ? [header] : [],
  mirrorRoutes: routes.mirror ? [mirror] : [],
  hashes: { canary: 'c4n4ry', stable: 's74b1e' },
});

/** A client that counts the router's writes (applies and deletes). */
function counted(c: Clients) {
  const inner = kubeRoutingObjects(c.kc);
  const counter = { writes: 0 };
  const client: RoutingObjectClient = {
    read: (ref) => inner.read(ref),
    apply: (obj) => {
      counter.writes++;
      return inner.apply(obj);
    },
    patch: (ref, patch) => {
      counter.writes++;
      return inner.patch(ref, patch);
    },
    remove: (ref) => {
      counter.writes++;
      return inner.remove(ref);
    },
  };
  return { client, counter };
}

interface GatewayRule {
  name?: string;
  matches?: { headers?: unknown[] }[];
  filters?: unknown[];
  backendRefs: { name: string; weight?: number }[];
}
interface IstioRoute {
  name?: string;
  match?: unknown[];
  mirror?: unknown;
  mirrorPercentage?: unknown;
  route: { destination: { host: string; subset?: string }; weight?: number }[];
}
interface IngressSpec {
  rules: { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[];
}

interface Fixture {
  c: Clients;
  namespace: string;
  rollout: RolloutObject;
  counter: { writes: number };
  router: (routing: TrafficRouting) => TrafficRouter;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the spec it reads
  read<S>(apiVersion: string, kind: string, name: string): Promise<KubernetesObject & { spec: S }>;
  create(obj: Record<string, unknown>): Promise<void>;
}

/** A namespace with the two Services and a Rollout (never reconciled: no controller here) that owns what routers generate. */
function useFixture(prefix: string): () => Fixture {
  let fixture: Fixture | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const c = clients();
    const ns = await testNamespace(c, prefix);
    cleanup = ns.cleanup;
    for (const name of ['web-canary', 'web-stable'])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      });
    const rollout = await createRollout(
      c,
      ns.name,
      canaryRollout('web', 'web:1', { strategy: { canary: {} } }),
    );
    const { client, counter } = counted(c);
    const objects = kubeRoutingObjects(c.kc);
    fixture = {
      c,
      namespace: ns.name,
      rollout,
      counter,
      router: (routing) => {
        const [router] = routersFor(
          {
            routing,
            field: 'spec.strategy.canary.trafficRouting',
            canaryService: 'web-canary',
            stableService: 'web-stable',
          },
          {
            rollout: { name: 'web', namespace: ns.name, uid: rollout.metadata.uid },
            ownerReference: rolloutOwnerReference(rollout),
          },
          client,
        );
        if (!router) throw new Error('no router');
        return router;
      },
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as above
      read: async <S>(apiVersion: string, kind: string, name: string) => {
        const obj = await objects.read({ apiVersion, kind, namespace: ns.name, name });
        if (!obj) throw new Error(`${kind} ${name} not found`);
        return obj as KubernetesObject & { spec: S };
      },
      create: async (obj) => {
        const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
        await c.objects.create({ ...obj, metadata: { ...metadata, namespace: ns.name } });
      },
    };
  });
  afterAll(async () => {
    await cleanup?.();
  });
  return () => {
    if (!fixture) throw new Error('fixture used before beforeAll');
    return fixture;
  };
}

/** Applies, checks the weights with `weightsOf`, and that a second apply writes nothing. */
async function expectWeights(
  f: Fixture,
  router: TrafficRouter,
  desired: DesiredRouting,
  weightsOf: () => Promise<unknown>,
  expected: unknown,
) {
  const before = f.counter.writes;
  await router.apply(desired);
  expect(f.counter.writes - before).toBeLessThanOrEqual(2);
  expect(await weightsOf()).toEqual(expected);
  expect(await router.verifyWeight(desired.canaryWeight)).toBe(true);
  const settled = f.counter.writes;
  expect(await router.apply(desired)).toBe(0);
  expect(f.counter.writes).toBe(settled);
}

describe('Gateway API router (HTTPRoute)', () => {
  const fixture = useFixture('router-gw');
  const route = (f: Fixture) =>
    f.read<{ rules: GatewayRule[] }>('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web');
  const weights = async (f: Fixture) => {
    const rules = (await route(f)).spec.rules as {
      name?: string;
      backendRefs: { name: string; weight: number }[];
    }[];
    return rules.map((r) => [r.name ?? '', ...r.backendRefs.map((b) => `${b.name}=${b.weight}`)]);
  };

  it('writes 10 / 50 / 100, header and mirror rules, abort and restore', async () => {
    const f = fixture();
    await f.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: {
        parentRefs: [{ name: 'gateway' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              { name: 'web-stable', port: 80, weight: 100 },
              { name: 'web-canary', port: 80, weight: 0 },
            ],
          },
        ],
      },
    });
    const router = f.router({
      gatewayAPI: { httpRoute: 'web' },
      managedRoutes: [{ name: 'canary-header' }, { name: 'canary-mirror' }],
    });
    for (const w of [10, 50, 100])
      await expectWeights(f, router, at(w), () => weights(f), [
        ['', `web-stable=${100 - w}`, `web-canary=${w}`],
      ]);

    await router.apply(at(50, { header: true, mirror: true }));
    const rules = (await route(f)).spec.rules;
    expect(rules.map((r: { name?: string }) => r.name ?? '')).toEqual(['', 'canary-header', 'canary-mirror']);
    expect(rules[1]?.matches?.[0]?.headers).toEqual([{ type: 'Exact', name: 'X-Canary', value: 'yes' }]);
    expect(rules[1]?.backendRefs.map((b: { name: string }) => b.name)).toEqual(['web-canary']);
    expect(rules[2]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }]);
    expect(rules[2]?.filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { name: 'web-canary', port: 80, group: '', kind: 'Service' },
          percent: 20,
        },
      },
    ]);
    expect(await router.apply(at(50, { header: true, mirror: true }))).toBe(0);
    expect((await route(f)).metadata?.annotations?.['bellwether.dev/managed-by']).toBe('web');

    // abort: all traffic back on stable, the routes gone
    await expectWeights(f, router, at(0), () => weights(f), [['', 'web-stable=100', 'web-canary=0']]);

    await router.apply(at(30, { header: true }));
    expect(await router.restore()).toBe(1);
    expect(await weights(f)).toEqual([['', 'web-stable=100', 'web-canary=0']]);
    expect((await route(f)).metadata?.annotations?.['bellwether.dev/managed-by']).toBeUndefined();
    expect(await router.restore()).toBe(0);
  });

  it('maxTrafficWeight scales the weights; a missing HTTPRoute names the field', async () => {
    const f = fixture();
    const router = f.router({ gatewayAPI: { httpRoute: 'web' }, maxTrafficWeight: 1000 });
    await expectWeights(f, router, at(10), () => weights(f), [['', 'web-stable=900', 'web-canary=100']]);
    const missing = f.router({ gatewayAPI: { httpRoute: 'nope' } });
    await expect(missing.apply(at(10))).rejects.toThrow(
      `spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: HTTPRoute "nope" not found in namespace ${f.namespace}`,
    );
  });
});

describe('Istio router (VirtualService, DestinationRule)', () => {
  const fixture = useFixture('router-istio');
  const vs = (f: Fixture) =>
    f.read<{ http: IstioRoute[] }>('networking.istio.io/v1', 'VirtualService', 'web');
  const weights = async (f: Fixture) =>
    (
      (await vs(f)).spec.http as {
        name?: string;
        route: { destination: { host: string; subset?: string }; weight?: number }[];
      }[]
    ).map((r) => [
      r.name ?? '',
      ...r.route.map((d) => `${d.destination.subset ?? d.destination.host}=${d.weight ?? '-'}`),
    ]);

  it('host-level: writes 10 / 50 / 100 into the named route, header and mirror routes first, abort and restore', async () => {
    const f = fixture();
    await f.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: {
        hosts: ['web'],
        http: [
          {
            name: 'other',
            match: [{ uri: { prefix: '/static' } }],
            route: [{ destination: { host: 'static' } }],
          },
          {
            name: 'primary',
            route: [
              { destination: { host: 'web-stable' }, weight: 100 },
              { destination: { host: 'web-canary' }, weight: 0 },
            ],
          },
        ],
      },
    });
    const router = f.router({
      istio: { virtualService: { name: 'web', routes: ['primary'] } },
      managedRoutes: [{ name: 'canary-mirror' }, { name: 'canary-header' }],
    });
    for (const w of [10, 50, 100])
      await expectWeights(f, router, at(w), () => weights(f), [
        ['other', 'static=-'],
        ['primary', `web-stable=${100 - w}`, `web-canary=${w}`],
      ]);
    await router.apply(at(20, { header: true, mirror: true }));
    const http = (await vs(f)).spec.http;
    expect(http.map((r) => r.name)).toEqual(['canary-mirror', 'canary-header', 'other', 'primary']);
    expect(http[1]).toEqual({
      name: 'canary-header',
      match: [{ headers: { 'X-Canary': { exact: 'yes' } } }],
      route: [{ destination: { host: 'web-canary' } }],
    });
    expect(http[0]?.mirror).toEqual({ host: 'web-canary' });
    expect(http[0]?.mirrorPercentage).toEqual({ value: 20 });
    expect(http[0]?.match).toEqual([{ method: { exact: 'GET' }, uri: { prefix: '/api' } }]);
    expect(await router.apply(at(20, { header: true, mirror: true }))).toBe(0);

    await expectWeights(f, router, at(0), () => weights(f), [
      ['other', 'static=-'],
      ['primary', 'web-stable=100', 'web-canary=0'],
    ]);
    await router.apply(at(40, { header: true }));
    expect(await router.restore()).toBe(1);
    expect(await weights(f)).toEqual([
      ['other', 'static=-'],
      ['primary', 'web-stable=100', 'web-canary=0'],
    ]);
    expect((await vs(f)).metadata?.annotations?.['bellwether.dev/managed-by']).toBeUndefined();
  });

  it('subset-level: DestinationRule subsets follow the pod template hashes, restored without them', async () => {
    const f = fixture();
    await f.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'subsets' },
      spec: {
        hosts: ['web'],
        http: [
          {
            route: [
              { destination: { host: 'web', subset: 'stable' }, weight: 100 },
              { destination: { host: 'web', subset: 'canary' }, weight: 0 },
            ],
          },
        ],
      },
    });
    await f.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'web' },
      spec: {
        host: 'web',
        subsets: [
          { name: 'canary', labels: { app: 'web' } },
          { name: 'stable', labels: { app: 'web' } },
        ],
      },
    });
    const router = f.router({
      istio: {
        virtualService: { name: 'subsets' },
        destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    });
    const subsets = async () =>
      (
        (await f.read<{ subsets: { labels: object }[] }>('networking.istio.io/v1', 'DestinationRule', 'web'))
          .spec.subsets as {
          labels: object;
        }[]
      ).map((s) => s.labels);
    const before = f.counter.writes;
    await router.apply(at(10));
    expect(f.counter.writes - before).toBe(2);
    expect(await subsets()).toEqual([
      { app: 'web', 'rollouts-pod-template-hash': 'c4n4ry' },
      { app: 'web', 'rollouts-pod-template-hash': 's74b1e' },
    ]);
    const subsetRoute = await f.read<{ http: IstioRoute[] }>(
      'networking.istio.io/v1',
      'VirtualService',
      'subsets',
    );
    expect(subsetRoute.spec.http[0]?.route.map((d) => d.weight)).toEqual([90, 10]);
    expect(await router.apply(at(10))).toBe(0);
    expect(await router.restore()).toBe(2);
    expect(await subsets()).toEqual([{ app: 'web' }, { app: 'web' }]);
    expect(await router.restore()).toBe(0);
  });
});

describe('SMI router (TrafficSplit)', () => {
  const fixture = useFixture('router-smi');
  const backends = async (f: Fixture, name: string) =>
    (
      (
        await f.read<{ backends: { service: string; weight: number }[] }>(
          'split.smi-spec.io/v1alpha2',
          'TrafficSplit',
          name,
        )
      ).spec.backends as {
        service: string;
        weight: number;
      }[]
    ).map((b) => `${b.service}=${b.weight}`);

  it('an existing split: 10 / 50 / 100, abort, restore to all-stable', async () => {
    const f = fixture();
    await f.create({
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name: 'web-split' },
      spec: { service: 'web', backends: [{ service: 'web-stable', weight: 100 }] },
    });
    const router = f.router({ smi: { trafficSplitName: 'web-split', rootService: 'web' } });
    for (const w of [10, 50, 100])
      await expectWeights(f, router, at(w), () => backends(f, 'web-split'), [
        `web-canary=${w}`,
        `web-stable=${100 - w}`,
      ]);
    await expectWeights(f, router, at(0), () => backends(f, 'web-split'), ['web-canary=0', 'web-stable=100']);
    await router.apply(at(50));
    expect(await router.restore()).toBe(1);
    expect(await backends(f, 'web-split')).toEqual(['web-canary=0', 'web-stable=100']);
    expect(
      (await f.read<{ service: string }>('split.smi-spec.io/v1alpha2', 'TrafficSplit', 'web-split')).spec
        .service,
    ).toBe('web');
  });

  it('a missing split is created, owned by the Rollout, and deleted on restore', async () => {
    const f = fixture();
    const router = f.router({ smi: {} });
    await expectWeights(f, router, at(10), () => backends(f, 'web'), ['web-canary=10', 'web-stable=90']);
    const split = await f.read<{ service: string }>('split.smi-spec.io/v1alpha2', 'TrafficSplit', 'web');
    expect(split.spec.service).toBe('web-stable');
    expect(split.metadata?.ownerReferences?.[0]?.uid).toBe(f.rollout.metadata.uid);
    expect(await router.restore()).toBe(1);
    await expect(f.read('split.smi-spec.io/v1alpha2', 'TrafficSplit', 'web')).rejects.toThrow('not found');
  });
});

describe('NGINX router (canary Ingress)', () => {
  const fixture = useFixture('router-nginx');
  const stableIngress = (name: string, host: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' } },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-stable', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  });
  const canary = (f: Fixture, name: string) => f.read<IngressSpec>('networking.k8s.io/v1', 'Ingress', name);
  const canaryAnnotations = async (f: Fixture, name: string) => {
    const annotations = (await canary(f, name)).metadata?.annotations ?? {};
    return Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith('custom.nginx/')));
  };

  it('a generated canary Ingress per stable Ingress: weights, header route, abort, deleted on restore', async () => {
    const f = fixture();
    await f.create(stableIngress('web', 'web.example'));
    await f.create(stableIngress('web-internal', 'web.internal'));
    const router = f.router({
      nginx: {
        stableIngress: 'web',
        additionalStableIngresses: ['web-internal'],
        annotationPrefix: 'custom.nginx',
        additionalIngressAnnotations: { 'canary-by-cookie': 'canary' },
      },
      managedRoutes: [{ name: 'canary-header' }],
    });
    for (const w of [10, 50, 100]) {
      const expected = {
        'custom.nginx/canary': 'true',
        'custom.nginx/canary-weight': String(w),
        'custom.nginx/canary-by-cookie': 'canary',
      };
      await expectWeights(f, router, at(w), () => canaryAnnotations(f, 'web-web-canary'), expected);
      expect(await canaryAnnotations(f, 'web-web-internal-canary')).toEqual(expected);
    }
    const generated = await canary(f, 'web-web-canary');
    expect(generated.spec.rules[0]?.http.paths[0]?.backend.service.name).toBe('web-canary');
    expect(generated.spec.rules[0]?.host).toBe('web.example');
    expect(generated.metadata?.ownerReferences?.[0]?.uid).toBe(f.rollout.metadata.uid);
    // the stable Ingress is never written
    expect((await canary(f, 'web')).metadata?.managedFields?.map((m) => m.manager)).not.toContain(
      'bellwether',
    );

    await router.apply(at(20, { header: true }));
    expect(await canaryAnnotations(f, 'web-web-canary')).toMatchObject({
      'custom.nginx/canary-by-header': 'X-Canary',
      'custom.nginx/canary-by-header-value': 'yes',
    });
    expect(await router.apply(at(20, { header: true }))).toBe(0);
    // abort: weight 0 and the header annotations gone
    await expectWeights(f, router, at(0), () => canaryAnnotations(f, 'web-web-canary'), {
      'custom.nginx/canary': 'true',
      'custom.nginx/canary-weight': '0',
      'custom.nginx/canary-by-cookie': 'canary',
    });
    expect(await router.restore()).toBe(2);
    await expect(canary(f, 'web-web-canary')).rejects.toThrow('not found');
    await expect(canary(f, 'web-web-internal-canary')).rejects.toThrow('not found');
    expect(await router.restore()).toBe(0);
  });

  it('maxTrafficWeight becomes canary-weight-total', async () => {
    const f = fixture();
    const router = f.router({ nginx: { stableIngress: 'web' }, maxTrafficWeight: 1000 });
    await router.apply(at(10));
    const annotations = (await canary(f, 'web-web-canary')).metadata?.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('100');
    expect(annotations['nginx.ingress.kubernetes.io/canary-weight-total']).toBe('1000');
    expect(await router.restore()).toBe(1);
  });
});

describe('deploy/examples/traffic', () => {
  const fixture = useFixture('router-examples');

  it('every object is accepted by the API server with the real router CRDs (server-side dry run)', async () => {
    const f = fixture();
    const objects = readManifests(join(repoRoot, 'deploy', 'examples', 'traffic'));
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set([
        'Service',
        'Rollout',
        'AnalysisTemplate',
        'HTTPRoute',
        'VirtualService',
        'DestinationRule',
        'Ingress',
      ]),
    );
    for (const obj of objects) {
      (obj.metadata ??= {}).namespace = f.namespace;
      await f.c.objects.create(obj, undefined, 'All');
    }
  });
});
