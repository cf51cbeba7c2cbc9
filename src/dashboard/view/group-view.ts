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

type Figures = Pick<GroupMemberView, 'phase' | 'aborted' | 'paused' | 'step' | 'weight' | 'images'> & {
  message?: string;
};

/** What the group's status says of a member the user cannot read as a Rollout. */
function figuresOfEntry(entry: MemberStatusView): Figures {
  return {
    phase: (entry.phase as GroupMemberView['phase'] | undefined) ?? 'Unknown',
    aborted: entry.state === 'Aborted',
    paused: false,
    step: entry.steps
      ? { current: Math.min((entry.step ?? 0) + 1, entry.steps), total: entry.steps, done: false }
      : null,
    weight: null,
    images: [],
  };
}

function memberView(entry: MemberStatusView, rollout: RolloutObject | undefined): GroupMemberView {
  const waiting = entry.state === 'Waiting';
  const row = rollout ? rolloutRow(rollout) : undefined;
  // a new version not started yet (held back, or admitted a moment ago) has no step and no traffic:
  // the Rollout's own figures still describe its previous version
  const notStarted = waiting || entry.state === 'Admitted';
  const figures: Figures = row
    ? { ...row, ...(notStarted ? { step: null, weight: 0 } : {}) }
    : figuresOfEntry(entry);
  const why = waiting || entry.state === 'Missing' || !row ? entry.message : row.message || entry.message;
  return {
    name: entry.name,
    ...(entry.stage === undefined ? {} : { stage: entry.stage }),
    state: entry.state,
    phase: figures.phase,
    aborted: figures.aborted,
    paused: figures.paused,
    step: figures.step,
    weight: figures.weight,
    images: figures.images,
    message: why ?? '',
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
