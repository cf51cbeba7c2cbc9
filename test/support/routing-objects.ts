import type { Clients } from './kube.ts';

export const httpRouteApi = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' };

/** Services selecting the app's pods on port 80 (the controller narrows them to a version). */
export async function createServices(c: Clients, namespace: string, app: string, names: readonly string[]) {
  for (const name of names) {
    await c.core.createNamespacedService({
      namespace,
      body: { metadata: { name }, spec: { selector: { app }, ports: [{ port: 80 }] } },
    });
  }
}

/** An HTTPRoute with one rule: everything to `stable` (weight 100), none to `canary` (weight 0). */
export async function createHttpRoute(
  c: Clients,
  namespace: string,
  name: string,
  backends: { stable: string; canary: string },
) {
  await c.custom.createNamespacedCustomObject({
    ...httpRouteApi,
    namespace,
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name },
      spec: {
        parentRefs: [{ name: 'gateway' }],
        rules: [
          {
            backendRefs: [
              { name: backends.stable, port: 80, weight: 100 },
              { name: backends.canary, port: 80, weight: 0 },
            ],
          },
        ],
      },
    },
  });
}
