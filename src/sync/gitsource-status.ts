/**
 * The sync status (`SyncStatus`, what `GitSync` records) as a GitSource's `status`, and back:
 * the commits with their short SHA (the `Commit` printer column), the conditions `Ready` and
 * `Stalled`, the andon state (the refused or aborted commit that is not retried), and the
 * inventory. Pure.
 */
import type { Condition } from '../api/common.ts';
import type { GitSourceStatus } from '../api/gitsource.ts';
import type { Commit } from './git.ts';
import type { Inventory, SyncStatus } from './inventory.ts';

type CommitInfo = NonNullable<GitSourceStatus['lastAppliedCommit']>;

function commitInfo(commit: Commit): CommitInfo {
  return {
    sha: commit.sha,
    shortSha: commit.sha.slice(0, 7),
    author: commit.author,
    subject: commit.subject,
    ...(commit.committedAt ? { committedAt: commit.committedAt } : {}),
  };
}

function commitOf(info: CommitInfo): Commit {
  return { sha: info.sha, author: info.author, subject: info.subject, committedAt: info.committedAt ?? '' };
}

/** Why the tip was refused: `SignatureRefused` when the signature was the problem. */
export function refusalReason(status: SyncStatus): string {
  return status.problems?.some((p) => p.path === 'signature') ? 'SignatureRefused' : 'Invalid';
}

function conditionsOf(status: SyncStatus, previous: readonly Condition[] | undefined): Condition[] {
  const reason =
    status.phase === 'Invalid' ? refusalReason(status) : status.phase === 'Synced' ? 'Synced' : status.phase;
  const stalled = status.phase === 'Invalid' || status.phase === 'Aborted';
  const wanted: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>[] = [
    { type: 'Ready', status: status.phase === 'Synced' ? 'True' : 'False', reason, message: status.message },
    {
      type: 'Stalled',
      status: stalled ? 'True' : 'False',
      reason: stalled ? reason : 'NotStalled',
      message: stalled ? status.message : 'the next commit will be applied',
    },
  ];
  return wanted.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const transition = before && before.status === c.status ? before.lastTransitionTime : status.since;
    const same =
      before && before.status === c.status && before.reason === c.reason && before.message === c.message;
    return {
      ...c,
      lastUpdateTime: same ? before.lastUpdateTime : status.since,
      lastTransitionTime: transition,
    };
  });
}

export function toGitSourceStatus(
  inventory: Inventory,
  generation: number | undefined,
  previous: GitSourceStatus | undefined,
): GitSourceStatus {
  const status = inventory.status;
  const out: GitSourceStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    inventory: inventory.objects.map((r) => ({ ...r })),
  };
  if (!status) return out;
  const andonCommit =
    status.phase === 'Invalid' ? status.seen : status.phase === 'Aborted' ? status.applied : undefined;
  return {
    ...out,
    phase: status.phase,
    message: status.message,
    conditions: conditionsOf(status, previous?.conditions),
    ...(status.applied ? { lastAppliedCommit: commitInfo(status.applied) } : {}),
    ...(status.seen ? { lastSeenCommit: commitInfo(status.seen) } : {}),
    ...(status.appliedTree ? { appliedTree: status.appliedTree } : {}),
    ...(andonCommit
      ? {
          andon: {
            commit: commitInfo(andonCommit),
            reason: status.phase === 'Invalid' ? refusalReason(status) : 'Aborted',
            message: status.message,
          },
        }
      : {}),
    ...(status.problems ? { problems: status.problems } : {}),
    ...(status.rollouts ? { rollouts: status.rollouts } : {}),
    ...(status.drift ? { drift: status.drift } : {}),
    since: status.since,
  };
}

export function fromGitSourceStatus(
  status: GitSourceStatus | undefined,
  source: { repository: string; branch: string; path: string },
): Inventory {
  const objects = (status?.inventory ?? []).map((r) => ({ ...r }));
  if (!status?.phase || !status.since) return { objects };
  return {
    objects,
    status: {
      ...source,
      phase: status.phase,
      message: status.message ?? '',
      ...(status.lastSeenCommit ? { seen: commitOf(status.lastSeenCommit) } : {}),
      ...(status.lastAppliedCommit ? { applied: commitOf(status.lastAppliedCommit) } : {}),
      ...(status.appliedTree ? { appliedTree: status.appliedTree } : {}),
      ...(status.problems ? { problems: status.problems } : {}),
      ...(status.rollouts ? { rollouts: status.rollouts } : {}),
      ...(status.drift ? { drift: status.drift } : {}),
      since: status.since,
    },
  };
}
