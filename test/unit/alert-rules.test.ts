import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { promtoolBinary } from '../../tools/prometheus/binary.ts';
import { exposedSeries, promqlProblems } from './promql-references.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface PrometheusRule {
  kind: string;
  spec: { groups: { name: string; rules: Rule[] }[] };
}

const file = join(repoRoot, 'deploy', 'alerts', 'prometheus-rule.yaml');
const prometheusRule = load(readFileSync(file, 'utf8')) as PrometheusRule;
const rules = prometheusRule.spec.groups.flatMap((g) => g.rules);
const byName = (alert: string): Rule => {
  const rule = rules.find((r) => r.alert === alert);
  if (!rule) throw new Error(`no alert ${alert}`);
  return rule;
};

const work = mkdtempSync(join(tmpdir(), 'bellwether-alerts-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});
// the same groups as a plain Prometheus rule file (what rule_files loads)
const rulesFile = join(work, 'rules.yaml');
writeFileSync(rulesFile, dump({ groups: prometheusRule.spec.groups }));

/** promtool: Debian's, or the one built from Go modules beside Prometheus (tools/prometheus). */
async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  const bin = await promtoolBinary();
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: work, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout + stderr });
    });
  });
}

/** What promtool expects of a firing alert: its labels and its annotations as rendered. */
const firing = (alert: string, labels: Record<string, string>, annotations: Record<string, string>) => ({
  exp_labels: { ...byName(alert).labels, ...labels },
  exp_annotations: annotations,
});

// Alerts are only worth shipping if they fire on the series the controller really exports:
// expressions are checked against metrics.ts, then promtool evaluates them on synthetic series.
describe('deploy/alerts/prometheus-rule.yaml', () => {
  it('is a PrometheusRule whose alerts have a severity, a summary and a unique name', () => {
    expect(prometheusRule.kind).toBe('PrometheusRule');
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  it('references only metrics and labels that the controller exposes', async () => {
    const exposed = await exposedSeries();
    expect(rules.flatMap((r) => promqlProblems(r.expr, exposed).map((p) => `${r.alert}: ${p}`))).toEqual([]);
  });

  it('passes promtool check rules', async () => {
    const result = await promtool(['check', 'rules', rulesFile]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('fires on synthetic series as intended (promtool test rules)', async () => {
    const degraded = 'bellwether_rollout_phase{namespace="shop",rollout="web",phase="Degraded"';
    const failedRun = 'bellwether_analysis_run_phase{namespace="shop",analysis_run="web-1",phase="Failed"';
    const tests = {
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      tests: [
        {
          name: 'no leader: two replicas, neither holds the Lease',
          interval: '1m',
          input_series: [
            { series: 'bellwether_leader{instance="a"}', values: '0x5' },
            { series: 'bellwether_leader{instance="b"}', values: '0x5' },
          ],
          alert_rule_test: [
            { eval_time: '30s', alertname: 'BellwetherNoLeader', exp_alerts: [] },
            {
              eval_time: '2m',
              alertname: 'BellwetherNoLeader',
              exp_alerts: [firing('BellwetherNoLeader', {}, byName('BellwetherNoLeader').annotations ?? {})],
            },
            { eval_time: '2m', alertname: 'BellwetherTwoLeaders', exp_alerts: [] },
          ],
        },
        {
          name: 'two leaders',
          interval: '1m',
          input_series: [
            { series: 'bellwether_leader{instance="a"}', values: '1x5' },
            { series: 'bellwether_leader{instance="b"}', values: '1x5' },
          ],
          alert_rule_test: [
            {
              eval_time: '2m',
              alertname: 'BellwetherTwoLeaders',
              exp_alerts: [
                firing(
                  'BellwetherTwoLeaders',
                  {},
                  {
                    summary: 'More than one Bellwether replica claims leadership',
                    description:
                      '2 replicas report bellwether_leader 1 (a stuck process or two installs on one Lease).',
                  },
                ),
              ],
            },
          ],
        },
        {
          name: 'a Degraded Rollout, reported by leader and standby, is one alert',
          interval: '1m',
          input_series: [
            { series: `${degraded},instance="a"}`, values: '1x10' },
            { series: `${degraded},instance="b"}`, values: '1x10' },
          ],
          alert_rule_test: [
            { eval_time: '3m', alertname: 'BellwetherRolloutDegraded', exp_alerts: [] },
            {
              eval_time: '6m',
              alertname: 'BellwetherRolloutDegraded',
              exp_alerts: [
                firing(
                  'BellwetherRolloutDegraded',
                  { namespace: 'shop', rollout: 'web' },
                  {
                    summary: 'Rollout shop/web is Degraded',
                    description: byName('BellwetherRolloutDegraded').annotations?.description ?? '',
                  },
                ),
              ],
            },
          ],
        },
        {
          name: 'a failed AnalysisRun alerts for 15 minutes',
          interval: '1m',
          input_series: [{ series: `${failedRun}}`, values: '0x4 1x40' }],
          alert_rule_test: [
            { eval_time: '3m', alertname: 'BellwetherAnalysisRunFailed', exp_alerts: [] },
            {
              eval_time: '10m',
              alertname: 'BellwetherAnalysisRunFailed',
              exp_alerts: [
                firing(
                  'BellwetherAnalysisRunFailed',
                  { namespace: 'shop', analysis_run: 'web-1' },
                  {
                    summary: 'AnalysisRun shop/web-1 failed',
                    description: '`kubectl get analysisrun -n shop web-1 -o yaml` shows each measurement.',
                  },
                ),
              ],
            },
            { eval_time: '25m', alertname: 'BellwetherAnalysisRunFailed', exp_alerts: [] },
          ],
        },
        {
          name: 'reconcile errors: 10 a minute for long enough',
          interval: '1m',
          input_series: [{ series: 'bellwether_reconcile_errors_total{kind="rollout"}', values: '0+10x30' }],
          alert_rule_test: [
            { eval_time: '8m', alertname: 'BellwetherReconcileErrors', exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: 'BellwetherReconcileErrors',
              exp_alerts: [
                firing(
                  'BellwetherReconcileErrors',
                  { kind: 'rollout' },
                  {
                    summary: 'Bellwether rollout reconciles keep failing',
                    description:
                      '166.7m failed reconciles per second; the controller logs say why (reconcile failed; will retry).',
                  },
                ),
              ],
            },
          ],
        },
      ],
    };
    const testFile = join(work, 'tests.yaml');
    writeFileSync(testFile, dump(tests));
    const result = await promtool(['test', 'rules', testFile]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});
