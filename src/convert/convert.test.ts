import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { semanticErrors } from '../api/semantics.ts';
import { validateResource } from '../api/validate.ts';
import { convertObject, convertYaml } from './convert.ts';
import { deleteAtPath } from './field-path.ts';
import type { ConvertNote } from './report.ts';

const FIXTURES = 'test/fixtures/convert';
const read = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');
const documents = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
const summary = (notes: readonly ConvertNote[]) => notes.map((n) => `${n.kind} ${n.object} ${n.path}`);
/** Every Bellwether object the converter wrote passes the API's own schema and semantics. */
const expectValid = (objects: readonly Record<string, unknown>[]) => {
  for (const obj of objects.filter((o) => o.apiVersion === 'bellwether.dev/v1alpha1')) {
    const result = validateResource(obj);
    expect(result.ok ? semanticErrors(result.value) : result.errors).toEqual([]);
  }
};

describe('convert: Argo Rollouts objects', () => {
  const source = documents(read('argo-rollout.yaml'));
  const { yaml, notes } = convertYaml(read('argo-rollout.yaml'));
  const out = documents(yaml);

  it('reports every field it cannot carry, and every condition it rewrote, with the path', () => {
    expect(summary(notes)).toEqual([
      'dropped Rollout shop/rollouts-demo spec.strategy.canary.trafficRouting.alb.servicePorts',
      'translated AnalysisTemplate shop/success-rate spec.metrics[0].successCondition',
      'translated AnalysisTemplate shop/success-rate spec.metrics[1].failureCondition',
    ]);
    expect(notes[0]?.message).toBe('not supported by Bellwether');
    expect(notes[1]?.message).toBe(
      "Argo expr 'len(result) > 0 and result[0] >= 0.95' written as CEL 'size(result) > 0 && result[0] >= 0.95'",
    );
  });

  it('changes nothing else: the apiVersion, no status or server metadata, the reported fields', () => {
    expect(out).toHaveLength(source.length);
    const expected = source.map((obj) => {
      const copy = structuredClone(obj);
      if (copy.apiVersion === 'argoproj.io/v1alpha1') copy.apiVersion = 'bellwether.dev/v1alpha1';
      delete copy.status;
      const metadata = copy.metadata as Record<string, unknown>;
      delete metadata.uid;
      delete metadata.resourceVersion;
      return copy;
    });
    const [rollout, template] = expected as [Record<string, unknown>, Record<string, unknown>];
    deleteAtPath(rollout, 'spec.strategy.canary.trafficRouting.alb.servicePorts');
    const metrics = (template.spec as { metrics: Record<string, unknown>[] }).metrics;
    (metrics[0] as Record<string, unknown>).successCondition = 'size(result) > 0 && result[0] >= 0.95';
    (metrics[1] as Record<string, unknown>).failureCondition =
      'result.exists(x, x > 0.5) || isNaN(result[0])';
    expect(out).toEqual(expected);
    expectValid(out);
  });

  it('round trips: the output, read back as Argo, converts to itself with nothing to report', () => {
    const again = convertYaml(yaml.replaceAll('bellwether.dev/v1alpha1', 'argoproj.io/v1alpha1'));
    expect(again.notes).toEqual([]);
    expect(documents(again.yaml)).toEqual(out);
  });

  it('reports a kind Bellwether does not have, and output that does not validate', () => {
    const experiment = convertObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'wf' },
      spec: {},
    });
    expect(experiment.objects).toEqual([]);
    expect(summary(experiment.notes)).toEqual(['dropped Workflow wf kind']);
    const invalid = convertObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'bad' },
      spec: {
        selector: { matchLabels: { app: 'a' } },
        template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'a' }] } },
        strategy: {
          canary: {
            steps: [{ setWeight: 150 }],
            trafficRouting: { traefik: { weightedTraefikServiceName: 'w' } },
          },
        },
      },
    });
    expect(invalid.notes.map((n) => `${n.kind} ${n.path}: ${n.message}`)).toEqual([
      'dropped spec.strategy.canary.trafficRouting.traefik: not supported by Bellwether',
      'invalid spec.strategy.canary.steps[0].setWeight: must be at most 100',
      'invalid spec.strategy.canary.trafficRouting: at least one of nginx, gatewayAPI, istio, smi, alb must be set',
    ]);
  });

  it('keeps conditions that are CEL, and leaves placeholders to run time', () => {
    const { objects, notes } = convertObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 't' },
      spec: {
        args: [{ name: 'min' }],
        metrics: [
          {
            name: 'm',
            successCondition: 'result[0] >= {{args.min}}',
            failureCondition: 'result[0] < 0.5',
            provider: { prometheus: { address: 'http://p:9090', query: 'up' } },
          },
        ],
      },
    });
    expect(notes).toEqual([]);
    expect(
      (objects[0]?.spec as { metrics: { successCondition: string }[] }).metrics[0]?.successCondition,
    ).toBe('result[0] >= {{args.min}}');
  });

  it('passes other objects through unchanged', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [] } };
    expect(convertObject(service)).toEqual({ objects: [service], notes: [] });
  });
});

describe('convert: Flagger Canary', () => {
  const { yaml, notes } = convertYaml(read('flagger-canary.yaml'));
  const [rollout, template] = documents(yaml) as [Record<string, unknown>, Record<string, unknown>];

  it('maps targetRef to workloadRef and stepWeight/maxWeight to setWeight + pause per interval', () => {
    expect(rollout.spec).toMatchObject({
      selector: { matchLabels: { app: 'podinfo' } },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo', scaleDown: 'onsuccess' },
      progressDeadlineSeconds: 60,
      strategy: {
        canary: {
          steps: [10, 20, 30, 40, 50].flatMap((w) => [{ setWeight: w }, { pause: { duration: '1m' } }]),
          analysis: { templates: [{ templateName: 'podinfo-analysis' }] },
        },
      },
    });
    expectValid([rollout, template]);
  });

  it('maps the builtin metrics to the Prometheus queries of Flagger’s FAQ, threshold to failureLimit', () => {
    const metrics = (template.spec as { metrics: Record<string, unknown>[] }).metrics;
    expect(metrics.map((m) => [m.name, m.interval, m.failureLimit, m.successCondition])).toEqual([
      ['request-success-rate', '1m', 4, 'result[0] >= 99.0'],
      ['request-duration', '1m', 4, 'result[0] <= 500.0'],
    ]);
    const query = (i: number) => (metrics[i]?.provider as { prometheus: { query: string } }).prometheus.query;
    expect(query(0)).toContain('istio_requests_total{reporter="destination"');
    expect(query(0)).toContain('response_code!~"5.*"}[1m]');
    expect(query(0)).toMatch(/\* 100$/);
    expect(query(1)).toMatch(
      /^histogram_quantile\(0\.99, .*istio_request_duration_milliseconds_bucket.*\[30s\]\)\) by \(le\)\)$/,
    );
  });

  it('reports every field it cannot carry, with the path', () => {
    expect(summary(notes.filter((n) => n.kind === 'dropped'))).toEqual([
      'dropped Canary test/podinfo spec.autoscalerRef',
      'dropped Canary test/podinfo spec.analysis.webhooks',
      'dropped Canary test/podinfo spec.service',
      'dropped Canary test/podinfo spec.analysis.metrics[2].templateRef',
    ]);
    expect(notes.some((n) => n.kind === 'invalid')).toBe(false);
  });

  const canary = (analysis: object, spec: object = {}) =>
    convertObject({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'app' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' }, analysis, ...spec },
    });

  it('takes stepWeights as they are, and maxWeight 100 when only stepWeight is set', () => {
    const steps = (c: ReturnType<typeof canary>) =>
      (
        c.objects[0]?.spec as { strategy: { canary: { steps: { setWeight?: number }[] } } }
      ).strategy.canary.steps
        .map((s) => s.setWeight)
        .filter((w) => w !== undefined);
    expect(steps(canary({ interval: '30s', stepWeights: [1, 5, 25, 80] }))).toEqual([1, 5, 25, 80]);
    const open = canary({ interval: '30s', stepWeight: 30 });
    expect(steps(open)).toEqual([30, 60, 90, 100]);
    expect(summary(open.notes)).toContain('mapped Canary app spec.analysis.maxWeight');
  });

  it('names A/B, mirroring, other providers and non-Deployment targets', () => {
    const ab = canary(
      {
        interval: '1m',
        iterations: 10,
        match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
        metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }],
      },
      { provider: 'nginx', targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'app' } },
    );
    expect(ab.notes.map((n) => `${n.kind} ${n.path}: ${n.message}`)).toEqual(
      expect.arrayContaining([
        'dropped spec.analysis.iterations: A/B and blue-green iterations are not converted',
        'dropped spec.analysis.match: A/B header matches are not converted (see strategy.abTest and setHeaderRoute)',
        'dropped spec.analysis.metrics[0]: Flagger documents no builtin request-success-rate query for provider nginx',
        'invalid spec.targetRef.kind: DaemonSet is not a Deployment',
      ]),
    );
    expect(ab.objects).toHaveLength(1);
  });
});
