/**
 * A GitSource's status as the sync's memory (`SyncStore`): read back on every poll, so a
 * restarted controller continues from the applied commit, and written as a merge patch of only
 * what changed (the status subresource). Events about the GitSource go through here too.
 */
import { GitSourceStatus } from '../api/gitsource.ts';
import { mergePatch } from '../kube/merge-patch.ts';
import type { Inventory } from './inventory.ts';
import { KubeApiError, type KubeObject, type KubeRest } from './kube-rest.ts';
import { fromGitSourceStatus, toGitSourceStatus } from './gitsource-status.ts';
import type { SyncStore } from './store.ts';
import type { SyncEvent } from './sync-events.ts';

export interface GitSourceKey {
  namespace: string;
  name: string;
}

export class GitSourceStore implements SyncStore {
  /** The GitSource as last read: its uid for Events, its status for the merge patch. */
  private live: KubeObject | undefined;
  outdated = false;

  constructor(
    private readonly rest: KubeRest,
    private readonly key: GitSourceKey,
    private readonly source: {
      repository: string;
      branch: string;
      path: string;
      generation: number | undefined;
    },
  ) {}

  private get path(): string {
    return `/apis/bellwether.dev/v1alpha1/namespaces/${encodeURIComponent(this.key.namespace)}/gitsources/${encodeURIComponent(this.key.name)}`;
  }

  private status(): GitSourceStatus | undefined {
    const parsed = GitSourceStatus.safeParse(this.live?.status ?? {});
    return parsed.success ? parsed.data : undefined;
  }

  async read(): Promise<Inventory | undefined> {
    try {
      this.live = await this.rest.request<KubeObject>('GET', this.path);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404)
        throw new Error(`GitSource ${this.key.namespace}/${this.key.name} is gone`, { cause: err });
      throw err;
    }
    const status = this.status();
    this.outdated = status?.observedGeneration !== this.source.generation;
    return fromGitSourceStatus(status, this.source);
  }

  async write(next: Inventory): Promise<void> {
    const before = (this.live?.status ?? {}) as Record<string, unknown>;
    const after = toGitSourceStatus(next, this.source.generation, this.status());
    const patch = mergePatch(before, JSON.parse(JSON.stringify(after)));
    if (!patch) return;
    this.live = await this.rest.request<KubeObject>('PATCH', `${this.path}/status`, {
      body: { status: patch },
      contentType: 'application/merge-patch+json',
    });
  }

  /** An Event about the GitSource (best effort: a lost Event never stops the sync). */
  async event(event: SyncEvent, now: number): Promise<void> {
    const time = new Date(now).toISOString();
    await this.rest.request('POST', `/api/v1/namespaces/${encodeURIComponent(this.key.namespace)}/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${this.key.name}.`, namespace: this.key.namespace },
        involvedObject: {
          apiVersion: 'bellwether.dev/v1alpha1',
          kind: 'GitSource',
          name: this.key.name,
          namespace: this.key.namespace,
          ...(this.live?.metadata.uid ? { uid: this.live.metadata.uid as string } : {}),
        },
        reason: event.reason,
        message: event.message.slice(0, 1024),
        type: event.type,
        source: { component: 'bellwether-sync' },
        reportingComponent: 'bellwether.dev/sync-controller',
        reportingInstance: process.env.HOSTNAME ?? 'bellwether-sync',
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
  }
}
