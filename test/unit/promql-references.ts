import { parser } from '@prometheus-io/lezer-promql';
import { ControllerMetrics } from '../../src/controller/metrics.ts';

/** A series name the controller exposes, with the label names it carries. */
export type ExposedSeries = ReadonlyMap<string, ReadonlySet<string>>;

/** Labels Prometheus adds from the scrape target (kept as is with honor_labels). */
const targetLabels = ['job', 'instance', 'pod', 'service', 'container', 'endpoint'];

/**
 * Every series name the controller's /metrics can show, from the registry metrics.ts builds:
 * a histogram `h` shows `h_bucket` (with `le`), `h_sum` and `h_count`.
 */
export async function exposedSeries(): Promise<ExposedSeries> {
  const metrics = new ControllerMetrics(
    { rollouts: () => [], analysisRuns: () => [], queueDepth: () => 0, leader: () => true },
    'test',
  );
  const labelsOf = new Map(
    metrics.registry
      .getMetricsAsArray()
      .map((m) => [m.name, (m as unknown as { labelNames?: string[] }).labelNames ?? []] as const),
  );
  const series = new Map<string, Set<string>>();
  for (const { name, type } of await metrics.registry.getMetricsAsJSON()) {
    const labels = [...(labelsOf.get(name) ?? []), ...targetLabels];
    if (String(type) === 'histogram') {
      series.set(`${name}_bucket`, new Set([...labels, 'le']));
      series.set(`${name}_sum`, new Set(labels));
      series.set(`${name}_count`, new Set(labels));
    } else {
      series.set(name, new Set(labels));
    }
  }
  return series;
}

/** Grafana's interval variables are not PromQL; any valid duration stands in for them. */
const withoutGrafanaIntervals = (expr: string) => expr.replace(/\$__(rate_)?interval\b|\$__range\b/g, '5m');

/**
 * What is wrong with one PromQL expression, parsed with Prometheus' own grammar: syntax errors,
 * metric names the controller does not expose, label matchers on labels the metric lacks.
 * Empty when the expression is fine. Pure.
 */
export function promqlProblems(expr: string, exposed: ExposedSeries): string[] {
  const text = withoutGrafanaIntervals(expr);
  const problems: string[] = [];
  let names = 0;
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.type.isError)
        problems.push(`syntax error at ${node.from}: "${text.slice(node.from, node.to + 10)}"`);
      if (node.name !== 'VectorSelector') return;
      const selector = node.node;
      const nameNode = selector.getChild('Identifier');
      if (!nameNode) {
        problems.push(`selector without a metric name: ${text.slice(node.from, node.to)}`);
        return;
      }
      names++;
      const name = text.slice(nameNode.from, nameNode.to);
      const labels = exposed.get(name);
      if (!labels) {
        problems.push(`${name} is not a metric the controller exposes`);
        return;
      }
      const matchers = selector.getChild('LabelMatchers');
      for (const label of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
        const labelNode = label.getChild('LabelName');
        const labelName = labelNode ? text.slice(labelNode.from, labelNode.to) : '';
        if (!labels.has(labelName)) problems.push(`${name} has no label "${labelName}"`);
      }
    },
  });
  if (names === 0 && problems.length === 0) problems.push('references no metric');
  return problems;
}
