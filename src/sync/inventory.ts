/**
 * The sync's memory lives in the cluster, in the ConfigMap `bellwether-sync-<name>`:
 *
 * - `data.objects`: one line per object the last applied commit created or updated,
 *   `apiVersion kind namespace name` (`-` for cluster-scoped). Pruning only ever deletes from it.
 * - `data.status`: JSON, the sync status (phase, the commit applied and the one seen, problems,
 *   drift, rollouts), what `bellwether sync --status` prints.
 * - annotations: the applied commit, in the same provenance keys every synced object carries.
 *
 * A restarted sync (or a second replica) continues from it. Formatting and parsing are pure.
 */
import type { Problem } from '../lint/lint.ts';
import type { Commit } from './git.ts';
import type { ObjectRef } from './kube-rest.ts';

export type SyncPhase =
  /** The applied commit is the branch tip and every Rollout it declares is Healthy. */
  | 'Synced'
  /** Applied; a Rollout is still moving to the new version. */
  | 'Progressing'
  /** The andon cord: a Rollout of the applied commit aborted. Not retried until a new commit. */
  | 'Aborted'
  /** The tip commit failed validation; nothing of it was applied. */
  | 'Invalid'
  /** Fetch, render or apply failed (retried with backoff). */
  | 'Failed';

export interface RolloutReport {
  name: string;
  namespace: string;
  phase: string;
  message?: string;
  /** Short description of the commit the Rollout was applied from. */
  commit?: string;
}

export interface DriftReport {
  object: string;
  paths: string[];
  /** Field managers other than the sync that wrote the object after it. */
  changedBy: string[];
  /** Applied from Git again (--self-heal). */
  healed?: boolean;
}

export interface SyncStatus {
  phase: SyncPhase;
  message: string;
  repository: string;
  branch: string;
  path: string;
  /** The branch tip last seen. */
  seen?: Commit;
  /** The commit whose objects are in the cluster. */
  applied?: Commit;
  /** Git's tree id of the path at the applied commit: a new commit with the same tree is not applied. */
  appliedTree?: string;
  problems?: Problem[];
  drift?: DriftReport[];
  rollouts?: RolloutReport[];
  /** When the phase or commit last changed (not a heartbeat: an unchanged poll writes nothing). */
  since: string;
}

export interface Inventory {
  objects: ObjectRef[];
  status?: SyncStatus;
}

export function inventoryName(syncName: string): string {
  return `bellwether-sync-${syncName}`;
}

export function formatObjects(refs: readonly ObjectRef[]): string {
  return refs.map((r) => `${r.apiVersion} ${r.kind} ${r.namespace ?? '-'} ${r.name}\n`).join('');
}

export function parseObjects(text: string | undefined): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [apiVersion, kind, namespace, name] = line.trim().split(/\s+/);
    if (!apiVersion || !kind || !namespace || !name) continue;
    refs.push({ apiVersion, kind, ...(namespace === '-' ? {} : { namespace }), name });
  }
  return refs;
}

/** Identity across apiVersions of the same group: moving a Deployment from v1beta1 to v1 is no prune. */
export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  return `${group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** What the previous commit applied and this one no longer declares. Pure. */
export function pruneSet(previous: readonly ObjectRef[], current: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(current.map(refKey));
  const seen = new Set<string>();
  return previous.filter((ref) => {
    const key = refKey(ref);
    if (keep.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The ConfigMap data for an inventory: what is compared to decide whether to write at all. */
export function inventoryData(inventory: Inventory): Record<string, string> {
  return {
    objects: formatObjects(inventory.objects),
    ...(inventory.status ? { status: JSON.stringify(inventory.status, null, 2) + '\n' } : {}),
  };
}

export function parseInventory(data: Record<string, string> | undefined): Inventory {
  const objects = parseObjects(data?.objects);
  if (!data?.status) return { objects };
  try {
    return { objects, status: JSON.parse(data.status) as SyncStatus };
  } catch {
    return { objects };
  }
}

/** One line for logs and `sync --status`: `Aborted abc1234 "subject" by a: Rollout shop/web ...`. */
export function statusLine(status: SyncStatus): string {
  // A rejected or failed tip is the news; otherwise the commit in the cluster.
  const rejected = status.phase === 'Invalid' || status.phase === 'Failed';
  const commit = rejected ? (status.seen ?? status.applied) : (status.applied ?? status.seen);
  const short = commit ? ` ${commit.sha.slice(0, 7)} "${commit.subject}" by ${commit.author}` : '';
  return `${status.phase}${short}: ${status.message}`;
}
