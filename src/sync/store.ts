/**
 * Where a sync keeps its memory (the inventory and the status) so a restarted process continues
 * where it was: the ConfigMap `bellwether-sync-<name>` for `bellwether sync`, the status of the
 * GitSource for the sync controller (`gitsource-store.ts`). `GitSync` decides whether anything
 * changed; a store only reads and writes.
 */
import { fieldManager } from './apply.ts';
import { inventoryData, inventoryName, parseInventory, type Inventory } from './inventory.ts';
import type { KubeRest } from './kube-rest.ts';

export interface SyncStore {
  /** What was recorded; undefined when nothing was yet. */
  read(): Promise<Inventory | undefined>;
  /**
   * Set by read(): the record answers an older spec (a GitSource's generation moved). The tip is
   * then applied again under the new spec and the status written even if it looks the same.
   */
  readonly outdated?: boolean;
  write(next: Inventory): Promise<void>;
}

export class ConfigMapStore implements SyncStore {
  constructor(
    private readonly rest: KubeRest,
    private readonly options: { namespace: string; name: string; repository: string; path: string },
  ) {}

  private get configMapName(): string {
    return inventoryName(this.options.name);
  }

  async read(): Promise<Inventory | undefined> {
    const configMap = await this.rest.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: this.options.namespace,
      name: this.configMapName,
    });
    return configMap ? parseInventory((configMap.data ?? {}) as Record<string, string>) : undefined;
  }

  async write(next: Inventory): Promise<void> {
    const { namespace, repository, path } = this.options;
    const applied = next.status?.applied;
    await this.rest.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/${this.configMapName}`, {
      query: { fieldManager, force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: this.configMapName,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'bellwether-sync' },
          ...(applied && next.status
            ? {
                annotations: {
                  'bellwether.dev/source-repository': repository,
                  'bellwether.dev/source-path': path,
                  'bellwether.dev/source-revision': applied.sha,
                  'bellwether.dev/sync-phase': next.status.phase,
                },
              }
            : {}),
        },
        data: inventoryData(next),
      },
    });
  }
}
