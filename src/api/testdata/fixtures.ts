/**
 * Test fixtures: valid manifests (the YAML files next to this module) and invalid variants of
 * them, each with the field path the API server and `validateResource` must blame. The same
 * cases were checked against the apiextensions-apiserver v0.36.3 validators (schema + CEL).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- fixtures are plain JSON edited by path */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const HERE = dirname(fileURLToPath(import.meta.url));

export const FIXTURE_FILES = [
  'rollout-canary.yaml',
  'rollout-bluegreen.yaml',
  'rollout-rolling.yaml',
  'rollout-abtest.yaml',
  'analysistemplate-success-rate.yaml',
  'clusteranalysistemplate-web.yaml',
  'analysisrun.yaml',
] as const;
export type FixtureFile = (typeof FIXTURE_FILES)[number];

/** A JSON object whose nested values tests may poke at freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are mutated by path in tests
export type Manifest = Record<string, any>;

/** A fresh copy of a fixture (tests may mutate it). */
export function fixture(file: FixtureFile): Manifest {
  return load(readFileSync(join(HERE, file), 'utf8')) as Manifest;
}

export interface InvalidCase {
  name: string;
  file: FixtureFile;
  mutate: (manifest: Manifest) => void;
  /** The field path the error must name. */
  path: string;
  /** Part of the detail text, when the wording matters. */
  detail?: string;
}

const canary = (m: Manifest): Manifest => m.spec.strategy.canary as Manifest;
const abTest = (m: Manifest): Manifest => m.spec.strategy.abTest as Manifest;

export const INVALID_CASES: InvalidCase[] = [
  // --- Rollout: bounds and types
  {
    name: 'setWeight above 100',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[2] = { setWeight: 150 }),
    path: 'spec.strategy.canary.steps[2].setWeight',
    detail: 'must be at most 100',
  },
  {
    name: 'negative setWeight',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[2] = { setWeight: -1 }),
    path: 'spec.strategy.canary.steps[2].setWeight',
    detail: 'must be at least 0',
  },
  {
    name: 'replicaProgressThreshold Percent above 100',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).replicaProgressThreshold = { type: 'Percent', value: 150 }),
    path: 'spec.strategy.canary.replicaProgressThreshold.value',
    detail: 'a Percent value must be from 1 to 100',
  },
  {
    name: 'replicaProgressThreshold Pod 0',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).replicaProgressThreshold = { type: 'Pod', value: 0 }),
    path: 'spec.strategy.canary.replicaProgressThreshold.value',
    detail: 'must be at least 1',
  },
  {
    name: 'replicas as a string',
    file: 'rollout-canary.yaml',
    mutate: (m) => (m.spec.replicas = '3'),
    path: 'spec.replicas',
    detail: 'must be a number (got string)',
  },
  {
    name: 'missing selector',
    file: 'rollout-rolling.yaml',
    mutate: (m) => delete m.spec.selector,
    path: 'spec.selector',
    detail: 'required field is missing',
  },
  {
    name: 'maxSurge neither integer nor string',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).maxSurge = true),
    path: 'spec.strategy.canary.maxSurge',
    detail: 'must be an integer or a string',
  },
  {
    name: 'misspelt field',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[2] = { setWeigth: 10 }),
    path: 'spec.strategy.canary.steps[2].setWeigth',
    detail: 'unknown field',
  },
  {
    name: 'Service name that is not a DNS label',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).canaryService = 'Checkout_Canary'),
    path: 'spec.strategy.canary.canaryService',
  },
  {
    name: 'restartAt that is not a timestamp',
    file: 'rollout-rolling.yaml',
    mutate: (m) => (m.spec.restartAt = 'yesterday'),
    path: 'spec.restartAt',
  },
  {
    name: 'analysis with no templates',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[7].analysis.templates = []),
    path: 'spec.strategy.canary.steps[7].analysis.templates',
    detail: 'at least one',
  },
  {
    name: 'invalid status phase',
    file: 'rollout-rolling.yaml',
    mutate: (m) => (m.status = { phase: 'Unknown' }),
    path: 'status.phase',
    detail: 'must be one of: Healthy, Progressing, Paused, Degraded',
  },
  // --- Rollout: CEL rules
  {
    name: 'two actions in one step',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[2] = { setWeight: 10, pause: {} }),
    path: 'spec.strategy.canary.steps[2]',
    detail: 'at most one of setWeight, pause, analysis, experiment',
  },
  {
    name: 'empty step',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[2] = {}),
    path: 'spec.strategy.canary.steps[2]',
    detail: 'at least one of',
  },
  {
    name: 'two strategies',
    file: 'rollout-bluegreen.yaml',
    mutate: (m) => (m.spec.strategy.rolling = {}),
    path: 'spec.strategy',
    detail: 'exactly one of rolling, canary, blueGreen, abTest',
  },
  {
    name: 'no strategy',
    file: 'rollout-bluegreen.yaml',
    mutate: (m) => (m.spec.strategy = {}),
    path: 'spec.strategy',
    detail: 'exactly one of rolling, canary, blueGreen, abTest',
  },
  {
    name: 'template and workloadRef',
    file: 'rollout-rolling.yaml',
    mutate: (m) => (m.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' }),
    path: 'spec',
    detail: 'exactly one of template, workloadRef',
  },
  {
    name: 'neither template nor workloadRef',
    file: 'rollout-rolling.yaml',
    mutate: (m) => delete m.spec.template,
    path: 'spec',
    detail: 'exactly one of template, workloadRef',
  },
  {
    name: 'progress deadline not above minReadySeconds',
    file: 'rollout-canary.yaml',
    mutate: (m) => (m.spec.progressDeadlineSeconds = 10),
    path: 'spec.progressDeadlineSeconds',
    detail: 'greater than minReadySeconds',
  },
  {
    name: 'canaryService equals stableService',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).canaryService = 'checkout-stable'),
    path: 'spec.strategy.canary.canaryService',
    detail: 'must be different',
  },
  {
    name: 'activeService equals previewService',
    file: 'rollout-bluegreen.yaml',
    mutate: (m) => (m.spec.strategy.blueGreen.previewService = 'storefront-active'),
    path: 'spec.strategy.blueGreen.previewService',
    detail: 'must be different',
  },
  {
    name: 'setCanaryScale with weight and replicas',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[0].setCanaryScale = { weight: 10, replicas: 2 }),
    path: 'spec.strategy.canary.steps[0].setCanaryScale',
  },
  {
    name: 'header match with exact and prefix',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[1].setHeaderRoute.match[0].headerValue = { exact: 'a', prefix: 'b' }),
    path: 'spec.strategy.canary.steps[1].setHeaderRoute.match[0].headerValue',
  },
  {
    name: 'trafficRouting without a router',
    file: 'rollout-canary.yaml',
    mutate: (m) => delete canary(m).trafficRouting.nginx,
    path: 'spec.strategy.canary.trafficRouting',
    detail: 'at least one of nginx, gatewayAPI, istio, smi',
  },
  {
    name: 'duplicate managed route',
    file: 'rollout-canary.yaml',
    mutate: (m) => canary(m).trafficRouting.managedRoutes.push({ name: 'header-route' }),
    path: 'spec.strategy.canary.trafficRouting.managedRoutes',
    detail: 'must be unique',
  },
  {
    name: 'analysis argument with value and valueFrom',
    file: 'rollout-canary.yaml',
    mutate: (m) => (canary(m).steps[7].analysis.args[0].valueFrom = { podTemplateHashValue: 'Stable' }),
    path: 'spec.strategy.canary.steps[7].analysis.args[0]',
  },
  {
    name: 'A/B split that does not add up',
    file: 'rollout-abtest.yaml',
    mutate: (m) => (abTest(m).split = { a: 50, b: 60 }),
    path: 'spec.strategy.abTest.split',
    detail: 'must equal 100',
  },
  {
    name: 'A/B sticky by cookie and header',
    file: 'rollout-abtest.yaml',
    mutate: (m) => (abTest(m).stickiness.header = { name: 'X-User' }),
    path: 'spec.strategy.abTest.stickiness',
  },
  {
    name: 'A/B variants on one Service',
    file: 'rollout-abtest.yaml',
    mutate: (m) => (abTest(m).variants.b.service = 'search-a'),
    path: 'spec.strategy.abTest.variants.b.service',
  },
  // --- analysis kinds
  {
    name: 'metric with two providers',
    file: 'clusteranalysistemplate-web.yaml',
    mutate: (m) => (m.spec.metrics[0].provider.prometheus = { address: 'http://p:9090', query: 'up' }),
    path: 'spec.metrics[0].provider',
    detail: 'exactly one of prometheus, web, job, comparison',
  },
  {
    name: 'metric with an empty provider',
    file: 'clusteranalysistemplate-web.yaml',
    mutate: (m) => (m.spec.metrics[0].provider = {}),
    path: 'spec.metrics[0].provider',
  },
  {
    name: 'metric without provider',
    file: 'clusteranalysistemplate-web.yaml',
    mutate: (m) => delete m.spec.metrics[0].provider,
    path: 'spec.metrics[0].provider',
    detail: 'required field is missing',
  },
  {
    name: 'duplicate metric names',
    file: 'analysistemplate-success-rate.yaml',
    mutate: (m) => (m.spec.metrics[1].name = 'success-rate'),
    path: 'spec.metrics',
    detail: 'metric names must be unique',
  },
  {
    name: 'duplicate argument names',
    file: 'analysistemplate-success-rate.yaml',
    mutate: (m) => m.spec.args.push({ name: 'service-name', value: 'x' }),
    path: 'spec.args',
    detail: 'argument names must be unique',
  },
  {
    name: 'interval that is not a duration',
    file: 'analysistemplate-success-rate.yaml',
    mutate: (m) => (m.spec.metrics[0].interval = 'five minutes'),
    path: 'spec.metrics[0].interval',
  },
  {
    name: 'negative consecutiveErrorLimit',
    file: 'analysistemplate-success-rate.yaml',
    mutate: (m) => (m.spec.metrics[0].consecutiveErrorLimit = -1),
    path: 'spec.metrics[0].consecutiveErrorLimit',
  },
  {
    name: 'argument from a Secret and a field',
    file: 'analysistemplate-success-rate.yaml',
    mutate: (m) => (m.spec.args[3].valueFrom.fieldRef = { fieldPath: 'metadata.name' }),
    path: 'spec.args[3].valueFrom',
  },
  {
    name: 'bearer and basic authentication',
    file: 'analysistemplate-success-rate.yaml',
    mutate: (m) =>
      (m.spec.metrics[1].provider.prometheus.authentication.bearer = {
        secretKeyRef: { name: 'token', key: 'token' },
      }),
    path: 'spec.metrics[1].provider.prometheus.authentication',
  },
  {
    name: 'unsupported web method',
    file: 'clusteranalysistemplate-web.yaml',
    mutate: (m) => (m.spec.metrics[0].provider.web.method = 'DELETE'),
    path: 'spec.metrics[0].provider.web.method',
  },
  {
    name: 'invalid run phase',
    file: 'analysisrun.yaml',
    mutate: (m) => (m.status.phase = 'Done'),
    path: 'status.phase',
  },
  {
    name: 'measurement without phase',
    file: 'analysisrun.yaml',
    mutate: (m) => delete m.status.metricResults[0].measurements[0].phase,
    path: 'status.metricResults[0].measurements[0].phase',
    detail: 'required field is missing',
  },
];
