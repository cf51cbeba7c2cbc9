/**
 * The in-memory outbox: one FIFO lane per key (webhook service + Rollout), so a receiver sees a
 * Rollout's notifications in the order they happened even while one of them is being retried,
 * and a slow receiver only delays its own lanes. A lane holds at most `limit` waiting jobs; the
 * oldest is dropped beyond that. Nothing is persisted: a crash loses what is waiting.
 */
export interface OutboxJob<T> {
  item: T;
  run: () => Promise<void>;
}

export class Outbox<T> {
  private readonly lanes = new Map<string, OutboxJob<T>[]>();
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly onDrop: (item: T) => void,
  ) {}

  push(key: string, job: OutboxJob<T>): void {
    const lane = this.lanes.get(key);
    if (lane) {
      lane.push(job);
      // index 0 is running; drop the oldest waiting one
      if (lane.length > this.limit + 1) {
        const [dropped] = lane.splice(1, 1);
        if (dropped) this.onDrop(dropped.item);
      }
      return;
    }
    this.lanes.set(key, [job]);
    void this.runLane(key);
  }

  /** Jobs running or waiting. */
  get size(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.length;
    return n;
  }

  /** Resolves when every lane is empty, or after `timeoutMs`, whichever comes first. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.lanes.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async runLane(key: string): Promise<void> {
    const lane = this.lanes.get(key);
    while (lane && lane.length > 0) {
      const job = lane[0];
      // run() reports its own failures; a throw here must not stop the lane
      await job?.run().catch(() => undefined);
      lane.shift();
    }
    this.lanes.delete(key);
    if (this.lanes.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
