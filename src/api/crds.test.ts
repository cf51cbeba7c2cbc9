import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  buildCrds,
  CRDS_DIR,
  GENERATED_HEADER,
  renderCrdFiles,
  type CustomResourceDefinition,
} from './crds.ts';
import { celBoundViolations, structuralViolations } from './structural.ts';
import type { CrdSchema } from './to-crd.ts';

const crds = buildCrds();
const byKind = (kind: string): CustomResourceDefinition => {
  const crd = crds.find((candidate) => candidate.spec.names.kind === kind);
  if (crd === undefined) throw new Error(`no CRD for ${kind}`);
  return crd;
};
const schemaOf = (kind: string): CrdSchema => {
  const version = byKind(kind).spec.versions[0];
  if (version === undefined) throw new Error('no version');
  return version.schema.openAPIV3Schema;
};

/** Every `x-kubernetes-validations` rule in a schema, with the path of the node carrying it. */
function rulesIn(schema: CrdSchema, path = ''): { path: string; rule: string; message: string }[] {
  const own = (schema['x-kubernetes-validations'] ?? []).map(({ rule, message }) => ({
    path,
    rule,
    message,
  }));
  const children = [
    ...Object.entries(schema.properties ?? {}).map(([key, child]) => rulesIn(child, `${path}.${key}`)),
    schema.items === undefined ? [] : rulesIn(schema.items, `${path}[]`),
    schema.additionalProperties === undefined ? [] : rulesIn(schema.additionalProperties, `${path}{}`),
  ];
  return [...own, ...children.flat()];
}

describe('checked-in CRDs', () => {
  it('match the zod schemas (run `npm run crds` after changing src/api)', () => {
    const expected = renderCrdFiles();
    const present = readdirSync(CRDS_DIR).filter((name) => name.endsWith('.yaml'));
    expect(present.sort(), 'files in crds/ differ from the generated set: run `npm run crds`').toEqual(
      [...expected.keys()].sort(),
    );
    for (const [name, content] of expected) {
      const actual = readFileSync(join(CRDS_DIR, name), 'utf8');
      expect(actual === content, `crds/${name} is stale: run \`npm run crds\` and commit the result`).toBe(
        true,
      );
    }
  });

  it('are generated deterministically', () => {
    expect([...renderCrdFiles()]).toEqual([...renderCrdFiles()]);
  });

  it('carry the generated header and parse back to the built objects', () => {
    for (const [name, content] of renderCrdFiles()) {
      expect(content.startsWith(GENERATED_HEADER), name).toBe(true);
    }
    for (const crd of crds) {
      const text = renderCrdFiles().get(`${crd.metadata.name}.yaml`) ?? '';
      expect(load(text)).toEqual(JSON.parse(JSON.stringify(crd)));
    }
  });

  it('are listed in the kustomization', () => {
    const kustomization = load(renderCrdFiles().get('kustomization.yaml') ?? '') as { resources: string[] };
    expect(kustomization.resources).toEqual([
      'analysisruns.bellwether.dev.yaml',
      'analysistemplates.bellwether.dev.yaml',
      'clusteranalysistemplates.bellwether.dev.yaml',
      'clusterrolloutgroups.bellwether.dev.yaml',
      'experiments.bellwether.dev.yaml',
      'gitsources.bellwether.dev.yaml',
      'rolloutgroups.bellwether.dev.yaml',
      'rollouts.bellwether.dev.yaml',
    ]);
  });
});

describe.each(crds.map((crd) => [crd.spec.names.kind, crd] as const))('%s CRD', (kind, crd) => {
  const version = crd.spec.versions[0];
  const schema = version?.schema.openAPIV3Schema ?? {};

  it('is a structural schema', () => {
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('bounds every array, map and string its CEL rules reach', () => {
    expect(celBoundViolations(schema)).toEqual([]);
  });

  it('has group, version, names, categories and a status subresource', () => {
    expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.bellwether.dev`);
    expect(crd.spec.group).toBe('bellwether.dev');
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({
      name: 'v1alpha1',
      served: true,
      storage: true,
      subresources: { status: {} },
    });
    expect(crd.spec.names.categories).toEqual(['bellwether']);
    expect(schema.properties?.metadata).toEqual({ type: 'object' });
    expect(schema.properties?.status?.type).toBe('object');
  });

  it('has an Age column', () => {
    expect(version?.additionalPrinterColumns.at(-1)).toEqual({
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
    });
  });

  const clusterScoped = kind.startsWith('Cluster');
  it(`is ${clusterScoped ? 'cluster' : 'namespace'} scoped`, () => {
    expect(crd.spec.scope).toBe(clusterScoped ? 'Cluster' : 'Namespaced');
  });
});

describe('Rollout CRD', () => {
  const crd = byKind('Rollout');
  const version = crd.spec.versions[0];
  const spec = schemaOf('Rollout').properties?.spec ?? {};

  it('has short name ro and a scale subresource for the HPA', () => {
    expect(crd.spec.names.shortNames).toEqual(['ro']);
    expect(version?.subresources.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
    expect(schemaOf('Rollout').properties?.status?.properties?.selector?.type).toBe('string');
  });

  it('prints desired/current/up-to-date/available replicas, phase, step and weight', () => {
    expect(version?.additionalPrinterColumns.map((column) => [column.name, column.jsonPath])).toEqual([
      ['Desired', '.spec.replicas'],
      ['Current', '.status.replicas'],
      ['Up-to-date', '.status.updatedReplicas'],
      ['Available', '.status.availableReplicas'],
      ['Phase', '.status.phase'],
      ['Step', '.status.currentStepIndex'],
      ['Weight', '.status.canary.weights.canary'],
      ['Message', '.status.message'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it('defaults revisionHistoryLimit to 10 and progressDeadlineSeconds to 600', () => {
    expect(spec.properties?.revisionHistoryLimit?.default).toBe(10);
    expect(spec.properties?.progressDeadlineSeconds?.default).toBe(600);
  });

  it('keeps pod templates open (preserve-unknown-fields, type object)', () => {
    const template = spec.properties?.template;
    expect(template?.type).toBe('object');
    expect(template?.['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(template?.properties?.spec?.['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  it('makes surge and pause durations int-or-string', () => {
    const canary = spec.properties?.strategy?.properties?.canary;
    expect(canary?.properties?.maxSurge).toMatchObject({ 'x-kubernetes-int-or-string': true });
    expect(canary?.properties?.maxSurge?.type).toBeUndefined();
    const step = canary?.properties?.steps?.items;
    expect(step?.properties?.pause?.properties?.duration).toMatchObject({
      'x-kubernetes-int-or-string': true,
    });
  });

  it('bounds setWeight with minimum and maximum and steps with maxItems', () => {
    const steps = spec.properties?.strategy?.properties?.canary?.properties?.steps;
    expect(steps?.maxItems).toBe(100);
    expect(steps?.items?.properties?.setWeight).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
  });

  it('enforces the documented CEL rules', () => {
    const rules = rulesIn(spec, 'spec').map(({ path, rule }) => `${path}: ${rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'spec: has(self.template) != has(self.workloadRef)',
        'spec: !has(self.minReadySeconds) || !has(self.progressDeadlineSeconds) || self.progressDeadlineSeconds > self.minReadySeconds',
        'spec.strategy: (has(self.rolling) ? 1 : 0) + (has(self.canary) ? 1 : 0) + (has(self.blueGreen) ? 1 : 0) + (has(self.abTest) ? 1 : 0) == 1',
        'spec.strategy.canary: !has(self.canaryService) || !has(self.stableService) || self.canaryService != self.stableService',
        'spec.strategy.canary.steps[]: (has(self.setWeight) ? 1 : 0) + (has(self.pause) ? 1 : 0) + (has(self.analysis) ? 1 : 0) + (has(self.experiment) ? 1 : 0) <= 1',
        'spec.strategy.blueGreen: !has(self.previewService) || self.activeService != self.previewService',
        'spec.strategy.abTest.split: self.a + self.b == 100',
      ]),
    );
  });
});

describe('analysis CRDs', () => {
  it('have short names at, cat, ar', () => {
    expect(byKind('AnalysisTemplate').spec.names.shortNames).toEqual(['at']);
    expect(byKind('ClusterAnalysisTemplate').spec.names.shortNames).toEqual(['cat']);
    expect(byKind('AnalysisRun').spec.names.shortNames).toEqual(['ar']);
  });

  it('print phase and metric count for runs', () => {
    const columns = byKind('AnalysisRun').spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.filter((column) => column.priority === undefined).map((column) => column.name)).toEqual([
      'Phase',
      'Metrics',
      'Age',
    ]);
  });

  it.each(['AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun'])(
    '%s: one provider per metric, unique metric names, consecutiveErrorLimit defaults to 4',
    (kind) => {
      const spec = schemaOf(kind).properties?.spec ?? {};
      const rules = rulesIn(spec, 'spec').map(({ path, rule }) => `${path}: ${rule}`);
      expect(rules).toEqual(
        expect.arrayContaining([
          'spec.metrics: self.all(x, self.exists_one(y, y.name == x.name))',
          'spec.metrics[].provider: (has(self.prometheus) ? 1 : 0) + (has(self.web) ? 1 : 0) + (has(self.job) ? 1 : 0) + (has(self.comparison) ? 1 : 0) + (has(self.judge) ? 1 : 0) == 1',
        ]),
      );
      const metric = spec.properties?.metrics?.items;
      expect(spec.properties?.metrics?.maxItems).toBe(50);
      expect(metric?.properties?.consecutiveErrorLimit?.default).toBe(4);
      expect(metric?.properties?.count).toEqual(
        expect.objectContaining({ 'x-kubernetes-int-or-string': true }),
      );
      expect(metric?.properties?.provider?.properties?.job?.properties?.spec).toMatchObject({
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      });
    },
  );
});
