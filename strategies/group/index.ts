/**
 * The RolloutGroup core: `decideGroup` (the group's decision and status) and
 * `memberHold` / `reconcileUnderHold` (a member's decision under its groups' hold). Pure.
 */
export { decideGroup } from './decide.ts';
export { capEntry, capPartition, decideClusterCap } from './cluster-cap.ts';
export type * from './cluster-cap.ts';
export { memberHold, reconcileUnderHold, type MemberGroup, type MemberHold } from './hold.ts';
export { isMember, membership } from './members.ts';
export { progressOf, type Progress } from './member-progress.ts';
export { stageGraphProblems, type SpecProblem } from './stage-graph.ts';
export type * from './types.ts';
