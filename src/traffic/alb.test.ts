import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { buildCrds } from '../api/crds.ts';
import { validateResource } from '../api/validate.ts';
import { albActionKey, albCanaryWeight, albForwardAction, albRouter } from './alb.ts';
import { trafficStepProblems } from './capabilities.ts';
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

const ingress = (name: string, service: string, annotations?: Record<string, string>): RoutingObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: {
    ingressClassName: 'alb',
    rules: [
      {
        http: {
          paths: [{ path: '/*', backend: { service: { name: service, port: { name: 'use-annotation' } } } }],
        },
      },
    ],
  },
});

/** Ingresses in memory; apply merges annotations the way server-side apply of owned keys does. */
function memoryClient(objects: RoutingObject[]) {
  const byName = new Map(objects.map((o) => [o.metadata?.name ?? '', o]));
  const owned = new Map<string, Set<string>>();
  const applied: KubernetesObject[] = [];
  const patches: { ref: ObjectRef; patch: Record<string, unknown> }[] = [];
  const client: RoutingObjectClient = {
    read: (ref: ObjectRef) => Promise.resolve(structuredClone(byName.get(ref.name))),
    apply: (obj) => {
      applied.push(obj);
      const name = obj.metadata?.name ?? '';
      const current = byName.get(name);
      if (!current?.metadata) throw new Error(`no Ingress ${name}`);
      const wanted = obj.metadata?.annotations ?? {};
      const mine = owned.get(name) ?? new Set<string>();
      const kept = Object.entries(current.metadata.annotations ?? {}).filter(
        ([key]) => !mine.has(key) || key in wanted,
      );
      current.metadata.annotations = { ...Object.fromEntries(kept), ...wanted };
      owned.set(name, new Set(Object.keys(wanted)));
      return Promise.resolve();
    },
    patch: (ref: ObjectRef, patch: Record<string, unknown>) => {
      patches.push({ ref, patch });
      const current = byName.get(ref.name);
      if (!current?.metadata) throw new Error(`no Ingress ${ref.name}`);
      const meta = (patch.metadata ?? {}) as { annotations?: Record<string, string | null> };
      const changes = meta.annotations ?? {};
      const kept = Object.entries(current.metadata.annotations ?? {}).filter(([key]) => !(key in changes));
      const set = Object.entries(changes).filter((entry): entry is [string, string] => entry[1] !== null);
      current.metadata.annotations = Object.fromEntries([...kept, ...set]);
      if (patch.spec) current.spec = { ...current.spec, ...(patch.spec as Record<string, unknown>) };
      return Promise.resolve();
    },
    remove: () => Promise.reject(new Error('the ALB router never deletes')),
  };
  return { client, applied, patches, get: (name: string) => byName.get(name) };
}

const desired = (canaryWeight: number) => ({ canaryWeight, headerRoutes: [], mirrorRoutes: [], hashes: {} });

describe('ALB forward action', () => {
  it('is the JSON Argo Rollouts writes, canary first, port as a string', () => {
    const config = { ingress: 'web', servicePort: 80 };
    expect(
      JSON.stringify(albForwardAction(config, { canary: 'c', stable: 's' }, { canary: 10, stable: 90 })),
    ).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"c","ServicePort":"80","Weight":10},' +
        '{"ServiceName":"s","ServicePort":"80","Weight":90}]}}',
    );
  });

  it('carries TargetGroupStickinessConfig only when enabled', () => {
    const on = {
      ingress: 'web',
      servicePort: 443,
      stickinessConfig: { enabled: true, durationSeconds: 3600 },
    };
    expect(
      JSON.stringify(albForwardAction(on, { canary: 'c', stable: 's' }, { canary: 0, stable: 100 })),
    ).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"c","ServicePort":"443","Weight":0},' +
        '{"ServiceName":"s","ServicePort":"443","Weight":100}],' +
        '"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":3600}}}',
    );
    const off = { ...on, stickinessConfig: { enabled: false, durationSeconds: 0 } };
    expect(
      albForwardAction(off, { canary: 'c', stable: 's' }, { canary: 0, stable: 100 }).ForwardConfig,
    ).toEqual({
      TargetGroups: expect.any(Array) as unknown,
    });
  });

  it('is keyed by the root Service, else the stable Service, under the prefix', () => {
    expect(albActionKey({ ingress: 'i', servicePort: 80 }, 'web-stable')).toBe(
      'alb.ingress.kubernetes.io/actions.web-stable',
    );
    expect(
      albActionKey({ ingress: 'i', servicePort: 80, rootService: 'web', annotationPrefix: 'custom.io' }, 's'),
    ).toBe('custom.io/actions.web');
  });

  it('reads the canary weight back, and nothing from a foreign or broken value', () => {
    const value = JSON.stringify(
      albForwardAction(
        { ingress: 'i', servicePort: 80 },
        { canary: 'c', stable: 's' },
        { canary: 30, stable: 70 },
      ),
    );
    expect(albCanaryWeight(value, 'c')).toBe(30);
    expect(albCanaryWeight(value, 'other')).toBeUndefined();
    expect(albCanaryWeight('{not json', 'c')).toBeUndefined();
    expect(albCanaryWeight(undefined, 'c')).toBeUndefined();
  });
});

describe('albRouter', () => {
  const key = 'alb.ingress.kubernetes.io/actions.web';
  const config = { ingresses: ['web', 'web-internal'], servicePort: 80, rootService: 'web' };

  it('writes the action on every Ingress, only that annotation and the marker, and nothing when it matches', async () => {
    const m = memoryClient([
      ingress('web', 'web', { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' }),
      ingress('web-internal', 'web'),
    ]);
    const router = albRouter(target, config, m.client);
    expect(await router.apply(desired(20))).toBe(2);
    for (const obj of m.applied) {
      expect(obj).not.toHaveProperty('spec');
      expect(Object.keys(obj.metadata?.annotations ?? {})).toEqual([key, 'bellwether.dev/managed-by']);
    }
    expect(albCanaryWeight(m.get('web')?.metadata?.annotations?.[key], 'web-canary')).toBe(20);
    expect(m.get('web')?.metadata?.annotations?.['alb.ingress.kubernetes.io/scheme']).toBe('internet-facing');
    expect(await router.verifyWeight(20)).toBe(true);
    expect(await router.verifyWeight(50)).toBe(false);
    expect(await router.apply(desired(20))).toBe(0);
    expect(await router.apply(desired(50))).toBe(2);
  });

  it('uses maxTrafficWeight as the total', async () => {
    const m = memoryClient([ingress('web', 'web-stable')]);
    await albRouter(
      { ...target, maxTrafficWeight: 1000 },
      { ingress: 'web', servicePort: 8080 },
      m.client,
    ).apply(desired(25));
    const action = JSON.parse(
      m.get('web')?.metadata?.annotations?.['alb.ingress.kubernetes.io/actions.web-stable'] ?? '',
    ) as {
      ForwardConfig: { TargetGroups: { Weight: number }[] };
    };
    expect(action.ForwardConfig.TargetGroups.map((g) => g.Weight)).toEqual([250, 750]);
  });

  it('restores all traffic to stable and drops the marker, once', async () => {
    const m = memoryClient([ingress('web', 'web'), ingress('web-internal', 'web')]);
    const router = albRouter(target, config, m.client);
    await router.apply(desired(50));
    expect(await router.restore()).toBe(2);
    expect(albCanaryWeight(m.get('web')?.metadata?.annotations?.[key], 'web-canary')).toBe(0);
    expect(m.get('web')?.metadata?.annotations).not.toHaveProperty(['bellwether.dev/managed-by']);
    expect(await router.restore()).toBe(0);
  });

  it('never touches an Ingress it did not change on restore', async () => {
    const m = memoryClient([ingress('web', 'web')]);
    expect(
      await albRouter(target, { ingress: 'web', servicePort: 80, rootService: 'web' }, m.client).restore(),
    ).toBe(0);
    expect(m.applied).toEqual([]);
  });

  it('names the field when the Ingress is missing or has no rule for the root Service', async () => {
    const m = memoryClient([ingress('web', 'other')]);
    await expect(
      albRouter(target, { ingress: 'nope', servicePort: 80 }, m.client).apply(desired(10)),
    ).rejects.toThrow(
      'spec.strategy.canary.trafficRouting.alb.ingress: Ingress "nope" not found in namespace ns',
    );
    await expect(
      albRouter(target, { ingress: 'web', servicePort: 80 }, m.client).apply(desired(10)),
    ).rejects.toThrow(
      'spec.strategy.canary.trafficRouting.alb.ingress: Ingress "web" has no rule with the Service "web-stable"',
    );
    await expect(
      albRouter(target, { ingress: 'web', servicePort: 80, rootService: 'web' }, m.client).apply(desired(10)),
    ).rejects.toThrow('spec.strategy.canary.trafficRouting.alb.rootService: Ingress "web" has no rule');
  });
});

describe('ALB in the Rollout schema and capabilities', () => {
  const rollout = (alb: object, canary: object = {}) => ({
    apiVersion: 'bellwether.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'a:1' }] } },
      strategy: {
        canary: {
          canaryService: 'c',
          stableService: 's',
          trafficRouting: { alb },
          steps: [{ setWeight: 5 }],
          ...canary,
        },
      },
    },
  });
  const errors = (obj: object) => {
    const r = validateResource(obj);
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.detail}`);
  };

  it('accepts Argo spelling', () => {
    expect(
      errors(
        rollout({
          ingress: 'web',
          servicePort: 443,
          rootService: 'web',
          annotationPrefix: 'alb.ingress.kubernetes.io',
          stickinessConfig: { enabled: true, durationSeconds: 3600 },
        }),
      ),
    ).toEqual([]);
    expect(errors(rollout({ ingresses: ['a', 'b'], servicePort: 80 }))).toEqual([]);
  });

  it('rejects what Argo rejects, naming the field', () => {
    expect(errors(rollout({ servicePort: 80 })).join()).toContain('spec.strategy.canary.trafficRouting.alb');
    expect(errors(rollout({ ingress: 'web' })).join()).toContain(
      'spec.strategy.canary.trafficRouting.alb.servicePort',
    );
    expect(
      errors(
        rollout({ ingress: 'web', servicePort: 80, stickinessConfig: { enabled: true, durationSeconds: 0 } }),
      ).join(),
    ).toContain('spec.strategy.canary.trafficRouting.alb.stickinessConfig.durationSeconds');
    expect(errors(rollout({ ingress: 'web', servicePort: 80, servicePorts: [] })).join()).toContain(
      'spec.strategy.canary.trafficRouting.alb',
    );
  });

  it('mirror routes and regex header matches are InvalidSpec naming the field; exact header routes are carried', () => {
    const spec = {
      strategy: {
        canary: {
          pingPong: { pingService: 'ping', pongService: 'pong' },
          trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, managedRoutes: [{ name: 'h' }] },
          steps: [
            { setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } },
            { setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { regex: 'a.*' } }] } },
            { setMirrorRoute: { name: 'h' } },
          ],
        },
      },
    };
    expect(trafficStepProblems(spec)).toEqual([
      'spec.strategy.canary.steps[1].setHeaderRoute.match[0].headerValue.regex: the alb router matches header values exactly or by prefix (ALB conditions have no regular expressions)',
      'spec.strategy.canary.steps[2].setMirrorRoute: the alb router does not support mirror routes',
    ]);
  });
});

describe('ALB header routes (Argo Rollouts actions.<route> / conditions.<route>)', () => {
  const headerTarget = { ...target, managedRoutes: ['canary-header', 'other'] };
  const headerRoute = {
    name: 'canary-header',
    match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
  };
  const config = { ingress: 'web', servicePort: 80, rootService: 'web-root' };

  it('writes the action, the condition and a use-annotation path first, by one guarded merge patch', async () => {
    const memory = memoryClient([ingress('web', 'web-root', { 'team/owner': 'shop' })]);
    const router = albRouter(headerTarget, config, memory.client);
    await router.apply({ ...desired(10), headerRoutes: [headerRoute] });
    const annotations = memory.get('web')?.metadata?.annotations ?? {};
    expect(annotations['alb.ingress.kubernetes.io/actions.canary-header']).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"80","Weight":100}]}}',
    );
    expect(annotations['alb.ingress.kubernetes.io/conditions.canary-header']).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["yes"]}}]',
    );
    expect(annotations['team/owner']).toBe('shop');
    const paths = (memory.get('web')?.spec?.rules as { http: { paths: unknown[] } }[])[0]?.http.paths;
    expect(paths).toEqual([
      {
        path: '/*',
        pathType: 'ImplementationSpecific',
        backend: { service: { name: 'canary-header', port: { name: 'use-annotation' } } },
      },
      { path: '/*', backend: { service: { name: 'web-root', port: { name: 'use-annotation' } } } },
    ]);
    expect(memory.patches).toHaveLength(1);
    expect(
      (memory.patches[0]?.patch.metadata as { resourceVersion?: unknown }).resourceVersion,
    ).toBeUndefined();
    // settled: nothing more is written
    expect(await router.apply({ ...desired(10), headerRoutes: [headerRoute] })).toBe(0);
  });

  it('removes the annotations and only its own path when the route goes (and on restore)', async () => {
    const memory = memoryClient([ingress('web', 'web-root')]);
    const router = albRouter(headerTarget, config, memory.client);
    await router.apply({ ...desired(10), headerRoutes: [headerRoute] });
    await router.apply(desired(20));
    const annotations = memory.get('web')?.metadata?.annotations ?? {};
    expect(Object.keys(annotations).filter((k) => k.includes('canary-header'))).toEqual([]);
    const rules = memory.get('web')?.spec?.rules as { http: { paths: { backend: unknown }[] } }[];
    expect(rules[0]?.http.paths.map((p) => p.backend)).toEqual([
      { service: { name: 'web-root', port: { name: 'use-annotation' } } },
    ]);
    await router.apply({ ...desired(10), headerRoutes: [headerRoute] });
    await router.restore();
    expect(
      Object.keys(memory.get('web')?.metadata?.annotations ?? {}).some((k) => k.includes('canary-header')),
    ).toBe(false);
  });

  it('writes a prefix match as an ALB wildcard', async () => {
    const memory = memoryClient([ingress('web', 'web-root')]);
    const router = albRouter(headerTarget, config, memory.client);
    const prefix = {
      name: 'canary-header',
      match: [{ headerName: 'X-User', headerValue: { prefix: 'beta-' } }],
    };
    await router.apply({ ...desired(0), headerRoutes: [prefix] });
    expect(
      memory.get('web')?.metadata?.annotations?.['alb.ingress.kubernetes.io/conditions.canary-header'],
    ).toBe('[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-User","values":["beta-*"]}}]');
  });
});

describe('ALB in the generated CRD', () => {
  it('carries every trafficRouting.alb field and canary.pingPong, with the exactly-one rule', () => {
    const crd = buildCrds().find((c) => c.spec.names.kind === 'Rollout');
    type Node = { properties?: Record<string, Node>; 'x-kubernetes-validations'?: { rule: string }[] };
    const at = (node: Node | undefined, ...keys: string[]) =>
      keys.reduce<Node | undefined>((n, key) => n?.properties?.[key], node);
    const canary = at(crd?.spec.versions[0]?.schema.openAPIV3Schema, 'spec', 'strategy', 'canary');
    const alb = at(canary, 'trafficRouting', 'alb');
    expect(Object.keys(alb?.properties ?? {}).sort()).toEqual([
      'annotationPrefix',
      'ingress',
      'ingresses',
      'rootService',
      'servicePort',
      'stickinessConfig',
    ]);
    expect(Object.keys(at(alb, 'stickinessConfig')?.properties ?? {}).sort()).toEqual([
      'durationSeconds',
      'enabled',
    ]);
    expect(alb?.['x-kubernetes-validations']?.map((v) => v.rule)).toEqual([
      '(has(self.ingress) ? 1 : 0) + (has(self.ingresses) ? 1 : 0) == 1',
    ]);
    expect(Object.keys(at(canary, 'pingPong')?.properties ?? {}).sort()).toEqual([
      'pingService',
      'pongService',
    ]);
  });
});
