import axios from 'axios';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTargets, queryByLabel, queryVector } from '../../tools/prometheus/query.ts';
import { startPrometheus, type PrometheusServer } from '../../tools/prometheus/server.ts';
import { startSimulator, type Simulator, type TrafficCounts } from '../../tools/simulator/simulator.ts';
import { setHeaderOptions } from '@kubernetes/client-node';
import { clients, eventually, testNamespace, type Clients } from '../support/kube.ts';
import { canaryRollout, createRollout } from '../support/rollouts.ts';

const stableHash = '5f7d9c8b6';
const canaryHash = '7c4b2a9d1';

/** A ReplicaSet as the controller would make it: owned by the Rollout, pods labelled with the hash. */
function replicaSet(
  rollout: { name: string; uid: string },
  hash: string,
  image: string,
  replicas: number,
  errorRate: string,
) {
  const labels = { app: rollout.name, 'rollouts-pod-template-hash': hash };
  return {
    metadata: {
      name: `${rollout.name}-${hash}`,
      labels,
      ownerReferences: [
        {
          apiVersion: 'bellwether.dev/v1alpha1',
          kind: 'Rollout',
          name: rollout.name,
          uid: rollout.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image, env: [{ name: 'ERROR_RATE', value: errorRate }] }] },
      },
    },
  };
}

// The metrics path analysis depends on, end to end: ReplicaSets of a Rollout on the real plane,
// demo apps behaving as their pod templates say, traffic split by available replicas, and a real
// Prometheus answering the queries an AnalysisTemplate would send. No controller: the test plays
// its part by creating the ReplicaSets.
describe('metrics pipeline: ReplicaSets -> simulator -> Prometheus', () => {
  const kubeconfig = inject('kubeconfig');
  let c: Clients;
  let ns: { name: string; cleanup: () => Promise<void> };
  let prometheus: PrometheusServer | undefined;
  let simulator: Simulator | undefined;
  let sentWhenBothRan = new Map<string, TrafficCounts>();

  beforeAll(async () => {
    c = clients();
    ns = await testNamespace(c, 'metrics');
    const rollout = await createRollout(
      c,
      ns.name,
      canaryRollout('web', 'registry.example/web:v2', {
        strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }] } },
      }),
    );
    const owner = { name: 'web', uid: rollout.metadata.uid };
    for (const body of [
      replicaSet(owner, stableHash, 'registry.example/web:v1', 3, '0'),
      replicaSet(owner, canaryHash, 'registry.example/web:v2', 1, '0.3'),
    ]) {
      await c.apps.createNamespacedReplicaSet({ namespace: ns.name, body });
    }
    await eventually('ReplicaSets with 3 and 1 available replicas', async () => {
      const list = await c.apps.listNamespacedReplicaSet({ namespace: ns.name });
      const available = list.items.map((rs) => rs.status?.availableReplicas ?? 0).sort();
      return available.join() === '1,3' ? true : undefined;
    });
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
    simulator = startSimulator({
      kubeconfig,
      namespace: ns.name,
      rollout: 'web',
      requestsPerSecond: 40,
      prometheus,
    });
    await simulator.waitForVersions([stableHash, canaryHash]);
    sentWhenBothRan = simulator.sent();
  });

  afterAll(async () => {
    await simulator?.stop();
    await prometheus?.stop();
    await ns.cleanup();
  });

  const selector = () => `namespace="${ns.name}",rollout="web"`;
  const query = (promql: string) => queryByLabel(prometheus?.url ?? '', promql, 'pod_template_hash');

  it('splits traffic 3:1 by available replicas, as Prometheus sees it', async () => {
    const rates = await eventually(
      'request rates of both versions over a 10s window full of traffic',
      async () => {
        const r = await query(`sum by (pod_template_hash) (rate(http_requests_total{${selector()}}[10s]))`);
        const stable = r.get(stableHash) ?? 0;
        const canary = r.get(canaryHash) ?? 0;
        // at 40 req/s a full window shows about 30 and 10; half of that means both were scraped for a while
        if (stable > 15 && canary > 5) return { stable, canary };
        throw new Error(`rates by hash: ${JSON.stringify(Object.fromEntries(r))}`);
      },
      90_000,
    );
    expect(rates.stable / rates.canary).toBeGreaterThan(2.4);
    expect(rates.stable / rates.canary).toBeLessThan(3.75);

    // the simulator's own counts: smooth weighted round robin is exact up to one cycle
    // (counted from when both ran: until then the first app to start got everything)
    const sent = simulator?.sent();
    const since = (hash: string) => (sent?.get(hash)?.sent ?? 0) - (sentWhenBothRan.get(hash)?.sent ?? 0);
    expect(since(canaryHash)).toBeGreaterThan(0);
    expect(Math.abs(since(stableHash) - 3 * since(canaryHash))).toBeLessThanOrEqual(8);
  });

  it('sees the error rate each pod template asked for: 0.3 for the canary, 0 for stable', async () => {
    const errorRatio = `sum by (pod_template_hash) (rate(http_requests_total{${selector()},code=~"5.."}[10s]))
      / sum by (pod_template_hash) (rate(http_requests_total{${selector()}}[10s]))`;
    const ratios = await eventually(
      'error ratios of both versions',
      async () => {
        const r = await query(errorRatio);
        const canary = r.get(canaryHash);
        const stable = r.get(stableHash);
        if (canary !== undefined && stable !== undefined && Math.abs(canary - 0.3) < 0.08)
          return { canary, stable };
        throw new Error(`error ratios by hash: ${JSON.stringify(Object.fromEntries(r))}`);
      },
      60_000,
    );
    expect(ratios.stable).toBe(0);

    const canaryCounts = simulator?.sent().get(canaryHash);
    expect(canaryCounts?.serverErrors ?? 0).toBeGreaterThan(0);
    expect((canaryCounts?.serverErrors ?? 0) / (canaryCounts?.sent ?? 1)).toBeCloseTo(0.3, 1);
    expect(simulator?.sent().get(stableHash)?.serverErrors).toBe(0);
  });

  it('labels series with the version from the image tag, not an exported_version', async () => {
    const series = await queryVector(
      prometheus?.url ?? '',
      `count by (version, pod_template_hash, exported_version) (http_requests_total{${selector()}})`,
    );
    const versions = Object.fromEntries(series.map((s) => [s.labels.pod_template_hash ?? '', s.labels]));
    expect(versions[stableHash]).toEqual({ pod_template_hash: stableHash, version: 'v1' });
    expect(versions[canaryHash]).toEqual({ pod_template_hash: canaryHash, version: 'v2' });
  });

  it('reports figures: requests per second achieved, scrape-to-query latency (no assertion on time)', async () => {
    const before = simulator?.stats();
    const latencies: number[] = [];
    // spaced by a fraction of the scrape interval, so the reads fall at different points of its cycle
    for (let i = 0; i < 8; i++) {
      latencies.push(await scrapeToQueryLatencyMs());
      await new Promise((resolve) => setTimeout(resolve, 370));
    }
    const after = simulator?.stats();
    const rps =
      (((after?.sent ?? 0) - (before?.sent ?? 0)) * 1000) /
      ((after?.elapsedMs ?? 0) - (before?.elapsedMs ?? 0));
    latencies.sort((a, b) => a - b);
    process.stderr.write(
      `[metrics-pipeline] steady ${rps.toFixed(1)} req/s of 40 asked (since start: ` +
        `${after?.achievedRequestsPerSecond.toFixed(1)}, unrouted while apps started: ${after?.unrouted}, ` +
        `skipped: ${after?.skipped}); scrape-to-query latency at a 1s scrape interval: ` +
        `median ${latencies[4]} ms, max ${latencies[7]} ms (${latencies.join(', ')})\n`,
    );
    expect(latencies).toHaveLength(8);
  });

  it('survives a Prometheus crash: queries fail while it is down, and after a restart on the same port the data is back', async () => {
    const server = prometheus as PrometheusServer;
    const total = `sum(http_requests_total{${selector()}})`;
    const before = Math.floor(Date.now() / 1000) - 1;
    const [counted] = await queryVector(server.url, total, { time: before });
    expect(counted?.value).toBeGreaterThan(0);

    await server.kill();
    await expect(queryVector(server.url, total)).rejects.toThrow();

    await server.restart();
    const [recovered] = await queryVector(server.url, total, { time: before });
    expect(recovered?.value).toBe(counted?.value);
    // and scraping resumes
    await eventually('a scrape after the restart', async () => {
      const [now] = await queryVector(server.url, `sum(rate(http_requests_total{${selector()}}[5s]))`);
      return (now?.value ?? 0) > 0 ? true : undefined;
    });
  });

  it('starts a demo app again when it dies, as a kubelet restarts a container', async () => {
    const before = simulator?.versions().find((v) => v.hash === stableHash);
    process.kill(before?.app.pid ?? -1, 'SIGKILL');
    const after = await eventually('a new stable app', () =>
      Promise.resolve(
        simulator?.versions().find((v) => v.hash === stableHash && v.app.pid !== before?.app.pid),
      ),
    );
    expect(after.app.port).not.toBe(before?.app.port);
    await eventually('Prometheus to scrape the new app', async () => {
      const targets = await activeTargets(prometheus?.url ?? '');
      const target = targets.find((t) => t.labels.pod_template_hash === stableHash);
      return target?.scrapeUrl.includes(after.app.address) && target.health === 'up' ? true : undefined;
    });
  });

  it('stops traffic to a version whose ReplicaSet lost its replicas, then its app and scrape target', async () => {
    await c.apps.patchNamespacedReplicaSet(
      { name: `web-${canaryHash}`, namespace: ns.name, body: { spec: { replicas: 0 } } },
      setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    await eventually('the canary app to be gone', () =>
      Promise.resolve(simulator?.versions().every((v) => v.hash !== canaryHash) ? true : undefined),
    );
    const canarySent = simulator?.sent().get(canaryHash)?.sent;
    await eventually('the canary target to leave Prometheus', async () => {
      const targets = await activeTargets(prometheus?.url ?? '');
      return targets.some((t) => t.labels.pod_template_hash === canaryHash) ? undefined : true;
    });
    expect(simulator?.sent().get(canaryHash)?.sent).toBe(canarySent);
    expect(simulator?.versions().map((v) => v.hash)).toEqual([stableHash]);
    expect(simulator?.sent().get(canaryHash)?.failed).toBe(0);
  });

  /** Time from reading a count off the canary app to Prometheus answering a query with at least that count. */
  async function scrapeToQueryLatencyMs(): Promise<number> {
    const canary = simulator?.versions().find((v) => v.hash === canaryHash);
    const metrics = await axios.get<string>(`http://${canary?.app.address ?? ''}/metrics`, { timeout: 5000 });
    const served = [...metrics.data.matchAll(/^http_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    const asked = Date.now();
    await eventually('Prometheus to have scraped the count just read from the app', async () => {
      const r = await query(
        `sum by (pod_template_hash) (http_requests_total{${selector()},pod_template_hash="${canaryHash}"})`,
      );
      return (r.get(canaryHash) ?? 0) >= served ? true : undefined;
    });
    return Date.now() - asked;
  }
});
