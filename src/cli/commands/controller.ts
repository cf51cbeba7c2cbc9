import type { Server } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { kubeClusterWriter } from '../../controller/cluster-writer.ts';
import { healthRoutes, serve } from '../../controller/health-server.ts';
import { kubeLeaseApi, LeaderElector, validateTimings } from '../../controller/leader-election.ts';
import { defaultWorkers, Manager } from '../../controller/manager.ts';
import { ControllerMetrics } from '../../controller/metrics.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { GatedKubeConfig } from '../../kube/gated-kube-config.ts';
import { ServerBackoff } from '../../kube/server-backoff.ts';
import { FlowControlAwareLimit } from '../../kube/flow-control-limit.ts';
import { TokenBucket } from '../../kube/token-bucket.ts';
import { createLogger, isLevel, type Logger } from '../../log.ts';
import { Notifier } from '../../notify/notifier.ts';
import { NotificationConfigWatch, notificationObjects } from '../../notify/config-watch.ts';
import { clusterFlags, parseAddr, parseDurationFlag, parseFlags, UsageError } from '../flags.ts';

/**
 * Client-side rate limit when neither --qps nor --burst is given and the API server does not run
 * API Priority and Fairness (with APF the default is no client-side limit: flow-control-limit.ts):
 * requests per second, and how many may go at once after a quiet time.
 */
export const defaultQps = 100;
export const defaultBurst = 200;

export const controllerUsage = `bellwether controller [--kubeconfig PATH] [--namespace NS] [--workers N] [--log-level debug|info|warn|error]
    [--qps N] [--burst N]
    [--leader-elect=true|false] [--leader-election-namespace NS] [--lease-duration 15s]
    [--renew-deadline 10s] [--retry-period 2s] [--instance-id ID]
    [--health-addr :8080] [--metrics-addr :8090] [--notifications-configmap NS/NAME]

Runs the Rollout controller until SIGTERM or SIGINT. The cluster comes from --kubeconfig, else
KUBECONFIG, else the in-cluster ServiceAccount. Watches all namespaces unless --namespace is set.
--workers (default ${defaultWorkers}) reconciles run at once. With --qps or --burst every API request
waits for a token of a client-side rate limit: --qps per second on average, --burst at once.
Without them the limit is ${defaultQps}/s, burst ${defaultBurst}, until the API server shows it runs API
Priority and Fairness; then none (the server's 429 Retry-After still holds every request).
Lease renewals bypass the limit.

With leader election (the default) several replicas may run: they all watch, only the holder of
the Lease "bellwether-controller" (in --leader-election-namespace, default --namespace or
"default") reconciles. A leader that cannot renew within --renew-deadline stops and exits 1.
--instance-id ID shards: the controller handles only Rollouts annotated
bellwether.dev/instance-id: ID and elects on the Lease "bellwether-controller-ID".
/healthz and /readyz are served on --health-addr, Prometheus metrics on --metrics-addr/metrics.
Webhook notifications are configured by the ConfigMap --notifications-configmap (default
bellwether/bellwether-notifications) and the Secret <name>-secret beside it; without the
ConfigMap nothing is sent (docs/notifications.md).`;

const flags = {
  ...clusterFlags,
  workers: { type: 'string' },
  qps: { type: 'string' },
  burst: { type: 'string' },
  'log-level': { type: 'string' },
  'leader-elect': { type: 'string' },
  'leader-election-namespace': { type: 'string' },
  'lease-duration': { type: 'string' },
  'renew-deadline': { type: 'string' },
  'retry-period': { type: 'string' },
  'instance-id': { type: 'string' },
  'health-addr': { type: 'string' },
  'metrics-addr': { type: 'string' },
  'notifications-configmap': { type: 'string' },
} as const;

function parseBool(value: string | undefined, flag: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${flag}: "${value}" is not true or false`);
}

/** --workers, --qps, --burst: how much the controller does at once. */
function throughputOptions(values: { workers?: string; qps?: string; burst?: string }) {
  const workers = Number(values.workers ?? defaultWorkers);
  if (!Number.isInteger(workers) || workers < 1)
    throw new UsageError(`--workers: must be a positive integer`);
  const qps = Number(values.qps ?? defaultQps);
  if (!Number.isFinite(qps) || qps <= 0)
    throw new UsageError(`--qps: "${values.qps ?? ''}" is not a positive number`);
  const burst = Number(values.burst ?? defaultBurst);
  if (!Number.isInteger(burst) || burst < 1)
    throw new UsageError(`--burst: "${values.burst ?? ''}" is not a positive integer`);
  // neither flag: the default limit, lifted when the server runs APF (flow-control-limit.ts)
  const fixedLimit = values.qps !== undefined || values.burst !== undefined;
  return { workers, qps, burst, fixedLimit };
}

/**
 * The controller's API clients: every request passes the rate limit and is counted, and waits
 * while the API server's last 429/503 Retry-After runs; the Lease has its own unlimited client
 * (counted all the same), so a busy controller never loses leadership waiting for a token.
 */
function apiClients(
  loaded: KubeConfig,
  throughput: { qps: number; burst: number; fixedLimit: boolean },
  metrics: ControllerMetrics,
  log: Logger,
) {
  const onRequest = (r: { verb: string; resource: string }) => {
    metrics.observeRequestSent(r);
  };
  const bucket = new TokenBucket(throughput);
  const limiter = throughput.fixedLimit
    ? bucket
    : new FlowControlAwareLimit(bucket, () => {
        log.info(
          'the API server runs API Priority and Fairness: no client-side rate limit (--qps/--burst set one); its 429 Retry-After holds every request',
        );
      });
  return {
    kc: new GatedKubeConfig(loaded, {
      limiter,
      onRequest,
      serverBackoff: new ServerBackoff(),
    }),
    leaseKc: new GatedKubeConfig(loaded, { onRequest }),
  };
}

/** Flags, checked: usage errors are thrown before anything starts. */
function controllerOptions(args: string[]) {
  const { values } = parseFlags(args, flags, 'controller');
  const level = values['log-level'] ?? 'info';
  if (!isLevel(level)) throw new UsageError(`--log-level: "${level}" is not one of debug, info, warn, error`);
  const throughput = throughputOptions(values);
  const leaderElect = parseBool(values['leader-elect'], 'leader-elect', true);
  const timings = {
    leaseDurationMs: parseDurationFlag(values['lease-duration'] ?? '15s', 'lease-duration'),
    renewDeadlineMs: parseDurationFlag(values['renew-deadline'] ?? '10s', 'renew-deadline'),
    retryPeriodMs: parseDurationFlag(values['retry-period'] ?? '2s', 'retry-period'),
  };
  const timingProblem = validateTimings(timings);
  if (leaderElect && timingProblem) throw new UsageError(timingProblem);
  const instanceId = values['instance-id'];
  if (instanceId !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(instanceId))
    throw new UsageError(
      `--instance-id: "${instanceId}" must be a DNS subdomain (lowercase, digits, - and .)`,
    );
  const notificationsFlag = values['notifications-configmap'] ?? 'bellwether/bellwether-notifications';
  const notifications = notificationObjects(notificationsFlag);
  if (!notifications)
    throw new UsageError(`--notifications-configmap: "${notificationsFlag}" is not NAMESPACE/NAME`);
  return {
    values,
    notifications,
    level,
    throughput,
    leaderElect,
    timings,
    instanceId,
    healthAddr: parseAddr(values['health-addr'] ?? ':8080', 'health-addr'),
    metricsAddr: parseAddr(values['metrics-addr'] ?? ':8090', 'metrics-addr'),
    leaseNamespace: values['leader-election-namespace'] ?? values.namespace ?? 'default',
    leaseName: instanceId ? `bellwether-controller-${instanceId}` : 'bellwether-controller',
  };
}

export async function controllerCommand(args: string[]): Promise<number> {
  const {
    values,
    notifications,
    level,
    throughput,
    leaderElect,
    timings,
    instanceId,
    healthAddr,
    metricsAddr,
    leaseNamespace,
    leaseName,
  } = controllerOptions(args);
  const identity = `${hostname()}_${process.pid}`;

  const log = createLogger(level, { component: 'controller', identity });
  const loaded = loadKubeConfig(values.kubeconfig, values.context);
  let elector: LeaderElector | undefined;
  const metrics: ControllerMetrics = new ControllerMetrics(
    {
      rollouts: () => m.listRollouts(),
      analysisRuns: () => m.listAnalysisRuns(),
      queueDepth: () => m.queue.length,
      leader: () => (elector ? elector.isLeader : true),
    },
    identity,
  );
  const { kc, leaseKc } = apiClients(loaded, throughput, metrics, log);
  const notifier = new Notifier({
    log,
    sources: {
      configMap: `${notifications.namespace}/${notifications.configMap}`,
      secret: `${notifications.namespace}/${notifications.secret}`,
    },
    onDelivery: (r) => {
      metrics.observeNotification(r);
    },
  });
  const notificationConfig = new NotificationConfigWatch(kc, notifications, notifier, log);
  const m: Manager = new Manager({
    kc,
    log,
    workers: throughput.workers,
    notifier,
    writer: metrics.writer(kubeClusterWriter(kc)),
    onReconcile: (r) => {
      metrics.observeReconcile(r);
    },
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(instanceId ? { instanceId } : {}),
    ...killAfterStatusWrite(process.env.BELLWETHER_FAULT_KILL_AFTER_STATUS_WRITE, log),
  });

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
  });
  const servers: Server[] = [
    await serve(
      healthAddr,
      healthRoutes({
        synced: () => m.synced,
        leader: () => (elector ? elector.isLeader : true),
        workersRunning: () => m.workersRunning,
      }),
    ),
    await serve(metricsAddr, {
      '/metrics': async () => ({
        status: 200,
        body: await metrics.text(),
        contentType: metrics.registry.contentType,
      }),
    }),
  ];
  log.info('starting', {
    cluster: kc.getCurrentCluster()?.server,
    namespace: values.namespace ?? '(all)',
    leaderElect,
    ...throughput,
    instanceId: instanceId ?? '(none)',
    healthAddr: addrText(servers[0]),
    metricsAddr: addrText(servers[1]),
  });
  await Promise.all([m.startInformers(), notificationConfig.start()]);

  let outcome: string;
  if (!leaderElect) {
    m.startWorkers();
    outcome = await signalled;
  } else {
    const el = new LeaderElector({
      api: metrics.leaseApi(kubeLeaseApi(leaseKc)),
      namespace: leaseNamespace,
      name: leaseName,
      identity,
      log,
      ...timings,
    });
    elector = el;
    log.info('waiting for leadership', { lease: `${leaseNamespace}/${leaseName}` });
    outcome = await Promise.race([el.acquire().then(() => 'leading'), signalled]);
    if (outcome === 'leading') {
      log.info('became leader: starting workers');
      m.startWorkers();
      outcome = await Promise.race([el.holdLeadership(), signalled]);
    }
  }

  if (outcome === 'lost') return stepDown(m, servers, log);
  log.info('shutting down: finishing in-flight reconciles', { signal: outcome });
  await m.stop();
  // Released only after the last write, so the next leader never overlaps with this one.
  await elector?.stop();
  // Deliveries in flight get a short grace; what is still waiting after it is lost (at most once).
  await notifier.stop();
  await notificationConfig.stop();
  await closeAll(servers);
  log.info('stopped');
  // Everything is stopped; a connection a library still holds open must not keep the process up.
  setTimeout(() => process.exit(0), 5000).unref();
  return 0;
}

/** Lost the Lease: stop writing at once and exit non-zero so the supervisor restarts us. */
async function stepDown(manager: Manager, servers: Server[], log: Logger): Promise<number> {
  log.error('lost leadership: stopping workers and exiting');
  // Whatever keeps the event loop alive, the process goes (controller-runtime exits the same way).
  setTimeout(() => process.exit(1), 5000).unref();
  await manager.stop();
  await closeAll(servers);
  return 1;
}

function addrText(server: Server | undefined): string {
  const a = server?.address();
  return a && typeof a === 'object' ? `${a.address}:${a.port}` : String(a);
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => {
            resolve();
          });
        }),
    ),
  );
}

/**
 * Fault injection for tests, off unless the variable is set: SIGKILL this process right after the
 * status write that recorded an event with this reason (e.g. RolloutPaused), before its Event or
 * notification is delivered. The code path is the production one; only the kill is added.
 */
function killAfterStatusWrite(
  reason: string | undefined,
  log: Logger,
): { afterStatusWrite?: (entries: readonly { reason: string }[]) => void } {
  if (!reason) return {};
  log.warn('fault injection: SIGKILL after the status write of an event', { reason });
  return {
    afterStatusWrite: (entries) => {
      if (entries.some((e) => e.reason === reason)) process.kill(process.pid, 'SIGKILL');
    },
  };
}
