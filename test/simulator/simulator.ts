import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterDir } from '../cluster/layout.ts';
import { SmoothWeightedRoundRobin } from './allocation.ts';
import { AppFleet, type RunningVersion, type TargetRegistry } from './app-fleet.ts';
import { LoadGenerator, type TrafficCounts } from './load-generator.ts';
import { ReplicaRatioWeights } from './replica-ratio.ts';
import { RolloutObserver } from './rollout-observer.ts';
import {
  chooseTarget,
  runningWeights,
  type MatchRoute,
  type SimulatedRequest,
  type WeightSource,
} from './routing.ts';
import type { ObservedVersion } from './versions.ts';

export type { RunningVersion, TargetRegistry } from './app-fleet.ts';
export type { TrafficCounts } from './load-generator.ts';
export type { MatchRoute, SimulatedRequest, WeightSource } from './routing.ts';
export type { ObservedVersion } from './versions.ts';

/** What a weight source may read: the cluster, and the simulator's latest view of the Rollout's versions. */
export interface WeightSourceContext {
  kubeconfig: KubeConfig;
  namespace: string;
  rollout: string;
  versions: () => readonly ObservedVersion[];
}

export interface SimulatorOptions {
  kubeconfig: string;
  namespace: string;
  /** Name of the Rollout (bellwether.dev/v1alpha1) whose ReplicaSets get traffic. */
  rollout: string;
  requestsPerSecond: number;
  /** Where the apps are registered as scrape targets (a startPrometheus() server). */
  prometheus?: TargetRegistry;
  /** The routing layer to follow. Default: the ratio of available replicas (no traffic router). */
  weights?: (context: WeightSourceContext) => WeightSource;
  /** The n-th request's path and headers. Default `GET /` without headers. */
  request?: (n: number) => SimulatedRequest;
  /** How often the Rollout, its ReplicaSets and the weights are read. Default 250. */
  pollIntervalMs?: number;
  /** The simulator stops by itself after this long, whatever the test does. Default 10 minutes. */
  maxDurationMs?: number;
  /** Per-request timeout. Default 5000. */
  requestTimeoutMs?: number;
  /** How long an app outlives its last replica, for its final scrape. Default 1500. */
  drainMs?: number;
  /** App logs and the simulator's own error log. Default `.cluster/simulator/<namespace>-<rollout>-<pid>/`. */
  logDir?: string;
}

export interface SimulatorStats {
  elapsedMs: number;
  /** Requests sent to some version (answered or not). */
  sent: number;
  achievedRequestsPerSecond: number;
  /** Paced requests not sent: too many in flight, or a backlog after a stall. */
  skipped: number;
  /** Paced requests with no running version to go to. */
  unrouted: number;
  /** Failed reads of the cluster or the weights (the last good view is kept). */
  controlErrors: number;
  lastError?: string;
}

export interface Simulator {
  readonly logDir: string;
  /** Per pod template hash: what was sent and how it was answered. */
  sent(): Map<string, TrafficCounts>;
  stats(): SimulatorStats;
  /** Versions whose app runs and receives traffic. */
  versions(): RunningVersion[];
  /** Resolves once every one of `hashes` runs and is routed to; rejects after `timeoutMs`. */
  waitForVersions(hashes: readonly string[], timeoutMs?: number): Promise<void>;
  setRequestsPerSecond(requestsPerSecond: number): void;
  /** Stops traffic, then every app, and clears the Prometheus targets. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs the traffic of one Rollout on loopback: one demo-app process per ReplicaSet with
 * available replicas (behaving as its pod template's env says), registered with Prometheus,
 * and `requestsPerSecond` requests split across them as the weight source says.
 */
export function startSimulator(options: SimulatorOptions): Simulator {
  return new TrafficSimulator(options);
}

class TrafficSimulator implements Simulator {
  readonly logDir: string;
  private readonly observer: RolloutObserver;
  private readonly fleet: AppFleet;
  private readonly weightSource: WeightSource;
  private readonly load: LoadGenerator;
  private readonly roundRobin = new SmoothWeightedRoundRobin();
  /** Header/cookie routes and the versions routed to, as of the last control step. */
  private routes: MatchRoute[] = [];
  private routed = new Set<string>();
  private controlErrors = 0;
  private lastError: string | undefined;
  private stopping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly controlLoop: Promise<void>;
  private readonly deadline: NodeJS.Timeout;

  constructor(private readonly options: SimulatorOptions) {
    const kc = new KubeConfig();
    kc.loadFromFile(options.kubeconfig);
    this.logDir =
      options.logDir ??
      join(clusterDir, 'simulator', `${options.namespace}-${options.rollout}-${process.pid}`);
    mkdirSync(this.logDir, { recursive: true });
    this.observer = new RolloutObserver(kc, options.namespace, options.rollout);
    this.fleet = new AppFleet({
      namespace: options.namespace,
      rollout: options.rollout,
      logDir: this.logDir,
      prometheus: options.prometheus,
      drainMs: options.drainMs,
      onError: (err) => {
        this.recordError(err);
      },
    });
    const context = {
      kubeconfig: kc,
      namespace: options.namespace,
      rollout: options.rollout,
      versions: () => this.observer.versions(),
    };
    this.weightSource = options.weights?.(context) ?? new ReplicaRatioWeights(context.versions);
    this.load = new LoadGenerator({
      requestsPerSecond: options.requestsPerSecond,
      request: options.request ?? (() => ({ path: '/', headers: {} })),
      route: (request) => this.route(request),
      timeoutMs: options.requestTimeoutMs ?? 5000,
      maxInFlight: 256,
    });
    this.controlLoop = this.runControlLoop();
    this.deadline = setTimeout(() => void this.stop(), options.maxDurationMs ?? 10 * 60_000);
    this.deadline.unref();
    this.load.start();
  }

  sent(): Map<string, TrafficCounts> {
    return this.load.counts();
  }

  stats(): SimulatorStats {
    const sent = [...this.load.counts().values()].reduce((n, c) => n + c.sent, 0);
    const elapsedMs = this.load.elapsedMs();
    return {
      elapsedMs,
      sent,
      achievedRequestsPerSecond: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0,
      skipped: this.load.skipped,
      unrouted: this.load.unrouted,
      controlErrors: this.controlErrors,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  versions(): RunningVersion[] {
    return [...this.fleet.running().values()];
  }

  async waitForVersions(hashes: readonly string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!hashes.every((h) => this.routed.has(h))) {
      if (Date.now() > deadline || this.stopping) {
        throw new Error(
          `simulator: versions ${hashes.join(', ')} not all running after ${timeoutMs / 1000}s ` +
            `(running: ${[...this.routed].join(', ') || 'none'}; last error: ${this.lastError ?? 'none'})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  setRequestsPerSecond(requestsPerSecond: number): void {
    this.load.setRequestsPerSecond(requestsPerSecond);
  }

  stop(): Promise<void> {
    clearTimeout(this.deadline);
    this.stopping ??= (async () => {
      this.wakeUp?.();
      await this.load.stop();
      await this.controlLoop;
      await this.fleet.stop();
    })();
    return this.stopping;
  }

  // A method, not a property read: the loop's narrowing of `this.stopping` would hide that stop() ran meanwhile.
  private isStopping(): boolean {
    return this.stopping !== undefined;
  }

  private route(request: SimulatedRequest): { hash: string; address: string } | undefined {
    const hash = chooseTarget(request, this.routes, this.routed, this.roundRobin);
    const running = hash === undefined ? undefined : this.fleet.running().get(hash);
    return running && { hash: running.hash, address: running.app.address };
  }

  private async runControlLoop(): Promise<void> {
    while (!this.isStopping()) {
      await this.controlStep();
      if (this.isStopping()) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs ?? 250);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Reads the cluster, brings the apps in line, then takes the weights among running versions. */
  private async controlStep(): Promise<void> {
    try {
      this.fleet.reconcile(await this.observer.observe());
    } catch (err) {
      this.recordError(err); // keep the last view: a slow API server must not stop the traffic
    }
    try {
      const running = new Set(this.fleet.running().keys());
      this.roundRobin.setWeights(runningWeights(await this.weightSource.currentWeights(), running));
      this.routes = (await this.weightSource.currentMatchRoutes?.()) ?? [];
      this.routed = running;
    } catch (err) {
      this.recordError(err);
    }
  }

  private recordError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.controlErrors += 1;
    this.lastError = message;
    appendFileSync(join(this.logDir, 'simulator.log'), `${new Date().toISOString()} ${message}\n`);
  }
}
