/**
 * A work queue keyed by `namespace/name`, with the guarantees client-go's workqueue gives:
 * a key is processed by at most one worker at a time; a key added while it is being processed
 * is processed again afterwards (once, however often it was added); failed keys are retried with
 * per-key exponential backoff; `addAfter` requeues a key when a timer (a pause, a delay) is due.
 *
 * The clock and timers are injected so the behaviour is unit tested without sleeping.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
}

/**
 * The longest a failed key waits before its next try. Argo Rollouts caps at 10 s, client-go's
 * default at 16 min; at 5 min a Rollout that failed through a minute of API server overload sat
 * up to 3 min after the server recovered. 30 s matches the informer's watch restart cap: recovery
 * within half a minute, while the request rate during an outage stays held by the server's
 * Retry-After (server-backoff.ts), any client-side limit and --workers, not by this cap.
 */
export const defaultMaxDelayMs = 30_000;

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** One pending timer per key: the earliest requested time wins. */
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly addedAt = new Map<string, number>();
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: Timers;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? defaultMaxDelayMs;
    this.timers = options.timers ?? realTimers;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.timers.now());
    if (this.processing.has(key)) return; // re-queued by done()
    this.push(key);
  }

  /** Adds the key after `ms`; an earlier pending request for the same key is kept. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.timers.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.timers.clearTimeout(pending.handle);
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Retries a failed key with exponential backoff (base * 2^failures, capped). */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its backoff starts again from the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.ready.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Milliseconds the key waited between add and get (for the queue latency metric). */
  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    this.lastWaitMs = this.timers.now() - (this.addedAt.get(key) ?? this.timers.now());
    this.addedAt.delete(key);
    return key;
  }

  lastWaitMs = 0;

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  get length(): number {
    return this.ready.length;
  }

  get isProcessingAny(): boolean {
    return this.processing.size > 0;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.timers.clearTimeout(handle);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else this.ready.push(key);
  }
}
