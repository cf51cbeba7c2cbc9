/**
 * The README's main job (`npm start`): on the local control plane (started here, or the cluster
 * in KUBECONFIG) install the CRDs, run the controller, apply the example canary Rollout from
 * deploy/examples/, change its image and show the steps advancing to Healthy, promoting the
 * final pause the way an operator would.
 */
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../../src/controller/manager.ts';
import { applyObjects, installCrds, readManifests } from '../../src/install/apply.ts';
import { createLogger } from '../../src/log.ts';
import { ClusterContext } from '../../src/cli/cluster-context.ts';
import { describeStep } from '../../src/cli/render-rollout.ts';
import { up } from '../cluster/plane.ts';
import { layout, repoRoot } from '../cluster/layout.ts';
import { answers } from '../support/kube.ts';

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
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  say(`CRDs installed: ${(await installCrds(kc, join(repoRoot, 'crds'))).join(', ')}`);
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } })
    .catch(() => undefined);

  const manager = new Manager({ kc, log: createLogger('warn', { component: 'controller' }), namespace });
  await manager.start();
  say(`Controller running (watching namespace ${namespace}).`);

  const example = readManifests(join(repoRoot, 'deploy', 'examples')).filter((o) =>
    ['Service', 'Rollout'].includes(o.kind ?? ''),
  );
  for (const obj of example) (obj.metadata ??= {}).namespace = namespace;
  await applyObjects(kc, example, 'bellwether-demo');
  const ctx = new ClusterContext(kc, namespace);
  say('Applied deploy/examples/canary.yaml; waiting for the first version to be Healthy...');
  await watch(ctx, (ro) => ro.status?.phase === 'Healthy' && ro.status.stableRS === ro.status.currentPodHash);

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
  say(`Try: npx bellwether get rollout web -n ${namespace} --kubeconfig ${kubeconfig}`);
  await manager.stop();
  say('Controller stopped; the control plane keeps running (npm run cluster:down stops it).');
}

/** Prints each change of phase, step, weights and pods until `done` says the rollout arrived. */
async function watch(
  ctx: ClusterContext,
  done: (ro: Awaited<ReturnType<ClusterContext['getRollout']>>) => boolean | Promise<boolean>,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const ro = await ctx.getRollout('web');
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
    if (await done(ro)) return;
    await sleep(500);
  }
  throw new Error('the demo rollout did not finish in time; see `npx bellwether get rollout web`');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
