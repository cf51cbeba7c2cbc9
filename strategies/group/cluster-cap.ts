/**
 * One decision of a ClusterRolloutGroup: a cap on how many Rollouts are in progress at once,
 * across namespaces: in the whole cluster, in each namespace, or for each value of a label. Pure:
 * `input.now` is the only clock; what must survive a restart is in status:
 *
 * - `Admitted` is a grant: a member allowed to start keeps its slot until it has started and
 *   finished (taking it back could let a member that already started run over the cap);
 * - `since` orders the queue: members wait first come, first served, across restarts.
 *
 * Members are Rollouts whose labels match `spec.selector`; only those in progress or waiting are
 * listed (a cluster may hold thousands of Healthy ones).
 */
import { selectorMatches } from './label-selector.ts';
import { progressOf } from './member-progress.ts';
import { grantSlots } from './slots.ts';
import type { LabelSelectorView, MemberStatusView, RolloutView } from './types.ts';

export interface ClusterCapSpecView {
  selector: LabelSelectorView;
  maxInProgress: number;
  per?: 'Cluster' | 'Namespace' | 'Label';
  perLabel?: string;
}

export interface ClusterMemberStatusView {
  namespace: string;
  name: string;
  partition: string;
  state: 'Waiting' | 'Admitted' | 'Progressing';
  since?: string;
  message?: string;
}

export interface ClusterCapStatusView {
  phase?: 'Healthy' | 'Progressing';
  message?: string;
  observedGeneration?: number;
  partitions?: { name: string; inProgress: number; waiting: number }[];
  members?: ClusterMemberStatusView[];
}

export interface NamespacedRolloutView extends RolloutView {
  namespace: string;
}

export interface ClusterCapInput {
  generation: number;
  spec: ClusterCapSpecView;
  status: ClusterCapStatusView;
  /** Every Rollout the controller sees, of every namespace. */
  rollouts: readonly NamespacedRolloutView[];
  now: number;
}

const keyOf = (m: { namespace: string; name: string }) => `${m.namespace}/${m.name}`;

/** The partition a member counts in, or undefined when the Rollout is not a member. */
export function capPartition(spec: ClusterCapSpecView, rollout: NamespacedRolloutView): string | undefined {
  if (!selectorMatches(spec.selector, rollout.labels)) return undefined;
  if (spec.per === 'Namespace') return rollout.namespace;
  if (spec.per === 'Label') return spec.perLabel === undefined ? undefined : rollout.labels[spec.perLabel];
  return '';
}

export function decideClusterCap(input: ClusterCapInput): { status: ClusterCapStatusView } {
  const { spec } = input;
  const previous = new Map((input.status.members ?? []).map((m) => [keyOf(m), m]));
  const now = new Date(input.now).toISOString();
  const byPartition = new Map<
    string,
    { inFlight: ClusterMemberStatusView[]; pending: ClusterMemberStatusView[] }
  >();
  for (const ro of input.rollouts) {
    const partition = capPartition(spec, ro);
    if (partition === undefined) continue;
    const progress = progressOf(ro);
    if (progress !== 'inFlight' && progress !== 'pending') continue;
    let bucket = byPartition.get(partition);
    if (!bucket) byPartition.set(partition, (bucket = { inFlight: [], pending: [] }));
    const before = previous.get(keyOf(ro));
    const entry = { namespace: ro.namespace, name: ro.name, partition };
    if (progress === 'inFlight') bucket.inFlight.push({ ...entry, state: 'Progressing' });
    else if (before?.state === 'Admitted') bucket.pending.push({ ...entry, state: 'Admitted' });
    else bucket.pending.push({ ...entry, state: 'Waiting', since: before?.since ?? now });
  }
  const members: ClusterMemberStatusView[] = [];
  const partitions: NonNullable<ClusterCapStatusView['partitions']> = [];
  for (const [name, { inFlight, pending }] of [...byPartition].sort(([a], [b]) => a.localeCompare(b))) {
    const granted = pending.filter((m) => m.state === 'Admitted');
    const queue = pending
      .filter((m) => m.state === 'Waiting')
      .sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '') || keyOf(a).localeCompare(keyOf(b)));
    const { admitted, waiting } = grantSlots(queue, inFlight.length + granted.length, spec.maxInProgress);
    const where =
      spec.per === 'Namespace'
        ? ` in namespace ${name}`
        : spec.per === 'Label'
          ? ` for ${spec.perLabel ?? ''}=${name}`
          : '';
    members.push(
      ...inFlight,
      ...granted,
      ...admitted.map(({ since: _since, ...m }) => ({ ...m, state: 'Admitted' as const })),
      ...waiting.map(({ candidate, message }) => ({ ...candidate, message: `${message}${where}` })),
    );
    partitions.push({
      name,
      inProgress: inFlight.length + granted.length + admitted.length,
      waiting: waiting.length,
    });
  }
  const inProgress = partitions.reduce((n, p) => n + p.inProgress, 0);
  const waitingCount = partitions.reduce((n, p) => n + p.waiting, 0);
  return {
    status: {
      phase: members.length > 0 ? 'Progressing' : 'Healthy',
      message:
        members.length > 0 ? `${inProgress} in progress, ${waitingCount} waiting` : 'no member in progress',
      observedGeneration: input.generation,
      ...(partitions.length > 0 ? { partitions } : {}),
      ...(members.length > 0 ? { members } : {}),
    },
  };
}

/** A member's entry as the hold reads it (strategies/group/hold.ts): its name within its namespace. */
export function capEntry(
  status: ClusterCapStatusView,
  namespace: string,
  name: string,
): MemberStatusView | undefined {
  const m = status.members?.find((e) => e.namespace === namespace && e.name === name);
  return m && { name: m.name, state: m.state, ...(m.message === undefined ? {} : { message: m.message }) };
}
