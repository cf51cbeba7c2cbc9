/**
 * One decision of a RolloutGroup: which member may start its new version now, the highest step
 * a lockstep member may reach, which members to abort, and the status that says all this. Pure:
 * `input.now` is the only clock, and what must be remembered across reconciles lives in status:
 *
 * - `members[].state: Admitted` is a grant: a member allowed to start keeps its slot until it has
 *   started and finished, so a grant seen by the member is never taken back from under it (a
 *   revoked grant could let a member that already started run over the cap).
 * - `abortsHandledUntil`: AbortAll carries each member abort to the others once; a member
 *   retried afterwards is not aborted again for the same abort.
 */
import { ancestors } from './stage-graph.ts';
import { membership, type Member } from './members.ts';
import { progressOf, type Progress } from './member-progress.ts';
import { grantSlots } from './slots.ts';
import type { GroupDecision, GroupInput, GroupStatusView, MemberStatusView } from './types.ts';

export function decideGroup(input: GroupInput): GroupDecision {
  const { spec, status } = input;
  const { members, problems } = membership(spec, input.rollouts);
  const operatorFields = {
    ...(status.abort === undefined ? {} : { abort: status.abort }),
    ...(status.abortsHandledUntil === undefined ? {} : { abortsHandledUntil: status.abortsHandledUntil }),
  };
  if (problems.length > 0) {
    const message = `InvalidSpec: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
    return {
      status: {
        phase: 'Degraded',
        message,
        observedGeneration: input.generation,
        members: members.map((m) => observed(m, progressFor(m), 'the RolloutGroup spec is invalid')),
        ...operatorFields,
      },
      abortMembers: [],
    };
  }

  const progress = new Map(members.map((m) => [m.name, progressFor(m)]));
  const aborts = abortsOf(input, members, progress);
  const ordered = admit(input, members, progress, aborts.blocked);
  const maxStepIndex = spec.lockstep ? lockstepLimit(ordered) : undefined;
  const withLockstep =
    maxStepIndex === undefined ? ordered : ordered.map((m) => lockstepMessage(m, maxStepIndex, ordered));
  const stages = spec.stages ?? [];
  const currentStages = [
    ...new Set(
      withLockstep
        .filter((m) => m.state === 'Progressing' || m.state === 'Admitted')
        .flatMap((m) => (m.stage === undefined ? [] : [m.stage])),
    ),
  ];
  const newStatus: GroupStatusView = {
    ...groupPhase(withLockstep, status.abort === true, stages.length > 0 ? currentStages : undefined),
    observedGeneration: input.generation,
    ...(stages.length > 0 ? { currentStages } : {}),
    ...(maxStepIndex === undefined ? {} : { maxStepIndex }),
    members: withLockstep,
    ...operatorFields,
    ...(aborts.handledUntil === undefined ? {} : { abortsHandledUntil: aborts.handledUntil }),
  };
  return { status: newStatus, abortMembers: aborts.abortMembers };
}

type ProgressByName = ReadonlyMap<string, Progress | 'missing'>;

/**
 * Aborts: members to abort now (a group abort, level-triggered; AbortAll, once per member
 * abort newer than `abortsHandledUntil`), and why nothing may start, if so.
 */
function abortsOf(
  input: GroupInput,
  members: readonly Member[],
  progress: ProgressByName,
): { abortMembers: string[]; blocked?: string; handledUntil?: string } {
  const { spec, status } = input;
  const aborted = members.filter((m) => progress.get(m.name) === 'aborted');
  const inFlight = members.filter((m) => progress.get(m.name) === 'inFlight').map((m) => m.name);
  const latestAbort = Math.max(
    -Infinity,
    ...aborted.map((m) => Date.parse(m.rollout?.status.abortedAt ?? '')).filter(Number.isFinite),
  );
  const handled = status.abortsHandledUntil === undefined ? -Infinity : Date.parse(status.abortsHandledUntil);
  const abortAll = spec.abortPolicy === 'AbortAll';
  const cascade = abortAll && latestAbort > handled;
  if (status.abort === true) return { abortMembers: inFlight, blocked: 'the RolloutGroup is aborted' };
  return {
    abortMembers: cascade ? inFlight : [],
    ...(abortAll && aborted.length > 0
      ? { blocked: `member ${aborted.map((m) => m.name).join(', ')} aborted (abortPolicy AbortAll)` }
      : {}),
    ...(cascade ? { handledUntil: new Date(latestAbort).toISOString() } : {}),
  };
}

/**
 * One Git commit changes both stages, but `bellwether sync` applies its objects one after the
 * other: a later stage's member applied first would see the earlier stage still Healthy on its
 * old version. When both come from the same repository and path, the earlier one must carry the
 * same commit before its Healthy counts.
 */
function olderCommit(earlier: Member, later: Member): boolean {
  const a = earlier.rollout?.source;
  const b = later.rollout?.source;
  return (
    a !== undefined &&
    b !== undefined &&
    a.repository === b.repository &&
    a.path === b.path &&
    a.revision !== b.revision
  );
}

/** Why a pending member's stage may not start yet: an earlier stage not Healthy (or aborted). */
function stageGate(
  input: GroupInput,
  members: readonly Member[],
  progress: ProgressByName,
  member: Member,
): string | undefined {
  if (member.stage === undefined) return undefined;
  for (const before of ancestors(input.spec.stages ?? [], member.stage)) {
    const unsettled = members.filter((m) => m.stage === before && progress.get(m.name) !== 'settled');
    const behind = members.filter((m) => m.stage === before && olderCommit(m, member));
    if (unsettled.length === 0 && behind.length > 0) {
      const sha = member.rollout?.source?.revision.slice(0, 7) ?? '';
      return `waiting for stage ${before} to be applied at commit ${sha} (${behind.map((m) => m.name).join(', ')})`;
    }
    if (unsettled.length === 0) continue;
    const abortedThere = unsettled.filter((m) => progress.get(m.name) === 'aborted');
    return abortedThere.length > 0
      ? `stage ${before} aborted (${abortedThere.map((m) => m.name).join(', ')}): the stages after it wait`
      : `waiting for stage ${before}`;
  }
  return undefined;
}

/**
 * Every member's entry, in release order: pending members are Admitted (a grant already given
 * stands; new grants in order while the cap allows) or Waiting with the reason.
 */
function admit(
  input: GroupInput,
  members: readonly Member[],
  progress: ProgressByName,
  blocked: string | undefined,
): MemberStatusView[] {
  const previous = new Map((input.status.members ?? []).map((m) => [m.name, m]));
  const entries = new Map<string, MemberStatusView>();
  const candidates: Member[] = [];
  let inProgress = members.filter((m) => progress.get(m.name) === 'inFlight').length;
  for (const member of members) {
    const p = progress.get(member.name) ?? 'missing';
    if (p !== 'pending') {
      entries.set(member.name, observed(member, p));
      continue;
    }
    const granted = previous.get(member.name)?.state === 'Admitted';
    const wait = blocked ?? (granted ? undefined : stageGate(input, members, progress, member));
    if (wait !== undefined) {
      entries.set(member.name, { ...observed(member, p), state: 'Waiting', message: wait });
    } else if (granted) {
      entries.set(member.name, { ...observed(member, p), state: 'Admitted' });
      inProgress++;
    } else {
      candidates.push(member);
    }
  }
  const { admitted, waiting } = grantSlots(candidates, inProgress, input.spec.maxInProgress);
  for (const member of admitted)
    entries.set(member.name, { ...observed(member, 'pending'), state: 'Admitted' });
  for (const { candidate, message } of waiting)
    entries.set(candidate.name, { ...observed(candidate, 'pending'), state: 'Waiting', message });
  return members.map((m) => entries.get(m.name) ?? observed(m, 'pending'));
}

function progressFor(member: Member): Progress | 'missing' {
  return member.rollout ? progressOf(member.rollout) : 'missing';
}

const stateOf: Record<Progress | 'missing', MemberStatusView['state']> = {
  settled: 'Healthy',
  pending: 'Waiting',
  inFlight: 'Progressing',
  aborted: 'Aborted',
  missing: 'Missing',
};

/** The member as observed, before the group's own verdict (Waiting/Admitted) is added. */
function observed(member: Member, progress: Progress | 'missing', message?: string): MemberStatusView {
  const ro = member.rollout;
  const text =
    message ??
    (progress === 'missing'
      ? `no Rollout "${member.name}" in the namespace`
      : progress === 'aborted'
        ? ro?.status.message
        : undefined);
  return {
    name: member.name,
    ...(member.stage === undefined ? {} : { stage: member.stage }),
    state: stateOf[progress],
    ...(ro?.status.phase === undefined ? {} : { phase: ro.status.phase }),
    ...(ro?.status.currentStepIndex === undefined || progress === 'pending'
      ? {}
      : { step: ro.status.currentStepIndex }),
    ...(ro && ro.steps > 0 ? { steps: ro.steps } : {}),
    ...(text === undefined ? {} : { message: text }),
  };
}

/**
 * Lockstep: one step past the slowest member in progress (an admitted member that has not
 * started counts as at step 0, an aborted one too: the others do not run ahead of it).
 */
function lockstepLimit(members: readonly MemberStatusView[]): number | undefined {
  const at = members.flatMap((m) =>
    m.state === 'Progressing' ? [m.step ?? 0] : m.state === 'Admitted' || m.state === 'Aborted' ? [0] : [],
  );
  return at.length === 0 ? undefined : Math.min(...at) + 1;
}

function lockstepMessage(
  member: MemberStatusView,
  limit: number,
  all: readonly MemberStatusView[],
): MemberStatusView {
  if (
    member.state !== 'Progressing' ||
    (member.step ?? 0) < limit ||
    (member.step ?? 0) >= (member.steps ?? 0)
  )
    return member;
  const slowest = all
    .filter(
      (m) =>
        (m.state === 'Progressing' && (m.step ?? 0) === limit - 1) ||
        ((m.state === 'Admitted' || m.state === 'Aborted') && limit === 1),
    )
    .map((m) => m.name);
  return { ...member, message: `lockstep: holds at step ${limit} until ${slowest.join(', ')} reach it` };
}

function groupPhase(
  members: readonly MemberStatusView[],
  groupAborted: boolean,
  currentStages: string[] | undefined,
): Pick<GroupStatusView, 'phase' | 'message'> {
  const count = (state: MemberStatusView['state']) => members.filter((m) => m.state === state).length;
  const aborted = members.filter((m) => m.state === 'Aborted').map((m) => m.name);
  if (groupAborted) return { phase: 'Degraded', message: 'aborted (status.abort); nothing new starts' };
  if (aborted.length > 0) return { phase: 'Degraded', message: `member ${aborted.join(', ')} aborted` };
  if (members.every((m) => m.state === 'Healthy'))
    return { phase: 'Healthy', message: `${members.length} members Healthy` };
  const parts = [
    `${count('Progressing') + count('Admitted')} in progress`,
    `${count('Waiting')} waiting`,
    `${count('Healthy')} healthy`,
    ...(count('Missing') > 0 ? [`${count('Missing')} missing`] : []),
  ];
  const stage = currentStages && currentStages.length > 0 ? `stage ${currentStages.join(', ')}: ` : '';
  return { phase: 'Progressing', message: `${stage}${parts.join(', ')}` };
}
