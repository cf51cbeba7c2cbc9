import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ownedReplicaSets } from '../controller/replica-sets.ts';
import { type RolloutObject } from '../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../kube/names.ts';
import { describeError, statusCode } from '../log.ts';
import {
  abortPatches,
  applyRolloutPatches,
  OperationRefused,
  operationResource,
  pausePatches,
  promoteFullPatches,
  promotePatches,
  restartPatches,
  resumePatches,
  retryPatches,
  undoPatches,
  type Operation,
  type RolloutPatch,
} from '../operations/rollout-operations.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { Identity } from './auth/identity.ts';
import { mayPatch } from './auth/may-patch.ts';

export interface ActionResult {
  status: number;
  message: string;
}

/**
 * Runs one operator action as the signed-in user: the same patches as the CLI (built by
 * src/operations/rollout-operations.ts), each first checked with an access review for the
 * subresource it writes (403 when RBAC says no), then sent with the user's own credentials so
 * the API server checks again and audits the user.
 */
export async function runAction(
  auth: Authenticator,
  identity: Identity,
  target: { namespace: string; name: string },
  operation: Operation,
  options: { toRevision?: number },
  now: Date,
): Promise<ActionResult> {
  const custom = identity.kc.makeApiClient(CustomObjectsApi);
  const denied = async (resource: 'rollouts' | 'rollouts/status') =>
    (await mayPatch(auth, identity, target.namespace, resource, target.name))
      ? undefined
      : {
          status: 403,
          message: `${identity.username} may not patch ${resource} in namespace "${target.namespace}"`,
        };
  try {
    // RBAC first: a user who may not act learns nothing about the Rollout's state from the answer
    const refused = await denied(operationResource(operation));
    if (refused) return refused;
    const rollout = (await custom.getNamespacedCustomObject({
      group,
      version,
      namespace: target.namespace,
      plural: rolloutPlural,
      name: target.name,
    })) as RolloutObject;
    const patches = await patchesFor(identity, rollout, operation, options, now);
    // promote also writes spec when the Rollout is paused: that needs its own permission
    for (const resource of new Set(
      patches.map((p) => (p.target === 'status' ? 'rollouts/status' : 'rollouts')),
    )) {
      const refusedPart = await denied(resource);
      if (refusedPart) return refusedPart;
    }
    await applyRolloutPatches(custom, target, patches, 'bellwether-dashboard');
    return { status: 200, message: `rollout "${target.name}": ${operation} done` };
  } catch (err) {
    if (err instanceof OperationRefused) return { status: 409, message: err.message };
    const code = statusCode(err);
    if (code === 404) return { status: 404, message: `rollout ${target.namespace}/${target.name} not found` };
    if (code === 403 || code === 409 || code === 422) return { status: code, message: describeError(err) };
    return { status: 502, message: `${operation}: ${describeError(err)}` };
  }
}

async function patchesFor(
  identity: Identity,
  rollout: RolloutObject,
  operation: Operation,
  options: { toRevision?: number },
  now: Date,
): Promise<RolloutPatch[]> {
  switch (operation) {
    case 'promote':
      return promotePatches(rollout);
    case 'promote-full':
      return promoteFullPatches(rollout);
    case 'abort':
      return abortPatches();
    case 'retry':
      return retryPatches();
    case 'pause':
      return pausePatches();
    case 'resume':
      return resumePatches();
    case 'restart':
      return restartPatches(now);
    case 'undo': {
      const list = await identity.kc
        .makeApiClient(AppsV1Api)
        .listNamespacedReplicaSet({ namespace: rollout.metadata.namespace });
      return undoPatches(rollout, ownedReplicaSets(rollout, list.items), options.toRevision).patches;
    }
  }
}
