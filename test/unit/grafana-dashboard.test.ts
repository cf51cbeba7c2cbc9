import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../tools/cluster/layout.ts';
import { exposedSeries, promqlProblems } from './promql-references.ts';

interface Target {
  expr?: string;
  refId: string;
}
interface Panel {
  type: string;
  title: string;
  id: number;
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

const file = join(repoRoot, 'deploy', 'grafana', 'bellwether-dashboard.json');
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;

/** `label_values(SELECTOR, label)` of a query variable: its SELECTOR is PromQL. */
function variableSelector(query: string | { query: string } | undefined): string | undefined {
  const text = typeof query === 'string' ? query : query?.query;
  return text === undefined ? undefined : /^label_values\((.*),\s*\w+\)$/.exec(text)?.[1];
}

// The dashboard is only useful if its queries name what src/controller/metrics.ts registers:
// every expression is parsed with Prometheus' grammar and its selectors checked against it.
describe('deploy/grafana/bellwether-dashboard.json', () => {
  const queries = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}" ${target.refId}`,
      expr: target.expr,
    })),
  );

  it('has queries in every panel but rows, each with an expression', () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
    expect(queries.length).toBeGreaterThan(15);
    for (const q of queries) expect(q.expr, q.where).toBeTruthy();
  });

  it('queries only metrics and labels that the controller exposes', async () => {
    const exposed = await exposedSeries();
    const problems = queries.flatMap((q) =>
      promqlProblems(q.expr ?? '', exposed).map((p) => `${q.where}: ${p}`),
    );
    const variables = dashboard.templating.list.filter((v) => v.type === 'query');
    for (const variable of variables) {
      const selector = variableSelector(variable.query);
      if (selector === undefined)
        problems.push(`variable ${variable.name}: not label_values(SELECTOR, label)`);
      else problems.push(...promqlProblems(selector, exposed).map((p) => `variable ${variable.name}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('shows every metric family the controller registers', async () => {
    const exposed = await exposedSeries();
    const used = queries.map((q) => q.expr ?? '').join('\n');
    const families = [...exposed.keys()].map((s) => s.replace(/_(bucket|sum|count)$/, ''));
    const unused = [...new Set(families)].filter((f) => !used.includes(f));
    expect(unused).toEqual([]);
  });

  it('has unique panel ids and no overlapping panels', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
  });
});

describe('promqlProblems', () => {
  it('reports unknown metrics, unknown labels and syntax errors', async () => {
    const exposed = await exposedSeries();
    expect(promqlProblems('rate(bellwether_reconciles_total[5m])', exposed)).toEqual([
      'bellwether_reconciles_total is not a metric the controller exposes',
    ]);
    expect(promqlProblems('bellwether_workqueue_depth{phase="x"}', exposed)).toEqual([
      'bellwether_workqueue_depth has no label "phase"',
    ]);
    expect(promqlProblems('sum(rate(bellwether_leader[5m]', exposed)[0]).toMatch(/^syntax error/);
    expect(promqlProblems('vector(1)', exposed)).toEqual(['references no metric']);
    expect(
      promqlProblems(
        'histogram_quantile(0.9, sum by (le) (rate(bellwether_workqueue_wait_seconds_bucket[$__rate_interval])))',
        exposed,
      ),
    ).toEqual([]);
  });
});
