import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { createLogger, isLevel } from '../../log.ts';
import { GitSourceController } from '../../sync/gitsource-controller.ts';
import { KubeRest } from '../../sync/kube-rest.ts';
import { startWebhook } from '../../sync/webhook.ts';
import { clusterFlags, parseFlags, UsageError } from '../flags.ts';

export const syncControllerUsage = `bellwether sync-controller [--namespace NS] [--workdir DIR] [--webhook-addr :9095]
    [--log-level info] [--kubeconfig PATH]

Reconciles every GitSource (bellwether.dev/v1alpha1) in the cluster, or in --namespace only: each
is fetched on its interval and applied with the same code as \`bellwether sync\`, its state in
the GitSource's status. --webhook-addr serves POST /gitsources/NAMESPACE/NAME (poll that one now)
and GET /healthz. See docs/gitops.md.`;

const flags = {
  ...clusterFlags,
  workdir: { type: 'string' },
  'webhook-addr': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

const HOOK = /^\/gitsources\/([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)\/?$/;

/** `sync-controller`: see syncControllerUsage. Runs until SIGTERM/SIGINT. */
export async function syncControllerCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, flags, 'sync-controller');
  const level = values['log-level'] ?? 'info';
  if (!isLevel(level))
    throw new UsageError(`sync-controller: --log-level: "${level}" is not one of debug, info, warn, error`);
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const log = createLogger(level, { component: 'sync-controller' });
  const controller = new GitSourceController(kc, new KubeRest(kc), {
    ...(values.namespace ? { namespace: values.namespace } : {}),
    workdir: values.workdir ?? join(tmpdir(), 'bellwether-sync-controller'),
    log,
  });
  const addr = values['webhook-addr'];
  const webhook = addr
    ? await startWebhook(
        addr,
        (path) => {
          const match = HOOK.exec(path);
          return match?.[1] && match[2] ? controller.branchOf(match[1], match[2]) : undefined;
        },
        (reason, path) => {
          const match = HOOK.exec(path);
          if (match?.[1] && match[2] && controller.trigger(match[1], match[2]))
            log.info('webhook: poll now', { reason, gitsource: `${match[1]}/${match[2]}` });
        },
      )
    : undefined;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => {
      resolve();
    });
    process.once('SIGINT', () => {
      resolve();
    });
  });
  await controller.start();
  log.info('sync controller started', { namespace: values.namespace ?? '(all)', webhook: addr });
  await stopped;
  log.info('stopping');
  webhook?.close();
  await controller.stop();
  return 0;
}
