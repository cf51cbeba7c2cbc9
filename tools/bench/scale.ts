/**
 * `npm run bench:scale`: one controller process and N Rollouts on the local plane, measured from
 * outside. Prints the figures and writes them to bench-results/scale-N.json (rewritten after every
 * phase, so a run cut short still leaves what it measured).
 *
 *   BENCH_ROLLOUTS=1000      Rollouts of 5 replicas, canary setWeight 20, pause 2s, setWeight 60, pause 2s
 *   BENCH_SOAK_MINUTES=10    idle soak after the update (RSS slope, writes while idle)
 *   BENCH_PHASE_MINUTES=30   give up on a phase after this long, the sync's creates included
 *                            (figures so far are kept; the soak runs anyway)
 *   BENCH_CONTROLLER_ARGS    more controller flags, e.g. "--qps 200 --burst 400" (or
 *                            "--leader-elect=true": with leader election, as deployed)
 *   BENCH_UPDATE=0           skip phase 2 (sync, then the soak: memory of N Rollouts held idle)
 *   BENCH_NAMESPACE=NS       no creates: a fresh controller syncs the N Rollouts an earlier run
 *                            left in NS (a restart at scale; the namespace is kept afterwards)
 *
 * Phases: (1) create N Rollouts and wait until all are Healthy; (2) change every image at once and
 * wait until all N have finished the canary on the new version; (3) idle soak. The controller runs
 * as its own process (`bin/bellwether.js controller`, with the node flags of the installed
 * Deployment, e.g. its heap cap), so its RSS and CPU (/proc) are its own.
 * It runs with `--leader-elect=false` unless BENCH_CONTROLLER_ARGS says otherwise: a leader whose
 * Lease renewal takes longer than --renew-deadline exits by design for its Deployment to restart
 * it, and the bench has no supervisor (an N=10,000 run ended that way under load); API requests are the controller's own count
 * (bellwether_kubernetes_requests_sent_total), event-to-write latency its histogram
 * (bellwether_event_to_write_seconds). The plane is started with the scale profile
 * (tools/cluster/plane.ts): large kwok nodes, raised client QPS for controller-manager and scheduler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { ResilientInformer } from '../../src/kube/informer.ts';
import { deployedNodeFlags } from './deployed-node-flags.ts';
import { slimObject, slimReplicaSet, controllerUid } from '../../src/controller/cached-objects.ts';
import type { RolloutObject } from '../../src/controller/rollout-object.ts';
import { installCrds } from '../../src/install/apply.ts';
import { mergePatch } from '../../src/kube/merge-patch.ts';
import { GatedKubeConfig } from '../../src/kube/gated-kube-config.ts';
import { createLogger } from '../../src/log.ts';
import { layout, repoRoot } from '../cluster/layout.ts';
import { up } from '../cluster/plane.ts';
import { freePort, sleep } from '../cluster/processes.ts';
import { answers } from '../cluster/answers.ts';
import {
  countDelta,
  histogramBuckets,
  histogramQuantile,
  podWaitMs,
  quantile,
  requestCounts,
  slopePerMinute,
  writesByStep,
  writesIn,
  type ObservedWrite,
} from './scale-figures.ts';

const rolloutCount = Number(process.env.BENCH_ROLLOUTS ?? 1000);
const soakMs = Number(process.env.BENCH_SOAK_MINUTES ?? 10) * 60_000;
const phaseTimeoutMs = Number(process.env.BENCH_PHASE_MINUTES ?? 30) * 60_000;
const runUpdate = process.env.BENCH_UPDATE !== '0';
/** An earlier run's namespace: its Rollouts r0..r(N-1) are synced by a fresh controller, not created. */
const existingNamespace = process.env.BENCH_NAMESPACE;
const extraArgs = (process.env.BENCH_CONTROLLER_ARGS ?? '').split(/\s+/).filter(Boolean);
/** Leader election off unless asked for: nothing restarts a leader that lost its Lease here. */
const controllerArgs = extraArgs.some((arg) => arg.startsWith('--leader-elect='))
  ? extraArgs
  : ['--leader-elect=false', ...extraArgs];
const leaderElection = !controllerArgs.includes('--leader-elect=false');
const replicas = 5;
const pausesMs = 4000;
const setWeights = [20, undefined, 60, undefined];
const revisionAnnotation = 'rollout.bellwether.dev/revision';
const podsPerNode = 5000;
const group = 'bellwether.dev';
const version = 'v1alpha1';
const mib = 1024 * 1024;

const say = (text: string) => process.stdout.write(`${text}\n`);
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms) / 1000);
const round = (n: number | undefined, digits = 2) =>
  n === undefined ? undefined : Math.round(n * 10 ** digits) / 10 ** digits;

// ---- the controller process, from /proc ----

const clockTicks = 100; // USER_HZ on Linux

function procStatus(pid: number): { rss: number; hwm: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  // fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpuSeconds };
}

/** The environment without NODE_OPTIONS (tsx passes its loader to children through it). */
function withoutLoader(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _loader, ...rest } = env;
  return rest;
}

/** The controller's command line as /proc shows it (the figures are of the compiled build). */
function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

/** The 1-, 5- and 15-minute load averages, rounded: the machine is shared. */
const load = () => loadavg().map((n) => round(n, 1) ?? 0);

class Controller {
  private child: ChildProcess | undefined;
  constructor(
    private readonly kubeconfig: string,
    private readonly namespace: string,
    readonly healthPort: number,
    readonly metricsPort: number,
  ) {}

  start(logFile: string): number {
    const log = createWriteStream(logFile, { flags: 'w' });
    this.child = spawn(
      process.execPath,
      [
        ...deployedNodeFlags(),
        join(repoRoot, 'bin', 'bellwether.js'),
        'controller',
        '--kubeconfig',
        this.kubeconfig,
        '--namespace',
        this.namespace,
        '--leader-election-namespace',
        this.namespace,
        '--health-addr',
        `127.0.0.1:${this.healthPort}`,
        '--metrics-addr',
        `127.0.0.1:${this.metricsPort}`,
        ...controllerArgs,
      ],
      // plain node on the compiled dist/ (bin/bellwether.js): nothing of the bench's tsx loader
      { stdio: ['ignore', 'pipe', 'pipe'], env: withoutLoader(process.env) },
    );
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    if (this.child.pid === undefined) throw new Error('could not start the controller');
    return this.child.pid;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error('controller not started');
    return this.child.pid;
  }

  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined)
        throw new Error(`controller exited with ${this.child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await sleep(250);
    }
    throw new Error('controller not ready in time');
  }

  async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, {
      signal: AbortSignal.timeout(60_000),
    });
    return response.text();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<boolean>((resolve) =>
      child.once('exit', () => {
        resolve(true);
      }),
    );
    child.kill('SIGTERM');
    if (!(await Promise.race([exited, sleep(20_000).then(() => false)]))) child.kill('SIGKILL');
  }
}

// ---- what the bench observes: its own watches of the namespace ----

interface RolloutTimes {
  updatedAt?: number;
  healthyAt?: number;
  doneAt?: number;
  generation?: number;
  resourceVersion?: string;
  /** What the controller wrote for the update (generation 2 on): status and ReplicaSet writes. */
  writes: ObservedWrite[];
}

class Observer {
  readonly rollouts: ResilientInformer<RolloutObject & KubernetesObject>;
  readonly replicaSets: ResilientInformer<V1ReplicaSet>;
  readonly times = new Map<string, RolloutTimes>();
  /** Per ReplicaSet name: its owner and when it changed between settled and not. */
  readonly rsStates = new Map<
    string,
    {
      owner: string;
      generation: number;
      old: boolean;
      replicas: number;
      states: { t: number; settled: boolean }[];
    }
  >();
  lastEventAt = Date.now();
  /** Every write of the update to Rollout r0, with what it changed: the figures' worked example. */
  readonly example: string[] = [];
  private exampleStatus: object = {};
  firstHealthyAt: number | undefined;
  healthy = 0;
  done = 0;

  constructor(kc: KubeConfig, namespace: string) {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const apps = kc.makeApiClient(AppsV1Api);
    const log = createLogger('warn', { component: 'bench' });
    this.rollouts = new ResilientInformer<RolloutObject & KubernetesObject>(
      kc,
      {
        name: 'bench-rollouts',
        path: `/apis/${group}/${version}/namespaces/${namespace}/rollouts`,
        list: async ({ limit, continueToken }) =>
          (await custom.listNamespacedCustomObject({
            group,
            version,
            namespace,
            plural: 'rollouts',
            limit,
            _continue: continueToken,
          })) as KubernetesListObject<RolloutObject & KubernetesObject>,
        transform: slimObject,
      },
      (ro) => {
        this.onRollout(ro);
      },
      log,
    );
    this.replicaSets = new ResilientInformer<V1ReplicaSet>(
      kc,
      {
        name: 'bench-replicasets',
        path: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
        list: ({ limit, continueToken }) =>
          apps.listNamespacedReplicaSet({ namespace, limit, _continue: continueToken }),
        transform: slimReplicaSet,
        indexBy: controllerUid,
      },
      (rs) => {
        this.onReplicaSet(rs);
      },
      log,
    );
  }

  async start(): Promise<void> {
    await Promise.all([this.rollouts.start(), this.replicaSets.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.rollouts.stop(), this.replicaSets.stop()]);
  }

  private entry(name: string): RolloutTimes {
    let times = this.times.get(name);
    if (!times) this.times.set(name, (times = { writes: [] }));
    return times;
  }

  private onRollout(ro: RolloutObject): void {
    const now = Date.now();
    this.lastEventAt = now;
    const status = ro.status;
    this.noteStatusWrite(ro);
    const current = status?.observedGeneration === ro.metadata.generation;
    const healthy = status?.phase === 'Healthy' && current && status.stableRS === status.currentPodHash;
    if (!healthy) return;
    const times = this.entry(ro.metadata.name);
    if (times.healthyAt === undefined) {
      times.healthyAt = now;
      this.healthy++;
      this.firstHealthyAt ??= now;
    }
    if (times.updatedAt !== undefined && times.doneAt === undefined && (ro.metadata.generation ?? 0) > 1) {
      times.doneAt = now;
      this.done++;
    }
  }

  /**
   * A new resourceVersion at the same generation is a status write: only the controller writes
   * a Rollout's status, and the bench's own spec patch moves the generation.
   */
  private noteStatusWrite(ro: RolloutObject): void {
    const times = this.entry(ro.metadata.name);
    const { generation, resourceVersion } = ro.metadata;
    if (
      (generation ?? 0) >= 2 &&
      generation === times.generation &&
      resourceVersion !== times.resourceVersion
    ) {
      times.writes.push({ kind: 'status', step: ro.status?.currentStepIndex ?? 0 });
      if (ro.metadata.name === 'r0')
        this.noteExample(times, `status ${describeChange(this.exampleStatus, ro.status ?? {})}`);
    }
    if (ro.metadata.name === 'r0') this.exampleStatus = ro.status ?? {};
    times.generation = generation;
    times.resourceVersion = resourceVersion;
  }

  private onReplicaSet(rs: V1ReplicaSet): void {
    const now = Date.now();
    this.lastEventAt = now;
    const name = rs.metadata?.name ?? '';
    const owner = rs.metadata?.ownerReferences?.find((r) => r.controller)?.name ?? '';
    const want = rs.spec?.replicas ?? 0;
    const settled = (rs.status?.replicas ?? 0) === want && (rs.status?.availableReplicas ?? 0) === want;
    const generation = rs.metadata?.generation ?? 0;
    let entry = this.rsStates.get(name);
    const created = !entry;
    const old = Number(rs.metadata?.annotations?.[revisionAnnotation] ?? 0) < 2;
    if (!entry) this.rsStates.set(name, (entry = { owner, generation, old, replicas: want, states: [] }));
    entry.replicas = want;
    if (entry.states.at(-1)?.settled !== settled) entry.states.push({ t: now, settled });
    // a spec write moves the generation (the ReplicaSet controller writes only status)
    if (created || generation !== entry.generation) this.noteReplicaSetWrite(rs, owner, created);
    entry.generation = generation;
  }

  private noteReplicaSetWrite(rs: V1ReplicaSet, owner: string, created: boolean): void {
    const times = this.times.get(owner);
    if ((times?.generation ?? 0) < 2 || !times) return;
    const version = Number(rs.metadata?.annotations?.[revisionAnnotation] ?? 0) >= 2 ? 'new' : 'old';
    times.writes.push({ kind: 'replicaset', version, replicas: rs.spec?.replicas ?? 0, created });
    if (owner === 'r0')
      this.noteExample(
        times,
        `${created ? 'create' : 'scale'} ${version} ReplicaSet to ${rs.spec?.replicas ?? 0}`,
      );
  }

  private noteExample(times: RolloutTimes, what: string): void {
    const at = times.updatedAt === undefined ? '?' : ((Date.now() - times.updatedAt) / 1000).toFixed(1);
    this.example.push(`+${at}s ${what}`);
  }

  /** After the update: how many old ReplicaSets still ask for pods (scaleDownDelaySeconds). */
  get oldReplicaSetsUp(): number {
    let up = 0;
    for (const entry of this.rsStates.values()) if (entry.old && entry.replicas > 0) up++;
    return up;
  }

  /** Per Rollout, the settled/unsettled history of each of its ReplicaSets. */
  statesByRollout(): Map<string, { t: number; settled: boolean }[][]> {
    const byOwner = new Map<string, { t: number; settled: boolean }[][]>();
    for (const { owner, states } of this.rsStates.values()) {
      let list = byOwner.get(owner);
      if (!list) byOwner.set(owner, (list = []));
      list.push(states);
    }
    return byOwner;
  }
}

/** The status fields a write changed, with the step and phase after it. */
function describeChange(before: object, after: NonNullable<RolloutObject['status']>): string {
  const patch = mergePatch(before, after) ?? {};
  const outbox = after.outbox?.map((e) => e.reason).join(',');
  return `step ${after.currentStepIndex ?? '-'} ${after.phase ?? ''}: ${Object.keys(patch).join(' ')}${outbox ? ` (outbox ${outbox})` : ''}`;
}

// ---- the workload ----

function rollout(i: number) {
  const name = `r${i}`;
  return {
    apiVersion: `${group}/${version}`,
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'bench:1' }] },
      },
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { pause: { duration: '2s' } },
            { setWeight: 60 },
            { pause: { duration: '2s' } },
          ],
        },
      },
    },
  };
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at a time. */
/** Runs task(0..n-1), `concurrency` at a time, starting none after `deadline`; how many ran. */
async function pool(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
  deadline = Infinity,
): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n && Date.now() < deadline) {
        const i = next++;
        await task(i);
      }
    }),
  );
  return next;
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number, progress: () => string) {
  const started = Date.now();
  let lastReport = started;
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      say(`  gave up waiting for ${what} after ${Math.round(timeoutMs / 60_000)} min: ${progress()}`);
      return false;
    }
    if (Date.now() - lastReport > 30_000) {
      say(`  ... ${progress()} (${Math.round((Date.now() - started) / 1000)}s)`);
      lastReport = Date.now();
    }
    await sleep(200);
  }
  return true;
}

/** Waits until the bench's watches have seen nothing for `quietMs` (the last writes have landed). */
async function settle(observer: Observer, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() - observer.lastEventAt < quietMs && Date.now() < deadline) await sleep(500);
}

/** What the bench writes; a field is missing when its phase did not get that far. */
interface ScaleResults {
  date: string;
  node: string;
  rollouts: number;
  replicasPerRollout: number;
  steps: string;
  controllerArgs: string[];
  /** False by default (--leader-elect=false): the bench does not restart a controller that exits. */
  leaderElection: boolean;
  /** BENCH_NAMESPACE: the Rollouts were left by an earlier run and only synced (a restart at scale). */
  existingNamespace?: string;
  plane: string;
  complete: boolean;
  controllerRssEmptyMiB?: number;
  /** Rollouts created: fewer than `rollouts` when the sync phase's time ran out first. */
  created?: number;
  createSeconds?: number;
  timeToFirstHealthySeconds?: number;
  timeToAllHealthySeconds?: number;
  healthyAfterCreate?: number;
  cpuSecondsToSync?: number;
  controllerRssAfterSyncMiB?: number;
  memoryPerRolloutKiB?: number;
  createPhaseRequestsPerRollout?: Record<string, number>;
  updatePatchSeconds?: number;
  doneAfterUpdate?: number;
  timeForAllToFinishNewVersionSeconds?: number;
  cpuSecondsDuringRollout?: number;
  peakRssMiB?: number;
  /** From the update to the last old ReplicaSet at zero (the end plus scaleDownDelaySeconds). */
  oldVersionsScaledDownSeconds?: number;
  canaryWallTime?: Record<string, number | string | undefined>;
  updatePhaseRequestsPerRollout?: Record<string, number>;
  writesPerRolloutUpdate?: number;
  eventsPerRolloutUpdate?: number;
  /** From the bench's watches: status and ReplicaSet writes per Rollout, by the step they carried out. */
  writesByStep?: Record<string, number>;
  writesPerSetWeightStep?: number;
  /** The same writes counted from the watches, per Rollout (a check on the metric's count). */
  observedWritesPerRolloutUpdate?: number;
  /** Rollout r0's update, write by write (the bench's watches; Events not included). */
  exampleWrites?: string[];
  loadAverage?: Record<string, number[]>;
  controllerCommand?: string;
  eventToWriteP50Ms?: number;
  eventToWriteP99Ms?: number;
  queueWaitP50Ms?: number;
  queueWaitP99Ms?: number;
  reconcileP50Ms?: number;
  reconcileP99Ms?: number;
  idleRssStartMiB?: number;
  idleRssMiB?: number;
  soakMinutes?: number;
  soakRssSlopeMiBPerMinute?: number;
  /** RSS every 10 s of the soak. */
  soakRssSamplesMiB?: number[];
  idleWrites?: number;
  idleLeaseWrites?: number;
  idleRequests?: Record<string, number>;
  idleCpuSeconds?: number;
}

/** What every phase works with. */
interface Run {
  controller: Controller;
  observer: Observer;
  custom: CustomObjectsApi;
  namespace: string;
  pid: number;
  results: ScaleResults;
  save: () => void;
}

const text = (value: number | string | undefined) => (value === undefined ? '?' : String(value));

function perRollout(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => [key, round(n / rolloutCount, 3) ?? 0]),
  );
}

/** What a phase ends with: the metrics scrape after it, and whether every Rollout got there. */
interface PhaseEnd {
  metrics: string;
  finished: boolean;
}

/** (1) N Rollouts created and brought to Healthy. */
async function syncPhase(run: Run, metricsBefore: string, emptyRss: number): Promise<PhaseEnd> {
  const { custom, namespace, observer, results, pid } = run;
  say(
    existingNamespace
      ? `syncing the ${rolloutCount} Rollouts of ${namespace}...`
      : `creating ${rolloutCount} Rollouts...`,
  );
  const createStart = Date.now();
  const cpuCreate = procStatus(pid).cpuSeconds;
  // the phase's time limit counts from the first POST: at N=10,000 the creates alone can take it
  const phaseDeadline = createStart + phaseTimeoutMs;
  const created = existingNamespace
    ? rolloutCount
    : await pool(
        rolloutCount,
        64,
        async (i) => {
          await custom.createNamespacedCustomObject({
            group,
            version,
            namespace,
            plural: 'rollouts',
            body: rollout(i),
          });
        },
        phaseDeadline,
      );
  results.created = created;
  results.createSeconds = seconds(Date.now() - createStart);
  const allCreatedHealthy = await waitUntil(
    'all Rollouts Healthy',
    () => observer.healthy >= created,
    Math.max(0, phaseDeadline - Date.now()),
    () => `${observer.healthy}/${created} Healthy (${rolloutCount} wanted)`,
  );
  const allHealthy = allCreatedHealthy && created === rolloutCount;
  const syncedAt = Date.now();
  // Rollouts left Healthy by an earlier run are Healthy before this phase starts
  results.timeToFirstHealthySeconds = existingNamespace
    ? undefined
    : seconds((observer.firstHealthyAt ?? NaN) - createStart);
  results.timeToAllHealthySeconds = allHealthy ? seconds(syncedAt - createStart) : undefined;
  results.healthyAfterCreate = observer.healthy;
  results.loadAverage = { ...results.loadAverage, sync: load() };
  say(
    `first Healthy after ${text(results.timeToFirstHealthySeconds)}s; ${observer.healthy}/${rolloutCount} Healthy after ${text(seconds(syncedAt - createStart))}s`,
  );
  await settle(observer, 10_000, 120_000);
  const synced = procStatus(pid);
  results.cpuSecondsToSync = round(synced.cpuSeconds - cpuCreate);
  results.controllerRssAfterSyncMiB = round(synced.rss / mib, 1);
  results.memoryPerRolloutKiB = round((synced.rss - emptyRss) / 1024 / Math.max(created, 1), 1);
  const metrics = await run.controller.metrics();
  results.createPhaseRequestsPerRollout = perRollout(
    countDelta(requestCounts(metricsBefore), requestCounts(metrics)),
  );
  say(
    `controller RSS after sync: ${text(results.controllerRssAfterSyncMiB)} MiB (${text(results.memoryPerRolloutKiB)} KiB per Rollout)`,
  );
  run.save();
  return { metrics, finished: allHealthy };
}

/** (2) Every image changed at once; waits until all N finished the canary. */
async function updatePhase(run: Run, metricsBefore: string): Promise<PhaseEnd> {
  const { custom, namespace, observer, results, pid } = run;
  say(`updating all ${rolloutCount} Rollouts...`);
  const cpuBefore = procStatus(pid).cpuSeconds;
  const updateStart = Date.now();
  const patch = { spec: { template: { spec: { containers: [{ name: 'app', image: 'bench:2' }] } } } };
  await pool(rolloutCount, 64, async (i) => {
    await custom.patchNamespacedCustomObject(
      { group, version, namespace, plural: 'rollouts', name: `r${i}`, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const times = observer.times.get(`r${i}`);
    if (times) times.updatedAt = Date.now();
  });
  results.updatePatchSeconds = seconds(Date.now() - updateStart);
  const allDone = await waitUntil(
    'all Rollouts through the canary',
    () => observer.done >= rolloutCount,
    phaseTimeoutMs,
    () => `${observer.done}/${rolloutCount} on the new version`,
  );
  const updateEnd = Date.now();
  const afterUpdate = procStatus(pid);
  results.doneAfterUpdate = observer.done;
  results.loadAverage = { ...results.loadAverage, update: load() };
  results.timeForAllToFinishNewVersionSeconds = allDone ? seconds(updateEnd - updateStart) : undefined;
  results.cpuSecondsDuringRollout = round(afterUpdate.cpuSeconds - cpuBefore);
  results.peakRssMiB = round(afterUpdate.hwm / mib, 1);
  results.canaryWallTime = canaryWallTime(observer, updateStart, updateEnd);
  // the old version goes to zero scaleDownDelaySeconds (30 s) after the end: part of the update
  if (allDone)
    await waitUntil(
      'the old versions scaled down',
      () => observer.oldReplicaSetsUp === 0,
      phaseTimeoutMs,
      () => `${observer.oldReplicaSetsUp} old ReplicaSets with pods`,
    );
  results.oldVersionsScaledDownSeconds = seconds(Date.now() - updateStart);
  await settle(observer, 10_000, 120_000);
  const metrics = await run.controller.metrics();
  const requests = countDelta(requestCounts(metricsBefore), requestCounts(metrics));
  const writes = writesIn(requests, ['leases']);
  results.updatePhaseRequestsPerRollout = perRollout(requests);
  results.writesPerRolloutUpdate = round(writes / rolloutCount);
  results.eventsPerRolloutUpdate = round((requests['create events'] ?? 0) / rolloutCount);
  Object.assign(results, stepWrites(observer));
  results.exampleWrites = observer.example;
  /** p50 and p99 of a histogram over the update, in ms. */
  const quantilesMs = (name: string) => {
    const pair = [histogramBuckets(metricsBefore, name), histogramBuckets(metrics, name)] as const;
    return [0.5, 0.99].map((q) => round((histogramQuantile(q, ...pair) ?? NaN) * 1000, 1));
  };
  [results.eventToWriteP50Ms, results.eventToWriteP99Ms] = quantilesMs('bellwether_event_to_write_seconds');
  // Where the event-to-write time goes: waiting for a worker, or the reconcile itself.
  [results.queueWaitP50Ms, results.queueWaitP99Ms] = quantilesMs('bellwether_workqueue_wait_seconds');
  [results.reconcileP50Ms, results.reconcileP99Ms] = quantilesMs('bellwether_reconcile_duration_seconds');
  say(
    `${observer.done}/${rolloutCount} on the new version after ${text(seconds(updateEnd - updateStart))}s (required ${text(results.canaryWallTime.requiredSeconds)}s); CPU ${text(results.cpuSecondsDuringRollout)}s; peak RSS ${text(results.peakRssMiB)} MiB`,
  );
  say(
    `writes per Rollout update ${text(results.writesPerRolloutUpdate)} (${text(results.eventsPerRolloutUpdate)} Events), per setWeight step ${text(results.writesPerSetWeightStep)} (by step: ${JSON.stringify(results.writesByStep)}); event-to-write p50 ${text(results.eventToWriteP50Ms)} ms, p99 ${text(results.eventToWriteP99Ms)} ms (queue wait p50 ${text(results.queueWaitP50Ms)}, p99 ${text(results.queueWaitP99Ms)} ms; reconcile p50 ${text(results.reconcileP50Ms)}, p99 ${text(results.reconcileP99Ms)} ms)`,
  );
  run.save();
  return { metrics, finished: allDone };
}

/**
 * Writes per step, from the bench's watches (scale-figures.ts writesByStep), averaged over the
 * Rollouts that finished: status and ReplicaSet writes, Events not included (they are counted by
 * the metric, per update).
 */
function stepWrites(observer: Observer) {
  const totals = new Map<number, number>();
  let finished = 0;
  let observed = 0;
  for (const times of observer.times.values()) {
    if (times.doneAt === undefined) continue;
    finished++;
    observed += times.writes.length;
    for (const [step, n] of writesByStep(times.writes, setWeights, replicas))
      totals.set(step, (totals.get(step) ?? 0) + n);
  }
  const label = (step: number) =>
    step >= setWeights.length
      ? `${step} completion`
      : `${step} ${setWeights[step] === undefined ? 'pause' : `setWeight ${setWeights[step]}`}`;
  const perStep = [...totals.keys()]
    .sort((a, b) => a - b)
    .map((step) => [step, (totals.get(step) ?? 0) / Math.max(finished, 1)] as const);
  const setWeightTotals = perStep.filter(([step]) => setWeights[step] !== undefined).map(([, n]) => n);
  return {
    writesByStep: Object.fromEntries(perStep.map(([step, n]) => [label(step), round(n) ?? 0])),
    writesPerSetWeightStep: round(
      setWeightTotals.reduce((a, b) => a + b, 0) / Math.max(setWeightTotals.length, 1),
    ),
    observedWritesPerRolloutUpdate: round(observed / Math.max(finished, 1)),
  };
}

/**
 * The wall-time goal: every Rollout's own floor is the pauses plus the time its pods took (from the
 * bench's watch of its ReplicaSets), counted from the moment its update was accepted.
 */
function canaryWallTime(observer: Observer, updateStart: number, updateEnd: number) {
  const floors: number[] = [];
  const overheads: number[] = [];
  let required = 0;
  const states = observer.statesByRollout();
  for (const [name, t] of observer.times) {
    if (t.updatedAt === undefined || t.doneAt === undefined) continue;
    const floor = pausesMs + podWaitMs(states.get(name) ?? [], t.updatedAt, t.doneAt);
    floors.push(floor);
    overheads.push(t.doneAt - t.updatedAt - floor);
    required = Math.max(required, t.updatedAt - updateStart + floor);
  }
  return {
    allNSeconds: seconds(updateEnd - updateStart),
    requiredSeconds: seconds(required),
    ratio: round((updateEnd - updateStart) / required),
    goal: 'ratio <= 1.2 (pauses + pod start-up + 20%)',
    perRolloutFloorP50Seconds: seconds(quantile(floors, 0.5)),
    perRolloutOverheadP50Seconds: seconds(quantile(overheads, 0.5)),
    perRolloutOverheadP99Seconds: seconds(quantile(overheads, 0.99)),
  };
}

/**
 * (3) Nothing changes for soakMs: RSS every 10 s, its slope, and what the controller sent
 * meanwhile. Also run after a phase that timed out (then the Rollouts are not all idle, and the
 * results say `complete: false`), so a large N still reports memory over time.
 */
async function soakPhase(run: Run, metricsBefore: string, previousFinished: boolean): Promise<void> {
  const { results, pid } = run;
  say(`idle soak for ${soakMs / 60_000} min...`);
  const cpuBefore = procStatus(pid).cpuSeconds;
  const soakStart = Date.now();
  const samples: { t: number; value: number }[] = [];
  while (Date.now() - soakStart < soakMs) {
    samples.push({ t: Date.now() - soakStart, value: procStatus(pid).rss / mib });
    await sleep(Math.min(10_000, Math.max(0, soakMs - (Date.now() - soakStart))));
  }
  samples.push({ t: Date.now() - soakStart, value: procStatus(pid).rss / mib });
  const end = procStatus(pid);
  const requests = countDelta(requestCounts(metricsBefore), requestCounts(await run.controller.metrics()));
  results.idleRssStartMiB = round(samples[0]?.value, 1);
  results.idleRssMiB = round(end.rss / mib, 1);
  results.soakMinutes = soakMs / 60_000;
  results.soakRssSlopeMiBPerMinute = round(slopePerMinute(samples), 3);
  // the samples themselves: a garbage-collected heap saw-tooths, and a fit over few teeth tilts
  results.soakRssSamplesMiB = samples.map((sample) => round(sample.value, 1) ?? 0);
  results.idleWrites = writesIn(requests, ['leases']);
  results.idleLeaseWrites = writesIn(requests) - writesIn(requests, ['leases']);
  results.idleRequests = requests;
  results.idleCpuSeconds = round(end.cpuSeconds - cpuBefore);
  results.loadAverage = { ...results.loadAverage, soak: load() };
  results.peakRssMiB = round(end.hwm / mib, 1);
  results.complete = previousFinished;
  say(
    `idle: RSS ${text(results.idleRssStartMiB)} -> ${text(results.idleRssMiB)} MiB over ${results.soakMinutes} min (slope ${text(results.soakRssSlopeMiBPerMinute)} MiB/min); writes ${results.idleWrites} (+${results.idleLeaseWrites} Lease renewals)`,
  );
  run.save();
}

async function main(): Promise<void> {
  const external = process.env.KUBECONFIG;
  const useExternal = external !== undefined && (await answers(external));
  const nodes = Math.ceil((rolloutCount * (replicas + 3)) / podsPerNode);
  const kubeconfig = useExternal
    ? external
    : (await up({ scale: { nodes, podsPerNode } }), layout.kubeconfig);
  const loaded = new KubeConfig();
  loaded.loadFromFile(kubeconfig);
  // keep-alive for the bench's own requests too; no rate limit
  const kc = new GatedKubeConfig(loaded, {});
  await installCrds(kc, join(repoRoot, 'crds'));
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = existingNamespace ?? `bench-scale-${Math.random().toString(36).slice(2, 7)}`;
  if (!existingNamespace) await core.createNamespace({ body: { metadata: { name: namespace } } });
  mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
  const resultFile = join(repoRoot, 'bench-results', `scale-${rolloutCount}.json`);
  const results: ScaleResults = {
    date: new Date().toISOString(),
    node: process.version,
    rollouts: rolloutCount,
    replicasPerRollout: replicas,
    steps: 'setWeight 20, pause 2s, setWeight 60, pause 2s',
    controllerArgs,
    leaderElection,
    ...(existingNamespace ? { existingNamespace } : {}),
    plane: useExternal
      ? 'external KUBECONFIG'
      : `local plane, ${nodes} kwok nodes of ${podsPerNode} pods (+2 of 110)`,
    complete: false,
  };
  const save = () => {
    writeFileSync(resultFile, JSON.stringify(results, null, 2) + '\n');
  };
  say(`bench:scale: ${rolloutCount} Rollouts in namespace ${namespace}; results in ${resultFile}`);

  const controller = new Controller(kubeconfig, namespace, await freePort(), await freePort());
  const observer = new Observer(kc, namespace);
  try {
    const pid = controller.start(join(repoRoot, 'bench-results', `scale-${rolloutCount}-controller.log`));
    await controller.ready(300_000);
    await observer.start();
    await sleep(5000);
    const empty = procStatus(pid);
    results.controllerCommand = commandLine(pid).replace(repoRoot, '.');
    results.loadAverage = { start: load() };
    results.controllerRssEmptyMiB = round(empty.rss / mib, 1);
    const run: Run = {
      controller,
      observer,
      custom: kc.makeApiClient(CustomObjectsApi),
      namespace,
      pid,
      results,
      save,
    };
    const synced = await syncPhase(run, await controller.metrics(), empty.rss);
    const updated = synced.finished && runUpdate ? await updatePhase(run, synced.metrics) : synced;
    await soakPhase(run, updated.metrics, synced.finished && updated.finished);
  } finally {
    save();
    await controller.stop();
    await observer.stop();
    // the namespace goes in the background: the garbage collector removes thousands of objects
    if (!existingNamespace) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  say(JSON.stringify(results, null, 2));
  say(`written to ${resultFile}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
