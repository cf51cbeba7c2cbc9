import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';

/** API clients for the cluster the e2e global setup chose. */
export function clients(kubeconfigPath: string = inject('kubeconfig')) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
}

export type Clients = ReturnType<typeof clients>;

/** Polls `probe` until it returns a value that is not undefined; the error says what was awaited. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A fresh namespace for one test file, deleted by the returned cleanup. */
export async function testNamespace(
  c: Clients,
  prefix: string,
): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await c.core.createNamespace({ body: { metadata: { name } } });
  await eventually('default ServiceAccount in ' + name, () =>
    c.core.readNamespacedServiceAccount({ name: 'default', namespace: name }),
  );
  return {
    name,
    cleanup: async () => {
      await releaseRollouts(c, name);
      await c.core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/**
 * Drops the controller's finalizers from the Rollouts left in a test namespace: the test's
 * controller is gone by cleanup time, and a Rollout it finalizes would keep the namespace
 * Terminating forever.
 */
async function releaseRollouts(c: Clients, namespace: string): Promise<void> {
  const group = 'bellwether.dev';
  const version = 'v1alpha1';
  const plural = 'rollouts';
  const list = (await c.custom
    .listNamespacedCustomObject({ group, version, namespace, plural })
    .catch(() => ({ items: [] }))) as { items: { metadata: { name: string; finalizers?: string[] } }[] };
  for (const ro of list.items) {
    if (!ro.metadata.finalizers?.length) continue;
    await c.custom
      .patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural,
          name: ro.metadata.name,
          body: { metadata: { finalizers: null } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
  }
}

/** A real token of a ServiceAccount, from the TokenRequest API (what `kubectl create token` does). */
export async function serviceAccountToken(c: Clients, namespace: string, name: string): Promise<string> {
  const request = await c.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token for ${namespace}/${name}`);
  return token;
}

/** A test file's clients and its own namespace. */
export interface NamespaceEnv {
  readonly kubeconfig: string;
  readonly c: Clients;
  readonly namespace: string;
}

/**
 * Registers beforeAll/afterAll hooks that create a fresh namespace for the file's tests and delete
 * it after them (hooks registered later, such as a controller's, stop before it goes). Fields are
 * readable from inside tests (after beforeAll has run).
 */
export function useTestNamespace(prefix: string): NamespaceEnv {
  const kubeconfig = inject('kubeconfig');
  let state: { c: Clients; ns: { name: string; cleanup: () => Promise<void> } } | undefined;
  const get = () => {
    if (!state) throw new Error(`test namespace ${prefix}: used before beforeAll ran`);
    return state;
  };
  beforeAll(async () => {
    const c = clients();
    state = { c, ns: await testNamespace(c, prefix) };
  });
  afterAll(async () => {
    await state?.ns.cleanup();
  });
  return {
    kubeconfig,
    get c() {
      return get().c;
    },
    get namespace() {
      return get().ns.name;
    },
  };
}

/** `more` with the fields of `env` beside its own, still read when used (after beforeAll). */
export function withTestNamespace<T extends object>(env: NamespaceEnv, more: T): NamespaceEnv & T {
  return Object.defineProperties(more, Object.getOwnPropertyDescriptors(env)) as NamespaceEnv & T;
}
