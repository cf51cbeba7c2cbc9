/**
 * The operator actions on a RolloutGroup as the writes they make, built once for `bellwether group`
 * and the dashboard (as rollout-operations.ts is for single Rollouts). A builder is pure: it reads
 * the group (and, for promote, its member Rollouts) and returns a plan: a merge patch of the
 * group's status, and per member the very patches `bellwether promote/retry` make.
 * `applyGroupPlan` sends them.
 */
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { rolloutGroupPlural, type RolloutGroupObject } from '../controller/group/group-object.ts';
import { type RolloutObject } from '../controller/rollout-object.ts';
import { group, version } from '../kube/names.ts';
import {
  applyRolloutPatches,
  OperationRefused,
  promoteFullPatches,
  promotePatches,
  retryPatches,
  type RolloutPatch,
} from './rollout-operations.ts';

/** The actions the CLI (`bellwether group ...`) and the dashboard offer on a group. */
export const groupOperations = ['promote', 'promote-full', 'abort', 'retry'] as const;
export type GroupOperation = (typeof groupOperations)[number];

export function isGroupOperation(value: string): value is GroupOperation {
  return (groupOperations as readonly string[]).includes(value);
}

export interface GroupPlan {
  /** Merge patch of the group's status subresource (abort, retry). */
  groupStatus?: object;
  /** Per member Rollout, its patches in order (rollout-operations.ts). */
  rollouts: { name: string; patches: RolloutPatch[]; done: string }[];
  /** Members left as they are, and why. */
  skipped: { name: string; reason: string }[];
}

/**
 * What RBAC must allow for an operation (`patch` on each): the group's status, and the
 * Rollouts' status for the members it writes. A member promote that also clears `spec.paused`
 * needs `patch` on rollouts too; the caller checks each patch's target as it goes.
 */
export function groupOperationResources(
  operation: GroupOperation,
): ('rolloutgroups/status' | 'rollouts/status')[] {
  switch (operation) {
    case 'abort':
      return ['rolloutgroups/status'];
    case 'retry':
      return ['rolloutgroups/status', 'rollouts/status'];
    default:
      return ['rollouts/status'];
  }
}

/** abort: the group's `status.abort: true`; the controller then aborts the members in progress. */
export const groupAbortPlan = (): GroupPlan => ({ groupStatus: { abort: true }, rollouts: [], skipped: [] });

/** retry: the group's `status.abort: false` (when set), and `bellwether retry` on each aborted member. */
export function groupRetryPlan(g: RolloutGroupObject): GroupPlan {
  return {
    ...(g.status?.abort ? { groupStatus: { abort: false } } : {}),
    rollouts: (g.status?.members ?? [])
      .filter((m) => m.state === 'Aborted')
      .map((m) => ({ name: m.name, patches: retryPatches(), done: 'retried' })),
    skipped: [],
  };
}

/**
 * promote: `bellwether promote` on every member in progress that is paused at a step (a stage's
 * wait is never skipped); `full`: `bellwether promote --full` on every member in progress.
 * Refused when there is nothing to promote.
 */
export function groupPromotePlan(
  g: RolloutGroupObject,
  rollout: (name: string) => RolloutObject | undefined,
  full: boolean,
): GroupPlan {
  const plan: GroupPlan = { rollouts: [], skipped: [] };
  for (const member of (g.status?.members ?? []).filter((m) => m.state === 'Progressing')) {
    const ro = rollout(member.name);
    if (!ro) plan.skipped.push({ name: member.name, reason: 'not found' });
    else if (full)
      plan.rollouts.push({ name: member.name, patches: promoteFullPatches(ro), done: 'fully promoted' });
    else if (ro.status?.pauseConditions?.length)
      plan.rollouts.push({ name: member.name, patches: promotePatches(ro), done: 'promoted' });
    else plan.skipped.push({ name: member.name, reason: 'is not paused at a step; left as it is' });
  }
  if (plan.rollouts.length === 0)
    throw new OperationRefused(
      `rolloutgroup "${g.metadata.name}" has no member to promote (${full ? 'none in progress' : 'none paused at a step'})`,
    );
  return plan;
}

/**
 * Sends a plan: the group's status first (a retried member of a group still aborted would be
 * aborted again by the controller), then each member's patches in order.
 */
export async function applyGroupPlan(
  custom: CustomObjectsApi,
  target: { namespace: string; name: string },
  plan: GroupPlan,
  fieldManager: string,
): Promise<void> {
  if (plan.groupStatus)
    await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: target.namespace,
        plural: rolloutGroupPlural,
        name: target.name,
        body: { status: plan.groupStatus },
        fieldManager,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  for (const member of plan.rollouts)
    await applyRolloutPatches(
      custom,
      { namespace: target.namespace, name: member.name },
      member.patches,
      fieldManager,
    );
}
