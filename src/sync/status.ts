/**
 * The sync status from the Rollouts a commit declared: the andon cord. When a Rollout of the
 * applied commit aborted, the status says `Aborted` and names the Rollout and the commit; the
 * sync applies nothing more until a new commit (a fix or a revert) arrives. Pure.
 */
import { commitOf, describeCommit } from '../kube/provenance.ts';
import { deepEqual } from '../kube/merge-patch.ts';
import type { Commit } from './git.ts';
import type { RolloutReport, SyncPhase, SyncStatus } from './inventory.ts';
import type { KubeObject } from './kube-rest.ts';

interface RolloutStatusView {
  phase?: string;
  message?: string;
  abort?: boolean;
  observedGeneration?: number;
  source?: { revision?: string };
  conditions?: { type: string; status: string; message?: string }[];
}

/** One Rollout as the sync reports it; `Pending` until the controller has seen this commit. */
export function rolloutReport(rollout: KubeObject, commitSha: string): RolloutReport {
  const status = (rollout.status ?? {}) as RolloutStatusView;
  const generation = rollout.metadata.generation as number | undefined;
  const observed =
    status.source?.revision === commitSha &&
    (generation === undefined || status.observedGeneration === generation);
  const commit = commitOf(rollout.metadata);
  // The controller reports an invalid spec without recording the commit it looked at.
  const invalid = status.conditions?.find((c) => c.type === 'InvalidSpec' && c.status === 'True');
  const phase =
    status.abort === true
      ? 'Aborted'
      : invalid
        ? 'InvalidSpec'
        : observed
          ? (status.phase ?? 'Pending')
          : 'Pending';
  return {
    name: rollout.metadata.name,
    namespace: rollout.metadata.namespace ?? '',
    phase,
    ...(invalid?.message || status.message ? { message: invalid?.message ?? status.message } : {}),
    ...(commit ? { commit: describeCommit(commit) } : {}),
  };
}

/** Phase and message of an applied commit from its Rollouts. */
export function appliedPhase(
  commit: Commit,
  rollouts: readonly RolloutReport[],
): { phase: SyncPhase; message: string } {
  const short = commit.sha.slice(0, 7);
  const aborted = rollouts.filter((r) => r.phase === 'Aborted');
  if (aborted.length > 0) {
    const names = aborted
      .map(
        (r) =>
          `Rollout ${r.namespace}/${r.name} aborted (commit ${r.commit ?? short})${r.message ? `: ${r.message}` : ''}`,
      )
      .join('; ');
    return {
      phase: 'Aborted',
      message: `${names}. Not retried: push a fix or revert commit ${short}`,
    };
  }
  const moving = rollouts.filter((r) => r.phase !== 'Healthy');
  if (moving.length > 0) {
    const names = moving.map((r) => `${r.namespace}/${r.name} ${r.phase}`).join(', ');
    return { phase: 'Progressing', message: `applied ${short}; rollouts: ${names}` };
  }
  return { phase: 'Synced', message: `applied ${short}` };
}

/** Equal apart from `since`: an unchanged poll writes nothing. */
export function sameStatus(a: SyncStatus | undefined, b: SyncStatus): boolean {
  if (!a) return false;
  const { since: _a, ...restA } = a;
  const { since: _b, ...restB } = b;
  // Through JSON: the stored copy has no undefined fields.
  return deepEqual(JSON.parse(JSON.stringify(restA)), JSON.parse(JSON.stringify(restB)));
}

/** `since` moves only when the phase or a commit changes. */
export function withSince(
  previous: SyncStatus | undefined,
  next: Omit<SyncStatus, 'since'>,
  now: number,
): SyncStatus {
  const unchanged =
    previous !== undefined &&
    previous.phase === next.phase &&
    previous.applied?.sha === next.applied?.sha &&
    previous.seen?.sha === next.seen?.sha;
  return { ...next, since: unchanged ? previous.since : new Date(now).toISOString() };
}
