/**
 * The API server asked this client to wait: a 429 (API Priority and Fairness rejecting load) or a
 * 503 with `Retry-After`. client-go waits that long before it retries; here every request of the
 * client waits until the latest hold has passed, so an overloaded server gets silence for the
 * time it asked for instead of the next reconcile's requests. Holds are capped (a bogus header
 * must not stop the controller for an hour).
 *
 * The clock and the sleep are injected so the behaviour is unit tested without waiting.
 */
export interface ServerBackoffOptions {
  maxHoldMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class ServerBackoff {
  private holdUntil = 0;
  /** Holds started (each 429/503 with Retry-After that extended the wait). */
  holds = 0;
  private readonly maxHoldMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ServerBackoffOptions = {}) {
    this.maxHoldMs = options.maxHoldMs ?? 30_000;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A response arrived: a 429 or 503 carrying Retry-After holds every request for that long. */
  observe(status: number, retryAfterHeader: unknown): void {
    if (status !== 429 && status !== 503) return;
    const ms = retryAfterMs(retryAfterHeader, this.now());
    if (ms === undefined) return;
    const until = this.now() + Math.min(ms, this.maxHoldMs);
    if (until > this.holdUntil) {
      this.holdUntil = until;
      this.holds++;
    }
  }

  /** Milliseconds a request sent now must still wait. */
  remainingMs(): number {
    return Math.max(0, this.holdUntil - this.now());
  }

  /** Resolves once no hold is pending (a hold extended meanwhile is waited for too). */
  async wait(): Promise<void> {
    for (let ms = this.remainingMs(); ms > 0; ms = this.remainingMs()) await this.sleep(ms);
  }
}
