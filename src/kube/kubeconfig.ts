import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * The cluster to talk to, in kubectl's order: the `--kubeconfig` flag, else `KUBECONFIG`,
 * else the in-cluster ServiceAccount, else ~/.kube/config. Errors name the file that failed.
 */
export function loadKubeConfig(flagPath?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  const path = flagPath ?? process.env.KUBECONFIG;
  if (path) {
    if (!existsSync(path)) throw new Error(`kubeconfig ${path} does not exist`);
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new Error(
        `kubeconfig ${path} could not be read: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (context) kc.setCurrentContext(context);
  if (!kc.getCurrentCluster()) {
    throw new Error('no Kubernetes cluster configured: pass --kubeconfig or set KUBECONFIG');
  }
  return kc;
}

/** The namespace of the current context, as kubectl would default it. */
export function defaultNamespace(kc: KubeConfig): string {
  const context = kc.getContextObject(kc.getCurrentContext());
  return context?.namespace ?? 'default';
}
