import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppsV1Api, V1ReplicaSet } from '@kubernetes/client-node';
import { createDemoApp } from '../demo-app/app.ts';
import { configFromEnv } from '../demo-app/config.ts';
import type { TargetRegistry } from '../simulator/app-fleet.ts';
import { podTemplateHashLabel, templateEnv } from '../simulator/versions.ts';

/**
 * The metrics of many Rollouts at once, for the torture run: one demo app (the project's own,
 * `tools/demo-app/app.ts`) per ReplicaSet with available pods, each on its own loopback port in
 * this process (a process per version, as the simulator runs, would be 200 node processes),
 * registered with Prometheus under the labels the simulator uses, and sent `requestsPerSecond`
 * requests each. The ReplicaSets are listed every `pollMs`; a failed list keeps the last view, so
 * an API server restart does not stop the metrics.
 */
interface RunningApp {
  server: Server;
  port: number;
  labels: Record<string, string>;
}

export class MetricsFleet {
  private readonly apps = new Map<string, RunningApp>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private timers: NodeJS.Timeout[] = [];
  private polling: Promise<void> = Promise.resolve();
  listErrors = 0;

  constructor(
    private readonly appsApi: AppsV1Api,
    private readonly namespace: string,
    private readonly prometheus: TargetRegistry,
    private readonly options = { pollMs: 2000, requestsPerSecond: 2 },
  ) {}

  start(): void {
    this.timers.push(
      setInterval(() => {
        // one poll at a time; a failed one (an app that could not listen) is retried by the next
        this.polling = this.polling.then(() => this.poll()).catch(() => undefined);
      }, this.options.pollMs),
      setInterval(() => {
        this.sendRound();
      }, 1000 / this.options.requestsPerSecond),
    );
  }

  get running(): number {
    return this.apps.size;
  }

  private async poll(): Promise<void> {
    let items: V1ReplicaSet[];
    try {
      items = (
        await this.appsApi.listNamespacedReplicaSet({
          namespace: this.namespace,
          labelSelector: podTemplateHashLabel,
        })
      ).items;
    } catch {
      this.listErrors++;
      return;
    }
    const wanted = new Map<string, V1ReplicaSet>();
    for (const rs of items) {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel];
      const owner = rs.metadata?.ownerReferences?.find((ref) => ref.kind === 'Rollout')?.name;
      if (hash && owner && (rs.status?.availableReplicas ?? 0) > 0) wanted.set(`${owner}/${hash}`, rs);
    }
    let changed = false;
    for (const [key, rs] of wanted) {
      if (this.apps.has(key)) continue;
      this.apps.set(key, await this.startApp(key, rs));
      changed = true;
    }
    for (const [key, app] of this.apps) {
      if (wanted.has(key)) continue;
      this.apps.delete(key);
      // a pod is scraped until it terminates: keep answering scrapes a little longer
      setTimeout(() => app.server.close(), 3000).unref();
      changed = true;
    }
    if (changed) await this.publish();
  }

  private async startApp(key: string, rs: V1ReplicaSet): Promise<RunningApp> {
    const [rollout = '', hash = ''] = key.split('/');
    const env = templateEnv(rs);
    const app = createDemoApp(configFromEnv({ ...env, PORT: '0' }));
    const server = createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      server,
      port,
      labels: { namespace: this.namespace, rollout, pod_template_hash: hash, version: env.VERSION ?? '' },
    };
  }

  private async publish(): Promise<void> {
    await this.prometheus.setTargets(
      [...this.apps.values()].map((app) => ({ target: `127.0.0.1:${String(app.port)}`, labels: app.labels })),
    );
  }

  private sendRound(): void {
    for (const app of this.apps.values()) {
      const req = request({ host: '127.0.0.1', port: app.port, path: '/', agent: this.agent, timeout: 5000 });
      req.on('response', (res) => res.resume());
      req.on('timeout', () => req.destroy());
      req.on('error', () => undefined);
      req.end();
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.polling;
    for (const app of this.apps.values()) app.server.close();
    this.apps.clear();
    this.agent.destroy();
    await this.publish();
  }
}
