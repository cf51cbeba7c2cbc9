/**
 * Checks that the schema (and so the CRD) cannot express: the selector matches the template
 * labels, durations parse, routes a step sets are declared, a traffic router exists where a
 * feature needs one, splits only grow... Each error names the object and the field, in the same
 * shape as `validateResource`. Run them on objects that passed `validateResource`. Pure.
 */
import type { AnalysisRun, AnalysisTemplate, Argument, ClusterAnalysisTemplate, Metric } from './analysis.ts';
import type { IntOrString, LabelSelector } from './common.ts';
import type { Experiment } from './experiment.ts';
import { durationMs } from '../../strategies/kernel/duration.ts';
import { canaryServiceProblems } from './canary-services.ts';
import { kindsWith, routerKindList, routerTable } from './routers.ts';
import { providerFieldProblems } from './provider-fields.ts';
import { selfReferences } from '../../analysis/template-composition.ts';
import type {
  AbTestStrategy,
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  Rollout,
  RolloutAnalysis,
  RolloutAnalysisBackground,
  RolloutPause,
  TrafficRouting,
} from './rollout.ts';
import type { RolloutGroup } from './rollout-group.ts';
import { stageGraphProblems } from '../../strategies/group/stage-graph.ts';
import { validationError, type BellwetherResource, type ValidationError } from './validate.ts';
import { isPlaceholder, parseIntOrString } from '../../analysis/int-or-string.ts';
import { INT_OR_STRING_METRIC_FIELDS, limitMinimum } from '../../analysis/metric-spec.ts';

/** Label the controller adds to pods and ReplicaSets; a template must not set it. */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PERCENT = /^[0-9]+%$/;

/** Collects errors for one object. */
class Problems {
  readonly errors: ValidationError[] = [];
  constructor(private readonly obj: unknown) {}
  add(path: string, detail: string): void {
    this.errors.push(validationError(this.obj, path, detail));
  }
}

/** All semantic errors of a validated resource (none for kinds without semantic checks). Pure. */
export function semanticErrors(resource: BellwetherResource): ValidationError[] {
  switch (resource.kind) {
    case 'Rollout':
      return rolloutSemanticErrors(resource);
    case 'AnalysisTemplate':
    case 'ClusterAnalysisTemplate':
    case 'AnalysisRun':
      return analysisSemanticErrors(resource);
    case 'Experiment':
      return experimentSemanticErrors(resource);
    case 'RolloutGroup':
      return rolloutGroupSemanticErrors(resource);
    case 'ClusterRolloutGroup':
      return []; // its rules are all in the schema (perLabel with per: Label)
  }
}

/** Semantic errors of a RolloutGroup: its stages form a DAG over known names. Pure. */
export function rolloutGroupSemanticErrors(group: RolloutGroup): ValidationError[] {
  const problems = new Problems(group);
  for (const problem of stageGraphProblems(group.spec.stages ?? []))
    problems.add(problem.path, problem.message);
  return problems.errors;
}

// ---------------------------------------------------------------------------------------------
// Rollout
// ---------------------------------------------------------------------------------------------

/** Semantic errors of a Rollout that passed `validateResource`. Pure. */
export function rolloutSemanticErrors(rollout: Rollout): ValidationError[] {
  const problems = new Problems(rollout);
  checkSelector(rollout, problems);
  checkWorkloadRef(rollout, problems);
  const { strategy } = rollout.spec;
  if (strategy.rolling !== undefined) {
    checkSurge(strategy.rolling, 'spec.strategy.rolling', problems);
  }
  if (strategy.canary !== undefined) checkCanary(strategy.canary, 'spec.strategy.canary', problems);
  if (strategy.blueGreen !== undefined) {
    checkBlueGreen(strategy.blueGreen, 'spec.strategy.blueGreen', problems);
    checkRevisionLimit(rollout, strategy.blueGreen.scaleDownDelayRevisionLimit, problems);
  }
  if (strategy.abTest !== undefined) checkAbTest(strategy.abTest, 'spec.strategy.abTest', problems);
  return problems.errors;
}

/** Whether `labels` satisfy `selector` (Kubernetes label selector semantics). Pure. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, key);
    const value = labels[key];
    const ok =
      operator === 'In'
        ? present && value !== undefined && values.includes(value)
        : operator === 'NotIn'
          ? !present || value === undefined || !values.includes(value)
          : operator === 'Exists'
            ? present
            : !present;
    if (!ok) return false;
  }
  return true;
}

function checkSelector(rollout: Rollout, problems: Problems): void {
  const { selector, template } = rollout.spec;
  // without one, the referenced Deployment's selector is used; the controller checks it there
  if (selector === undefined) return;
  const matchLabels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) {
    problems.add('spec.selector', 'must not be empty (it would select every pod in the namespace)');
  }
  expressions.forEach(({ operator, values = [] }, index) => {
    const path = `spec.selector.matchExpressions[${index}].values`;
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      problems.add(path, `must not be empty for operator ${operator}`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      problems.add(path, `must be empty for operator ${operator}`);
    }
  });
  if (template === undefined) return;
  const labels = template.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) {
      const found = labels[key] === undefined ? 'missing' : `"${labels[key]}"`;
      problems.add(
        `spec.template.metadata.labels[${key}]`,
        `must be "${value}" to match spec.selector.matchLabels (${found})`,
      );
    }
  }
  if (!selectorMatches({ matchExpressions: expressions }, labels)) {
    problems.add('spec.template.metadata.labels', 'do not match spec.selector.matchExpressions');
  }
  if (Object.hasOwn(labels, POD_TEMPLATE_HASH_LABEL)) {
    problems.add(
      `spec.template.metadata.labels[${POD_TEMPLATE_HASH_LABEL}]`,
      'is set by the controller and must not be in the template',
    );
  }
  const containers = (template.spec as { containers?: unknown } | undefined)?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    problems.add('spec.template.spec.containers', 'must list at least one container');
  }
}

function checkWorkloadRef(rollout: Rollout, problems: Problems): void {
  const ref = rollout.spec.workloadRef;
  if (ref === undefined) return;
  if (ref.apiVersion !== 'apps/v1' || ref.kind !== 'Deployment') {
    problems.add(
      'spec.workloadRef',
      `must refer to an apps/v1 Deployment (got ${ref.apiVersion} ${ref.kind})`,
    );
  }
}

/** maxSurge / maxUnavailable: an integer or "N%", and not both zero. */
function checkSurge(
  spec: { maxSurge?: IntOrString | undefined; maxUnavailable?: IntOrString | undefined },
  path: string,
  problems: Problems,
): void {
  const isZero = (value: IntOrString | undefined) => value === 0 || value === '0%';
  for (const field of ['maxSurge', 'maxUnavailable'] as const) {
    const value = spec[field];
    if (typeof value === 'number' && value < 0) problems.add(`${path}.${field}`, 'must not be negative');
    if (typeof value === 'string' && !PERCENT.test(value)) {
      problems.add(`${path}.${field}`, `must be an integer or a percentage such as "25%" (got "${value}")`);
    }
  }
  if (isZero(spec.maxSurge) && isZero(spec.maxUnavailable)) {
    problems.add(
      `${path}.maxUnavailable`,
      'must not be 0 when maxSurge is 0 (the update could never progress)',
    );
  }
}

function checkPause(pause: RolloutPause, path: string, problems: Problems): void {
  if (pause.duration !== undefined && durationMs(pause.duration) === undefined) {
    problems.add(
      `${path}.duration`,
      `must be seconds or a duration such as 30s, 5m, 1h (got ${JSON.stringify(pause.duration)})`,
    );
  }
}

function checkArgs(args: readonly { name: string }[] | undefined, path: string, problems: Problems): void {
  const seen = new Set<string>();
  (args ?? []).forEach(({ name }, index) => {
    if (seen.has(name)) problems.add(`${path}[${index}].name`, `duplicate argument "${name}"`);
    seen.add(name);
  });
}

function checkAnalysis(
  analysis: RolloutAnalysis | RolloutAnalysisBackground,
  path: string,
  problems: Problems,
): void {
  analysis.templates.forEach(({ templateName }, index) => {
    if (!DNS1123_SUBDOMAIN.test(templateName)) {
      problems.add(
        `${path}.templates[${index}].templateName`,
        `must be a valid object name (lower case letters, digits, '-', '.'; got "${templateName}")`,
      );
    }
  });
  checkArgs(analysis.args, `${path}.args`, problems);
}

function hasRouter(routing: TrafficRouting | undefined): routing is TrafficRouting {
  return routing !== undefined;
}

function checkCanary(canary: CanaryStrategy, path: string, problems: Problems): void {
  checkSurge(canary, path, problems);
  const routing = canary.trafficRouting;
  for (const problem of canaryServiceProblems(canary)) problems.add(`${path}${problem.path}`, problem.detail);
  if (!hasRouter(routing)) {
    // Unlike Argo Rollouts, scaleDownDelaySeconds and abortScaleDownDelaySeconds also apply
    // without a router (the old ReplicaSet keeps its pods for the delay); only dynamic stable
    // scaling needs a router, since without one the replica ratio is the traffic weight.
    if (canary.dynamicStableScale === true) {
      problems.add(`${path}.dynamicStableScale`, 'can only be used with trafficRouting');
    }
    if (canary.minPodsPerReplicaSet !== undefined) {
      problems.add(
        `${path}.minPodsPerReplicaSet`,
        'requires trafficRouting (without a router the share of pods is the traffic weight)',
      );
    }
  }
  if (canary.dynamicStableScale === true && canary.scaleDownDelaySeconds !== undefined) {
    problems.add(`${path}.scaleDownDelaySeconds`, 'cannot be used with dynamicStableScale');
  }
  const steps = canary.steps ?? [];
  let canaryPercent = 0;
  steps.forEach((step, index) => {
    checkCanaryStep(step, `${path}.steps[${index}]`, routing, problems);
    if (step.setWeight !== undefined)
      canaryPercent = (step.setWeight * 100) / (routing?.maxTrafficWeight ?? 100);
    checkExperimentWeights(step, `${path}.steps[${index}]`, canaryPercent, problems);
  });
  if (canary.analysis !== undefined) {
    checkAnalysis(canary.analysis, `${path}.analysis`, problems);
    const start = canary.analysis.startingStep;
    if (start !== undefined && steps.length > 0 && start >= steps.length) {
      problems.add(
        `${path}.analysis.startingStep`,
        `must be less than the number of steps (${steps.length})`,
      );
    }
  }
}

/** The experiment templates' weights and the canary's weight at the step leave the stable something. */
function checkExperimentWeights(
  step: CanaryStep,
  path: string,
  canaryPercent: number,
  problems: Problems,
): void {
  const templates = step.experiment?.templates ?? [];
  const total = templates.reduce((sum, t) => sum + (t.weight ?? 0), 0);
  const last = templates.findLastIndex((t) => t.weight !== undefined);
  if (last >= 0 && canaryPercent + total > 100) {
    problems.add(
      `${path}.experiment.templates[${last}].weight`,
      `the templates' weights (${total}) plus the canary's weight at this step (${canaryPercent}) exceed 100`,
    );
  }
}

function checkCanaryStep(
  step: CanaryStep,
  path: string,
  routing: TrafficRouting | undefined,
  problems: Problems,
): void {
  const managed = new Set((routing?.managedRoutes ?? []).map((route) => route.name));
  if (
    step.setWeight !== undefined &&
    routing?.maxTrafficWeight !== undefined &&
    step.setWeight > routing.maxTrafficWeight
  ) {
    problems.add(
      `${path}.setWeight`,
      `must not exceed trafficRouting.maxTrafficWeight (${routing.maxTrafficWeight})`,
    );
  }
  if (step.pause !== undefined) checkPause(step.pause, `${path}.pause`, problems);
  if (step.analysis !== undefined) checkAnalysis(step.analysis, `${path}.analysis`, problems);
  if (step.setCanaryScale !== undefined && !hasRouter(routing)) {
    problems.add(`${path}.setCanaryScale`, 'requires trafficRouting (without it the scale is the weight)');
  }
  for (const action of ['setHeaderRoute', 'setMirrorRoute'] as const) {
    const route = step[action];
    if (route === undefined) continue;
    if (!hasRouter(routing)) problems.add(`${path}.${action}`, 'requires trafficRouting');
    else if (!managed.has(route.name)) {
      problems.add(
        `${path}.${action}.name`,
        `"${route.name}" must be listed in trafficRouting.managedRoutes`,
      );
    }
  }
  if (step.experiment !== undefined) {
    const experiment = step.experiment;
    const templateNames = new Set<string>();
    experiment.templates.forEach((template, index) => {
      const templatePath = `${path}.experiment.templates[${index}]`;
      if (templateNames.has(template.name))
        problems.add(`${templatePath}.name`, `duplicate name "${template.name}"`);
      templateNames.add(template.name);
      // A weight the router would not carry is refused, never ignored (src/traffic/capabilities.ts
      // names the routers that cannot carry one).
      if (template.weight !== undefined && !hasRouter(routing)) {
        problems.add(
          `${templatePath}.weight`,
          'requires trafficRouting (without a router no traffic can be sent to an experiment template)',
        );
      }
    });
    const analysisNames = new Set<string>();
    (experiment.analyses ?? []).forEach((analysis, index) => {
      const analysisPath = `${path}.experiment.analyses[${index}]`;
      if (analysisNames.has(analysis.name))
        problems.add(`${analysisPath}.name`, `duplicate name "${analysis.name}"`);
      analysisNames.add(analysis.name);
      // valueFrom is resolved against the Rollout when the step creates its Experiment
      checkExperimentArgs(analysis.args, `${analysisPath}.args`, templateNames, problems, true);
    });
  }
}

const TEMPLATE_HASH_REF = /\{\{\s*templates\.([A-Za-z0-9_.-]+)\.podTemplateHash\s*\}\}/g;

/**
 * An experiment analysis' args (a step's or an Experiment's): `{{templates.<name>.podTemplateHash}}`
 * must name one of the experiment's templates; an Experiment's own args are literal values only
 * (it has no Rollout to take a valueFrom from).
 */
function checkExperimentArgs(
  args: readonly { name: string; value?: string | undefined; valueFrom?: unknown }[] | undefined,
  path: string,
  templateNames: ReadonlySet<string>,
  problems: Problems,
  valueFromAllowed = false,
): void {
  checkArgs(args, path, problems);
  (args ?? []).forEach((arg, index) => {
    if (arg.valueFrom !== undefined && !valueFromAllowed) {
      problems.add(
        `${path}[${index}].valueFrom`,
        'is not carried out in an Experiment’s analyses: use value ({{templates.<name>.podTemplateHash}} gives a template’s pod hash)',
      );
    }
    for (const [, name] of (arg.value ?? '').matchAll(TEMPLATE_HASH_REF)) {
      if (name !== undefined && !templateNames.has(name))
        problems.add(`${path}[${index}].value`, `names no template of the experiment ("${name}")`);
    }
  });
}

/** Argo's rule (blue-green): revisionHistoryLimit must keep the ReplicaSets the delay keeps. */
function checkRevisionLimit(rollout: Rollout, limit: number | undefined, problems: Problems): void {
  const history = rollout.spec.revisionHistoryLimit;
  if (limit !== undefined && history < limit) {
    problems.add(
      'spec.strategy.blueGreen.scaleDownDelayRevisionLimit',
      `must not exceed revisionHistoryLimit (${history})`,
    );
  }
}

function checkBlueGreen(blueGreen: BlueGreenStrategy, path: string, problems: Problems): void {
  checkSurge({ maxUnavailable: blueGreen.maxUnavailable }, path, problems);
  if (blueGreen.prePromotionAnalysis !== undefined) {
    checkAnalysis(blueGreen.prePromotionAnalysis, `${path}.prePromotionAnalysis`, problems);
  }
  if (blueGreen.postPromotionAnalysis !== undefined) {
    checkAnalysis(blueGreen.postPromotionAnalysis, `${path}.postPromotionAnalysis`, problems);
  }
}

function checkAbTest(abTest: AbTestStrategy, path: string, problems: Problems): void {
  const routing = abTest.trafficRouting;
  if (!routerKindList.some((kind) => routing[kind] !== undefined && routerTable[kind].abVariants)) {
    problems.add(
      `${path}.trafficRouting`,
      `needs ${kindsWith((c) => c.abVariants)}: sticky variants need a layer-7 router (smi cannot keep users on a variant)`,
    );
  }
  let previousB = 0;
  (abTest.steps ?? []).forEach((step, index) => {
    const stepPath = `${path}.steps[${index}]`;
    if (step.pause !== undefined) checkPause(step.pause, `${stepPath}.pause`, problems);
    if (step.analysis !== undefined) checkAnalysis(step.analysis, `${stepPath}.analysis`, problems);
    if (step.setSplit !== undefined) {
      const { b } = step.setSplit;
      if (b < previousB) {
        problems.add(
          `${stepPath}.setSplit.b`,
          `must not be lower than an earlier step's (${previousB}): splits only grow`,
        );
      }
      if (b > abTest.split.b) {
        problems.add(
          `${stepPath}.setSplit.b`,
          `must not exceed split.b (${abTest.split.b}), the split the test runs at`,
        );
      }
      previousB = Math.max(previousB, b);
    }
  });
  if (abTest.analysis !== undefined) {
    checkAnalysis(abTest.analysis, `${path}.analysis`, problems);
    const steps = abTest.steps ?? [];
    const start = abTest.analysis.startingStep;
    if (start !== undefined && steps.length > 0 && start >= steps.length) {
      problems.add(
        `${path}.analysis.startingStep`,
        `must be less than the number of steps (${steps.length})`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Experiment
// ---------------------------------------------------------------------------------------------

/** Semantic errors of an Experiment that passed `validateResource`. Pure. */
export function experimentSemanticErrors(experiment: Experiment): ValidationError[] {
  const problems = new Problems(experiment);
  experiment.spec.templates.forEach((template, index) => {
    const path = `spec.templates[${index}]`;
    const labels = template.template.metadata?.labels ?? {};
    if (!selectorMatches(template.selector, labels)) {
      problems.add(`${path}.selector`, 'does not match the template labels');
    }
    if (
      Object.keys(template.selector.matchLabels ?? {}).length === 0 &&
      (template.selector.matchExpressions ?? []).length === 0
    ) {
      problems.add(`${path}.selector`, 'must not be empty (it would select every pod in the namespace)');
    }
  });
  const templateNames = new Set(experiment.spec.templates.map((t) => t.name));
  (experiment.spec.analyses ?? []).forEach((analysis, index) => {
    checkExperimentArgs(analysis.args, `spec.analyses[${index}].args`, templateNames, problems);
  });
  return problems.errors;
}

// ---------------------------------------------------------------------------------------------
// AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun
// ---------------------------------------------------------------------------------------------

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{.+\}\}$/;
const REGEX_CHARS = /[.*+?^${}()|[\]\\]/;

/** Semantic errors of an analysis template or run that passed `validateResource`. Pure. */
export function analysisSemanticErrors(
  resource: AnalysisTemplate | ClusterAnalysisTemplate | AnalysisRun,
): ValidationError[] {
  const problems = new Problems(resource);
  const { args } = resource.spec;
  const metrics = resource.spec.metrics ?? [];
  const declared = new Set((args ?? []).map((arg: Argument) => arg.name));
  metrics.forEach((metric, index) => {
    checkMetric(metric, `spec.metrics[${index}]`, declared, problems);
    for (const problem of providerFieldProblems(metric))
      problems.add(`spec.metrics[${index}]${problem.path}`, problem.detail);
  });
  if (resource.kind !== 'AnalysisRun') {
    const clusterScoped = resource.kind === 'ClusterAnalysisTemplate';
    for (const index of selfReferences(
      resource.metadata.name ?? '',
      clusterScoped,
      resource.spec.templates ?? [],
    ))
      problems.add(`spec.templates[${index}]`, 'a template cannot include itself (reference cycle)');
  }
  const names = new Set(metrics.map((metric) => metric.name));
  for (const field of ['dryRun', 'measurementRetention'] as const) {
    (resource.spec[field] ?? []).forEach(({ metricName }, index) => {
      // With spec.templates the metric may come from an included template (checked at run creation).
      const composed = resource.kind !== 'AnalysisRun' && (resource.spec.templates ?? []).length > 0;
      if (!REGEX_CHARS.test(metricName) && !names.has(metricName) && !composed) {
        problems.add(`spec.${field}[${index}].metricName`, `no metric is named "${metricName}"`);
      }
    });
  }
  return problems.errors;
}

/** An int-or-string metric field's integer, when it holds one now (not a placeholder). */
function intValue(value: IntOrString | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseIntOrString(value, 0);
  return parsed.ok ? parsed.value : undefined;
}

/** count and the limits: integers >= 0 now, or placeholders checked when the run is made. */
function checkLimits(metric: Metric, path: string, problems: Problems): void {
  for (const field of INT_OR_STRING_METRIC_FIELDS) {
    const value = metric[field];
    if (value === undefined || isPlaceholder(value)) continue;
    const parsed = parseIntOrString(value, limitMinimum(field));
    if (!parsed.ok) {
      problems.add(`${path}.${field}`, `${parsed.error}; use an integer or an argument placeholder`);
    }
  }
  const count = intValue(metric.count);
  if (count !== undefined && count > 1 && metric.interval === undefined) {
    problems.add(`${path}.interval`, 'is required when count is more than 1');
  }
  if (count === undefined || count === 0) return;
  for (const field of ['failureLimit', 'inconclusiveLimit'] as const) {
    const limit = intValue(metric[field]);
    if (limit !== undefined && limit > count)
      problems.add(`${path}.${field}`, `must not exceed count (${count})`);
  }
}

function checkMetric(metric: Metric, path: string, declared: ReadonlySet<string>, problems: Problems): void {
  checkLimits(metric, path, problems);
  const prometheus = metric.provider.prometheus;
  if (
    prometheus !== undefined &&
    !/^https?:\/\//.test(prometheus.address) &&
    !WHOLE_PLACEHOLDER.test(prometheus.address)
  ) {
    problems.add(
      `${path}.provider.prometheus.address`,
      `must be an http(s) URL (got "${prometheus.address}")`,
    );
  }
  const comparison = metric.provider.comparison;
  if (
    comparison !== undefined &&
    !/^https?:\/\//.test(comparison.address) &&
    !WHOLE_PLACEHOLDER.test(comparison.address)
  ) {
    problems.add(
      `${path}.provider.comparison.address`,
      `must be an http(s) URL (got "${comparison.address}")`,
    );
  }
  const web = metric.provider.web;
  if (web !== undefined && !/^https?:\/\//.test(web.url) && !web.url.startsWith('{{')) {
    problems.add(`${path}.provider.web.url`, `must be an http(s) URL (got "${web.url}")`);
  }
  const text = JSON.stringify(metric);
  const missing = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (name !== undefined && !declared.has(name)) missing.add(name);
  }
  for (const name of missing) {
    problems.add(path, `uses {{args.${name}}} but spec.args declares no argument "${name}"`);
  }
}
