import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { freePort } from '../../tools/cluster/processes.ts';
import { ControllerProcess } from '../support/controller-process.ts';
import { proxyKubeconfig, type FaultProxy } from '../support/fault-proxy.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout, rolloutEvents } from '../support/rollouts.ts';

/**
 * Overload: the controller talks to the kube-apiserver only through a loopback proxy
 * (test/support/fault-proxy.ts). With the proxy answering half its requests 429 and a fifth 503
 * (Retry-After: 1, which the client waits out and then sends the request again), a tenth 500
 * (no Retry-After: the reconcile fails) and holding a tenth for 2 s, while six canaries have work
 * to do, the controller must back off (its request rate, measured at the proxy, does not grow; it
 * sends almost nothing while a Retry-After runs), keep its work queue bounded, stay up, and report the
 * failures as a metric and as Warning Events; once the faults stop every Rollout finishes.
 */
describe('an API server answering 429/5xx or slowly', () => {
  const kubeconfig = inject('kubeconfig');
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const faultMs = 60_000;
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let proxy: FaultProxy;
  let controller: ControllerProcess;
  let metricsPort = 0;

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  const setImage = (name: string, image: string) =>
    c.custom.patchNamespacedCustomObject(
      {
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace: ns.name,
        plural: 'rollouts',
        name,
        body: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  const healthyOn = (name: string, image: string, timeoutMs = 180_000) =>
    eventually(
      `${name} Healthy on ${image}`,
      async () => {
        const ro = await getRollout(c, ns.name, name);
        return ro.status?.phase === 'Healthy' &&
          ro.status.stableRS === ro.status.currentPodHash &&
          ro.status.observedGeneration === ro.metadata.generation &&
          ro.spec.template?.spec?.containers[0]?.image === image
          ? true
          : undefined;
      },
      timeoutMs,
    );

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'fault-overload');
    const dir = join(repoRoot, 'test-results');
    mkdirSync(dir, { recursive: true });
    const proxied = join(dir, `kubeconfig-${ns.name}.json`);
    proxy = await proxyKubeconfig(
      kubeconfig,
      proxied,
      { tooMany: 0, unavailable: 0, slow: 0, slowMs: 2000 },
      14,
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
    for (const name of names)
      await createRollout(
        c,
        ns.name,
        canaryRollout(name, `${name}:1`, {
          replicas: 2,
          strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '2s' } }] } },
        }),
      );
    for (const name of names) await healthyOn(name, `${name}:1`);
  });
  afterAll(async () => {
    await controller.stop();
    await proxy.stop();
    await ns.cleanup();
  });

  it('backs off, honours Retry-After, keeps its queue bounded, reports errors, and recovers', async () => {
    const errorsBefore = await metric('bellwether_reconcile_errors_total');
    const start = performance.now();
    proxy.set({ tooMany: 0.5, unavailable: 0.2, failing: 0.1, slow: 0.1 });
    const holdBefore = proxy.counts.duringHold;
    for (const name of names) await setImage(name, `${name}:2`);
    let maxDepth = 0;
    let samples = 0;
    while (performance.now() - start < faultMs) {
      // read directly, not through the proxy
      maxDepth = Math.max(maxDepth, await metric('bellwether_workqueue_depth'));
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const end = performance.now();
    proxy.set({ tooMany: 0, unavailable: 0, failing: 0, slow: 0 });
    const first = proxy.rate(start, start + 15_000);
    const last = proxy.rate(end - 15_000, end);
    const during = proxy.arrivals.filter((t) => t >= start && t < end).length;
    const duringHold = proxy.counts.duringHold - holdBefore;

    for (const name of names) await healthyOn(name, `${name}:2`);
    const recoveredSeconds = (performance.now() - end) / 1000;
    const errors = (await metric('bellwether_reconcile_errors_total')) - errorsBefore;
    const events = (await Promise.all(names.map((n) => rolloutEvents(c, ns.name, n)))).flat();
    const reconcileErrors = events.filter((e) => e.reason === 'ReconcileError');
    const running = await Promise.race([
      controller.exited(),
      new Promise((resolve) =>
        setTimeout(() => {
          resolve('running');
        }, 100),
      ),
    ]);
    process.stderr.write(
      `[fault-overload] proxy ${JSON.stringify(proxy.counts)}; requests/s first 15s ${first.toFixed(1)}, last 15s ${last.toFixed(1)}; ` +
        `${String(duringHold)} of ${String(during)} requests inside a Retry-After; reconcile errors ${String(errors)}; ` +
        `ReconcileError Events ${String(reconcileErrors.length)}; max queue depth ${String(maxDepth)} over ${String(samples)} samples; ` +
        `all Healthy ${recoveredSeconds.toFixed(1)} s after the faults stopped\n`,
    );
    expect(running).toBe('running');
    // The load does not grow (no retry storm): a refused request waits for the server's hold
    // before it is sent again, a failed reconcile for its backoff.
    expect(last).toBeLessThanOrEqual(first * 1.2);
    // Refusals with Retry-After are absorbed by sending the request again; without that, nearly
    // every one failed its reconcile (87 failed reconciles for 107 refusals, before).
    expect(errors).toBeLessThan((proxy.counts.tooMany + proxy.counts.unavailable) / 2);
    expect(duringHold).toBeLessThanOrEqual(Math.ceil(during * 0.05));
    expect(maxDepth).toBeLessThanOrEqual(names.length);
    expect(errors).toBeGreaterThan(0);
    expect(reconcileErrors.length).toBeGreaterThan(0);
    expect(reconcileErrors[0]?.type).toBe('Warning');
  }, 600_000);
});
