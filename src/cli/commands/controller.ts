import { Manager } from '../../controller/manager.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { createLogger, isLevel } from '../../log.ts';
import { clusterFlags, parseFlags, UsageError } from '../flags.ts';

export const controllerUsage = `bellwether controller [--kubeconfig PATH] [--namespace NS] [--workers N] [--log-level debug|info|warn|error]

Runs the Rollout controller until SIGTERM or SIGINT. The cluster comes from --kubeconfig, else
KUBECONFIG, else the in-cluster ServiceAccount. Watches all namespaces unless --namespace is set.`;

export async function controllerCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    { ...clusterFlags, workers: { type: 'string' }, 'log-level': { type: 'string' } },
    'controller',
  );
  const level = values['log-level'] ?? 'info';
  if (!isLevel(level)) throw new UsageError(`--log-level: "${level}" is not one of debug, info, warn, error`);
  const workers = Number(values.workers ?? 4);
  if (!Number.isInteger(workers) || workers < 1)
    throw new UsageError(`--workers: must be a positive integer`);
  const log = createLogger(level, { component: 'controller' });
  const kc = loadKubeConfig(values.kubeconfig, values.context);
  const manager = new Manager({
    kc,
    log,
    workers,
    ...(values.namespace ? { namespace: values.namespace } : {}),
  });

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
  });
  log.info('starting', { cluster: kc.getCurrentCluster()?.server, namespace: values.namespace ?? '(all)' });
  await manager.start();
  const signal = await signalled;
  log.info('shutting down: finishing in-flight reconciles', { signal });
  await manager.stop();
  log.info('stopped');
  return 0;
}
