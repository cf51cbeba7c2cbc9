/**
 * What the dashboard shows of RolloutGroups: a row of the list, the group's page (stages in
 * release order, each member with the group's verdict and the Rollout's live figures), and the
 * groups a Rollout belongs to. Pure: computed from the watched objects.
 */
import type { RolloutGroupObject } from '../../controller/group/group-object.ts';
import { rolloutView } from '../../controller/group/rollout-view.ts';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { isMember } from '../../../strategies/group/members.ts';
import { stageOrder } from '../../../strategies/group/stage-graph.ts';
import type { MemberStatusView } from '../../../strategies/group/types.ts';
import { rolloutRow } from './rollout-row.ts';
import type {
  GroupDetail,
  GroupMemberView,
  GroupPermissions,
  GroupRow,
  GroupStageDetail,
  MembershipView,
  StageState,
} from './types.ts';

export function groupRow(g: RolloutGroupObject): GroupRow {
  const status = g.status ?? {};
  const members = status.members ?? [];
  const counts: GroupRow['counts'] = {};
  for (const m of members) counts[m.state] = (counts[m.state] ?? 0) + 1;
  return {
    key: `${g.metadata.namespace}/${g.metadata.name}`,
    namespace: g.metadata.namespace,
    name: g.metadata.name,
    phase: status.phase ?? 'Unknown',
    message: status.message ?? '',
    aborted: status.abort === true,
    stages: orderedStages(g).map((s) => s.name),
    currentStages: status.currentStages ?? [],
    members: members.length,
    counts,
    lockstep: g.spec.lockstep === true,
    maxInProgress: g.spec.maxInProgress ?? null,
    abortPolicy: g.spec.abortPolicy ?? 'Stop',
    created: g.metadata.creationTimestamp ? new Date(g.metadata.creationTimestamp).toISOString() : '',
  };
}

/** The stages in release order (dependencies first). */
function orderedStages(g: RolloutGroupObject) {
  const stages = g.spec.stages ?? [];
  const byName = new Map(stages.map((s) => [s.name, s]));
  // stageOrder places each name once, so a cycle or an unknown dependsOn cannot loop it
  return stageOrder(stages).flatMap((name) => {
    const stage = byName.get(name);
    return stage ? [stage] : [];
  });
}

function memberView(entry: MemberStatusView, rollout: RolloutObject | undefined): GroupMemberView {
  const row = rollout ? rolloutRow(rollout) : undefined;
  const waiting = entry.state === 'Waiting';
  return {
    name: entry.name,
    ...(entry.stage === undefined ? {} : { stage: entry.stage }),
    state: entry.state,
    phase: row?.phase ?? (entry.phase as GroupMemberView['phase'] | undefined) ?? 'Unknown',
    aborted: row?.aborted ?? entry.state === 'Aborted',
    paused: row?.paused ?? false,
    step:
      row?.step ??
      (entry.steps
        ? { current: Math.min((entry.step ?? 0) + 1, entry.steps), total: entry.steps, done: false }
        : null),
    weight: row?.weight ?? null,
    images: row?.images ?? [],
    message:
      waiting || entry.state === 'Missing' ? (entry.message ?? '') : (row?.message ?? entry.message ?? ''),
    waiting,
  };
}

function stageState(members: readonly GroupMemberView[], current: boolean): StageState {
  if (members.length > 0 && members.every((m) => m.state === 'Healthy')) return 'healthy';
  if (current) return 'current';
  if (members.some((m) => m.state === 'Aborted' || m.message.includes('aborted'))) return 'blocked';
  return members.some((m) => m.state === 'Waiting') ? 'waiting' : 'healthy';
}

/** The group's page: stages in release order with their members, live from the group and its Rollouts. */
export function groupDetail(
  g: RolloutGroupObject,
  rollouts: readonly RolloutObject[],
  permissions: GroupPermissions,
): GroupDetail {
  const byName = new Map(rollouts.map((ro) => [ro.metadata.name, ro]));
  const members = (g.status?.members ?? []).map((m) => memberView(m, byName.get(m.name)));
  const current = new Set(g.status?.currentStages ?? []);
  const stages: GroupStageDetail[] = orderedStages(g).map((s) => {
    const inStage = members.filter((m) => m.stage === s.name);
    return {
      name: s.name,
      dependsOn: s.dependsOn ?? [],
      state: stageState(inStage, current.has(s.name)),
      members: inStage,
    };
  });
  const unstaged = members.filter((m) => m.stage === undefined || !stages.some((s) => s.name === m.stage));
  if (unstaged.length > 0 || stages.length === 0) {
    const busy = unstaged.some((m) => m.state === 'Progressing' || m.state === 'Admitted');
    stages.push({ name: '', dependsOn: [], state: stageState(unstaged, busy), members: unstaged });
  }
  return {
    row: groupRow(g),
    stages,
    maxStepIndex: g.spec.lockstep ? (g.status?.maxStepIndex ?? null) : null,
    permissions,
  };
}

/** The groups that hold this Rollout (by their spec, or still listing it), and its entry in each. */
export function membershipsOf(
  rollout: RolloutObject,
  groups: readonly RolloutGroupObject[],
): MembershipView[] {
  const view = rolloutView(rollout);
  return groups
    .flatMap((g) => {
      const entry = g.status?.members?.find((m) => m.name === rollout.metadata.name);
      if (!entry && !isMember(g.spec, view)) return [];
      return [
        {
          group: g.metadata.name,
          state: entry?.state ?? 'Waiting',
          ...(entry?.stage === undefined ? {} : { stage: entry.stage }),
          ...(entry?.message === undefined ? {} : { message: entry.message }),
        },
      ];
    })
    .sort((a, b) => a.group.localeCompare(b.group));
}
