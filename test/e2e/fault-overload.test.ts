import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../cluster/layout.ts';
import { freePort } from '../cluster/processes.ts';
import { ControllerProcess } from '../support/controller-process.ts';
import { FaultProxy } from '../support/fault-proxy.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout, rolloutEvents } from '../support/rollouts.ts';

/**
 * Overload: the controller process talks to the kube-apiserver through a loopback proxy
 * (test/support/fault-proxy.ts) that answers a third of its requests 429 or 503 and holds
 * another share for 2 s. It must stay up, back off, keep its queue bounded (depth never above
 * the number of keys), report the failures as a metric and as Warning Events, and bring every
 * Rollout to Healthy; with the faults off it recovers and goes on.
 */
describe('an API server answering 429/5xx or slowly', () => {
  const kubeconfig = inject('kubeconfig');
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let proxy: FaultProxy;
  let controller: ControllerProcess;
  let metricsPort = 0;
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'fault-overload');
    const config = JSON.parse(readFileSync(kubeconfig, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
    };
    const cluster = config.clusters[0]?.cluster;
    const url = new URL(cluster?.server ?? '');
    proxy = new FaultProxy(
      {
        host: url.hostname,
        port: Number(url.port),
        ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64'),
      },
      { tooMany: 0.2, unavailable: 0.13, slow: 0.1, slowMs: 2000 },
      14,
    );
    const server = await proxy.start();
    const dir = join(repoRoot, 'test-results');
    mkdirSync(dir, { recursive: true });
    const proxied = join(dir, `kubeconfig-${ns.name}.json`);
    writeFileSync(
      proxied,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'proxy', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'admin', user: { token: config.users[0]?.user.token ?? '' } }],
        contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'admin' } }],
        'current-context': 'proxy',
      }),
    );
    metricsPort = await freePort();
    controller = new ControllerProcess(proxied, `controller-${ns.name}`, [
      '--namespace',
      ns.name,
      '--leader-elect=false',
      '--metrics-addr',
      `127.0.0.1:${String(metricsPort)}`,
    ]);
    controller.start();
    for (const svc of ['canary', 'stable'])
      await c.core.createNamespacedService({
        namespace: ns.name,
        body: { metadata: { name: svc }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } },
      });
  });
  afterAll(async () => {
    await controller.stop();
    await proxy.stop();
    await ns.cleanup();
  });

  it('backs off, stays up with a bounded queue, reports errors, and every Rollout gets Healthy', async () => {
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names)
      await createRollout(
        c,
        ns.name,
        canaryRollout(name, `${name}:1`, {
          replicas: 2,
          strategy: {
            canary: { canaryService: 'canary', stableService: 'stable', steps: [{ setWeight: 50 }] },
          },
        }),
      );
    let maxDepth = 0;
    const healthy1 = (name: string) =>
      eventually(
        `${name} Healthy through the faults`,
        async () => {
          maxDepth = Math.max(maxDepth, await metric('bellwether_workqueue_depth').catch(() => 0));
          const ro = await getRollout(c, ns.name, name);
          return ro.status?.phase === 'Healthy' ? true : undefined;
        },
        170_000,
      );
    for (const name of names) await healthy1(name);
    await eventually('reconcile errors counted', async () =>
      (await metric('bellwether_reconcile_errors_total')) > 0 ? true : undefined,
    );
    const events = (await Promise.all(names.map((n) => rolloutEvents(c, ns.name, n)))).flat();
    const errors = events.filter((e) => e.reason === 'ReconcileError');
    expect(controller.pid && (await Promise.race([controller.exited(), Promise.resolve('running')]))).toBe(
      'running',
    );
    expect(maxDepth).toBeLessThanOrEqual(names.length * 2);

    // the faults stop: everything moves on at once
    proxy.set({ tooMany: 0, unavailable: 0, slow: 0 });
    for (const name of names)
      await c.custom.patchNamespacedCustomObject({
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: ns.name,
        plural: 'rollouts',
        name,
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${name}:2` }],
      });
    for (const name of names)
      await eventually(`${name} Healthy on ${name}:2 after the faults`, async () => {
        const ro = await getRollout(c, ns.name, name);
        return ro.status?.phase === 'Healthy' &&
          ro.status.stableRS === ro.status.currentPodHash &&
          ro.spec.template?.spec?.containers[0]?.image === `${name}:2`
          ? true
          : undefined;
      });
    process.stderr.write(
      `[fault-overload] proxy ${JSON.stringify(proxy.counts)}; reconcile errors ${String(await metric('bellwether_reconcile_errors_total'))}; ReconcileError Events ${String(errors.length)}; max queue depth ${String(maxDepth)}\n`,
    );
  }, 420_000);
});
