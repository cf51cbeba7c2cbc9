import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterDir } from '../cluster/layout.ts';
import { AppFleet, type RunningVersion, type TargetRegistry } from './app-fleet.ts';
import { ClusterRoutingSource } from './cluster-routing.ts';
import { LoadGenerator, type RoutedTarget, type TrafficCounts } from './load-generator.ts';
import { RolloutObserver, type RolloutSpecView } from './rollout-observer.ts';
import {
  routingOfWeights,
  TableRouter,
  type RoutingSource,
  type SimulatedRequest,
  type WeightSource,
} from './routing.ts';
import { SimulatedUsers, type UsersOptions } from './users.ts';
import type { ObservedVersion } from './versions.ts';

export type { RunningVersion, TargetRegistry } from './app-fleet.ts';
export type { TrafficCounts } from './load-generator.ts';
export type { MatchRoute, RoutingSource, RoutingTable, SimulatedRequest, WeightSource } from './routing.ts';
export type { UsersOptions } from './users.ts';
export type { ObservedVersion } from './versions.ts';

/** What a routing source may read: the cluster, and the simulator's latest view of the Rollout. */
export interface WeightSourceContext {
  kubeconfig: KubeConfig;
  namespace: string;
  rollout: string;
  versions: () => readonly ObservedVersion[];
  /** The Rollout's spec as last read (its trafficRouting and Services); undefined while it does not exist. */
  spec: () => RolloutSpecView | undefined;
}

export interface SimulatorOptions {
  kubeconfig: string;
  namespace: string;
  /** Name of the Rollout (bellwether.dev/v1alpha1) whose ReplicaSets get traffic. */
  rollout: string;
  requestsPerSecond: number;
  /** Where the apps are registered as scrape targets (a startPrometheus() server). */
  prometheus?: TargetRegistry;
  /**
   * The routing layer to follow. Default: what the Rollout's `trafficRouting` names, read from
   * the cluster (NGINX canary Ingress, Gateway API HTTPRoute, Istio VirtualService, SMI
   * TrafficSplit), or the ratio of available replicas without a router.
   */
  routing?: (context: WeightSourceContext) => RoutingSource;
  /** A simpler routing layer: weights and header routes (ignored when `routing` is given). */
  weights?: (context: WeightSourceContext) => WeightSource;
  /** The n-th request's path and headers. Default `GET /` without headers. */
  request?: (n: number) => SimulatedRequest;
  /** Distinct users that send the requests in turn, each with its own headers and cookie jar. */
  users?: UsersOptions;
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
  /** What the routing table is read from (see RoutingSource.following), when the source says. */
  following?: string;
  lastError?: string;
}

export interface Simulator {
  readonly logDir: string;
  /** Per pod template hash: what was sent and how it was answered. */
  sent(): Map<string, TrafficCounts>;
  stats(): SimulatorStats;
  /** Versions whose app runs and receives traffic. */
  versions(): RunningVersion[];
  /** Per simulated user: answers per pod template hash (empty without `users`). */
  answersByUser(): Map<number, Map<string, number>>;
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
  private readonly routingSource: RoutingSource;
  private readonly load: LoadGenerator;
  private readonly router = new TableRouter();
  private readonly users: SimulatedUsers | undefined;
  /** The versions routed to, as of the last control step. */
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
    const context: WeightSourceContext = {
      kubeconfig: kc,
      namespace: options.namespace,
      rollout: options.rollout,
      versions: () => this.observer.versions(),
      spec: () => this.observer.spec(),
    };
    this.routingSource = options.routing?.(context) ?? this.defaultRouting(context);
    this.users = options.users && new SimulatedUsers(options.users);
    const base = options.request ?? (() => ({ path: '/', headers: {} }));
    this.load = new LoadGenerator({
      requestsPerSecond: options.requestsPerSecond,
      request: this.users ? (n) => this.users?.request(n, base(n)) ?? base(n) : base,
      onAnswer: (n, hash, setCookies) => this.users?.answered(n, hash, setCookies),
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
      ...(this.routingSource.following ? { following: this.routingSource.following() } : {}),
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  versions(): RunningVersion[] {
    return [...this.fleet.running().values()];
  }

  answersByUser(): Map<number, Map<string, number>> {
    return this.users?.answersByUser() ?? new Map<number, Map<string, number>>();
  }

  private defaultRouting(context: WeightSourceContext): RoutingSource {
    if (this.options.weights) return routingOfWeights(this.options.weights(context));
    return new ClusterRoutingSource(context.kubeconfig, context);
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

  private route(request: SimulatedRequest): RoutedTarget | undefined {
    const choice = this.router.route(request);
    const running = choice && this.fleet.running().get(choice.hash);
    if (!choice || !running) return undefined;
    const mirrors = choice.mirrorTo.flatMap((hash) => {
      const mirror = this.fleet.running().get(hash);
      return mirror ? [{ hash, address: mirror.app.address }] : [];
    });
    return {
      hash: running.hash,
      address: running.app.address,
      responseHeaders: choice.responseHeaders,
      mirrors,
    };
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
      this.router.update(await this.routingSource.currentTable(), running);
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
