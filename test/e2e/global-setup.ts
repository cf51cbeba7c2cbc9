import type { TestProject } from 'vitest/node';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../src/install/apply.ts';
import { answers } from '../../tools/cluster/answers.ts';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { layout } from '../../tools/cluster/layout.ts';
import { down, isRunning, up } from '../../tools/cluster/plane.ts';
import { installThirdPartyCrds } from '../../tools/cluster/third-party-crds.ts';
import { prometheusBinary } from '../../tools/prometheus/binary.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
  }
}

/**
 * Gives every end-to-end test a real cluster: the user's, when `KUBECONFIG` is set and answers
 * (e.g. a kind cluster), else the local control plane through the same harness as
 * `npm run cluster:up`. A plane this setup started is stopped again at the end; one that was
 * already running is left running.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Before any test: a first-time Prometheus build takes minutes, longer than a hook may.
  process.stderr.write(`[e2e] Prometheus: ${await prometheusBinary()}\n`);
  const external = process.env.KUBECONFIG;
  if (external && (await answers(external))) {
    process.stderr.write(`[e2e] using the cluster from KUBECONFIG=${external}\n`);
    project.provide('kubeconfig', external);
    await installProjectCrds(external);
    return undefined;
  }
  if (external) process.stderr.write(`[e2e] KUBECONFIG=${external} does not answer; using the local plane\n`);
  const wasRunning = await isRunning();
  await up();
  project.provide('kubeconfig', layout.kubeconfig);
  await installProjectCrds(layout.kubeconfig);
  if (wasRunning || process.env.BELLWETHER_KEEP_CLUSTER) return undefined;
  return () => down();
}

/** The project's own CRDs, as generated in crds/: the real API server must accept them. */
async function installProjectCrds(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const names = await installCrds(kc, join(repoRoot, 'crds'));
  process.stderr.write(`[e2e] CRDs established: ${names.join(', ')}\n`);
  // The traffic routers' real CRDs (Gateway API, Istio, SMI), fetched through the Go module proxy.
  const routers = await installThirdPartyCrds(kc);
  process.stderr.write(`[e2e] traffic router CRDs established: ${routers.join(', ')}\n`);
}
