/**
 * RolloutGroup (bellwether.dev/v1alpha1, Bellwether addition): several Rollouts of one namespace
 * released together, in stages (a DAG of dependsOn), in lockstep, or at most N at a time. The
 * group never writes a member's spec; see docs/rollout-groups.md.
 */
import { z } from 'zod';
import {
  API_VERSION,
  LabelSelector,
  ObjectMeta,
  exactlyOneOf,
  listOf,
  objectName,
  timestamp,
  withCel,
} from './common.ts';

/** Most stages and members a group may have (keeps the CEL cost and the status bounded). */
export const GROUP_LIMITS = { members: 100, stages: 20 } as const;

export const RolloutGroupMembers = withCel(
  z
    .strictObject({
      rollouts: listOf(objectName(), GROUP_LIMITS.members)
        .optional()
        .describe('Names of Rollouts in the group namespace.'),
      selector: LabelSelector.optional().describe(
        'Rollouts of the group namespace whose labels match ({} = every Rollout of the namespace).',
      ),
    })
    .describe('Which Rollouts a group or stage holds: by name or by label selector.'),
  [exactlyOneOf(['rollouts', 'selector'])],
);
export type RolloutGroupMembers = z.infer<typeof RolloutGroupMembers>;

export const RolloutGroupStage = withCel(
  z
    .strictObject({
      name: objectName().describe('Stage name, referred to by dependsOn and shown in status.'),
      rollouts: listOf(objectName(), GROUP_LIMITS.members)
        .optional()
        .describe('Members of this stage, by name.'),
      selector: LabelSelector.optional().describe('Members of this stage, by label selector.'),
      dependsOn: listOf(objectName(), GROUP_LIMITS.stages)
        .optional()
        .describe(
          'Stages whose members must all be Healthy on their new version before this stage starts one.',
        ),
    })
    .describe('One stage of the release order.'),
  [exactlyOneOf(['rollouts', 'selector'])],
);
export type RolloutGroupStage = z.infer<typeof RolloutGroupStage>;

export const AbortPolicy = z.enum(['Stop', 'AbortAll']);
export type AbortPolicy = z.infer<typeof AbortPolicy>;

export const RolloutGroupSpec = z
  .strictObject({
    members: RolloutGroupMembers.describe('The member Rollouts (a Rollout may belong to several groups).'),
    stages: listOf(RolloutGroupStage, GROUP_LIMITS.stages)
      .optional()
      .describe(
        'Release order: each member in exactly one stage; a stage starts when the stages it dependsOn are done.',
      ),
    lockstep: z
      .boolean()
      .optional()
      .describe(
        'Members advance step by step together: none goes to step k+1 before every member in progress is at step k. Members must be canaries with the same number of steps.',
      ),
    maxInProgress: z
      .int32()
      .min(1)
      .optional()
      .describe('At most this many members in progress at once; the others wait (default: no limit).'),
    abortPolicy: AbortPolicy.optional().describe(
      'Stop (default): an aborted member holds the stages after it. AbortAll: an abort of one member also aborts every member in progress.',
    ),
  })
  .describe('What the group releases and in which order.');
export type RolloutGroupSpec = z.infer<typeof RolloutGroupSpec>;

/** Where a member stands in the group. */
export const GroupMemberState = z.enum([
  'Healthy',
  'Waiting',
  'Admitted',
  'Progressing',
  'Aborted',
  'Missing',
]);
export type GroupMemberState = z.infer<typeof GroupMemberState>;

export const GroupMemberStatus = z
  .object({
    name: z.string().describe('The Rollout.'),
    stage: z.string().optional().describe('Its stage, when the group has stages.'),
    state: GroupMemberState.describe(
      'Healthy (on its current version), Waiting (a new version held back), Admitted (may start), Progressing, Aborted or Missing.',
    ),
    phase: z.string().optional().describe("The Rollout's own phase."),
    step: z.int32().optional().describe("The Rollout's currentStepIndex."),
    steps: z.int32().optional().describe('How many canary steps it has.'),
    message: z.string().optional().describe('Why it waits, or what holds it.'),
  })
  .describe('One member as the group sees it.');
export type GroupMemberStatus = z.infer<typeof GroupMemberStatus>;

export const RolloutGroupStatus = z
  .object({
    phase: z
      .enum(['Healthy', 'Progressing', 'Degraded'])
      .optional()
      .describe('Healthy (every member on its version), Progressing, or Degraded (aborted, or InvalidSpec).'),
    message: z.string().optional().describe('Why the group is in this phase.'),
    observedGeneration: z.int().optional().describe('metadata.generation this status reflects.'),
    currentStages: z
      .array(z.string())
      .optional()
      .describe('The stages in progress (members progressing or admitted).'),
    maxStepIndex: z
      .int32()
      .optional()
      .describe('Lockstep: the highest currentStepIndex a member may reach now.'),
    members: z.array(GroupMemberStatus).optional().describe('Every member, in release order.'),
    abort: z
      .boolean()
      .optional()
      .describe('Set true to abort the group (`bellwether group abort`), false to let it go on.'),
    abortsHandledUntil: timestamp()
      .optional()
      .describe('AbortAll: the latest member abort already carried to the other members.'),
  })
  .describe('What the group controller observed and decided (its only state).');
export type RolloutGroupStatus = z.infer<typeof RolloutGroupStatus>;

export const RolloutGroup = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('RolloutGroup'),
  metadata: ObjectMeta,
  spec: RolloutGroupSpec,
  status: RolloutGroupStatus.optional(),
});
export type RolloutGroup = z.infer<typeof RolloutGroup>;
