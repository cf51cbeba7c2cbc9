import {
  AppsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { defaultNamespace, loadKubeConfig } from '../kube/kubeconfig.ts';
import { describeError, statusCode } from '../log.ts';
import { type RolloutObject } from '../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../kube/names.ts';
import { ownedReplicaSets } from '../controller/replica-sets.ts';
import { applyRolloutPatches, type RolloutPatch } from '../operations/rollout-operations.ts';

/** What every cluster-facing CLI command needs: clients, the namespace, and Rollout helpers. */
export class ClusterContext {
  readonly custom: CustomObjectsApi;
  readonly apps: AppsV1Api;

  constructor(
    readonly kc: KubeConfig,
    readonly namespace: string,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  static fromFlags(values: { kubeconfig?: string; context?: string; namespace?: string }): ClusterContext {
    const kc = loadKubeConfig(values.kubeconfig, values.context);
    return new ClusterContext(kc, values.namespace ?? defaultNamespace(kc));
  }

  async getRollout(name: string): Promise<RolloutObject> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group,
        version,
        namespace: this.namespace,
        plural: rolloutPlural,
        name,
      })) as RolloutObject;
    } catch (err) {
      if (statusCode(err) === 404)
        throw new Error(`rollout "${name}" not found in namespace "${this.namespace}"`, { cause: err });
      throw new Error(`reading rollout "${name}": ${describeError(err)}`, { cause: err });
    }
  }

  async listRollouts(): Promise<RolloutObject[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group,
      version,
      namespace: this.namespace,
      plural: rolloutPlural,
    })) as { items: RolloutObject[] };
    return list.items;
  }

  async replicaSetsOf(rollout: RolloutObject): Promise<V1ReplicaSet[]> {
    const list = await this.apps.listNamespacedReplicaSet({ namespace: this.namespace });
    return ownedReplicaSets(rollout, list.items);
  }

  /** The patches of an operation (src/operations/rollout-operations.ts), in order. */
  async applyPatches(name: string, patches: readonly RolloutPatch[]): Promise<void> {
    await applyRolloutPatches(this.custom, { namespace: this.namespace, name }, patches, 'bellwether-cli');
  }

  /** Merge patch of spec (or metadata). */
  patchRollout(name: string, body: object): Promise<RolloutObject> {
    return this.patch('spec', name, body, PatchStrategy.MergePatch);
  }

  /** JSON patch (RFC 6902) of the Rollout, for edits inside arrays such as container images. */
  jsonPatchRollout(name: string, operations: object[]): Promise<RolloutObject> {
    return this.patch('spec', name, operations, PatchStrategy.JsonPatch);
  }

  /** Merge patch of the status subresource: how promote, abort and retry talk to the controller. */
  patchRolloutStatus(name: string, status: object, resourceVersion?: string): Promise<RolloutObject> {
    const body = resourceVersion ? { metadata: { resourceVersion }, status } : { status };
    return this.patch('status', name, body, PatchStrategy.MergePatch);
  }

  private async patch(
    target: 'spec' | 'status',
    name: string,
    body: object,
    strategy: PatchStrategy,
  ): Promise<RolloutObject> {
    const request = {
      group,
      version,
      namespace: this.namespace,
      plural: rolloutPlural,
      name,
      body,
      fieldManager: 'bellwether-cli',
    };
    const options = setHeaderOptions('Content-Type', strategy);
    return (await (target === 'status'
      ? this.custom.patchNamespacedCustomObjectStatus(request, options)
      : this.custom.patchNamespacedCustomObject(request, options))) as RolloutObject;
  }
}
