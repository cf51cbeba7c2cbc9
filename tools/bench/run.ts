/**
 * `npm run bench`: performance figures, printed and written to bench-results/bench.json.
 *
 * 1. Strategy decisions per second: the pure core (`reconcileStrategy`, which runs the xstate
 *    machine transition) on a mid-canary input, no I/O.
 * 2. No-op reconciles per second and API writes per no-op reconcile, for N settled Rollouts on a
 *    real API server: the controller brings N Rollouts to Healthy, then every Rollout is
 *    reconciled again from the informer caches with a writer that counts calls. The goal is 0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { reconcileStrategy } from '../../strategies/index.ts';
import type { StrategyInput } from '../../strategies/types.ts';
import {
  countingWriter,
  kubeClusterWriter,
  type ClusterWriter,
} from '../../src/controller/cluster-writer.ts';
import { Manager } from '../../src/controller/manager.ts';
import { reconcileRollout } from '../../src/controller/reconcile-rollout.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { installCrds } from '../../src/install/apply.ts';
import { createLogger } from '../../src/log.ts';
import { layout, repoRoot } from '../cluster/layout.ts';
import { up } from '../cluster/plane.ts';
import { answers } from '../cluster/answers.ts';

const rolloutCount = Number(process.env.BENCH_ROLLOUTS ?? 50);
const say = (text: string) => process.stdout.write(`${text}\n`);

function benchStrategy(): { decisionsPerSecond: number; iterations: number } {
  const input: StrategyInput = {
    generation: 2,
    spec: {
      replicas: 10,
      strategy: {
        canary: {
          steps: [{ setWeight: 20 }, { pause: { duration: '1h' } }, { setWeight: 60 }, { pause: {} }],
        },
      },
    },
    status: { stableRS: 'old', currentPodHash: 'new', currentStepIndex: 1, observedGeneration: 2 },
    currentPodHash: 'new',
    replicaSets: [
      { hash: 'old', revision: 1, specReplicas: 8, replicas: 8, readyReplicas: 8, availableReplicas: 8 },
      { hash: 'new', revision: 2, specReplicas: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 },
    ],
    now: Date.parse('2026-01-01T00:00:00Z'),
  };
  // settle once so the measured calls are steady-state decisions
  const settled = { ...input, status: reconcileStrategy(input).status };
  const iterations = 20_000;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) reconcileStrategy({ ...settled, now: settled.now + i });
  const seconds = (performance.now() - start) / 1000;
  return { decisionsPerSecond: Math.round(iterations / seconds), iterations };
}

async function benchNoOpReconciles(kc: KubeConfig) {
  const namespace = `bench-${Math.random().toString(36).slice(2, 7)}`;
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const log = createLogger('warn', { component: 'bench' });
  const manager = new Manager({ kc, log, namespace });
  await manager.start();
  try {
    for (let i = 0; i < rolloutCount; i++) {
      await custom.createNamespacedCustomObject({
        group: 'bellwether.dev',
        version: 'v1alpha1',
        namespace,
        plural: 'rollouts',
        body: {
          apiVersion: 'bellwether.dev/v1alpha1',
          kind: 'Rollout',
          metadata: { name: `r${i}` },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: `r${i}` } },
            template: {
              metadata: { labels: { app: `r${i}` } },
              spec: { containers: [{ name: 'c', image: 'img:1' }] },
            },
            strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
          },
        },
      });
    }
    const settledBy = Date.now() + 180_000;
    const healthy = () =>
      Array.from({ length: rolloutCount }, (_, i) => manager.caches.rollout(namespace, `r${i}`)).filter(
        (ro): ro is RolloutObject =>
          ro?.status?.phase === 'Healthy' && ro.status.observedGeneration === ro.metadata.generation,
      ).length;
    while (healthy() < rolloutCount) {
      if (Date.now() > settledBy)
        throw new Error(`only ${healthy()}/${rolloutCount} Rollouts became Healthy`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000)); // let the last writes reach the caches
    await manager.stop();

    const writes: Record<string, number> = {};
    const writer: ClusterWriter = countingWriter(kubeClusterWriter(kc), (method) => {
      writes[method] = (writes[method] ?? 0) + 1;
    });
    const rounds = 20;
    const start = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < rolloutCount; i++) {
        await reconcileRollout(namespace, `r${i}`, {
          caches: manager.caches,
          writer,
          now: () => Date.now(),
          log,
        });
      }
    }
    const seconds = (performance.now() - start) / 1000;
    const total = rounds * rolloutCount;
    const writeCount = Object.values(writes).reduce((a, b) => a + b, 0);
    return {
      rollouts: rolloutCount,
      reconciles: total,
      reconcilesPerSecond: Math.round(total / seconds),
      apiWritesPerNoOpReconcile: writeCount / total,
      writesByMethod: writes,
    };
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const strategy = benchStrategy();
  say(`strategy decisions (xstate transition + replica arithmetic): ${strategy.decisionsPerSecond}/s`);

  const external = process.env.KUBECONFIG;
  const kubeconfig = external && (await answers(external)) ? external : (await up(), layout.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await installCrds(kc, join(repoRoot, 'crds'));
  const noop = await benchNoOpReconciles(kc);
  say(`no-op reconciles, ${noop.rollouts} settled Rollouts: ${noop.reconcilesPerSecond}/s`);
  say(`API writes per no-op reconcile: ${noop.apiWritesPerNoOpReconcile} (goal 0)`);

  const results = { date: new Date().toISOString(), node: process.version, strategy, noop };
  mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench-results', 'bench.json'), JSON.stringify(results, null, 2) + '\n');
  say('written to bench-results/bench.json');
  if (noop.apiWritesPerNoOpReconcile !== 0) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
