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
 * backoff: 1s doubling to 30s, back to 1s only after a minute without errors. (The library
 * reports "connect" before it even lists, so resetting there would retry an overloaded API
 * server every second forever.) Handlers only receive the object and must only enqueue keys:
 * anything they throw would become an unhandled rejection.
 *
 * Built for many objects: lists are read in pages (a 10,000-object list is never one response in
 * memory), every object passes `transform` before it is cached (keep only what reconciles read;
 * cached-objects.ts), and `indexBy` keeps an index (e.g. by controller UID) so a reconcile finds a
 * Rollout's ReplicaSets without scanning every ReplicaSet of the namespace. The cache holds the one
 * copy of each object; the index and `get` return that same copy.
 */
export interface InformerSource<T extends KubernetesObject> {
  name: string;
  path: string;
  /** One page of the list: `limit` objects from the `continue` token of the previous page. */
  list: (page: { limit: number; continueToken?: string }) => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** e.g. `metadata.name=x`: watch one object (the list function must apply it too). */
  fieldSelector?: string;
  /** What is cached of each listed or watched object. */
  transform?: (obj: T) => T;
  /** Index values of an object (byIndex finds it by any of them). */
  indexBy?: (obj: T) => string[];
}

/** Restart backoff: from 1s, doubled per error up to 30s, reset after a minute without errors. */
const minBackoffMs = 1000;
const maxBackoffMs = 30_000;
const quietResetMs = 60_000;

/** Objects per list page: big enough to keep requests few, small enough to bound a response. */
export const listPageSize = 500;

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private backoffMs = minBackoffMs;
  private lastErrorAt = -Infinity;
  /** The (re)start in progress: a watch it opens after stop() began must be closed too. */
  private starting: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly index = new Map<string, Map<string, T>>();
  private readonly indexed = new Map<string, string[]>();
  synced = false;

  constructor(
    kc: KubeConfig,
    private readonly source: InformerSource<T>,
    onChange: (obj: T) => void,
    private readonly log: Logger,
  ) {
    const transform = source.transform ?? ((obj: T) => obj);
    // What makeInformer() builds, plus the field selector it does not pass on.
    this.informer = new ListWatch<T>(
      source.path,
      new TransformingWatch(kc, transform),
      () => this.listAll(transform),
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
    const indexBy = source.indexBy;
    this.informer.on('add', (obj) => {
      if (indexBy) this.reindex(obj, indexBy(obj));
      safe(obj);
    });
    this.informer.on('update', (obj) => {
      if (indexBy) this.reindex(obj, indexBy(obj));
      safe(obj);
    });
    this.informer.on('delete', (obj) => {
      if (indexBy) this.reindex(obj, []);
      safe(obj);
    });
    this.informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      const now = Date.now();
      if (now - this.lastErrorAt > quietResetMs) this.backoffMs = minBackoffMs;
      this.lastErrorAt = now;
      log.warn('watch failed; restarting', {
        informer: source.name,
        error: describeError(err),
        retryInMs: this.backoffMs,
      });
      this.scheduleRestart();
    });
  }

  /** Every page of the list, each object transformed as its page arrives. */
  private async listAll(transform: (obj: T) => T): Promise<KubernetesListObject<T>> {
    const items: T[] = [];
    let first: KubernetesListObject<T> | undefined;
    let continueToken: string | undefined;
    do {
      const page = await this.source.list({
        limit: listPageSize,
        ...(continueToken ? { continueToken } : {}),
      });
      first ??= page;
      for (const item of page.items) items.push(transform(item));
      // typed lists carry `_continue`; custom object lists are plain JSON with `continue`
      const meta: { _continue?: string; continue?: string } | undefined = page.metadata;
      continueToken = meta?._continue || meta?.continue || undefined;
    } while (continueToken);
    // Every page of one list is the same snapshot: the first page's resourceVersion starts the watch.
    return { ...first, metadata: { resourceVersion: first.metadata?.resourceVersion ?? '' }, items };
  }

  private reindex(obj: T, values: string[]): void {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    for (const value of this.indexed.get(key) ?? []) {
      const entries = this.index.get(value);
      entries?.delete(key);
      if (entries?.size === 0) this.index.delete(value);
    }
    if (values.length === 0) {
      this.indexed.delete(key);
      return;
    }
    this.indexed.set(key, values);
    for (const value of values) {
      let entries = this.index.get(value);
      if (!entries) this.index.set(value, (entries = new Map<string, T>()));
      entries.set(key, obj);
    }
  }

  /** Lists, fills the cache and starts watching; retries with backoff until the first list works. */
  async start(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      try {
        await this.track(this.informer.start());
        this.synced = true;
        return;
      } catch (err) {
        this.log.warn('initial list failed; retrying', {
          informer: this.source.name,
          error: describeError(err),
          retryInMs: this.backoffMs,
        });
        await new Promise((r) => setTimeout(r, this.backoffMs));
        this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
      }
    }
  }

  private scheduleRestart(): void {
    if (this.restartTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.track(this.informer.start()).catch((err: unknown) => {
        this.log.warn('restart failed', { informer: this.source.name, error: describeError(err) });
        this.scheduleRestart();
      });
    }, delay);
  }

  private track(start: Promise<void>): Promise<void> {
    this.starting = start.catch(() => undefined);
    return start;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  /** The cached objects with this index value (see InformerSource.indexBy); no scan of the cache. */
  byIndex(value: string): readonly T[] {
    const entries = this.index.get(value);
    return entries ? [...entries.values()] : [];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    // stop() aborts the watch request, which the library may report as an error: ignore it.
    await this.informer.stop().catch(() => undefined);
    // A restart that was listing when stop() came goes on to open a watch (the library checks
    // for stop only before it lists): wait for it and close that one too, or the open watch
    // keeps the process from exiting.
    await this.starting;
    await this.informer.stop().catch(() => undefined);
  }
}

/** A Watch that hands each watched object through `transform` before the cache sees it. */
class TransformingWatch<T extends KubernetesObject> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly transform: (obj: T) => T,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      // The watch event itself is not passed on: only the (transformed) object is.
      (phase, obj: unknown) => {
        const object = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
        callback(phase, object ? this.transform(obj as T) : obj);
      },
      done,
    );
  }
}
