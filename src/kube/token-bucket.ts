/**
 * Client-side rate limit for API calls, as client-go's `--kube-api-qps`/`--kube-api-burst`: a
 * bucket of `burst` tokens refilled at `qps` per second. Each call takes one token; when none is
 * left the call waits its turn. Waits are reserved in arrival order (a token is borrowed from the
 * future), so callers are served first come, first served and a burst of reconciles never floods
 * the API server: it is spread at `qps`.
 *
 * The clock and the sleep are injected so the arithmetic is unit tested without waiting.
 */
export interface TokenBucketOptions {
  qps: number;
  burst: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0)) throw new Error(`qps must be positive, got ${String(options.qps)}`);
    if (!Number.isInteger(options.burst) || options.burst < 1)
      throw new Error(`burst must be a positive integer, got ${String(options.burst)}`);
    this.qps = options.qps;
    this.burst = options.burst;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.tokens = options.burst;
    this.updatedAt = this.now();
  }

  /** Takes a token now and returns how many milliseconds the caller must wait before using it. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.qps) / 1000);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  /** Resolves when the caller may send its request. */
  async take(): Promise<void> {
    const waitMs = this.reserve();
    if (waitMs > 0) await this.sleep(waitMs);
  }
}
