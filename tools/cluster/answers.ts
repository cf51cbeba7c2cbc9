import * as k8s from '@kubernetes/client-node';

/**
 * Reachability check with a short timeout, used to decide whether KUBECONFIG is usable (the demo,
 * the benches and the e2e global setup use a cluster the user points at before starting one).
 */
export async function answers(kubeconfigPath: string): Promise<boolean> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const version = kc.makeApiClient(k8s.VersionApi);
  const timeout = new Promise<never>((_, reject) => {
    setTimeout(() => {
      reject(new Error('timeout'));
    }, 5000).unref();
  });
  return Promise.race([version.getCode(), timeout]).then(
    () => true,
    () => false,
  );
}
