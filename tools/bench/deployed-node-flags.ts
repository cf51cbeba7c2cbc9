import type { V1Deployment } from '@kubernetes/client-node';
import { installObjects } from '../../src/install/install.ts';

/**
 * The node flags the installed Deployment runs the controller with (the words between `node` and
 * `bin/bellwether.js` in its container's command, e.g. the heap cap): the bench starts the
 * controller the way `bellwether install` deploys it, so its memory figures are those of
 * production, read from deploy/ so that the two cannot drift apart.
 */
export function deployedNodeFlags(): string[] {
  const deployment = installObjects().find(
    (o): o is V1Deployment => o.kind === 'Deployment' && o.metadata?.name === 'bellwether',
  );
  const command = deployment?.spec?.template.spec?.containers.find((c) => c.name === 'controller')?.command;
  const script = command?.indexOf('bin/bellwether.js') ?? -1;
  if (!command || command[0] !== 'node' || script < 0)
    throw new Error(
      `deploy/controller/deployment.yaml: the controller's command should be [node, ...flags, bin/bellwether.js], found ${JSON.stringify(command)}`,
    );
  return command.slice(1, script);
}
