import { CoreV1Api, type CoreV1Event, type V1ReplicaSet } from '@kubernetes/client-node';
import { commitOf, describeCommit } from '../../kube/provenance.ts';
import { hashOf, revisionOf } from '../../controller/replica-sets.ts';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { ClusterContext } from '../cluster-context.ts';
import { clusterFlags, parseFlags, requirePositional } from '../flags.ts';

type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

export interface Revision {
  revision: number;
  hash: string;
  images: string;
  commit: string;
  created: string;
  outcome: string;
}

/**
 * The outcome of one revision, from the Rollout's status and its Events (events name the pod
 * hash when a version becomes stable, and the commit when a rollout aborts). Pure.
 */
export function outcomeOf(rollout: RolloutObject, rs: V1ReplicaSet, events: readonly CoreV1Event[]): string {
  const hash = hashOf(rs);
  const status = rollout.status ?? {};
  const current = status.currentPodHash === hash;
  if (current && status.abort === true) return 'aborted';
  if (status.stableRS === hash) return current ? 'stable' : 'stable (current version rolling out)';
  if (current) return `rolling out (${status.phase ?? 'Progressing'})`;
  const commit = commitOf(rs.metadata);
  const messages = events.map((e) => e.message ?? '');
  if (
    commit &&
    events.some(
      (e) => e.reason === 'RolloutAborted' && (e.message ?? '').includes(`(commit ${commit.sha.slice(0, 7)}`),
    )
  )
    return 'aborted';
  if (
    messages.some((m) => m.includes(`${hash} is stable`) || m.includes(`version ${hash} deployed as stable`))
  )
    return 'superseded (was stable)';
  return 'superseded';
}

/** One row per ReplicaSet, oldest revision first. Pure. */
export function revisions(
  rollout: RolloutObject,
  replicaSets: readonly V1ReplicaSet[],
  events: readonly CoreV1Event[],
): Revision[] {
  return [...replicaSets]
    .sort((a, b) => revisionOf(a) - revisionOf(b))
    .map((rs) => {
      const commit = commitOf(rs.metadata);
      return {
        revision: revisionOf(rs),
        hash: hashOf(rs),
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '?').join(','),
        commit: commit ? describeCommit(commit) : '-',
        created: rs.metadata?.creationTimestamp ? new Date(rs.metadata.creationTimestamp).toISOString() : '-',
        outcome: outcomeOf(rollout, rs, events),
      };
    });
}

export function renderRevisions(rows: readonly Revision[]): string {
  const header = ['REVISION', 'HASH', 'IMAGE', 'CREATED', 'OUTCOME', 'COMMIT'];
  const cells = rows.map((r) => [String(r.revision), r.hash, r.images, r.created, r.outcome, r.commit]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd() + '\n';
  return line(header) + cells.map(line).join('');
}

/** `history ROLLOUT`: its revisions, the commit behind each and how each ended. */
export async function historyCommand(args: string[], out: Out = stdout): Promise<number> {
  const { values, positionals } = parseFlags(args, clusterFlags, 'history');
  const name = requirePositional(positionals, 0, 'ROLLOUT', 'history');
  const ctx = ClusterContext.fromFlags(values);
  const rollout = await ctx.getRollout(name);
  const replicaSets = await ctx.replicaSetsOf(rollout);
  const events = await ctx.kc.makeApiClient(CoreV1Api).listNamespacedEvent({
    namespace: ctx.namespace,
    fieldSelector: `involvedObject.kind=Rollout,involvedObject.name=${name}`,
  });
  out(renderRevisions(revisions(rollout, replicaSets, events.items)));
  return 0;
}
