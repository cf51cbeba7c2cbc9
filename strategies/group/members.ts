/**
 * Who is in a RolloutGroup and in which stage, and what of the spec cannot be carried out
 * (InvalidSpec naming the field). Pure.
 */
import { selectorMatches } from './label-selector.ts';
import { stageGraphProblems, stageOrder, type SpecProblem } from './stage-graph.ts';
import type { GroupSpecView, MemberSelection, RolloutView } from './types.ts';

/** A member: a Rollout the spec names (it may not exist yet: `rollout` undefined). */
export interface Member {
  name: string;
  stage?: string;
  rollout?: RolloutView;
}

function selects(selection: MemberSelection, rollout: RolloutView): boolean {
  if (selection.rollouts) return selection.rollouts.includes(rollout.name);
  return selection.selector !== undefined && selectorMatches(selection.selector, rollout.labels);
}

/** Is this Rollout a member of the group (by spec.members)? */
export function isMember(spec: GroupSpecView, rollout: RolloutView): boolean {
  return selects(spec.members, rollout);
}

/** Names the selection picks: the listed ones in their order, or the matching Rollouts by name. */
function selectedNames(selection: MemberSelection, rollouts: readonly RolloutView[]): string[] {
  if (selection.rollouts) return [...new Set(selection.rollouts)];
  return rollouts
    .filter((ro) => selects(selection, ro))
    .map((ro) => ro.name)
    .sort();
}

export interface Membership {
  /** Members in release order (stage order, then as listed / by name). */
  members: Member[];
  problems: SpecProblem[];
}

export function membership(spec: GroupSpecView, rollouts: readonly RolloutView[]): Membership {
  const byName = new Map(rollouts.map((ro) => [ro.name, ro]));
  const names = selectedNames(spec.members, rollouts);
  const problems: SpecProblem[] = [];
  const stages = spec.stages ?? [];
  const member = (name: string, stage?: string): Member => {
    const rollout = byName.get(name);
    return { name, ...(stage === undefined ? {} : { stage }), ...(rollout ? { rollout } : {}) };
  };
  let members: Member[];
  if (stages.length === 0) {
    members = names.map((name) => member(name));
  } else {
    problems.push(...stageGraphProblems(stages));
    const stageOf = new Map<string, string>();
    const memberSet = new Set(names);
    stages.forEach((stage, i) => {
      const picked = selectedNames(stage, rollouts);
      picked.forEach((name) => {
        if (!memberSet.has(name)) {
          if (stage.rollouts) {
            const j = stage.rollouts.indexOf(name);
            problems.push({
              path: `spec.stages[${i}].rollouts[${j}]`,
              message: `"${name}" is not a member (spec.members)`,
            });
          }
          return;
        }
        const other = stageOf.get(name);
        if (other !== undefined) {
          problems.push({
            path: `spec.stages[${i}]`,
            message: `Rollout "${name}" is already in stage "${other}"`,
          });
        } else {
          stageOf.set(name, stage.name);
        }
      });
    });
    for (const name of names) {
      if (!stageOf.has(name))
        problems.push({ path: 'spec.stages', message: `member "${name}" is in no stage` });
    }
    const order = problems.length === 0 ? stageOrder(stages) : stages.map((s) => s.name);
    const rank = new Map(order.map((name, i) => [name, i]));
    members = names
      .map((name) => member(name, stageOf.get(name)))
      .map((m, i) => ({ m, i }))
      .sort((a, b) => (rank.get(a.m.stage ?? '') ?? 0) - (rank.get(b.m.stage ?? '') ?? 0) || a.i - b.i)
      .map(({ m }) => m);
  }
  if (spec.lockstep) problems.push(...lockstepProblems(members));
  return { members, problems };
}

/** Lockstep compares canary step indices: every existing member is a canary with the same steps. */
function lockstepProblems(members: readonly Member[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const counts = new Map<number, string>();
  for (const { name, rollout } of members) {
    if (!rollout) continue;
    if (rollout.strategy !== 'canary' || rollout.steps === 0) {
      problems.push({
        path: 'spec.lockstep',
        message: `Rollout "${name}" ${rollout.strategy === 'canary' ? 'has no canary steps' : `uses strategy ${rollout.strategy}`}; lockstep needs canary steps`,
      });
    } else if (!counts.has(rollout.steps)) counts.set(rollout.steps, name);
  }
  if (counts.size > 1) {
    const list = [...counts].map(([n, name]) => `${name} ${n}`).join(', ');
    problems.push({
      path: 'spec.lockstep',
      message: `members have different numbers of canary steps (${list})`,
    });
  }
  return problems;
}
