import type { V1Service } from '@kubernetes/client-node';
import type { Condition, RolloutStatusView } from '../../strategies/types.ts';
import type { RolloutObject } from './rollout-object.ts';
import type { RolloutExperimentStep } from '../api/rollout.ts';
import { validateResource } from '../api/validate.ts';
import { semanticErrors } from '../api/semantics.ts';
import { serviceRefs } from './service-roles.ts';
import { abTestStickinessProblems } from '../traffic/stickiness-support.ts';
import { trafficStepProblems } from '../traffic/capabilities.ts';

/**
 * Why a Rollout that the API server accepted still cannot be acted on: schema or semantic
 * problems (src/api) and references to objects that do not exist. Each message names the field.
 */
export function specProblems(
  rollout: RolloutObject,
  service: (name: string) => V1Service | undefined,
  template: (name: string, clusterScope: boolean) => unknown,
): string[] {
  const problems = [...schemaProblems(rollout)];
  // The checks below read the spec as the schema describes it: not before it matches.
  if (problems.length > 0) return problems;
  problems.push(...missingTemplates(rollout, template));
  problems.push(...abTestStickinessProblems(rollout.spec));
  if (problems.length === 0) problems.push(...trafficStepProblems(rollout.spec));
  for (const { field, name } of serviceRefs(rollout.spec, rollout.status)) {
    if (!service(name)) problems.push(`${field}: Service "${name}" not found`);
  }
  return problems;
}

/** Status for a Rollout that cannot be acted on: phase Degraded and an InvalidSpec condition. */
export function invalidSpecStatus(
  rollout: RolloutObject,
  problems: string[],
  now: number,
): RolloutStatusView {
  const status = rollout.status ?? {};
  const message = `InvalidSpec: ${problems.join('; ')}`;
  const previous = status.conditions?.find((c) => c.type === 'InvalidSpec');
  const timestamp = new Date(now).toISOString();
  const condition: Condition = {
    type: 'InvalidSpec',
    status: 'True',
    reason: 'InvalidSpec',
    message,
    lastUpdateTime: previous?.message === message ? previous.lastUpdateTime : timestamp,
    lastTransitionTime: previous?.status === 'True' ? previous.lastTransitionTime : timestamp,
  };
  return {
    ...status,
    phase: 'Degraded',
    message,
    observedGeneration: rollout.metadata.generation ?? 0,
    conditions: [...(status.conditions ?? []).filter((c) => c.type !== 'InvalidSpec'), condition],
  };
}

/**
 * Schema and semantic problems of a Rollout object, memoized per object: informer caches hand
 * out the same object until the Rollout changes, so a resync of a settled Rollout does not pay
 * for validation again (it is most of a no-op reconcile's cost).
 */
const validatedObjects = new WeakMap<RolloutObject, readonly string[]>();

function schemaProblems(rollout: RolloutObject): readonly string[] {
  const known = validatedObjects.get(rollout);
  if (known) return known;
  const validated = validateResource({ apiVersion: 'bellwether.dev/v1alpha1', kind: 'Rollout', ...rollout });
  const problems = validated.ok
    ? semanticErrors(validated.value).map((e) => `${e.path}: ${e.detail}`)
    : validated.errors.map((e) => `${e.path}: ${e.detail}`);
  validatedObjects.set(rollout, problems);
  return problems;
}

/** The analyses of an experiment step (the core types the step as opaque: only the shell reads it). */
function experimentAnalyses(
  experiment: unknown,
): { templateName: string; clusterScope?: boolean }[] | undefined {
  return (experiment as Pick<RolloutExperimentStep, 'analyses'> | undefined)?.analyses;
}

/** Every AnalysisTemplate a step (an experiment step's analyses too), the background or a blue-green promotion analysis names must exist. */
function missingTemplates(
  rollout: RolloutObject,
  template: (name: string, clusterScope: boolean) => unknown,
): string[] {
  const canary = rollout.spec.strategy.canary;
  const refs: [string, { templateName: string; clusterScope?: boolean }[]][] = [];
  (canary?.steps ?? []).forEach((step, i) => {
    if (step.analysis)
      refs.push([`spec.strategy.canary.steps[${i}].analysis.templates`, step.analysis.templates]);
    (experimentAnalyses(step.experiment) ?? []).forEach((analysis, j) => {
      refs.push([`spec.strategy.canary.steps[${i}].experiment.analyses[${j}].templateName`, [analysis]]);
    });
  });
  if (canary?.analysis) refs.push(['spec.strategy.canary.analysis.templates', canary.analysis.templates]);
  const abTest = rollout.spec.strategy.abTest;
  (abTest?.steps ?? []).forEach((step, i) => {
    if (step.analysis)
      refs.push([`spec.strategy.abTest.steps[${i}].analysis.templates`, step.analysis.templates]);
  });
  if (abTest?.analysis) refs.push(['spec.strategy.abTest.analysis.templates', abTest.analysis.templates]);
  const blueGreen = rollout.spec.strategy.blueGreen;
  for (const field of ['prePromotionAnalysis', 'postPromotionAnalysis'] as const) {
    const analysis = blueGreen?.[field];
    if (analysis) refs.push([`spec.strategy.blueGreen.${field}.templates`, analysis.templates]);
  }
  const problems: string[] = [];
  for (const [field, templates] of refs) {
    for (const ref of templates) {
      if (template(ref.templateName, ref.clusterScope === true) === undefined) {
        const kind = ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
        problems.push(`${field}: ${kind} "${ref.templateName}" not found`);
      }
    }
  }
  return problems;
}
