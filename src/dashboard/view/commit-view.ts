import type { V1ObjectMeta } from '@kubernetes/client-node';
import { commitOf } from '../../kube/provenance.ts';
import type { CommitView } from './types.ts';

/**
 * A browser link to a commit, for the hosts whose commit URLs are known (GitHub, GitLab, Gitea
 * and Bitbucket forms); undefined for file paths and SSH remotes a browser cannot open. Pure.
 */
export function commitUrl(repository: string | undefined, sha: string): string | undefined {
  if (!repository) return undefined;
  const scp = /^git@([^:]+):(.+?)(\.git)?$/.exec(repository);
  const base = scp ? `https://${scp[1]}/${scp[2]}` : repository.replace(/\.git$/, '').replace(/\/$/, '');
  if (!/^https?:\/\//.test(base)) return undefined;
  if (base.includes('bitbucket.org')) return `${base}/commits/${sha}`;
  if (base.includes('gitlab')) return `${base}/-/commit/${sha}`;
  return `${base}/commit/${sha}`;
}

export function commitView(metadata: Pick<V1ObjectMeta, 'annotations'> | undefined): CommitView | null {
  const commit = commitOf(metadata);
  if (!commit) return null;
  const url = commitUrl(commit.repository, commit.sha);
  return { ...commit, ...(url ? { url } : {}) };
}
