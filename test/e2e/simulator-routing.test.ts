import { NetworkingV1Api, PatchStrategy, setHeaderOptions, type V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulator, type Simulator, type TrafficCounts } from '../../tools/simulator/simulator.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout } from '../support/rollouts.ts';

const S = '5b8c7d6e1';
const C = '9a4f3e2d7';
const hashLabel = 'rollouts-pod-template-hash';

/** One version of the Rollout, as the controller would make it: owned by it, pods labelled with the hash. */
function versionOf(rollout: { name: string; uid: string }, hash: string, tag: string) {
  const labels = { app: rollout.name, [hashLabel]: hash };
  const owner = { apiVersion: 'bellwether.dev/v1alpha1', kind: 'Rollout', controller: true, ...rollout };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'app', image: `web:${tag}` }] } };
  return {
    metadata: { name: `${rollout.name}-${hash}`, labels, ownerReferences: [owner] },
    spec: { replicas: 1, selector: { matchLabels: labels }, template },
  };
}

/** An Ingress for shop.example sending / to a Service. */
function ingress(name: string, service: string, annotations: Record<string, string>): V1Ingress {
  const backend = { service: { name: service, port: { number: 80 } } };
  return {
    metadata: { name, annotations },
    spec: {
      rules: [{ host: 'shop.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
    },
  };
}

const custom = (group: string, version: string, plural: string) => ({ group, version, plural });
const virtualServices = custom('networking.istio.io', 'v1', 'virtualservices');
const trafficSplits = custom('split.smi-spec.io', 'v1alpha2', 'trafficsplits');

// The simulator's reading of each router's real objects on the real API server (their real CRDs):
// no controller, the test writes the routing objects itself and switches the Rollout's
// trafficRouting from one router to the next. The translations are unit tested; this checks
// that the objects are found, read and followed, with users, cookies and mirrors.
describe('simulator: follows the routing objects a Rollout names', () => {
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let simulator: Simulator | undefined;

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'sim-routing');
    const rollout = await createRollout(
      c,
      ns.name,
      canaryRollout('web', 'web:2', {
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            trafficRouting: { nginx: { stableIngress: 'web' } },
          },
        },
      }),
    );
    for (const body of [
      versionOf({ name: 'web', uid: rollout.metadata.uid }, S, '1'),
      versionOf({ name: 'web', uid: rollout.metadata.uid }, C, '2'),
    ]) {
      await c.apps.createNamespacedReplicaSet({ namespace: ns.name, body });
    }
    for (const [name, hash] of [
      ['web-stable', S],
      ['web-canary', C],
    ] as const) {
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: {
          metadata: { name },
          spec: { selector: { app: 'web', [hashLabel]: hash }, ports: [{ port: 80 }] },
        },
      });
    }
    const ingresses = c.kc.makeApiClient(NetworkingV1Api);
    await ingresses.createNamespacedIngress({ namespace: ns.name, body: ingress('web', 'web-stable', {}) });
    await ingresses.createNamespacedIngress({
      namespace: ns.name,
      body: ingress('web-web-canary', 'web-canary', {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '30',
        'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      }),
    });
    // the first two users send X-Canary: always; every user keeps its cookies
    simulator = startSimulator({
      kubeconfig: inject('kubeconfig'),
      namespace: ns.name,
      rollout: 'web',
      requestsPerSecond: 40,
      users: {
        count: 10,
        headers: (user): Record<string, string> => (user < 2 ? { 'X-Canary': 'always' } : {}),
      },
    });
    await simulator.waitForVersions([S, C], 90_000);
  });

  afterAll(async () => {
    await simulator?.stop();
    await ns.cleanup();
  });

  const useRouter = (trafficRouting: object) =>
    c.custom.patchNamespacedCustomObject(
      {
        group: 'bellwether.dev',
        version: 'v1alpha1',
        plural: 'rollouts',
        namespace: ns.name,
        name: 'web',
        body: {
          spec: {
            strategy: {
              canary: {
                trafficRouting: { nginx: null, gatewayAPI: null, istio: null, smi: null, ...trafficRouting },
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  /** What the simulator sent, per user and per version, over `ms` once it follows `what`. */
  async function measure(what: string, ms = 4000) {
    const sim = simulator as Simulator;
    await eventually(`the simulator to follow ${what}`, () =>
      Promise.resolve(sim.stats().following?.startsWith(what) ? true : undefined),
    );
    await new Promise((r) => setTimeout(r, 600)); // requests in flight under the previous table
    const [sentBefore, usersBefore] = [sim.sent(), sim.answersByUser()];
    await new Promise((r) => setTimeout(r, ms));
    const [sentAfter, usersAfter] = [sim.sent(), sim.answersByUser()];
    const delta = (hash: string, field: keyof TrafficCounts) =>
      (sentAfter.get(hash)?.[field] ?? 0) - (sentBefore.get(hash)?.[field] ?? 0);
    const byUser = [...usersAfter].map(([user, seen]) =>
      [...seen]
        .filter(([hash, n]) => n > (usersBefore.get(user)?.get(hash) ?? 0))
        .map(([hash]) => hash)
        .sort(),
    );
    return { sent: { S: delta(S, 'sent'), C: delta(C, 'sent') }, mirrored: delta(C, 'mirrored'), byUser };
  }

  it('NGINX: canary-by-header users always on the canary, the others split by canary-weight 30', async () => {
    const m = await measure('nginx');
    expect(m.byUser.slice(0, 2)).toEqual([[C], [C]]);
    // 2 users in 10 always on the canary, 30% of the other 8: 0.2 + 0.8 * 0.3 = 0.44
    const share = m.sent.C / (m.sent.C + m.sent.S);
    process.stderr.write(
      `[simulator-routing] nginx: canary share ${(100 * share).toFixed(1)}% (expected 44%)\n`,
    );
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.48);
  });

  it('SMI: the TrafficSplit backends 75/25', async () => {
    await c.custom.createNamespacedCustomObject({
      ...trafficSplits,
      namespace: ns.name,
      body: {
        apiVersion: 'split.smi-spec.io/v1alpha2',
        kind: 'TrafficSplit',
        metadata: { name: 'web' },
        spec: {
          service: 'web',
          backends: [
            { service: 'web-stable', weight: 75 },
            { service: 'web-canary', weight: 25 },
          ],
        },
      },
    });
    await useRouter({ smi: { rootService: 'web' } });
    const m = await measure('smi');
    const ratio = m.sent.S / m.sent.C;
    process.stderr.write(`[simulator-routing] smi: stable/canary ${m.sent.S}/${m.sent.C} (expected 3:1)\n`);
    expect(ratio).toBeGreaterThan(2.7);
    expect(ratio).toBeLessThan(3.3);
  });

  it('Istio: cookie stickiness set by the routing layer, and a mirror of variant A to the canary', async () => {
    const cookieRoute = (variant: string, host: string) => ({
      name: `variant-${variant}`,
      match: [{ headers: { cookie: { regex: `.*variant=${variant}.*` } } }],
      route: [{ destination: { host } }],
    });
    await c.custom.createNamespacedCustomObject({
      ...virtualServices,
      namespace: ns.name,
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'web' },
        spec: {
          hosts: ['web'],
          http: [
            { ...cookieRoute('a', 'web-stable'), mirror: { host: 'web-canary' } },
            cookieRoute('b', 'web-canary'),
            {
              name: 'split',
              route: [
                {
                  destination: { host: 'web-stable' },
                  weight: 50,
                  headers: { response: { add: { 'set-cookie': 'variant=a; Max-Age=3600' } } },
                },
                {
                  destination: { host: 'web-canary' },
                  weight: 50,
                  headers: { response: { add: { 'set-cookie': 'variant=b; Max-Age=3600' } } },
                },
              ],
            },
          ],
        },
      },
    });
    await useRouter({ istio: { virtualService: { name: 'web' } } });
    const m = await measure('istio');
    // every user now has its cookie and stays on one version; the X-Canary header means nothing here
    expect(m.byUser.every((versions) => versions.length === 1)).toBe(true);
    const onA = m.byUser.filter((v) => v[0] === S).length;
    process.stderr.write(
      `[simulator-routing] istio: ${onA} of 10 users pinned to A, the rest to B; ` +
        `${m.mirrored} mirrored copies for ${m.sent.S} requests to A\n`,
    );
    expect(onA).toBe(5);
    // every request of a variant-a user is mirrored to the canary
    expect(Math.abs(m.mirrored - m.sent.S)).toBeLessThanOrEqual(2);
    expect(simulator?.sent().get(C)?.failed).toBe(0);
  });
});
