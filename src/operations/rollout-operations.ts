/**
 * The operator actions on a Rollout as the patches they make, built once for the CLI and the
 * dashboard so both write exactly the same thing (and `kubectl patch` could too). Builders are
 * pure: they read the Rollout (and its ReplicaSets, for undo) and return the patches in the order
 * they must be applied; `applyRolloutPatches` sends them.
 */
import {
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { group, podTemplateHashLabel, rolloutPlural, version } from '../kube/names.ts';
import { hashOf, revisionOf } from '../controller/replica-sets.ts';
import { type RolloutObject } from '../controller/rollout-object.ts';

/** One write: a merge patch of the status subresource, or a merge/JSON patch of the object. */
export type RolloutPatch =
  | { target: 'status'; body: { status: object; metadata?: { resourceVersion: string } } }
  | { target: 'object'; strategy: 'merge'; body: object }
  | { target: 'object'; strategy: 'json'; body: object[] };

/** The actions the CLI and the dashboard offer. */
export const operations = [
  'promote',
  'promote-full',
  'abort',
  'retry',
  'pause',
  'resume',
  'restart',
  'undo',
] as const;
export type Operation = (typeof operations)[number];

export function isOperation(value: string): value is Operation {
  return (operations as readonly string[]).includes(value);
}

/** The subresource each operation writes (what RBAC must allow: `patch` on it). */
export function operationResource(operation: Operation): 'rollouts' | 'rollouts/status' {
  return ['promote', 'promote-full', 'abort', 'retry'].includes(operation) ? 'rollouts/status' : 'rollouts';
}

/** An operation that cannot apply to the Rollout as it is (e.g. nothing to promote). */
export class OperationRefused extends Error {}

const statusPatch = (status: object, resourceVersion?: string): RolloutPatch => ({
  target: 'status',
  body: resourceVersion ? { metadata: { resourceVersion }, status } : { status },
});
const specPatch = (spec: object): RolloutPatch => ({ target: 'object', strategy: 'merge', body: { spec } });

/**
 * promote: at a pause step, clearing pauseConditions tells the controller the pause is over (it
 * still holds controllerPause, so it knows to advance); elsewhere the step index moves on, guarded
 * by resourceVersion so a concurrent controller write cannot make one promote skip two steps.
 */
export function promotePatches(rollout: RolloutObject): RolloutPatch[] {
  const patches: RolloutPatch[] = [];
  if (rollout.spec.paused) patches.push(specPatch({ paused: false }));
  const status = rollout.status ?? {};
  const steps = rollout.spec.strategy.canary?.steps ?? [];
  if (status.pauseConditions?.length) {
    patches.push(statusPatch({ pauseConditions: null }, rollout.metadata.resourceVersion));
  } else if ((status.currentStepIndex ?? 0) < steps.length && status.currentPodHash !== status.stableRS) {
    patches.push(
      statusPatch({ currentStepIndex: (status.currentStepIndex ?? 0) + 1 }, rollout.metadata.resourceVersion),
    );
  } else if (!rollout.spec.paused) {
    throw new OperationRefused(
      `rollout "${rollout.metadata.name}" has nothing to promote (phase ${status.phase ?? 'Unknown'})`,
    );
  }
  return patches;
}

/** promote --full: skip every remaining step (and release a user pause). */
export function promoteFullPatches(rollout: RolloutObject): RolloutPatch[] {
  const patches = [statusPatch({ promoteFull: true, pauseConditions: null })];
  if (rollout.spec.paused) patches.push(specPatch({ paused: false }));
  return patches;
}

export const abortPatches = (): RolloutPatch[] => [statusPatch({ abort: true })];
export const retryPatches = (): RolloutPatch[] => [statusPatch({ abort: false })];
export const pausePatches = (): RolloutPatch[] => [specPatch({ paused: true })];
export const resumePatches = (): RolloutPatch[] => [specPatch({ paused: false })];
export const restartPatches = (now: Date): RolloutPatch[] => [specPatch({ restartAt: now.toISOString() })];

/**
 * undo: puts an earlier ReplicaSet's pod template back into spec.template: the given revision,
 * or the newest one that is not the current version.
 */
export function undoPatches(
  rollout: RolloutObject,
  replicaSets: readonly V1ReplicaSet[],
  toRevision?: number,
): { patches: RolloutPatch[]; revision: number } {
  const sets = [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a));
  const target =
    toRevision === undefined
      ? sets.find((rs) => hashOf(rs) !== rollout.status?.currentPodHash)
      : sets.find((rs) => revisionOf(rs) === toRevision);
  if (!target?.spec?.template) {
    const known = sets.map(revisionOf).join(', ') || 'none';
    throw new OperationRefused(
      `rollout "${rollout.metadata.name}": no ${toRevision ? `revision ${toRevision}` : 'previous revision'} to undo to (known: ${known})`,
    );
  }
  const template = structuredClone(target.spec.template);
  if (template.metadata?.labels) {
    // the hash label belongs to the ReplicaSet, not to the Rollout's template
    const { [podTemplateHashLabel]: _hash, ...labels } = template.metadata.labels;
    template.metadata.labels = labels;
  }
  return {
    patches: [
      {
        target: 'object',
        strategy: 'json',
        body: [{ op: 'replace', path: '/spec/template', value: template }],
      },
    ],
    revision: revisionOf(target),
  };
}

/** Sends the patches in order, as `fieldManager`; returns the Rollout after the last one. */
export async function applyRolloutPatches(
  custom: CustomObjectsApi,
  rollout: { namespace: string; name: string },
  patches: readonly RolloutPatch[],
  fieldManager: string,
): Promise<RolloutObject | undefined> {
  let result: RolloutObject | undefined;
  for (const patch of patches) {
    const request = {
      group,
      version,
      namespace: rollout.namespace,
      plural: rolloutPlural,
      name: rollout.name,
      body: patch.body,
      fieldManager,
    };
    const strategy =
      patch.target === 'object' && patch.strategy === 'json'
        ? PatchStrategy.JsonPatch
        : PatchStrategy.MergePatch;
    const options = setHeaderOptions('Content-Type', strategy);
    result = (await (patch.target === 'status'
      ? custom.patchNamespacedCustomObjectStatus(request, options)
      : custom.patchNamespacedCustomObject(request, options))) as RolloutObject;
  }
  return result;
}
