import { BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import type { JobApi } from '../../../analysis/providers/job.ts';
import { statusCode } from '../../log.ts';

/** The Job provider's Kubernetes calls, on the real API (409 on create = exists, 404 on read = gone). */
export function kubeJobApi(kc: KubeConfig): JobApi {
  const batch = kc.makeApiClient(BatchV1Api);
  return {
    create: async (job) => {
      try {
        await batch.createNamespacedJob({ namespace: job.metadata.namespace, body: job as unknown as V1Job });
        return 'created';
      } catch (err) {
        if (statusCode(err) === 409) return 'exists';
        throw err;
      }
    },
    read: async (namespace, name) => {
      try {
        const job = await batch.readNamespacedJob({ namespace, name });
        return {
          conditions: (job.status?.conditions ?? []).map((c) => ({
            type: c.type,
            status: c.status,
            ...(c.reason === undefined ? {} : { reason: c.reason }),
            ...(c.message === undefined ? {} : { message: c.message }),
          })),
        };
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },
    delete: async (namespace, name) => {
      try {
        await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
    },
  };
}
