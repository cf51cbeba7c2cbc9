import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeNodes } from '../cluster/plane.ts';
import { startPrometheus } from '../prometheus/server.ts';
import { ControllerProcess } from '../../test/support/controller-process.ts';
import { check, type Counts, type RolloutExpectation } from './checker.ts';
import { TortureCluster } from './cluster-io.ts';
import { inflict, type FaultTally } from './faults.ts';
import type { HistoryRecord, StatusView } from './history.ts';
import { analysisTemplate, rollout, supportingObjects } from './manifests.ts';
import { MetricsFleet } from './metrics-fleet.ts';
import { operate } from './operators.ts';
import { retrying, sleep } from './retry.ts';
import { expectedOutcome, scenario, type RolloutPlan, type ScenarioOptions } from './scenario.ts';
import { WatchLog } from './watch-log.ts';

/**
 * The torture run: Rollouts of every strategy with analysis against a real Prometheus, released
 * at seeded random instants while the controller is SIGKILLed, the kube-apiserver and Prometheus
 * are restarted and operators promote and abort; then every Rollout's end state, Events, status
 * history and AnalysisRuns are checked (checker.ts). Writes its files under `outDir`.
 */
export interface TortureOptions extends ScenarioOptions {
  kubeconfig: string;
  outDir: string;
  /** After the window, how long the Rollouts may take to settle. */
  settleTimeoutMs: number;
  scrapeIntervalMs: number;
  log: (line: string) => void;
}

export interface TortureReport {
  seed: number;
  rollouts: number;
  byStrategy: Record<string, number>;
  bad: number;
  operatorActions: { promote: number; abort: number };
  planned: { kills: number; apiServerRestarts: number; prometheusRestarts: number };
  done: FaultTally;
  counts: Counts;
  wallTimeSeconds: number;
  settled: boolean;
  watchGaps: number;
  /** What the checks looked at: status versions and outbox entries watched, Events, AnalysisRuns. */
  observed: { statusVersions: number; outboxEntries: number; events: number; analysisRuns: number };
  operatorCommands: number;
  details: Record<keyof Counts, string[]>;
}

/** The analysis gate of each strategy (manifests.ts): canary steps[2], A/B steps[1], blue-green pre-promotion. */
function gateOf(plan: RolloutPlan): RolloutExpectation['gate'] {
  switch (plan.strategy) {
    case 'canary':
    case 'canary-router':
      return { step: 2 };
    case 'ab-test':
      return { step: 1 };
    case 'blue-green':
      return 'prePromotion';
    case 'rolling':
      return undefined;
  }
}

/** Settled: the new version stable and Healthy, or Degraded; and every Event delivered. */
function settled(s: StatusView | undefined, oldHash: string): boolean {
  if (!s || s.outbox?.length) return false;
  if (s.phase === 'Degraded') return true;
  return s.phase === 'Healthy' && s.stableRS === s.currentPodHash && s.stableRS !== oldHash;
}

export async function runTorture(options: TortureOptions): Promise<TortureReport> {
  const started = Date.now();
  const plan = scenario(options);
  mkdirSync(options.outDir, { recursive: true });
  const log = (line: string) => {
    options.log(line);
    appendFileSync(join(options.outDir, 'driver.log'), `${new Date().toISOString()} ${line}\n`);
  };
  const namespace = `torture-${String(options.seed)}-${Math.random().toString(36).slice(2, 6)}`;
  const cluster = new TortureCluster(options.kubeconfig, namespace);
  await cluster.createNamespace();
  // room for 2-4 pods of every Rollout besides the plane's two 110-pod nodes
  createFakeNodes([{ name: 'kwok-torture', pods: Math.max(110, options.rollouts * 6) }]);
  const prometheus = await startPrometheus({ scrapeIntervalMs: options.scrapeIntervalMs });
  const fleet = new MetricsFleet(cluster.apps, namespace, prometheus);
  fleet.start();
  const controller = new ControllerProcess(options.kubeconfig, `torture-controller-${namespace}`, [
    '--namespace',
    namespace,
    '--leader-elect=false',
  ]);
  const watchLog = new WatchLog(cluster.kc, namespace, join(options.outDir, 'watch-log.jsonl'));
  const tally: FaultTally = { kills: 0, apiServerRestarts: 0, prometheusRestarts: 0 };
  let stopped = false;
  let operatorCommands = 0;
  try {
    await cluster.create(analysisTemplate(namespace, prometheus.url));
    for (const p of plan.rollouts) for (const obj of supportingObjects(p)) await cluster.create(obj);
    await watchLog.start();
    controller.start();
    for (const p of plan.rollouts) await cluster.create(rollout(p));
    log(`${String(plan.rollouts.length)} Rollouts created in ${namespace}; waiting for v1 to be Healthy`);
    const oldHashes = await waitForFirstVersion(cluster, plan.rollouts);
    log(
      `all on v1 after ${secondsSince(started)}s; the fault window opens (${String(options.windowMs / 1000)}s)`,
    );

    const windowStart = Date.now();
    const at = (ms: number) => sleep(Math.max(0, windowStart + ms - Date.now()));
    const releases = plan.rollouts.map(async (p) => {
      await at(p.updateAtMs);
      await cluster.release(p);
      await operate(p, oldHashes.get(p.name) ?? '', {
        kubeconfig: options.kubeconfig,
        namespace,
        status: (name) => Promise.resolve(watchLog.latest.get(name)),
        stopped: () => stopped,
        log: (line) => {
          operatorCommands++;
          log(line);
        },
      });
    });
    const faults = (async () => {
      for (const fault of plan.faults) {
        await at(fault.atMs);
        log(
          `fault: ${fault.kind}${fault.kind === 'kill-controller' ? ` (down ${String(fault.downMs)}ms)` : ''}`,
        );
        await inflict(fault, { controller, prometheus }, tally);
      }
    })();
    await faults;
    log(
      `faults done after ${secondsSince(started)}s: ${JSON.stringify(tally)}; waiting for the Rollouts to settle`,
    );
    const isSettled = await waitUntilSettled(cluster, oldHashes, options.settleTimeoutMs);
    stopped = true;
    await Promise.all(releases);
    watchLog.stop();
    const final = await cluster.statuses();
    const history = [...watchLog.records, ...(await cluster.runs())];
    const events = await cluster.events();
    const verdict = check({
      expectations: plan.rollouts.map((p) => ({
        name: p.name,
        outcome: expectedOutcome(p),
        gate: gateOf(p),
        oldHash: oldHashes.get(p.name) ?? '',
      })),
      history,
      events,
      final,
    });
    const report: TortureReport = {
      seed: options.seed,
      rollouts: plan.rollouts.length,
      byStrategy: countBy(plan.rollouts.map((p) => p.strategy)),
      bad: plan.rollouts.filter((p) => p.bad).length,
      operatorActions: {
        promote: plan.rollouts.filter((p) => p.operator === 'promote').length,
        abort: plan.rollouts.filter((p) => p.operator === 'abort').length,
      },
      planned: {
        kills: options.kills,
        apiServerRestarts: options.apiServerRestarts,
        prometheusRestarts: options.prometheusRestarts,
      },
      done: tally,
      counts: verdict.counts,
      wallTimeSeconds: Number(secondsSince(started)),
      settled: isSettled,
      watchGaps: watchLog.records.filter((r) => r.kind === 'gap').length,
      observed: observed(history, events.length),
      operatorCommands,
      details: verdict.details,
    };
    writeFileSync(join(options.outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    stopped = true;
    watchLog.stop();
    await controller.stop();
    await fleet.stop();
    await prometheus.stop();
    await cluster.deleteNamespace();
  }
}

async function waitForFirstVersion(
  cluster: TortureCluster,
  plans: RolloutPlan[],
): Promise<Map<string, string>> {
  return retrying(
    'every Rollout Healthy on v1',
    async () => {
      const statuses = await cluster.statuses();
      const hashes = new Map<string, string>();
      for (const p of plans) {
        const s = statuses.get(p.name);
        if (s?.phase !== 'Healthy' || !s.stableRS || s.outbox?.length)
          throw new Error(`${p.name} not Healthy yet`);
        hashes.set(p.name, s.stableRS);
      }
      return hashes;
    },
    900_000,
  );
}

async function waitUntilSettled(
  cluster: TortureCluster,
  oldHashes: Map<string, string>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const statuses = await cluster.statuses();
    if ([...oldHashes].every(([name, old]) => settled(statuses.get(name), old))) return true;
    await sleep(3000);
  }
  return false;
}

function observed(history: HistoryRecord[], events: number): TortureReport['observed'] {
  const rollouts = history.filter((r) => r.kind === 'rollout');
  const outbox = new Set(rollouts.flatMap((r) => (r.status.outbox ?? []).map((e) => `${r.name}/${e.id}`)));
  const runs = new Set(history.flatMap((r) => (r.kind === 'run' ? [r.name] : [])));
  return { statusVersions: rollouts.length, outboxEntries: outbox.size, events, analysisRuns: runs.size };
}

function secondsSince(t: number): string {
  return ((Date.now() - t) / 1000).toFixed(0);
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
