import {
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { statusCode } from '../log.ts';
import { withTimeout } from '../kube/with-timeout.ts';
import type { ObjectRef, RoutingObject } from './types.ts';

/** Every routing API call gives up after this long (the reconcile is retried with backoff). */
export const routingCallTimeoutMs = 10_000;

const header = (ref: ObjectRef) => ({
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  metadata: { name: ref.name, namespace: ref.namespace },
});
const describe = (ref: { kind?: string; metadata?: { namespace?: string; name?: string } }) =>
  `${ref.kind ?? ''} ${ref.metadata?.namespace ?? ''}/${ref.metadata?.name ?? ''}`;

/** Routing objects through the generic object API: GET, server-side apply as `bellwether`, DELETE. */
export function kubeRoutingObjects(kc: KubeConfig) {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return {
    async read(ref: ObjectRef): Promise<RoutingObject | undefined> {
      try {
        return await withTimeout(`get ${describe(header(ref))}`, routingCallTimeoutMs, () =>
          api.read(header(ref)),
        );
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    async apply(obj: KubernetesObject): Promise<void> {
      await withTimeout(`apply ${describe(obj)}`, routingCallTimeoutMs, () =>
        api.patch(obj, undefined, undefined, 'bellwether', true, PatchStrategy.ServerSideApply),
      );
    },
    async patch(ref: ObjectRef, patch: Record<string, unknown>): Promise<void> {
      const body = {
        ...header(ref),
        ...patch,
        metadata: { ...header(ref).metadata, ...(patch.metadata ?? {}) },
      };
      await withTimeout(`patch ${describe(header(ref))}`, routingCallTimeoutMs, () =>
        api.patch(body, undefined, undefined, 'bellwether', undefined, PatchStrategy.MergePatch),
      );
    },
    async remove(ref: ObjectRef): Promise<void> {
      try {
        await withTimeout(`delete ${describe(header(ref))}`, routingCallTimeoutMs, () =>
          api.delete(header(ref)),
        );
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    },
  };
}
