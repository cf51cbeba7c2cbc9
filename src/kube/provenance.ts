import type { V1ObjectMeta } from '@kubernetes/client-node';
import { annotations } from './names.ts';

/** The Git commit that declared an object, as `bellwether sync` recorded it in annotations. */
export interface Commit {
  repository?: string;
  path?: string;
  sha: string;
  author?: string;
  subject?: string;
}

/** The commit an object was applied from, or undefined for objects not applied by the sync. */
export function commitOf(metadata: Pick<V1ObjectMeta, 'annotations'> | undefined): Commit | undefined {
  const a = metadata?.annotations ?? {};
  const sha = a[annotations.sourceRevision];
  if (!sha) return undefined;
  return {
    sha,
    ...optional('repository', a[annotations.sourceRepository]),
    ...optional('path', a[annotations.sourcePath]),
    ...optional('author', a[annotations.sourceAuthor]),
    ...optional('subject', a[annotations.sourceSubject]),
  };
}

/** `abc1234 "Bump web to v2" by Jane Doe`: how events, notifications and logs name a commit. */
export function describeCommit(commit: Commit): string {
  const subject = commit.subject ? ` "${commit.subject}"` : '';
  const author = commit.author ? ` by ${commit.author}` : '';
  return `${commit.sha.slice(0, 7)}${subject}${author}`;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

/**
 * `status.source` of a Rollout: the commit its annotations name (undefined when it was not applied
 * by the sync, so a hand-applied Rollout carries no stale provenance).
 */
export function sourceStatus(
  metadata: Pick<V1ObjectMeta, 'annotations'> | undefined,
): { repository?: string; path?: string; revision: string } | undefined {
  const commit = commitOf(metadata);
  if (!commit) return undefined;
  return {
    ...optional('repository', commit.repository),
    ...optional('path', commit.path),
    revision: commit.sha,
  };
}

/** The provenance annotations of an object, to copy onto what is made from it (ReplicaSets). */
export function provenanceAnnotations(
  metadata: Pick<V1ObjectMeta, 'annotations'> | undefined,
): Record<string, string> {
  const a = metadata?.annotations ?? {};
  const keys = [
    annotations.sourceRepository,
    annotations.sourcePath,
    annotations.sourceRevision,
    annotations.sourceAuthor,
    annotations.sourceSubject,
  ];
  return Object.fromEntries(keys.flatMap((key) => (a[key] ? [[key, a[key]]] : [])));
}
