import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../log.ts';
import { describeError } from '../log.ts';

/**
 * A list+watch cache that keeps itself alive. The client library's informer stops on any watch
 * error other than 410 Gone and never backs off, so this wrapper restarts it with exponential
 * backoff (1s doubling to 30s, reset once a watch connects). Handlers only receive the object
 * and must only enqueue keys: anything they throw would become an unhandled rejection.
 */
export interface InformerSource<T extends KubernetesObject> {
  name: string;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** e.g. `metadata.name=x`: watch one object (the list function must apply it too). */
  fieldSelector?: string;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private backoffMs = 1000;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  synced = false;

  constructor(
    kc: KubeConfig,
    private readonly source: InformerSource<T>,
    onChange: (obj: T) => void,
    private readonly log: Logger,
  ) {
    // What makeInformer() builds, plus the field selector it does not pass on.
    this.informer = new ListWatch<T>(
      source.path,
      new Watch(kc),
      source.list,
      false,
      source.labelSelector,
      source.fieldSelector,
    );
    const safe = (obj: T) => {
      try {
        onChange(obj);
      } catch (err) {
        log.error('informer handler failed', { informer: source.name, error: describeError(err) });
      }
    };
    this.informer.on('add', safe);
    this.informer.on('update', safe);
    this.informer.on('delete', safe);
    this.informer.on('connect', () => {
      this.backoffMs = 1000;
    });
    this.informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      log.warn('watch failed; restarting', {
        informer: source.name,
        error: describeError(err),
        retryInMs: this.backoffMs,
      });
      this.scheduleRestart();
    });
  }

  /** Lists, fills the cache and starts watching; retries with backoff until the first list works. */
  async start(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      try {
        await this.informer.start();
        this.synced = true;
        return;
      } catch (err) {
        this.log.warn('initial list failed; retrying', {
          informer: this.source.name,
          error: describeError(err),
          retryInMs: this.backoffMs,
        });
        await new Promise((r) => setTimeout(r, this.backoffMs));
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      }
    }
  }

  private scheduleRestart(): void {
    if (this.restartTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.informer.start().catch((err: unknown) => {
        this.log.warn('restart failed', { informer: this.source.name, error: describeError(err) });
        this.scheduleRestart();
      });
    }, delay);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    // stop() aborts the watch request, which the library may report as an error: ignore it.
    await this.informer.stop().catch(() => undefined);
  }
}
