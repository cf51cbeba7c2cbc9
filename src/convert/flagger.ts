/**
 * A Flagger `Canary` (flagger.app/v1beta1) as a Bellwether Rollout plus an AnalysisTemplate. Pure.
 *
 * - targetRef (a Deployment) -> spec.workloadRef, scaled down once the Rollout is healthy
 *   (Flagger keeps the target at zero and serves from its `-primary` copy); the selector is
 *   Flagger's `app: <target>` convention.
 * - analysis.stepWeights, or stepWeight up to maxWeight (default 100): `setWeight` then a pause
 *   of `analysis.interval` per weight; after the last one Flagger promotes, as the Rollout does.
 * - analysis.metrics -> a background analysis over an AnalysisTemplate `<name>-analysis`, one
 *   check per interval as Flagger does, failing after `threshold` failed checks
 *   (failureLimit = threshold - 1). The builtins request-success-rate and request-duration become
 *   the Prometheus queries of Flagger's FAQ ("How does Flagger measure the request success rate
 *   and duration?") for the providers it documents them for: Istio (the default) and the Envoy
 *   ones (App Mesh, Contour, Gloo); `thresholdRange` becomes the success condition.
 * - Everything else is reported with its path: Flagger generates the Services and routing
 *   objects (spec.service, spec.provider), so the Rollout splits by replica count until a
 *   trafficRouting block is added; webhooks, alerts, A/B `match`, mirroring, iterations and
 *   MetricTemplates are not converted.
 */
import { API_VERSION } from '../api/common.ts';
import { describeObject } from '../api/validate.ts';
import type { Conversion, ConvertNote } from './report.ts';

export const FLAGGER_API_VERSION = 'flagger.app/v1beta1';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ISTIO = {
  successRate: (window: string) =>
    `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"{{args.namespace}}",` +
    `destination_workload=~"{{args.workload}}",response_code!~"5.*"}[${window}])) / ` +
    `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace=~"{{args.namespace}}",` +
    `destination_workload=~"{{args.workload}}"}[${window}])) * 100`,
  // The FAQ shows the seconds histogram, but Flagger's thresholds (and its Istio code) are milliseconds.
  duration: (window: string) =>
    `histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination",` +
    `destination_workload=~"{{args.workload}}",destination_workload_namespace=~"{{args.namespace}}"}[${window}])) by (le))`,
};
const ENVOY_DURATION = (window: string) =>
  `histogram_quantile(0.99, sum(irate(envoy_cluster_upstream_rq_time_bucket{kubernetes_pod_name=~"{{args.workload}}",` +
  `kubernetes_namespace=~"{{args.namespace}}"}[${window}])) by (le))`;
const APP_MESH = {
  successRate: (window: string) =>
    `sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{args.namespace}}",kubernetes_pod_name=~"{{args.workload}}",` +
    `envoy_response_code!~"5.*"}[${window}])) / sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{args.namespace}}",` +
    `kubernetes_pod_name=~"{{args.workload}}"}[${window}])) * 100`,
  duration: ENVOY_DURATION,
};
const CONTOUR_GLOO = {
  successRate: (window: string) =>
    `sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{args.namespace}}-{{args.workload}}",` +
    `envoy_response_code!~"5.*"}[${window}])) / sum(rate(envoy_cluster_upstream_rq{` +
    `envoy_cluster_name=~"{{args.namespace}}-{{args.workload}}"}[${window}])) * 100`,
  duration: ENVOY_DURATION,
};
/** Builtin metric queries by Flagger provider, as Flagger's FAQ documents them. */
const BUILTIN_QUERIES: Record<
  string,
  { successRate: (w: string) => string; duration: (w: string) => string }
> = {
  istio: ISTIO,
  appmesh: APP_MESH,
  contour: CONTOUR_GLOO,
  gloo: CONTOUR_GLOO,
};

/** Canary fields that need no note: carried, or read to build the Rollout. */
const CARRIED_SPEC = new Set([
  'targetRef',
  'analysis',
  'progressDeadlineSeconds',
  'suspend',
  'provider',
  'service',
]);
const CARRIED_ANALYSIS = new Set([
  'interval',
  'threshold',
  'maxWeight',
  'stepWeight',
  'stepWeights',
  'metrics',
]);
const CARRIED_METRIC = new Set(['name', 'interval', 'thresholdRange']);

/** Collects the notes of one Canary's conversion. */
class Notes {
  readonly list: ConvertNote[] = [];
  constructor(private readonly object: string) {}
  dropped(path: string, message: string) {
    this.list.push({ kind: 'dropped', object: this.object, path, message });
  }
  mapped(path: string, message: string) {
    this.list.push({ kind: 'mapped', object: this.object, path, message });
  }
  invalid(path: string, message: string) {
    this.list.push({ kind: 'invalid', object: this.object, path, message });
  }
}

const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);

export function convertFlaggerCanary(source: Record<string, unknown>): Conversion {
  const notes = new Notes(describeObject(source));
  const metadata = isRecord(source.metadata) ? source.metadata : {};
  const name = text(metadata.name, 'canary');
  const spec = isRecord(source.spec) ? source.spec : {};
  const analysisPath =
    isRecord(spec.analysis) || !isRecord(spec.canaryAnalysis) ? 'spec.analysis' : 'spec.canaryAnalysis';
  const analysis = (isRecord(spec.analysis) ? spec.analysis : spec.canaryAnalysis) ?? {};
  const analysisBlock = isRecord(analysis) ? analysis : {};

  for (const key of Object.keys(spec))
    if (!CARRIED_SPEC.has(key) && `spec.${key}` !== analysisPath)
      notes.dropped(`spec.${key}`, 'no Bellwether equivalent');
  for (const key of Object.keys(analysisBlock))
    if (!CARRIED_ANALYSIS.has(key)) notes.dropped(`${analysisPath}.${key}`, notConverted(key));
  notes.dropped(
    'spec.service',
    `Flagger generates the Services and ${text(spec.provider, 'mesh')} routing; the Rollout splits by replica count until ` +
      'spec.strategy.canary.trafficRouting with canaryService and stableService is added',
  );
  const targetRef = isRecord(spec.targetRef) ? spec.targetRef : {};
  const target = text(targetRef.name, name);
  if (targetRef.kind !== undefined && targetRef.kind !== 'Deployment')
    notes.invalid('spec.targetRef.kind', `${text(targetRef.kind, 'this kind')} is not a Deployment`);
  notes.mapped(
    'spec.targetRef',
    `spec.workloadRef to Deployment ${target}, scaled down once the Rollout is healthy; selector app: ${target}`,
  );
  const interval = text(analysisBlock.interval, '1m');
  if (analysisBlock.interval === undefined) notes.mapped(`${analysisPath}.interval`, 'not set: 1m per step');
  const steps = weights(analysisBlock, analysisPath, notes).flatMap((weight) => [
    { setWeight: weight },
    { pause: { duration: interval } },
  ]);
  const metrics = flaggerMetrics(analysisBlock, analysisPath, {
    interval,
    target,
    provider: text(spec.provider, 'istio'),
    notes,
  });

  const templateName = `${name}-analysis`;
  const rollout = {
    apiVersion: API_VERSION,
    kind: 'Rollout',
    metadata: pick(metadata, ['name', 'namespace', 'labels', 'annotations']),
    spec: {
      selector: { matchLabels: { app: target } },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target, scaleDown: 'onsuccess' },
      ...pick(spec, ['progressDeadlineSeconds']),
      ...(spec.suspend === true ? { paused: true } : {}),
      strategy: {
        canary: { steps, ...(metrics.length > 0 ? { analysis: backgroundAnalysis(templateName) } : {}) },
      },
    },
  };
  if (metrics.length === 0) return { objects: [rollout], notes: notes.list };
  notes.mapped(
    '',
    `AnalysisTemplate ${templateName}: set its prometheus-address arg to your -metrics-server`,
  );
  const template = {
    apiVersion: API_VERSION,
    kind: 'AnalysisTemplate',
    metadata: { name: templateName, ...pick(metadata, ['namespace']) },
    spec: {
      args: [
        { name: 'namespace' },
        { name: 'workload', value: target },
        // Flagger takes the Prometheus address from its -metrics-server flag, not the Canary.
        { name: 'prometheus-address', value: 'http://prometheus.istio-system:9090' },
      ],
      metrics,
    },
  };
  return { objects: [rollout, template], notes: notes.list };
}

function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));
}

function backgroundAnalysis(templateName: string) {
  return {
    templates: [{ templateName }],
    args: [{ name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
  };
}

/** analysis.metrics as AnalysisTemplate metrics: the builtins by provider, the rest reported. */
function flaggerMetrics(
  analysis: Record<string, unknown>,
  analysisPath: string,
  context: { interval: string; target: string; provider: string; notes: Notes },
): Record<string, unknown>[] {
  const { interval, target, provider, notes } = context;
  const threshold = typeof analysis.threshold === 'number' ? analysis.threshold : 1;
  const failureLimit = Math.max(0, threshold - 1);
  const metrics: Record<string, unknown>[] = [];
  (Array.isArray(analysis.metrics) ? analysis.metrics : []).forEach((metric: unknown, i) => {
    const path = `${analysisPath}.metrics[${i}]`;
    if (!isRecord(metric)) return;
    const metricName = text(metric.name, `metric-${i}`);
    for (const key of Object.keys(metric))
      if (!CARRIED_METRIC.has(key))
        notes.dropped(
          `${path}.${key}`,
          key === 'templateRef'
            ? `Flagger MetricTemplates are not converted: metric ${metricName} left out`
            : 'no Bellwether equivalent',
        );
    if (metric.templateRef !== undefined) return;
    const builtin = BUILTINS[metricName];
    const queries = BUILTIN_QUERIES[provider];
    if (builtin === undefined || queries === undefined) {
      notes.dropped(
        path,
        builtin === undefined
          ? `metric ${metricName} has no query (not a builtin, no templateRef)`
          : `Flagger documents no builtin ${metricName} query for provider ${provider}`,
      );
      return;
    }
    const range = isRecord(metric.thresholdRange) ? metric.thresholdRange : {};
    const bounds = [
      typeof range.min === 'number' ? `result[0] >= ${decimal(range.min)}` : undefined,
      typeof range.max === 'number' ? `result[0] <= ${decimal(range.max)}` : undefined,
    ].filter((b) => b !== undefined);
    metrics.push({
      name: metricName,
      interval,
      failureLimit,
      ...(bounds.length > 0 ? { successCondition: bounds.join(' && ') } : {}),
      provider: {
        prometheus: {
          address: '{{args.prometheus-address}}',
          query: queries[builtin](text(metric.interval, '1m')),
        },
      },
    });
    notes.mapped(
      path,
      `${provider} Prometheus query from Flagger's FAQ, over workload ${target}; failureLimit ${failureLimit} (threshold ${threshold})`,
    );
  });
  return metrics;
}

const BUILTINS: Record<string, 'successRate' | 'duration'> = {
  'request-success-rate': 'successRate',
  'request-duration': 'duration',
};

function weights(analysis: Record<string, unknown>, path: string, notes: Notes): number[] {
  if (Array.isArray(analysis.stepWeights))
    return analysis.stepWeights.filter((w): w is number => typeof w === 'number');
  const step =
    typeof analysis.stepWeight === 'number' && analysis.stepWeight > 0 ? analysis.stepWeight : undefined;
  if (step === undefined) return [];
  const max = typeof analysis.maxWeight === 'number' ? analysis.maxWeight : 100;
  if (analysis.maxWeight === undefined) notes.mapped(`${path}.maxWeight`, 'not set: up to 100');
  const out: number[] = [];
  for (let weight = step; ; weight += step) {
    out.push(Math.min(weight, max));
    if (weight >= max) break;
  }
  return out;
}

function decimal(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

function notConverted(key: string): string {
  switch (key) {
    case 'webhooks':
      return 'Flagger webhooks (load tests, gates) are not converted';
    case 'alerts':
      return 'Flagger alerts are not converted (see docs/notifications.md)';
    case 'match':
      return 'A/B header matches are not converted (see strategy.abTest and setHeaderRoute)';
    case 'iterations':
      return 'A/B and blue-green iterations are not converted';
    case 'mirror':
    case 'mirrorWeight':
      return 'mirroring is not converted (see setMirrorRoute)';
    default:
      return 'no Bellwether equivalent';
  }
}
