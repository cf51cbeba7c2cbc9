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

// ---------------------------------------------------------------------------------------------
// ClusterRolloutGroup: a concurrency cap across namespaces (cluster-scoped)
// ---------------------------------------------------------------------------------------------

/** How a ClusterRolloutGroup splits its members: one cap for all, per namespace, or per label value. */
export const CapScope = z.enum(['Cluster', 'Namespace', 'Label']);
export type CapScope = z.infer<typeof CapScope>;

export const ClusterRolloutGroupSpec = withCel(
  z
    .strictObject({
      selector: LabelSelector.describe(
        'Rollouts of every namespace whose labels match ({} = every Rollout of the cluster).',
      ),
      maxInProgress: z
        .int32()
        .min(1)
        .describe('At most this many members in progress at once (per namespace or label value with `per`).'),
      per: CapScope.optional().describe(
        'Cluster (default): one cap over all members. Namespace: the cap holds in each namespace. Label: the cap holds for each value of the label `perLabel` (members without it are not members).',
      ),
      perLabel: z
        .string()
        .min(1)
        .max(317)
        .optional()
        .describe('With per: Label, the label whose values split the members (e.g. team).'),
    })
    .describe('Which Rollouts the cap holds, and how many may be in progress at once.'),
  [
    {
      rule: "has(self.per) && self.per == 'Label' ? has(self.perLabel) : !has(self.perLabel)",
      message: 'perLabel is set exactly when per is Label',
      fieldPath: '.perLabel',
      holds: (self) => (self.per === 'Label') === (self.perLabel !== undefined),
    },
  ],
);
export type ClusterRolloutGroupSpec = z.infer<typeof ClusterRolloutGroupSpec>;

export const ClusterGroupMemberStatus = z
  .object({
    namespace: z.string().describe("The Rollout's namespace."),
    name: z.string().describe('The Rollout.'),
    partition: z.string().describe('Its namespace or label value under `per` ("" with per: Cluster).'),
    state: z
      .enum(['Waiting', 'Admitted', 'Progressing'])
      .describe('Waiting (its new version held back), Admitted (may start) or Progressing.'),
    since: timestamp()
      .optional()
      .describe('Waiting: since when (members are admitted first come, first served).'),
    message: z.string().optional().describe('Why it waits.'),
  })
  .describe('One member in progress or waiting (Healthy members are not listed).');
export type ClusterGroupMemberStatus = z.infer<typeof ClusterGroupMemberStatus>;

export const ClusterRolloutGroupStatus = z
  .object({
    phase: z
      .enum(['Healthy', 'Progressing'])
      .optional()
      .describe('Progressing while a member is in progress or waits, else Healthy.'),
    message: z.string().optional().describe('How many are in progress and waiting.'),
    observedGeneration: z.int().optional().describe('metadata.generation this status reflects.'),
    partitions: z
      .array(
        z.object({
          name: z.string().describe('Namespace or label value ("" with per: Cluster).'),
          inProgress: z.int32().describe('Members in progress or admitted.'),
          waiting: z.int32().describe('Members waiting for a slot.'),
        }),
      )
      .optional()
      .describe('Each partition with a member in progress or waiting.'),
    members: z
      .array(ClusterGroupMemberStatus)
      .optional()
      .describe('Members in progress or waiting, in the order they are admitted.'),
  })
  .describe('What the controller observed and decided (its only state: the grants and the queue).');
export type ClusterRolloutGroupStatus = z.infer<typeof ClusterRolloutGroupStatus>;

export const ClusterRolloutGroup = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ClusterRolloutGroup'),
  metadata: ObjectMeta,
  spec: ClusterRolloutGroupSpec,
  status: ClusterRolloutGroupStatus.optional(),
});
export type ClusterRolloutGroup = z.infer<typeof ClusterRolloutGroup>;
