/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- tests edit manifests as plain JSON */
import { describe, expect, it } from 'vitest';
import {
  analysisSemanticErrors,
  rolloutSemanticErrors,
  selectorMatches,
  semanticErrors,
} from './semantics.ts';
import { FIXTURE_FILES, fixture, type FixtureFile, type Manifest } from './testdata/fixtures.ts';
import { validateResource, type BellwetherResource } from './validate.ts';

/** Validates (schema must pass) and returns the semantic errors as `path: detail`. */
function problems(file: FixtureFile, mutate: (manifest: Manifest) => void = () => undefined): string[] {
  const manifest = fixture(file);
  mutate(manifest);
  const result = validateResource(manifest);
  if (!result.ok) throw new Error(`schema errors: ${result.errors.map((error) => error.message).join('; ')}`);
  return semanticErrors(result.value).map((error) => `${error.path}: ${error.detail}`);
}

const paths = (file: FixtureFile, mutate: (manifest: Manifest) => void) =>
  problems(file, mutate).map((problem) => problem.slice(0, problem.indexOf(': ')));

describe('semanticErrors', () => {
  it.each(FIXTURE_FILES)('finds nothing wrong with %s', (file) => {
    expect(problems(file)).toEqual([]);
  });

  it('names the object in the message', () => {
    const manifest = fixture('rollout-rolling.yaml');
    manifest.spec.template.metadata.labels.app = 'other';
    const result = validateResource(manifest);
    const errors = result.ok ? semanticErrors(result.value) : [];
    expect(errors).toEqual([
      {
        path: 'spec.template.metadata.labels[app]',
        detail: 'must be "worker" to match spec.selector.matchLabels ("other")',
        message:
          'Rollout jobs/worker: spec.template.metadata.labels[app]: must be "worker" to match spec.selector.matchLabels ("other")',
      },
    ]);
  });
});

describe('a gate never silently does nothing', () => {
  it('refuses an experiment template weight without trafficRouting, naming the field', () => {
    expect(
      problems('rollout-canary.yaml', (m) => {
        delete m.spec.strategy.canary.trafficRouting;
        delete m.spec.strategy.canary.canaryService;
        delete m.spec.strategy.canary.stableService;
      }).filter((problem) => problem.includes('.weight')),
    ).toEqual([
      'spec.strategy.canary.steps[8].experiment.templates[1].weight: requires trafficRouting (without a router no traffic can be sent to an experiment template)',
    ]);
  });

  it('refuses experiment template weights that leave the stable less than nothing, naming the last', () => {
    expect(
      problems('rollout-canary.yaml', (m) => {
        m.spec.strategy.canary.steps[8].experiment.templates[0].weight = 90;
      }).filter((problem) => problem.includes('.weight')),
    ).toEqual([
      expect.stringMatching(
        /^spec\.strategy\.canary\.steps\[8\]\.experiment\.templates\[1\]\.weight: the templates' weights \(\d+\) plus/,
      ),
    ]);
  });
});

describe('Rollout: selector and template', () => {
  it('requires the template labels to match matchLabels', () => {
    expect(problems('rollout-canary.yaml', (m) => delete m.spec.template.metadata.labels.app)).toEqual([
      'spec.template.metadata.labels[app]: must be "checkout" to match spec.selector.matchLabels (missing)',
    ]);
  });

  it('requires the template labels to match matchExpressions', () => {
    expect(paths('rollout-rolling.yaml', (m) => (m.spec.template.metadata.labels.tier = 'frontend'))).toEqual(
      ['spec.template.metadata.labels'],
    );
  });

  it('rejects an empty selector', () => {
    expect(paths('rollout-bluegreen.yaml', (m) => (m.spec.selector = {}))).toContain('spec.selector');
  });

  it('checks matchExpressions values against the operator', () => {
    expect(
      paths('rollout-rolling.yaml', (m) => {
        m.spec.selector.matchExpressions = [
          { key: 'tier', operator: 'In', values: [] },
          { key: 'app', operator: 'Exists', values: ['x'] },
        ];
      }),
    ).toEqual([
      'spec.selector.matchExpressions[0].values',
      'spec.selector.matchExpressions[1].values',
      'spec.template.metadata.labels',
    ]);
  });

  it('forbids the pod template hash label in the template', () => {
    expect(
      paths(
        'rollout-canary.yaml',
        (m) => (m.spec.template.metadata.labels['rollouts-pod-template-hash'] = 'abc'),
      ),
    ).toEqual(['spec.template.metadata.labels[rollouts-pod-template-hash]']);
  });

  it('requires at least one container', () => {
    expect(paths('rollout-canary.yaml', (m) => (m.spec.template.spec.containers = []))).toEqual([
      'spec.template.spec.containers',
    ]);
  });

  it('only supports workloadRef to an apps/v1 Deployment', () => {
    const refTo = (kind: string) => (m: Manifest) => {
      delete m.spec.template;
      m.spec.workloadRef = { apiVersion: 'apps/v1', kind, name: 'worker' };
    };
    expect(problems('rollout-rolling.yaml', refTo('Deployment'))).toEqual([]);
    expect(paths('rollout-rolling.yaml', refTo('StatefulSet'))).toEqual(['spec.workloadRef']);
  });
});

describe('Rollout: canary', () => {
  const canary = (m: Manifest): Manifest => m.spec.strategy.canary as Manifest;
  /** The canary fixture without a traffic router (and the features that need one). */
  const withoutRouter = (m: Manifest) => {
    const strategy = canary(m);
    delete strategy.trafficRouting;
    delete strategy.scaleDownDelaySeconds;
    delete strategy.dynamicStableScale;
    strategy.steps = strategy.steps.filter(
      (step: Manifest) =>
        step.setCanaryScale === undefined &&
        step.setHeaderRoute === undefined &&
        step.setMirrorRoute === undefined,
    );
    delete strategy.steps.find((step: Manifest) => step.experiment !== undefined).experiment.templates[1]
      .weight;
    delete strategy.analysis.startingStep;
  };

  it('accepts a canary without router when no step needs one', () => {
    expect(problems('rollout-canary.yaml', withoutRouter)).toEqual([]);
  });

  it('checks pause durations', () => {
    expect(
      problems('rollout-canary.yaml', (m) => (canary(m).steps[6].pause.duration = '10 minutes')),
    ).toEqual([
      'spec.strategy.canary.steps[6].pause.duration: must be seconds or a duration such as 30s, 5m, 1h (got "10 minutes")',
    ]);
    expect(paths('rollout-canary.yaml', (m) => (canary(m).steps[6].pause.duration = -5))).toEqual([
      'spec.strategy.canary.steps[6].pause.duration',
    ]);
    expect(problems('rollout-canary.yaml', (m) => (canary(m).steps[6].pause.duration = '90'))).toEqual([]);
  });

  it('requires canaryService and stableService with trafficRouting', () => {
    expect(paths('rollout-canary.yaml', (m) => delete canary(m).canaryService)).toEqual([
      'spec.strategy.canary.canaryService',
    ]);
  });

  it('requires header and mirror routes to be managed routes', () => {
    expect(
      problems('rollout-canary.yaml', (m) => (canary(m).steps[1].setHeaderRoute.name = 'other')),
    ).toEqual([
      'spec.strategy.canary.steps[1].setHeaderRoute.name: "other" must be listed in trafficRouting.managedRoutes',
    ]);
  });

  it('requires trafficRouting for route, scale and dynamic stable scaling (not for scale-down delays)', () => {
    expect(
      paths('rollout-canary.yaml', (m) => {
        withoutRouter(m);
        const strategy = canary(m);
        strategy.scaleDownDelaySeconds = 30;
        strategy.abortScaleDownDelaySeconds = 10;
        strategy.dynamicStableScale = true;
        strategy.steps.push(
          { setCanaryScale: { replicas: 1 } },
          { setHeaderRoute: { name: 'header-route' } },
          { setMirrorRoute: { name: 'mirror-route' } },
        );
      }),
    ).toEqual([
      'spec.strategy.canary.dynamicStableScale',
      'spec.strategy.canary.scaleDownDelaySeconds',
      'spec.strategy.canary.steps[9].setCanaryScale',
      'spec.strategy.canary.steps[10].setHeaderRoute',
      'spec.strategy.canary.steps[11].setMirrorRoute',
    ]);
  });

  it('keeps setWeight within maxTrafficWeight', () => {
    expect(paths('rollout-canary.yaml', (m) => (canary(m).trafficRouting.maxTrafficWeight = 50))).toEqual([
      'spec.strategy.canary.steps[9].setWeight',
      'spec.strategy.canary.steps[14].setWeight',
    ]);
  });

  it('checks analysis template names and argument names', () => {
    expect(
      paths('rollout-canary.yaml', (m) => {
        const analysis = canary(m).steps[7].analysis;
        analysis.templates[0].templateName = 'Success Rate';
        analysis.args.push({ name: 'app', value: 'x' });
      }),
    ).toEqual([
      'spec.strategy.canary.steps[7].analysis.templates[0].templateName',
      'spec.strategy.canary.steps[7].analysis.args[3].name',
    ]);
  });

  it('requires the background analysis to start within the steps', () => {
    expect(paths('rollout-canary.yaml', (m) => (canary(m).analysis.startingStep = 15))).toEqual([
      'spec.strategy.canary.analysis.startingStep',
    ]);
  });

  it('checks experiment names', () => {
    expect(
      paths('rollout-canary.yaml', (m) => {
        const experiment = canary(m).steps[8].experiment;
        experiment.templates[1].name = 'baseline';
        experiment.analyses.push({ name: 'compare', templateName: 'compare' });
      }),
    ).toEqual([
      'spec.strategy.canary.steps[8].experiment.templates[1].name',
      'spec.strategy.canary.steps[8].experiment.analyses[1].name',
    ]);
  });

  it('refuses an experiment arg naming no template of the experiment', () => {
    expect(
      paths('rollout-canary.yaml', (m) => {
        canary(m).steps[8].experiment.analyses[0].args.push(
          { name: 'x', value: '{{templates.nope.podTemplateHash}}' },
          { name: 'y', value: '{{ templates.candidate.podTemplateHash }}' },
        );
      }),
    ).toEqual(['spec.strategy.canary.steps[8].experiment.analyses[0].args[1].value']);
  });

  it("refuses valueFrom in an Experiment's own analyses (there is no Rollout to take it from)", () => {
    const experiment = {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'e' },
      spec: {
        templates: [
          {
            name: 'a',
            selector: { matchLabels: { app: 'a' } },
            template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c' }] } },
          },
        ],
        analyses: [
          {
            name: 'j',
            templateName: 't',
            args: [
              { name: 'h', valueFrom: { podTemplateHashValue: 'Stable' } },
              { name: 'k', value: '{{templates.a.podTemplateHash}}' },
            ],
          },
        ],
      },
    };
    const validated = validateResource(experiment);
    expect(validated.ok && semanticErrors(validated.value).map((e) => e.path)).toEqual([
      'spec.analyses[0].args[0].valueFrom',
    ]);
  });

  it('checks maxSurge and maxUnavailable', () => {
    expect(paths('rollout-canary.yaml', (m) => (canary(m).maxSurge = '25'))).toEqual([
      'spec.strategy.canary.maxSurge',
    ]);
    expect(paths('rollout-canary.yaml', (m) => (canary(m).maxSurge = '0%'))).toEqual([
      'spec.strategy.canary.maxUnavailable',
    ]);
  });
});

describe('Rollout: rolling and blue-green', () => {
  it('rejects a rolling update that can never progress', () => {
    expect(
      problems('rollout-rolling.yaml', (m) => (m.spec.strategy.rolling = { maxSurge: 0, maxUnavailable: 0 })),
    ).toEqual([
      'spec.strategy.rolling.maxUnavailable: must not be 0 when maxSurge is 0 (the update could never progress)',
    ]);
    expect(paths('rollout-rolling.yaml', (m) => (m.spec.strategy.rolling.maxUnavailable = -1))).toEqual([
      'spec.strategy.rolling.maxUnavailable',
    ]);
  });

  it('checks blue-green promotion analyses', () => {
    expect(
      paths('rollout-bluegreen.yaml', (m) => {
        m.spec.strategy.blueGreen.prePromotionAnalysis.args.push({ name: 'service-name', value: 'x' });
        m.spec.strategy.blueGreen.postPromotionAnalysis.templates[0].templateName = '-bad';
      }),
    ).toEqual([
      'spec.strategy.blueGreen.prePromotionAnalysis.args[1].name',
      'spec.strategy.blueGreen.postPromotionAnalysis.templates[0].templateName',
    ]);
  });
});

describe('Rollout: A/B test', () => {
  const abTest = (m: Manifest): Manifest => m.spec.strategy.abTest as Manifest;

  it('only lets the split grow, up to the declared split', () => {
    expect(
      problems('rollout-abtest.yaml', (m) => {
        abTest(m).steps[2].setSplit = { a: 95, b: 5 };
        abTest(m).steps[4].setSplit = { a: 40, b: 60 };
      }),
    ).toEqual([
      "spec.strategy.abTest.steps[2].setSplit.b: must not be lower than an earlier step's (10): splits only grow",
      'spec.strategy.abTest.steps[4].setSplit.b: must not exceed split.b (50), the split the test runs at',
    ]);
  });

  it('needs a layer-7 router for sticky variants', () => {
    expect(
      paths(
        'rollout-abtest.yaml',
        (m) => (abTest(m).trafficRouting = { smi: { trafficSplitName: 'search' } }),
      ),
    ).toEqual(['spec.strategy.abTest.trafficRouting']);
  });

  it('checks pauses and analyses in steps', () => {
    expect(
      paths('rollout-abtest.yaml', (m) => {
        abTest(m).steps[1].pause.duration = 'an hour';
        abTest(m).analysis.startingStep = 9;
      }),
    ).toEqual(['spec.strategy.abTest.steps[1].pause.duration', 'spec.strategy.abTest.analysis.startingStep']);
  });
});

describe('analysis templates and runs', () => {
  const metric = (m: Manifest, index: number): Manifest => m.spec.metrics[index] as Manifest;

  it('requires an interval when count is more than 1', () => {
    expect(problems('analysistemplate-success-rate.yaml', (m) => delete metric(m, 0).interval)).toEqual([
      'spec.metrics[0].interval: is required when count is more than 1',
    ]);
  });

  it('keeps limits within count', () => {
    expect(paths('analysistemplate-success-rate.yaml', (m) => (metric(m, 0).failureLimit = 4))).toEqual([
      'spec.metrics[0].failureLimit',
    ]);
  });

  it('rejects a count that is neither a number nor a placeholder', () => {
    expect(paths('analysistemplate-success-rate.yaml', (m) => (metric(m, 1).count = 'many'))).toEqual([
      'spec.metrics[1].count',
    ]);
  });

  it('requires every {{args.x}} placeholder to be declared', () => {
    expect(
      problems('analysistemplate-success-rate.yaml', (m) =>
        (m.spec.args as Manifest[]).splice(
          (m.spec.args as Manifest[]).findIndex((arg) => arg.name === 'api-token'),
          1,
        ),
      ),
    ).toEqual(['spec.metrics[0]: uses {{args.api-token}} but spec.args declares no argument "api-token"']);
  });

  it('requires dryRun and measurementRetention to name metrics', () => {
    expect(
      paths('analysistemplate-success-rate.yaml', (m) => {
        m.spec.dryRun.push({ metricName: 'nope' }, { metricName: '.*' });
        m.spec.measurementRetention[0].metricName = 'missing';
      }),
    ).toEqual(['spec.dryRun[1].metricName', 'spec.measurementRetention[0].metricName']);
  });

  it('requires http(s) URLs for providers', () => {
    expect(
      paths('clusteranalysistemplate-web.yaml', (m) => (metric(m, 0).provider.web.url = 'ftp://x')),
    ).toEqual(['spec.metrics[0].provider.web.url']);
    expect(
      paths('analysisrun.yaml', (m) => (metric(m, 0).provider.prometheus.address = 'prometheus:9090')),
    ).toEqual(['spec.metrics[0].provider.prometheus.address']);
  });

  it('dispatches by kind', () => {
    const result = validateResource(fixture('analysisrun.yaml'));
    const resource = result.ok ? result.value : undefined;
    expect(resource?.kind).toBe('AnalysisRun');
    if (
      resource !== undefined &&
      resource.kind !== 'Rollout' &&
      resource.kind !== 'Experiment' &&
      resource.kind !== 'RolloutGroup' &&
      resource.kind !== 'ClusterRolloutGroup'
    ) {
      expect(semanticErrors(resource)).toEqual(analysisSemanticErrors(resource));
    }
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'frontend' };

  it.each([
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['frontend', 'edge'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['frontend'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn' as const, values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' as const }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' as const }] }, false],
    [{}, true],
  ])('%j -> %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('rolloutSemanticErrors', () => {
  it('is what semanticErrors returns for a Rollout', () => {
    const result = validateResource(fixture('rollout-canary.yaml'));
    const rollout: BellwetherResource | undefined = result.ok ? result.value : undefined;
    if (rollout?.kind !== 'Rollout') throw new Error('expected a Rollout');
    expect(rolloutSemanticErrors(rollout)).toEqual(semanticErrors(rollout));
  });
});
