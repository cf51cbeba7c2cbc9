import { CustomObjectsApi, type KubernetesListObject } from '@kubernetes/client-node';
import { rolloutGroupPlural, type RolloutGroupObject } from '../controller/group/group-object.ts';
import { type RolloutObject } from '../controller/rollout-object.ts';
import { group, rolloutPlural, version } from '../kube/names.ts';
import { describeError, statusCode } from '../log.ts';
import {
  applyGroupPlan,
  groupAbortPlan,
  groupOperationResources,
  groupPromotePlan,
  groupRetryPlan,
  type GroupOperation,
  type GroupPlan,
} from '../operations/group-operations.ts';
import { OperationRefused } from '../operations/rollout-operations.ts';
import type { ActionResult } from './actions.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { Identity } from './auth/identity.ts';
import { mayPatch } from './auth/may-patch.ts';

/**
 * Runs one group action as the signed-in user: the plan `bellwether group promote/abort/retry`
 * sends (src/operations/group-operations.ts). RBAC is asked first for every resource the action
 * writes (403 before anything is read), then for each patch of the plan (a promote that also
 * clears spec.paused needs `patch` on rollouts); the writes go out with the user's credentials.
 */
export async function runGroupAction(
  auth: Authenticator,
  identity: Identity,
  target: { namespace: string; name: string },
  operation: GroupOperation,
): Promise<ActionResult> {
  const { namespace, name } = target;
  const denied = async (resources: readonly string[]) => {
    for (const resource of resources) {
      const objectName = resource.startsWith(rolloutGroupPlural) ? name : undefined;
      if (!(await mayPatch(auth, identity, namespace, resource, objectName)))
        return {
          status: 403,
          message: `${identity.username} may not patch ${resource} in namespace "${namespace}"`,
        };
    }
    return undefined;
  };
  const custom = identity.kc.makeApiClient(CustomObjectsApi);
  try {
    const first = await denied(groupOperationResources(operation));
    if (first) return first;
    const g = (await custom.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: rolloutGroupPlural,
      name,
    })) as RolloutGroupObject;
    const plan = await planFor(custom, g, operation);
    const targets = plan.rollouts.flatMap((m) =>
      m.patches.map((p) => (p.target === 'status' ? 'rollouts/status' : rolloutPlural)),
    );
    const second = await denied([...new Set(targets)]);
    if (second) return second;
    await applyGroupPlan(custom, target, plan, 'bellwether-dashboard');
    const members = plan.rollouts.map((m) => `${m.name} ${m.done}`);
    return {
      status: 200,
      message: `rolloutgroup "${name}": ${operation} done${members.length ? ` (${members.join(', ')})` : ''}`,
    };
  } catch (err) {
    if (err instanceof OperationRefused) return { status: 409, message: err.message };
    const code = statusCode(err);
    if (code === 404) return { status: 404, message: `rolloutgroup ${namespace}/${name} not found` };
    if (code === 403 || code === 409 || code === 422) return { status: code, message: describeError(err) };
    return { status: 502, message: `${operation}: ${describeError(err)}` };
  }
}

async function planFor(
  custom: CustomObjectsApi,
  g: RolloutGroupObject,
  operation: GroupOperation,
): Promise<GroupPlan> {
  switch (operation) {
    case 'abort':
      return groupAbortPlan();
    case 'retry':
      return groupRetryPlan(g);
    case 'promote':
    case 'promote-full': {
      const list = (await custom.listNamespacedCustomObject({
        group,
        version,
        namespace: g.metadata.namespace,
        plural: rolloutPlural,
      })) as KubernetesListObject<RolloutObject>;
      const byName = new Map(list.items.map((ro) => [ro.metadata.name, ro]));
      return groupPromotePlan(g, (n) => byName.get(n), operation === 'promote-full');
    }
  }
}
