/**
 * `npm run torture`: the full torture run on the local plane (started if it is not running).
 * Prints the seed, the faults, every count and the wall time, writes them to
 * test-results/torture-<seed>/report.json, and exits 1 unless every count is 0.
 *
 *   --seed N               replay a run (default: a fresh seed, printed)
 *   --rollouts 100         Rollouts, spread over canary, canary with a router, blue-green, A/B, rolling
 *   --kills 50             controller SIGKILLs
 *   --apiserver-restarts 2 --prometheus-restarts 1
 *   --window-minutes 20    releases and faults happen within this window
 *   --settle-minutes 15    then the Rollouts have this long to settle
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../src/install/apply.ts';
import { layout, repoRoot } from '../cluster/layout.ts';
import { up } from '../cluster/plane.ts';
import { installThirdPartyCrds } from '../cluster/third-party-crds.ts';
import buildIfStale from '../../test/support/compiled-build.ts';
import { runTorture, type TortureReport } from './driver.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    rollouts: { type: 'string', default: '100' },
    kills: { type: 'string', default: '50' },
    'apiserver-restarts': { type: 'string', default: '2' },
    'prometheus-restarts': { type: 'string', default: '1' },
    'window-minutes': { type: 'string', default: '20' },
    'settle-minutes': { type: 'string', default: '15' },
  },
});

const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
buildIfStale(); // the controller and the operators' CLI run the compiled dist/
await up();
const kc = new KubeConfig();
kc.loadFromFile(layout.kubeconfig);
await installCrds(kc, join(repoRoot, 'crds'));
await installThirdPartyCrds(kc);
const outDir = join(repoRoot, 'test-results', `torture-${String(seed)}`);
process.stderr.write(`[torture] seed ${String(seed)}; files in ${outDir}\n`);
const report = await runTorture({
  seed,
  rollouts: Number(values.rollouts),
  kills: Number(values.kills),
  apiServerRestarts: Number(values['apiserver-restarts']),
  prometheusRestarts: Number(values['prometheus-restarts']),
  windowMs: Number(values['window-minutes']) * 60_000,
  settleTimeoutMs: Number(values['settle-minutes']) * 60_000,
  scrapeIntervalMs: 2000,
  kubeconfig: layout.kubeconfig,
  outDir,
  log: (line) => process.stderr.write(`[torture] ${line}\n`),
});
process.stdout.write(summary(report));
process.exit(Object.values(report.counts).every((n) => n === 0) && report.settled ? 0 : 1);

function summary(r: TortureReport): string {
  const lines = [
    `seed ${String(r.seed)}: ${String(r.rollouts)} Rollouts ${JSON.stringify(r.byStrategy)}, ${String(r.bad)} bad versions, operators: ${String(r.operatorActions.promote)} promote, ${String(r.operatorActions.abort)} abort (${String(r.operatorCommands)} commands)`,
    `checked: ${String(r.observed.statusVersions)} status versions, ${String(r.observed.outboxEntries)} outbox entries, ${String(r.observed.events)} Events, ${String(r.observed.analysisRuns)} AnalysisRuns`,
    `faults: ${String(r.done.kills)} controller SIGKILLs, ${String(r.done.apiServerRestarts)} kube-apiserver restarts, ${String(r.done.prometheusRestarts)} Prometheus restarts; watch relists ${String(r.watchGaps)}`,
    ...Object.entries(r.counts).map(([k, n]) => `  ${k}: ${String(n)}`),
    `settled: ${String(r.settled)}; wall time ${String(r.wallTimeSeconds)} s`,
  ];
  for (const [k, details] of Object.entries(r.details))
    for (const d of details.slice(0, 20)) lines.push(`  ${k}: ${d}`);
  return lines.join('\n') + '\n';
}
