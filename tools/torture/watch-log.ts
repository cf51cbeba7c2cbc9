import { appendFileSync, writeFileSync } from 'node:fs';
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { runRecord, statusView, type HistoryRecord, type StatusView } from './history.ts';

/**
 * The driver's own record of what happened: a watch on the namespace's Rollouts and AnalysisRuns
 * that appends every version it is shown to a JSON-lines file (and keeps it in memory for the
 * checker). The watch resumes from the last resourceVersion it saw; when the API server cannot
 * serve that any more (410 after a restart) it lists again and writes a `gap` record, so the
 * checker knows changes between may be missing.
 */
const group = 'bellwether.dev';
const version = 'v1alpha1';

export class WatchLog {
  readonly records: HistoryRecord[] = [];
  /** Each Rollout's status as last seen: what the operators look at, without a read of their own. */
  readonly latest = new Map<string, StatusView>();
  private readonly watch: Watch;
  private readonly custom: CustomObjectsApi;
  /** The watch request in flight, by resource. */
  private readonly watches = new Map<string, AbortController>();
  private stopped = false;
  reconnects = 0;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly file: string,
  ) {
    this.watch = new Watch(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    writeFileSync(file, '');
  }

  async start(): Promise<void> {
    await Promise.all([this.follow('rollouts'), this.follow('analysisruns')]);
  }

  private record(record: HistoryRecord): void {
    this.records.push(record);
    if (record.kind === 'rollout') this.latest.set(record.name, record.status);
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }

  private toRecord(plural: string, type: string, obj: unknown): HistoryRecord {
    const at = Date.now();
    if (plural === 'analysisruns') return runRecord(type, obj as Parameters<typeof runRecord>[1], at);
    const ro = obj as Parameters<typeof statusView>[0];
    return {
      kind: 'rollout',
      at,
      type,
      name: ro.metadata?.name ?? '',
      rv: ro.metadata?.resourceVersion ?? '',
      status: statusView(ro),
    };
  }

  /** Lists (retrying until the API server answers), records every object, returns the list's resourceVersion. */
  private async list(plural: string): Promise<string> {
    for (;;) {
      try {
        const list = (await this.custom.listNamespacedCustomObject({
          group,
          version,
          namespace: this.namespace,
          plural,
        })) as { metadata?: { resourceVersion?: string }; items: unknown[] };
        for (const item of list.items) this.record(this.toRecord(plural, 'LISTED', item));
        return list.metadata?.resourceVersion ?? '';
      } catch {
        if (this.stopped) return '';
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async follow(plural: string): Promise<void> {
    let resourceVersion = await this.list(plural);
    const loop = async (): Promise<void> => {
      while (!this.stopped) {
        const outcome = await this.watchOnce(plural, resourceVersion, (rv) => (resourceVersion = rv));
        if (this.isStopped()) return;
        this.reconnects++;
        if (outcome === 'gone') {
          this.record({ kind: 'gap', at: Date.now(), resource: plural });
          resourceVersion = await this.list(plural);
        } else {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    void loop();
  }

  /** One watch request until it ends: 'gone' when the resourceVersion is too old. */
  private watchOnce(plural: string, from: string, seen: (rv: string) => void): Promise<'ended' | 'gone'> {
    return new Promise((resolve) => {
      let gone = false;
      const path = `/apis/${group}/${version}/namespaces/${this.namespace}/${plural}`;
      this.watch
        .watch(
          path,
          { resourceVersion: from, allowWatchBookmarks: true },
          (type, obj: { metadata?: { resourceVersion?: string }; code?: number }) => {
            if (type === 'ERROR') {
              if (obj.code === 410) gone = true;
              return;
            }
            const rv = obj.metadata?.resourceVersion;
            if (rv) seen(rv);
            if (type !== 'BOOKMARK') this.record(this.toRecord(plural, type, obj));
          },
          (err: unknown) => {
            const code = (err as { statusCode?: number; code?: number } | null)?.statusCode;
            resolve(gone || code === 410 ? 'gone' : 'ended');
          },
        )
        .then(
          (abort) => {
            this.watches.set(plural, abort);
          },
          () => {
            resolve('ended');
          },
        );
    });
  }

  // A method, not a field read: the loop's narrowing of `this.stopped` would hide that stop() ran meanwhile.
  private isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.watches.values()) abort.abort();
  }
}
