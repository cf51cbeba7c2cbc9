import { beforeAll, describe, expect, it } from 'vitest';
import type { V1Ingress } from '@kubernetes/client-node';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { useInProcessController } from '../support/in-process-controller.ts';
import { eventually } from '../support/kube.ts';
import { createServices } from '../support/routing-objects.ts';
import { canaryRollout, createRollout, getRollout } from '../support/rollouts.ts';

// An ALB canary on the real API server: the Ingresses (class alb, the root Service's path on
// port name use-annotation, as the AWS Load Balancer Controller wants them) get the forward action
// annotation with the target group weights at each setWeight; nothing is written while settled;
// abort puts all traffic back on stable; deleting the Rollout leaves the action on stable and
// drops the marker. No AWS controller runs: the test reads the annotations it would read.

const action = 'alb.ingress.kubernetes.io/actions.web-alb';
const scheme = 'alb.ingress.kubernetes.io/scheme';

describe('ALB canary through Ingress annotations', () => {
  const env = useInProcessController('alb-rollout');
  let net: NetworkingV1Api;
  beforeAll(() => {
    net = env.c.kc.makeApiClient(NetworkingV1Api);
  });
  const { run } = env;
  const ingress = (name: string) => net.readNamespacedIngress({ name, namespace: env.namespace });
  /** The target group weights the action annotation says, by Service. */
  const weights = async (name: string) => {
    const annotations = (await ingress(name)).metadata?.annotations ?? {};
    const value = annotations[action];
    if (value === undefined) return 'absent';
    const parsed = JSON.parse(value) as {
      Type: string;
      ForwardConfig: { TargetGroups: { ServiceName: string; ServicePort: string; Weight: number }[] };
    };
    expect(parsed.Type).toBe('forward');
    return Object.fromEntries(
      parsed.ForwardConfig.TargetGroups.map((g) => [`${g.ServiceName}:${g.ServicePort}`, g.Weight]),
    );
  };
  const split = (canary: number) => ({ 'web-alb-canary:80': canary, 'web-alb-stable:80': 100 - canary });
  const pausedAt = (index: number) =>
    eventually(`paused at step ${index}`, async () => {
      const ro = await getRollout(env.c, env.namespace, 'web-alb');
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === index ? ro : undefined;
    });

  it('writes the weights at each setWeight, nothing when settled, all to stable on abort and on deletion', async () => {
    await createServices(env.c, env.namespace, 'web-alb', ['web-alb', 'web-alb-canary', 'web-alb-stable']);
    for (const name of ['web-alb-public', 'web-alb-internal'])
      await net.createNamespacedIngress({ namespace: env.namespace, body: rootIngress(name, 'web-alb') });

    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web-alb', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            canaryService: 'web-alb-canary',
            stableService: 'web-alb-stable',
            abortScaleDownDelaySeconds: 0,
            trafficRouting: {
              alb: {
                ingresses: ['web-alb-public', 'web-alb-internal'],
                rootService: 'web-alb',
                servicePort: 80,
              },
            },
            steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
          },
        },
      }),
    );
    await eventually('Healthy', async () =>
      (await getRollout(env.c, env.namespace, 'web-alb')).status?.phase === 'Healthy' ? true : undefined,
    );

    expect(await run('set', 'image', 'web-alb', 'app=web:2')).toBe(0);
    for (const [index, weight] of [
      [1, 10],
      [3, 50],
    ] as const) {
      const ro = await pausedAt(index);
      expect(ro.status?.canary?.weights).toEqual({ canary: weight, stable: 100 - weight });
      for (const name of ['web-alb-public', 'web-alb-internal'])
        expect(await weights(name)).toEqual(split(weight));
      if (index === 1) expect(await run('promote', 'web-alb')).toBe(0);
    }
    // The user's own annotations and spec are untouched; ours are marked.
    const settled = await ingress('web-alb-public');
    expect(settled.metadata?.annotations?.[scheme]).toBe('internet-facing');
    expect(settled.metadata?.annotations?.['bellwether.dev/managed-by']).toBe('web-alb');
    expect(settled.spec?.rules?.[0]?.http?.paths).toHaveLength(1);
    const managers = (settled.metadata?.managedFields ?? []).filter((f) => f.manager === 'bellwether');
    expect(JSON.stringify(managers.map((f): unknown => f.fieldsV1))).not.toContain('f:spec');

    // A reconcile of the settled Rollout writes nothing (counted through the writer). Settled
    // includes the pause's Events delivered: the controller has emptied status.outbox.
    await eventually('the outbox delivered', async () =>
      ((await getRollout(env.c, env.namespace, 'web-alb')).status?.outbox ?? []).length === 0
        ? true
        : undefined,
    );
    expect(await env.writesOfReconciles('web-alb', 5)).toEqual({});

    expect(await run('abort', 'web-alb')).toBe(0);
    const aborted = await eventually('aborted', async () => {
      const ro = await getRollout(env.c, env.namespace, 'web-alb');
      return ro.status?.phase === 'Degraded' ? ro : undefined;
    });
    expect(aborted.status?.canary?.weights).toEqual({ canary: 0, stable: 100 });
    for (const name of ['web-alb-public', 'web-alb-internal']) expect(await weights(name)).toEqual(split(0));

    await env.c.custom.deleteNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'rollouts',
      name: 'web-alb',
    });
    await eventually('deleted', async () =>
      (await getRollout(env.c, env.namespace, 'web-alb').then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    // restored by the controller right after the delete event (nothing holds the deletion)
    for (const name of ['web-alb-public', 'web-alb-internal']) {
      await eventually(`${name} released`, async () =>
        (await ingress(name)).metadata?.annotations?.['bellwether.dev/managed-by'] === undefined
          ? true
          : undefined,
      );
      expect(await weights(name)).toEqual(split(0));
    }
  });

  it('an Ingress without the root Service and a regex ALB header match are InvalidSpec naming the field', async () => {
    await net.createNamespacedIngress({
      namespace: env.namespace,
      body: rootIngress('other', 'elsewhere', { number: 80 }),
    });
    const invalid = (name: string) =>
      eventually(`${name} InvalidSpec`, async () =>
        (await getRollout(env.c, env.namespace, name)).status?.conditions?.find(
          (cond) => cond.type === 'InvalidSpec',
        ),
      );
    const rollout = (name: string, steps: object[]) =>
      canaryRollout(name, 'web:1', {
        replicas: 1,
        strategy: {
          canary: {
            canaryService: 'web-alb-canary',
            stableService: 'web-alb-stable',
            trafficRouting: { alb: { ingress: 'other', servicePort: 80 }, managedRoutes: [{ name: 'beta' }] },
            steps,
          },
        },
      });
    await createRollout(env.c, env.namespace, rollout('alb-no-rule', [{ setWeight: 10 }, { pause: {} }]));
    await run('set', 'image', 'alb-no-rule', 'app=web:2');
    expect((await invalid('alb-no-rule')).message).toContain(
      'spec.strategy.canary.trafficRouting.alb.ingress: Ingress "other" has no rule with the Service "web-alb-stable"',
    );
    await createRollout(
      env.c,
      env.namespace,
      rollout('alb-header', [
        {
          setHeaderRoute: { name: 'beta', match: [{ headerName: 'X-Beta', headerValue: { regex: 'b.*' } }] },
        },
        { setWeight: 10 },
      ]),
    );
    expect((await invalid('alb-header')).message).toBe(
      'InvalidSpec: spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue.regex: the alb router matches header values exactly or by prefix (ALB conditions have no regular expressions)',
    );
  });

  it('a header route writes actions.<route>, conditions.<route> and a use-annotation path first, and removes them', async () => {
    await createServices(env.c, env.namespace, 'web-hr', ['web-hr', 'web-hr-canary', 'web-hr-stable']);
    await net.createNamespacedIngress({ namespace: env.namespace, body: rootIngress('web-hr', 'web-hr') });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web-hr', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            canaryService: 'web-hr-canary',
            stableService: 'web-hr-stable',
            trafficRouting: {
              alb: { ingress: 'web-hr', rootService: 'web-hr', servicePort: 80 },
              managedRoutes: [{ name: 'beta' }],
            },
            steps: [
              { setWeight: 10 },
              {
                setHeaderRoute: {
                  name: 'beta',
                  match: [{ headerName: 'X-Beta', headerValue: { exact: '1' } }],
                },
              },
              { pause: {} },
              { setHeaderRoute: { name: 'beta' } },
              { pause: {} },
            ],
          },
        },
      }),
    );
    await eventually('Healthy', async () =>
      (await getRollout(env.c, env.namespace, 'web-hr')).status?.phase === 'Healthy' ? true : undefined,
    );
    expect(await run('set', 'image', 'web-hr', 'app=web:2')).toBe(0);
    await pausedAtStep('web-hr', 2);
    const routed = await ingress('web-hr');
    expect(routed.metadata?.annotations?.['alb.ingress.kubernetes.io/actions.beta']).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-hr-canary","ServicePort":"80","Weight":100}]}}',
    );
    expect(routed.metadata?.annotations?.['alb.ingress.kubernetes.io/conditions.beta']).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Beta","values":["1"]}}]',
    );
    expect(
      routed.spec?.rules?.[0]?.http?.paths.map((p) => [
        p.path,
        p.backend.service?.name,
        p.backend.service?.port?.name,
      ]),
    ).toEqual([
      ['/*', 'beta', 'use-annotation'],
      ['/*', 'web-hr', 'use-annotation'],
    ]);
    expect(routed.metadata?.annotations?.[scheme]).toBe('internet-facing');

    expect(await run('promote', 'web-hr')).toBe(0);
    await pausedAtStep('web-hr', 4);
    const cleared = await ingress('web-hr');
    expect(Object.keys(cleared.metadata?.annotations ?? {}).filter((k) => k.endsWith('.beta'))).toEqual([]);
    expect(cleared.spec?.rules?.[0]?.http?.paths.map((p) => p.backend.service?.name)).toEqual(['web-hr']);
  });

  it('pingPong: the canary Service serves the new version, and at promotion ping and pong swap roles', async () => {
    await createServices(env.c, env.namespace, 'web-pp', ['web-pp', 'web-ping', 'web-pong']);
    await net.createNamespacedIngress({ namespace: env.namespace, body: rootIngress('web-pp', 'web-pp') });
    await createRollout(
      env.c,
      env.namespace,
      canaryRollout('web-pp', 'web:1', {
        replicas: 2,
        strategy: {
          canary: {
            pingPong: { pingService: 'web-ping', pongService: 'web-pong' },
            trafficRouting: { alb: { ingress: 'web-pp', rootService: 'web-pp', servicePort: 80 } },
            steps: [{ setWeight: 20 }, { pause: {} }],
          },
        },
      }),
    );
    const healthy = () =>
      eventually('Healthy', async () => {
        const ro = await getRollout(env.c, env.namespace, 'web-pp');
        return ro.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash
          ? ro
          : undefined;
      });
    expect((await healthy()).status?.canary?.stablePingPong).toBe('ping');
    const action = async () => {
      const value =
        (await ingress('web-pp')).metadata?.annotations?.['alb.ingress.kubernetes.io/actions.web-pp'] ?? '{}';
      const parsed = JSON.parse(value) as {
        ForwardConfig?: { TargetGroups: { ServiceName: string; Weight: number }[] };
      };
      return (parsed.ForwardConfig?.TargetGroups ?? []).map((g) => `${g.ServiceName}=${g.Weight}`);
    };
    const selector = async (name: string) =>
      (await env.c.core.readNamespacedService({ name, namespace: env.namespace })).spec?.selector?.[
        'rollouts-pod-template-hash'
      ];

    expect(await run('set', 'image', 'web-pp', 'app=web:2')).toBe(0);
    const paused = await pausedAtStep('web-pp', 1);
    expect(await action()).toEqual(['web-pong=20', 'web-ping=80']);
    expect(await selector('web-pong')).toBe(paused.status?.currentPodHash);
    expect(await selector('web-ping')).toBeUndefined(); // the stable pingPong Service is never re-pointed

    expect(await run('promote', 'web-pp')).toBe(0);
    const promoted = await healthy();
    expect(promoted.status?.canary?.stablePingPong).toBe('pong');
    await eventually('all traffic on pong', async () =>
      JSON.stringify(await action()) === JSON.stringify(['web-ping=0', 'web-pong=100']) ? true : undefined,
    );
    expect(await selector('web-pong')).toBe(promoted.status?.stableRS);
    expect(await selector('web-ping')).toBeUndefined();
  });

  const pausedAtStep = (name: string, index: number) =>
    eventually(`${name} paused at step ${index}`, async () => {
      const ro = await getRollout(env.c, env.namespace, name);
      return ro.status?.phase === 'Paused' && ro.status.currentStepIndex === index ? ro : undefined;
    });
});

/** An Ingress (class alb) whose only path sends to `service` (port name use-annotation, or the given port). */
function rootIngress(
  name: string,
  service: string,
  port: { name?: string; number?: number } = { name: 'use-annotation' },
): V1Ingress {
  return {
    metadata: { name, annotations: { [scheme]: 'internet-facing' } },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          http: {
            paths: [
              {
                path: '/*',
                pathType: 'ImplementationSpecific',
                backend: { service: { name: service, port } },
              },
            ],
          },
        },
      ],
    },
  };
}
