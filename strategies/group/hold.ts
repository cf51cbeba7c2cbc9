/**
 * What the RolloutGroups a Rollout belongs to allow it now, and a Rollout's decision under that
 * hold. The group reconciler writes only the group's status; each Rollout's own reconcile reads
 * the groups it belongs to (from the informer cache) and decides under their hold here, so one
 * writer owns each status and the two never fight. Pure.
 */
import { reconcileStrategy } from '../index.ts';
import type { StrategyDecision, StrategyInput } from '../types.ts';
import type { GroupStatusView, MemberStatusView } from './types.ts';

/** A group this Rollout is a member of, as cached. */
export interface MemberGroup {
  /** RolloutGroup (default) or ClusterRolloutGroup: said in the member's message. */
  kind?: string;
  name: string;
  generation: number;
  lockstep: boolean;
  status: GroupStatusView;
}

export interface MemberHold {
  /** Set: the new version must not start; why (the Rollout's status.message while it waits). */
  waiting?: string;
  /** Lockstep: the highest currentStepIndex the Rollout may reach now. */
  maxStepIndex?: number;
  /** Said in status.message while the lockstep limit holds the Rollout at a step. */
  lockstepMessage?: string;
}

/**
 * The combined hold of every group: the new version may start only when each group has admitted
 * it (a group that has not yet seen its current spec, or this member, admits nothing), and the
 * lowest lockstep limit applies.
 */
export function memberHold(rolloutName: string, groups: readonly MemberGroup[]): MemberHold | undefined {
  if (groups.length === 0) return undefined;
  const hold: MemberHold = {};
  for (const group of [...groups].sort((a, b) => a.name.localeCompare(b.name))) {
    const entry = group.status.members?.find((m) => m.name === rolloutName);
    const current = group.status.observedGeneration === group.generation;
    const admitted = current && (entry?.state === 'Admitted' || entry?.state === 'Progressing');
    if (!admitted && hold.waiting === undefined)
      hold.waiting = `${group.kind ?? 'RolloutGroup'} ${group.name}: ${notAdmitted(current, entry)}`;
    const limit = group.lockstep ? group.status.maxStepIndex : undefined;
    if (limit !== undefined && (hold.maxStepIndex === undefined || limit < hold.maxStepIndex)) {
      hold.maxStepIndex = limit;
      hold.lockstepMessage = `RolloutGroup ${group.name}: ${entry?.message ?? `lockstep: holds at step ${limit}`}`;
    }
  }
  return hold;
}

/**
 * Why a member may not start its new version. Only a Waiting entry is the group's verdict on the
 * version the member asks for now; any other entry (Healthy, Aborted, Missing) describes the
 * member before its template changed, so its state is no reason: the group has yet to decide.
 * Saying "Healthy" there once made the real reason a message-only change that the progress
 * coalescing held back for 10 s, longer than the earlier stage's canary (docs/rollout-groups.md).
 */
function notAdmitted(current: boolean, entry: MemberStatusView | undefined): string {
  if (!current || !entry) return 'the group has not seen it yet';
  if (entry.state === 'Waiting') return entry.message ?? 'waiting';
  return 'the group has not decided on its new version yet';
}

/**
 * The Rollout's decision under a hold. A new version that may not start yet is decided as if the
 * template had not changed (the running version goes on exactly as before; the new ReplicaSet
 * stays at 0), with phase Progressing and the reason in the message. A lockstep limit is passed
 * to the strategy (StrategyInput.maxStepIndex). Without a hold this is `reconcileStrategy`.
 */
export function reconcileUnderHold(
  input: StrategyInput,
  hold: MemberHold | undefined,
  decide: (input: StrategyInput) => StrategyDecision = reconcileStrategy,
): StrategyDecision {
  if (hold === undefined) return decide(input);
  const running = input.status.currentPodHash;
  const notStarted =
    running !== undefined &&
    running !== input.currentPodHash &&
    input.status.stableRS !== undefined &&
    input.currentPodHash !== input.status.stableRS &&
    input.replicaSets.some((rs) => rs.hash === running);
  if (hold.waiting !== undefined && notStarted) {
    const decision = decide({ ...input, currentPodHash: running });
    if (decision.status.phase === 'Degraded') return decision;
    return {
      ...decision,
      status: { ...decision.status, phase: 'Progressing', message: `Waiting: ${hold.waiting}` },
    };
  }
  if (hold.maxStepIndex === undefined) return decide(input);
  const decision = decide({ ...input, maxStepIndex: hold.maxStepIndex });
  const atLimit =
    decision.status.phase === 'Progressing' &&
    decision.status.currentStepIndex === hold.maxStepIndex &&
    decision.status.currentPodHash !== decision.status.stableRS;
  return atLimit && hold.lockstepMessage !== undefined
    ? { ...decision, status: { ...decision.status, message: hold.lockstepMessage } }
    : decision;
}
