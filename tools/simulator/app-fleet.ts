import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ScrapeTarget } from '../prometheus/config.ts';
import { startDemoAppProcess, type DemoAppProcess } from './app-process.ts';
import type { ObservedVersion } from './versions.ts';

const retryDelayMs = 5000;

/** Where scrape targets go: a Prometheus harness, or anything else with the same method. */
export interface TargetRegistry {
  setTargets(targets: readonly ScrapeTarget[]): Promise<void>;
}

/** A version whose demo app is running and receives traffic. */
export interface RunningVersion {
  hash: string;
  version: string;
  replicaSet: string;
  app: DemoAppProcess;
}

export interface AppFleetOptions {
  namespace: string;
  rollout: string;
  logDir: string;
  prometheus?: TargetRegistry;
  /**
   * How long an app that lost its replicas keeps running after it stops receiving traffic, so
   * Prometheus scrapes its last counts (a pod would be scraped until it terminates). Default 1500.
   */
  drainMs?: number;
  onError?: (err: Error) => void;
}

/**
 * Keeps one demo-app process per version that has available replicas, and the Prometheus
 * targets in step with them. reconcile() returns at once: starting (a second or two for node +
 * tsx) and draining happen in the background, tracked so stop() can wait for them.
 */
export class AppFleet {
  private readonly routable = new Map<string, RunningVersion>();
  private readonly starting = new Set<string>();
  private readonly draining = new Map<string, RunningVersion>();
  private readonly tasks = new Set<Promise<void>>();
  /** When an app last failed to start, per hash: retries wait a while instead of spawning in a loop. */
  private readonly failedAt = new Map<string, number>();
  private stopped = false;

  constructor(private readonly options: AppFleetOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Versions that receive traffic: running and still wanted. */
  running(): ReadonlyMap<string, RunningVersion> {
    return this.routable;
  }

  reconcile(versions: readonly ObservedVersion[]): void {
    if (this.stopped) return;
    const wanted = new Map(versions.filter((v) => v.availableReplicas > 0).map((v) => [v.hash, v]));
    for (const [hash, version] of wanted) {
      const retryAt = (this.failedAt.get(hash) ?? -Infinity) + retryDelayMs;
      const idle = !this.routable.has(hash) && !this.starting.has(hash) && !this.draining.has(hash);
      if (idle && Date.now() >= retryAt) {
        this.track(this.start(version));
      }
    }
    for (const [hash, running] of this.routable) {
      if (!wanted.has(hash)) {
        this.routable.delete(hash);
        this.draining.set(hash, running);
        this.track(this.drain(running));
      }
    }
  }

  /** Stops every app (no drain) and clears the targets; waits for starts in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.tasks]);
    const apps = [...this.routable.values(), ...this.draining.values()];
    this.routable.clear();
    this.draining.clear();
    await Promise.all(apps.map((r) => r.app.stop()));
    await this.publishTargets();
  }

  private track(task: Promise<void>): void {
    const handled = task.catch((err: unknown) => {
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
    });
    this.tasks.add(handled);
    void handled.finally(() => this.tasks.delete(handled));
  }

  private async start(version: ObservedVersion): Promise<void> {
    this.starting.add(version.hash);
    try {
      const app = await startDemoAppProcess({
        env: version.env,
        logFile: join(this.options.logDir, `${this.options.rollout}-${version.hash}.log`),
      }).catch((err: unknown) => {
        this.failedAt.set(version.hash, Date.now());
        throw err;
      });
      const entry = {
        hash: version.hash,
        version: version.env.VERSION ?? '',
        replicaSet: version.replicaSet,
        app,
      };
      if (this.stopped) {
        this.draining.set(version.hash, entry); // stop() stops it
        return;
      }
      this.routable.set(version.hash, entry);
      // Not tracked: it waits for the exit that stop() causes, and stop() waits for tracked tasks.
      void entry.app.exited.then(() => {
        this.forgetIfUnexpected(entry);
      });
      await this.publishTargets();
    } finally {
      this.starting.delete(version.hash);
    }
  }

  /**
   * An app that exits while it should be running (killed, crashed) stops receiving traffic and
   * is started again by the next reconcile, as a kubelet restarts a container.
   */
  private forgetIfUnexpected(entry: RunningVersion): void {
    if (this.stopped || this.routable.get(entry.hash) !== entry) return;
    this.routable.delete(entry.hash);
    this.options.onError?.(new Error(`demo app of ${entry.hash} exited; see ${entry.app.logFile}`));
    this.track(this.publishTargets());
  }

  private async drain(running: RunningVersion): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.options.drainMs ?? 1500));
    if (this.stopped) return; // stop() takes it from here
    this.draining.delete(running.hash);
    await running.app.stop();
    await this.publishTargets();
  }

  private async publishTargets(): Promise<void> {
    if (!this.options.prometheus) return;
    const targets = [...this.routable.values(), ...this.draining.values()].map((r) => ({
      target: r.app.address,
      labels: {
        rollout: this.options.rollout,
        namespace: this.options.namespace,
        pod_template_hash: r.hash,
        version: r.version,
      },
    }));
    await this.options.prometheus.setTargets(targets);
  }
}
