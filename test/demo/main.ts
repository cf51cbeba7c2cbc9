/**
 * The README's main job (`npm start`): brings up the local control plane (or uses the cluster in
 * KUBECONFIG) and shows how to use it. The Rollout controller issue turns this into the full
 * demo: install the CRDs, run the controller, roll out a new image step by step.
 */
import { up } from '../cluster/plane.ts';
import { layout } from '../cluster/layout.ts';
import { answers } from '../support/kube.ts';

const external = process.env.KUBECONFIG;
if (external && (await answers(external))) {
  process.stdout.write(`Using the cluster from KUBECONFIG=${external}\n`);
} else {
  await up();
  process.stdout.write(
    [
      'The local control plane is running.',
      `  export KUBECONFIG=${layout.kubeconfig}`,
      `  ${layout.kubectl} get nodes`,
      'Stop it with: npm run cluster:down',
      '',
    ].join('\n'),
  );
}
