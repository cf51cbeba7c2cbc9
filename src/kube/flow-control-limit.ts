import type { TokenBucket } from './token-bucket.ts';

/** The header an API server running API Priority and Fairness sets on every response it classified. */
export const flowSchemaHeader = 'x-kubernetes-pf-flowschema-uid';

/**
 * The default client-side rate limit: a token bucket until the API server shows that it runs
 * API Priority and Fairness (a response carrying its flow schema header), then none. With APF
 * (on by default since Kubernetes 1.20, GA in 1.29) the server queues and sheds load itself and
 * says so with 429 + Retry-After, which server-backoff.ts honours for every request; a fixed
 * client-side rate on top only slows a large rollout down (N=1,000 updated at once: 28,000 writes
 * at 100 a second). SIG API Machinery recommends this; controller-runtime turned its limiter off
 * by default and Flux does the same detection. Concurrency stays bounded by --workers.
 *
 * Explicit --qps/--burst are a fixed TokenBucket instead, honoured whatever the server runs.
 */
export class FlowControlAwareLimit {
  private bucket: TokenBucket | undefined;

  constructor(
    bucket: TokenBucket,
    private readonly onLifted: () => void = () => undefined,
  ) {
    this.bucket = bucket;
  }

  /** Resolves when the caller may send its request. */
  take(): Promise<void> {
    return this.bucket ? this.bucket.take() : Promise.resolve();
  }

  /** A response arrived: its flow schema header lifts the client-side limit, once. */
  observe(headers: Readonly<Record<string, string | undefined>>): void {
    if (!this.bucket || !headers[flowSchemaHeader]) return;
    this.bucket = undefined;
    this.onLifted();
  }

  get limited(): boolean {
    return this.bucket !== undefined;
  }
}
