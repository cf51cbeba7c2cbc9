import { decideGroup } from '../../../strategies/group/decide.ts';
import { mergePatch } from '../../kube/merge-patch.ts';
import { describeError, statusCode, type Logger } from '../../log.ts';
import type { RolloutObject } from '../rollout-object.ts';
import type { RolloutGroupObject } from './group-object.ts';
import type { GroupWriter } from './group-writer.ts';
import { rolloutView } from './rollout-view.ts';

export interface GroupReconcileDeps {
  group(namespace: string, name: string): RolloutGroupObject | undefined;
  rollouts(namespace: string): readonly RolloutObject[];
  writer: GroupWriter;
  now: () => number;
  log: Logger;
}

/**
 * One reconcile of one RolloutGroup: observe (caches) -> decideGroup (pure) -> abort the members
 * it names -> write status when it changed. The aborts go first: a crash between the two repeats
 * an abort (idempotent) rather than losing it, and `abortsHandledUntil` in the status written
 * after them is what keeps a cascade from being carried out twice. Returns whether it wrote the
 * group's status.
 */
export async function reconcileGroup(
  namespace: string,
  name: string,
  deps: GroupReconcileDeps,
): Promise<boolean> {
  const group = deps.group(namespace, name);
  if (!group || group.metadata.deletionTimestamp) return false;
  const decision = decideGroup({
    generation: group.metadata.generation ?? 0,
    spec: group.spec,
    status: group.status ?? {},
    rollouts: deps.rollouts(namespace).map(rolloutView),
    now: deps.now(),
  });
  const log = deps.log.with({ rolloutGroup: name, namespace });
  for (const member of decision.abortMembers) {
    try {
      await deps.writer.abortRollout(namespace, member);
      log.info('aborted member', {
        rollout: member,
        reason: group.status?.abort ? 'group aborted' : 'abortPolicy AbortAll',
      });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      log.debug('member gone before its abort', { rollout: member, error: describeError(err) });
    }
  }
  const patch = mergePatch(group.status ?? {}, decision.status);
  if (!patch) return false;
  await deps.writer.patchGroupStatus(namespace, name, group.metadata.resourceVersion ?? '', patch);
  return true;
}
