import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig for a plain-HTTP test server listening on loopback (unit tests of API clients). */
export function kubeConfigFor(server: Server): KubeConfig {
  const kc = new KubeConfig();
  const port = String((server.address() as AddressInfo).port);
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}
