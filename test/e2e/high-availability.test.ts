import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bellwether } from '../support/cli.ts';
import { ControllerProcess } from '../support/controller-process.ts';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout, getRollout, rolloutEvents } from '../support/rollouts.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

interface Replica {
  name: string;
  process: ControllerProcess;
  health: number;
  metrics: number;
}

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

/** The value of one sample in Prometheus text format, by exact label set. */
function sample(text: string, name: string, labels: Record<string, string | number>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${String(v)}"`)
    .sort();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean).sort();
    if (JSON.stringify(have) === JSON.stringify(want)) return Number(m[3]);
  }
  return undefined;
}

// Two controller replicas on one Lease: one reconciles, the other stands by with warm caches and
// takes over when the leader is SIGKILLed in the middle of a timed pause.
describe('high availability', () => {
  const kubeconfig = inject('kubeconfig');
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  const replicas: Replica[] = [];

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'ha');
    for (const suffix of ['a', 'b']) {
      const [health, metrics] = [await freePort(), await freePort()];
      const name = `controller-${ns.name}-${suffix}`;
      const args = [
        ...['--namespace', ns.name, '--leader-election-namespace', ns.name],
        ...['--lease-duration', '6s', '--renew-deadline', '4s', '--retry-period', '1s'],
        ...['--health-addr', `127.0.0.1:${health}`, '--metrics-addr', `127.0.0.1:${metrics}`],
      ];
      const process = new ControllerProcess(kubeconfig, name, args);
      process.start();
      replicas.push({ name, process, health, metrics });
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.stop()));
    await ns.cleanup();
  });

  const holder = async () =>
    (await c.objects.read({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'bellwether-controller', namespace: ns.name },
    })) as { spec?: { holderIdentity?: string; leaseTransitions?: number } };
  const holding = async () => {
    const identity = (await holder()).spec?.holderIdentity ?? '';
    return replicas.find((r) => r.process.pid !== undefined && identity.endsWith(`_${r.process.pid}`));
  };
  const phase = async (name: string) => (await getRollout(c, ns.name, name)).status?.phase;

  it('one leader writes; the standby takes over a timed pause after SIGKILL; metrics match', async () => {
    const leader = await eventually('a replica holds the Lease', holding, 60_000);
    const standby = replicas.find((r) => r !== leader);
    if (!standby) throw new Error('no standby');
    // both ready: the leader with running workers, the standby with synced caches
    for (const r of replicas)
      await eventually(`${r.name} ready`, async () =>
        (await get(r.health, '/readyz')).status === 200 ? true : undefined,
      );
    expect((await get(standby.health, '/healthz')).status).toBe(200);
    expect((await get(leader.metrics, '/metrics')).body).toMatch(
      /^bellwether_leader\{instance="[^"]+"\} 1$/m,
    );
    expect((await get(standby.metrics, '/metrics')).body).toMatch(
      /^bellwether_leader\{instance="[^"]+"\} 0$/m,
    );

    await createRollout(
      c,
      ns.name,
      canaryRollout('ha', 'ha:1', {
        replicas: 2,
        strategy: {
          canary: { steps: [{ setWeight: 50 }, { pause: { duration: '10s' } }, { setWeight: 100 }] },
        },
      }),
    );
    await eventually('Healthy', async () => ((await phase('ha')) === 'Healthy' ? true : undefined));
    expect((await bellwether(kubeconfig, ['set', 'image', 'ha', 'app=ha:2', '-n', ns.name])).code).toBe(0);
    await eventually('in the timed pause', async () => {
      const ro = await getRollout(c, ns.name, 'ha');
      return ro.status?.currentStepIndex === 1 && ro.status.pauseConditions?.[0]?.startTime
        ? true
        : undefined;
    });
    // kill mid-pause, after the events that started it (a crash between a status write and its
    // events loses those events by design; they are never written twice)
    const before = await eventually('the pause event', async () => {
      const all = await rolloutEvents(c, ns.name, 'ha');
      return all.some((e) => e.reason === 'RolloutPaused') ? all : undefined;
    });
    // until now only the leader wrote events
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(before.map((e) => e.reportingInstance))).toEqual(new Set([leader.name]));

    await leader.process.stop('SIGKILL');
    const killedAt = Date.now();
    await eventually(
      'the standby holds the Lease',
      async () => ((await holding()) === standby ? true : undefined),
      30_000,
    );
    const takeoverMs = Date.now() - killedAt;
    // lease duration 6s + one retry period 1s, plus polling and API latency
    expect(takeoverMs).toBeLessThan(10_000);

    const done = await eventually(
      'Healthy on the new version',
      async () => {
        const ro = await getRollout(c, ns.name, 'ha');
        return ro.status?.phase === 'Healthy' && ro.status.currentStepIndex === 3 ? ro : undefined;
      },
      90_000,
    );
    // Events are created after the status write they describe: wait for them, then check none repeats.
    const events = await eventually('three step completions', async () => {
      const all = await rolloutEvents(c, ns.name, 'ha');
      return all.filter((e) => e.reason === 'RolloutStepCompleted').length >= 3 ? all : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const steps = (await rolloutEvents(c, ns.name, 'ha'))
      .filter((e) => e.reason === 'RolloutStepCompleted')
      .map((e) => e.message);
    expect(steps).toHaveLength(3);
    expect(new Set(steps).size).toBe(3);
    // The old leader may have written events between the listing above and the kill; after the
    // kill (server timestamps have second precision) only the standby writes.
    const after = events.filter((e) => !before.some((b) => b.metadata.name === e.metadata.name));
    const killedSecond = Math.ceil(killedAt / 1000) * 1000;
    for (const e of after.filter((x) => x.reportingInstance === leader.name)) {
      expect(e.metadata.creationTimestamp?.getTime() ?? Infinity).toBeLessThanOrEqual(killedSecond);
    }
    expect(after.some((e) => e.reportingInstance === standby.name)).toBe(true);

    // the new leader's metrics describe the finished rollout
    expect((await get(standby.health, '/readyz')).status).toBe(200);
    const text = await eventually('metrics of the Healthy rollout', async () => {
      const body = (await get(standby.metrics, '/metrics')).body;
      return sample(body, 'bellwether_rollout_phase', {
        namespace: ns.name,
        rollout: 'ha',
        phase: 'Healthy',
      }) === 1
        ? body
        : undefined;
    });
    const id = { namespace: ns.name, rollout: 'ha' };
    expect(sample(text, 'bellwether_rollout_info', { ...id, strategy: 'canary', phase: 'Healthy' })).toBe(1);
    for (const other of ['Progressing', 'Paused', 'Degraded'])
      expect(sample(text, 'bellwether_rollout_phase', { ...id, phase: other })).toBe(0);
    expect(sample(text, 'bellwether_rollout_step', id)).toBe(done.status?.currentStepIndex);
    const weight = done.status?.canary?.weights?.canary;
    if (weight !== undefined) expect(sample(text, 'bellwether_rollout_canary_weight', id)).toBe(weight);
    expect(text).toMatch(/^bellwether_leader\{instance="[^"]+"\} 1$/m);
    expect(text).toMatch(/^bellwether_reconcile_duration_seconds_count\{kind="rollout"\} [1-9]/m);
    expect(text).toMatch(/^bellwether_reconcile_errors_total\{kind="rollout"\} \d+/m);
    expect(text).toMatch(/^bellwether_workqueue_depth \d+/m);
    expect(text).toMatch(/^bellwether_workqueue_wait_seconds_count [1-9]/m);
    expect(text).toMatch(/^bellwether_kubernetes_api_requests_total\{verb="patch",code="2xx"\} [1-9]/m);
    expect(text).toMatch(/^# TYPE bellwether_analysis_run_phase gauge$/m);
    expect(text).toMatch(/^# TYPE bellwether_analysis_measurement_value gauge$/m);
  });
});
