/**
 * The README's main job (`npm start`): on the local control plane (started here, or the cluster
 * in KUBECONFIG) install the CRDs, run the controller, apply the example canary Rollout from
 * deploy/examples/, change its image and show the steps advancing to Healthy, promoting the
 * final pause the way an operator would. Then, with a real Prometheus scraping the demo app
 * under simulated traffic, a version with 0% errors passes its analysis and is promoted, and
 * one with 30% errors is aborted automatically.
 */
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../../src/controller/manager.ts';
import { applyObjects, installCrds, readManifests } from '../../src/install/apply.ts';
import { createLogger } from '../../src/log.ts';
import { ClusterContext } from '../../src/cli/cluster-context.ts';
import { describeStep } from '../../src/operations/describe-step.ts';
import { up } from '../cluster/plane.ts';
import { layout, repoRoot } from '../cluster/layout.ts';
import { answers } from '../cluster/answers.ts';
import { prometheusBinary } from '../prometheus/binary.ts';
import { startPrometheus } from '../prometheus/server.ts';
import { startSimulator } from '../simulator/simulator.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';

const namespace = 'bellwether-demo';
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function clusterConfig(): Promise<string> {
  const external = process.env.KUBECONFIG;
  if (external && (await answers(external))) {
    say(`Using the cluster from KUBECONFIG=${external}`);
    return external;
  }
  await up();
  return layout.kubeconfig;
}

async function main(): Promise<void> {
  const kubeconfig = await clusterConfig();
  // Up front, so a first run's one-time builds (plane, then Prometheus) come before the demo.
  const prometheusBin = await prometheusBinary();
  say(`Prometheus for part 2: ${prometheusBin}`);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const crds = await installCrds(kc, join(repoRoot, 'crds'));
  say(`CRDs installed: ${crds.join(', ')}`);
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } })
    .catch(() => undefined);

  const manager = new Manager({ kc, log: createLogger('warn', { component: 'controller' }), namespace });
  await manager.start();
  say(`Controller running (watching namespace ${namespace}).`);
  // After the start: the controller restores the routing and Services of a deleted earlier demo.
  await removeEarlierDemo(kc);

  const example = readManifests(join(repoRoot, 'deploy', 'examples')).filter((o) =>
    ['Service', 'Rollout'].includes(o.kind ?? ''),
  );
  for (const obj of example) (obj.metadata ??= {}).namespace = namespace;
  await applyObjects(kc, example, 'bellwether-demo');
  const ctx = new ClusterContext(kc, namespace);
  say('Applied deploy/examples/canary.yaml; waiting for the first version to be Healthy...');
  await watch(ctx, settled);

  const rollout = await ctx.getRollout('web');
  const current = rollout.spec.template?.spec?.containers[0]?.image ?? '';
  const next = current.endsWith(':1.0.0')
    ? current.replace(/:1\.0\.0$/, ':2.0.0')
    : current.replace(/:[^:]+$/, ':1.0.0');
  say(`\nUpdating the image ${current} -> ${next}: the canary starts.\n`);
  await ctx.jsonPatchRollout('web', [
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: next },
  ]);

  let promoted = false;
  await watch(ctx, async (ro) => {
    const steps = ro.spec.strategy.canary?.steps ?? [];
    const index = ro.status?.currentStepIndex ?? 0;
    if (!promoted && ro.status?.phase === 'Paused' && index === steps.length - 1) {
      say('  -> paused until promoted; promoting as an operator would (bellwether promote web)');
      await ctx.patchRolloutStatus('web', { pauseConditions: null }, ro.metadata.resourceVersion);
      promoted = true;
    }
    return ro.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash && promoted;
  });
  say(`\nRollout complete: ${next} serves all traffic.`);
  await analysisDemo(kc, kubeconfig, ctx, prometheusBin);
  say(`\nTry: npx bellwether get rollout shop -n ${namespace} --kubeconfig ${kubeconfig}`);
  await manager.stop();
  say('Controller stopped; the control plane keeps running (npm run cluster:down stops it).');
}

/**
 * Part two: a canary gated on its success rate in a real Prometheus. The simulator runs the demo
 * app for each ReplicaSet (its error rate from the pod template's env) and sends traffic in the
 * ratio of their pods.
 */
async function analysisDemo(
  kc: KubeConfig,
  kubeconfig: string,
  ctx: ClusterContext,
  binary: string,
): Promise<void> {
  say('\nPart 2: analysis. Starting Prometheus and the traffic simulator...');
  const prometheus = await startPrometheus({ scrapeIntervalMs: 1000, binary });
  const objects = readManifests(join(repoRoot, 'deploy', 'examples', 'analysis'));
  for (const obj of objects) {
    (obj.metadata ??= {}).namespace = namespace;
    const metrics = (obj as { spec?: { metrics?: { provider: { prometheus?: { address: string } } }[] } })
      .spec?.metrics;
    for (const metric of metrics ?? [])
      if (metric.provider.prometheus) metric.provider.prometheus.address = prometheus.url;
  }
  await applyObjects(kc, objects, 'bellwether-demo');
  const simulator = startSimulator({
    kubeconfig,
    namespace,
    rollout: 'shop',
    requestsPerSecond: 40,
    prometheus,
  });
  try {
    await watch(
      ctx,
      (ro) => ro.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash,
      180_000,
      'shop',
    );
    const release = (image: string, errorRate: string) =>
      ctx.jsonPatchRollout('shop', [
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
        { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: errorRate },
      ]);
    const tag = `${Date.now() % 100000}`;
    say(`\nReleasing a good version (0% errors): registry.example/shop:good-${tag}`);
    await release(`registry.example/shop:good-${tag}`, '0');
    await watch(ctx, settled, 180_000, 'shop');
    say('  -> the analysis passed and the good version was promoted.');
    say(`\nReleasing a bad version (30% errors): registry.example/shop:bad-${tag}`);
    await release(`registry.example/shop:bad-${tag}`, '0.3');
    const aborted = await watch(ctx, (ro) => ro.status?.phase === 'Degraded', 180_000, 'shop');
    say(`  -> aborted automatically: ${aborted.status?.message ?? ''}`);
    say('     traffic and pods are back on the good version; no human was involved.');
  } finally {
    await simulator.stop();
    await prometheus.stop();
  }
}

/** Healthy on the current spec: observed, and the current version is the stable one. */
function settled(ro: RolloutObject): boolean {
  const s = ro.status;
  return (
    s?.phase === 'Healthy' &&
    s.observedGeneration === ro.metadata.generation &&
    s.stableRS === s.currentPodHash
  );
}

/**
 * A second `npm start` starts from scratch: the Rollouts of an earlier run are deleted (their
 * ReplicaSets and AnalysisRuns go with them through owner references) and waited for.
 */
async function removeEarlierDemo(kc: KubeConfig): Promise<void> {
  const ctx = new ClusterContext(kc, namespace);
  const existing = await ctx.listRollouts().catch(() => []);
  if (existing.length === 0) return;
  say('Removing the Rollouts of an earlier demo run...');
  for (const ro of existing) {
    await ctx.custom.deleteNamespacedCustomObject({
      group: 'bellwether.dev',
      version: 'v1alpha1',
      namespace,
      plural: 'rollouts',
      name: ro.metadata.name,
      propagationPolicy: 'Foreground',
    });
  }
  const deadline = Date.now() + 60_000;
  while ((await ctx.listRollouts()).length > 0 && Date.now() < deadline) await sleep(500);
}

/** Prints each change of phase, step, weights and pods until `done` says the rollout arrived. */
async function watch(
  ctx: ClusterContext,
  done: (ro: RolloutObject) => boolean | Promise<boolean>,
  timeoutMs = 180_000,
  name = 'web',
): Promise<RolloutObject> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const ro = await ctx.getRollout(name);
    const steps = ro.spec.strategy.canary?.steps ?? [];
    const s = ro.status ?? {};
    const index = s.currentStepIndex ?? 0;
    const step = steps[index]
      ? `step ${index + 1}/${steps.length} ${describeStep(steps[index])}`
      : 'all steps done';
    const sets = await ctx.replicaSetsOf(ro);
    const pods = sets
      .filter((rs) => (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0)
      .map(
        (rs) =>
          `${rs.spec?.template?.spec?.containers[0]?.image ?? '?'}: ${rs.status?.availableReplicas ?? 0}`,
      )
      .join(', ');
    const line = `  ${(s.phase ?? 'Pending').padEnd(11)} ${step.padEnd(38)} weight ${s.canary?.weights?.canary ?? 0}%  pods ${pods}`;
    if (line !== last) {
      say(line + (s.message ? `  (${s.message})` : ''));
      last = line;
    }
    if (await done(ro)) return ro;
    await sleep(500);
  }
  throw new Error(`the demo rollout did not finish in time; see \`npx bellwether get rollout ${name}\``);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
