/* eslint-disable @typescript-eslint/no-unsafe-member-access -- tests edit manifests as plain JSON */
import { describe, expect, it } from 'vitest';
import { FIXTURE_FILES, INVALID_CASES, fixture } from './testdata/fixtures.ts';
import { describeObject, formatPath, validateKind, validateResource, validateRollout } from './validate.ts';

describe('validateResource accepts', () => {
  it.each(FIXTURE_FILES)('%s', (file) => {
    const result = validateResource(fixture(file));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('an Argo Rollouts canary manifest once apiVersion is changed, with defaults applied', () => {
    const result = validateRollout(fixture('rollout-canary.yaml'));
    if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
    const { spec } = result.value;
    expect(spec.strategy.canary?.steps).toHaveLength(15);
    expect(spec.strategy.canary?.steps?.[6]?.pause?.duration).toBe('10m');
    expect(spec.revisionHistoryLimit).toBe(3);
    expect(spec.progressDeadlineSeconds).toBe(300);
  });

  it('applies the CRD defaults', () => {
    const result = validateRollout(fixture('rollout-bluegreen.yaml'));
    expect(result.ok && result.value.spec.revisionHistoryLimit).toBe(10);
    expect(result.ok && result.value.spec.progressDeadlineSeconds).toBe(600);
    const template = validateResource(fixture('clusteranalysistemplate-web.yaml'));
    expect(
      template.ok && template.value.kind === 'ClusterAnalysisTemplate' && template.value.spec.metrics?.[0],
    ).toMatchObject({ consecutiveErrorLimit: 4 });
  });

  it('keeps unknown pod template and job fields (validated by the API server downstream)', () => {
    const result = validateRollout(fixture('rollout-canary.yaml'));
    expect(result.ok && result.value.spec.template?.spec).toMatchObject({
      containers: [{ name: 'checkout' }],
    });
    const template = validateResource(fixture('clusteranalysistemplate-web.yaml'));
    expect(
      template.ok &&
        template.value.kind !== 'Rollout' &&
        template.value.kind !== 'Experiment' &&
        template.value.kind !== 'RolloutGroup' &&
        template.value.kind !== 'ClusterRolloutGroup' &&
        template.value.spec.metrics?.[1]?.provider.job?.spec,
    ).toMatchObject({ backoffLimit: 0 });
  });

  it('metadata as kubectl --dry-run writes it (creationTimestamp: null)', () => {
    const manifest = fixture('rollout-rolling.yaml');
    manifest.metadata.creationTimestamp = null;
    manifest.spec.template.metadata.creationTimestamp = null;
    expect(validateResource(manifest).ok).toBe(true);
  });

  it('a status as the controller writes it', () => {
    const manifest = fixture('rollout-canary.yaml');
    manifest.status = {
      phase: 'Paused',
      observedGeneration: 4,
      currentPodHash: '6d4f9c',
      stableRS: '5b7c8d',
      currentStepIndex: 3,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-03-01T10:00:00Z' }],
      controllerPause: true,
      replicas: 6,
      updatedReplicas: 1,
      readyReplicas: 6,
      availableReplicas: 6,
      HPAReplicas: 6,
      selector: 'app=checkout',
      canary: {
        weights: { canary: 20, stable: 80 },
        currentBackgroundAnalysisRunStatus: { name: 'checkout-6d4f9c-2', status: 'Running' },
      },
      conditions: [
        {
          type: 'Paused',
          status: 'True',
          reason: 'CanaryPauseStep',
          message: 'Rollout is paused',
          lastUpdateTime: '2026-03-01T10:00:00Z',
          lastTransitionTime: '2026-03-01T10:00:00Z',
        },
      ],
      source: { repository: 'https://git.example/shop.git', path: 'apps/checkout.yaml', revision: 'abc123' },
    };
    const result = validateResource(manifest);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe('validateResource rejects', () => {
  it.each(INVALID_CASES.map((testCase) => [testCase.name, testCase] as const))('%s', (_name, testCase) => {
    const manifest = fixture(testCase.file);
    testCase.mutate(manifest);
    const result = validateResource(manifest);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    const error = errors.find((candidate) => candidate.path === testCase.path);
    expect(error, `no error at ${testCase.path}; got ${JSON.stringify(errors)}`).toBeDefined();
    if (testCase.detail !== undefined) expect(error?.detail).toContain(testCase.detail);
    expect(error?.message).toBe(`${describeObject(manifest)}: ${testCase.path}: ${error?.detail ?? ''}`);
  });

  it('names the object and the field in the message', () => {
    const manifest = fixture('rollout-canary.yaml');
    manifest.spec.strategy.canary.steps[2] = { setWeight: 150 };
    expect(validateResource(manifest)).toEqual({
      ok: false,
      errors: [
        {
          path: 'spec.strategy.canary.steps[2].setWeight',
          detail: 'must be at most 100',
          message: 'Rollout shop/checkout: spec.strategy.canary.steps[2].setWeight: must be at most 100',
        },
      ],
    });
  });

  it('an Argo apiVersion, with a hint', () => {
    const manifest = fixture('rollout-canary.yaml');
    manifest.apiVersion = 'argoproj.io/v1alpha1';
    const result = validateResource(manifest);
    expect(result.ok ? [] : result.errors).toEqual([
      {
        path: 'apiVersion',
        detail:
          'must be bellwether.dev/v1alpha1 (an Argo Rollouts manifest: change apiVersion to bellwether.dev/v1alpha1)',
        message:
          'Rollout shop/checkout: apiVersion: must be bellwether.dev/v1alpha1 (an Argo Rollouts manifest: change apiVersion to bellwether.dev/v1alpha1)',
      },
    ]);
  });

  it('unknown kinds and non-objects', () => {
    const deployment = validateResource({
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'Deployment',
      metadata: {},
    });
    expect(deployment.ok ? [] : deployment.errors.map((error) => error.path)).toEqual(['kind']);
    const text = validateResource('rollout');
    expect(text.ok ? [] : text.errors.map((error) => error.detail)).toEqual([
      'must be an object (got string)',
    ]);
  });

  it('a Rollout where another kind is required', () => {
    expect(validateRollout(fixture('analysisrun.yaml')).ok).toBe(false);
  });

  it('reports every problem, not only the first', () => {
    const manifest = fixture('rollout-canary.yaml');
    manifest.spec.replicas = -1;
    manifest.spec.strategy.canary.steps[2] = { setWeight: 101 };
    manifest.spec.strategy.canary.trafficRouting.nginx.stableIngres = 'typo';
    const result = validateResource(manifest);
    expect(result.ok ? [] : result.errors.map((error) => error.path)).toEqual([
      'spec.replicas',
      'spec.strategy.canary.steps[2].setWeight',
      'spec.strategy.canary.trafficRouting.nginx.stableIngres',
    ]);
  });
});

describe('validateKind', () => {
  it('validates against one kind', () => {
    const result = validateKind('AnalysisTemplate', fixture('analysistemplate-success-rate.yaml'));
    expect(result.ok && result.value.spec.metrics?.map((metric) => metric.name)).toEqual([
      'success-rate',
      'latency-p99',
    ]);
  });
});

describe('formatPath and describeObject', () => {
  it('formats paths like the API server', () => {
    expect(formatPath(['spec', 'strategy', 'canary', 'steps', 2, 'setWeight'])).toBe(
      'spec.strategy.canary.steps[2].setWeight',
    );
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe(
      'metadata.labels[app.kubernetes.io/name]',
    );
    expect(formatPath([])).toBe('');
  });

  it('names objects by kind, namespace and name', () => {
    expect(describeObject({ kind: 'Rollout', metadata: { name: 'a', namespace: 'b' } })).toBe('Rollout b/a');
    expect(describeObject({ kind: 'ClusterAnalysisTemplate', metadata: { name: 'a' } })).toBe(
      'ClusterAnalysisTemplate a',
    );
    expect(describeObject(42)).toBe('object <unnamed>');
  });
});
