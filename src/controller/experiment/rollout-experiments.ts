/**
 * The Experiments of a Rollout's canary experiment steps: built from the step (templates with
 * specRef stable / canary take the stable ReplicaSet's or spec.template's pod template), owned by
 * the Rollout, labelled with the request id; their phase goes back to the core under that id,
 * as an AnalysisRun's would. Running Experiments no longer requested are terminated.
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { RolloutExperimentStep } from '../../api/rollout.ts';
import type { AnalysisRunView, ExperimentRequest } from '../../../strategies/types.ts';
import { isFinishedPhase } from '../../../strategies/experiment/decide.ts';
import { analysisLabels, resolveRolloutArgs } from '../analysis/analysis-run-from-templates.ts';
import { podTemplateHashLabel } from '../../kube/names.ts';
import { rolloutOwnerReference, type RolloutObject } from '../rollout-object.ts';
import type { ExperimentObject } from './experiment-objects.ts';
import type { ExperimentWriter } from './experiment-writer.ts';

/** The Rollout's Experiments (`owned`: those it controls, from the owner index) that a step asked for. */
export function ownedExperiments(owned: readonly ExperimentObject[]): ExperimentObject[] {
  return owned.filter((exp) => exp.metadata.labels?.[analysisLabels.id] !== undefined);
}

export function experimentViews(experiments: readonly ExperimentObject[]): AnalysisRunView[] {
  return experiments.map((exp) => ({
    id: exp.metadata.labels?.[analysisLabels.id] ?? '',
    name: exp.metadata.name,
    phase: exp.status?.phase ?? 'Pending',
    ...(exp.status?.message === undefined ? {} : { message: exp.status.message }),
  }));
}

/**
 * The Experiment for one step; an error names the field when it cannot be built. `stable` is the
 * stable ReplicaSet's pod template (read from the API server: the cache keeps no pod templates).
 */
export function experimentForStep(
  rollout: RolloutObject,
  request: ExperimentRequest,
  stable: V1PodTemplateSpec | undefined,
  hashes: { stable?: string; latest: string },
): { ok: true; body: object } | { ok: false; error: string } {
  const path = `spec.strategy.canary.steps[${request.stepIndex}].experiment`;
  const step = rollout.spec.strategy.canary?.steps?.[request.stepIndex]?.experiment as
    RolloutExperimentStep | undefined;
  if (step === undefined) return { ok: false, error: `${path}: missing` };
  const analyses = resolvedAnalyses(rollout, step, hashes, path);
  if (!analyses.ok) return analyses;
  const templates = [];
  for (const [index, t] of step.templates.entries()) {
    const source = t.specRef === 'stable' ? stable : rollout.spec.template;
    if (source === undefined)
      return { ok: false, error: `${path}.templates[${index}].specRef: no ${t.specRef} pod template yet` };
    const template = podTemplateFor(source, t);
    templates.push({
      name: t.name,
      replicas: t.replicas ?? 1,
      selector: t.selector ?? rollout.spec.selector,
      template,
      // A weighted template gets a Service for the router to send its share to (as in Argo).
      ...(t.service === undefined && t.weight === undefined ? {} : { service: t.service ?? {} }),
    });
  }
  return {
    ok: true,
    body: {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'Experiment',
      metadata: {
        name: `${rollout.metadata.name}-${request.id}`.slice(0, 253),
        namespace: rollout.metadata.namespace,
        labels: { [analysisLabels.rollout]: rollout.metadata.name, [analysisLabels.id]: request.id },
        ownerReferences: [rolloutOwnerReference(rollout)],
      },
      spec: {
        ...(step.duration === undefined ? {} : { duration: step.duration }),
        templates,
        ...(step.analyses === undefined ? {} : { analyses: analyses.analyses }),
        ...(step.dryRun === undefined ? {} : { dryRun: step.dryRun }),
      },
    },
  };
}

/** The template's pods: the source pod template with the template's own labels and annotations, no hash label. */
function podTemplateFor(
  source: V1PodTemplateSpec,
  t: RolloutExperimentStep['templates'][number],
): V1PodTemplateSpec {
  const labels = Object.fromEntries(
    Object.entries({ ...(source.metadata?.labels ?? {}), ...(t.metadata?.labels ?? {}) }).filter(
      ([key]) => key !== podTemplateHashLabel,
    ),
  );
  const plain = source as { metadata?: object; spec?: unknown };
  return {
    spec: plain.spec,
    metadata: {
      ...(plain.metadata ?? {}),
      labels,
      annotations: { ...(source.metadata?.annotations ?? {}), ...(t.metadata?.annotations ?? {}) },
    },
  } as V1PodTemplateSpec;
}

/** The step's analyses with Rollout-side valueFrom (podTemplateHashValue, fieldRef) made literal. */
function resolvedAnalyses(
  rollout: RolloutObject,
  step: RolloutExperimentStep,
  hashes: { stable?: string; latest: string },
  path: string,
): { ok: true; analyses: RolloutExperimentStep['analyses'] } | { ok: false; error: string } {
  const analyses = [];
  for (const [index, analysis] of (step.analyses ?? []).entries()) {
    const args = resolveRolloutArgs(rollout, analysis.args ?? [], hashes);
    if (!args.ok) return { ok: false, error: `${path}.analyses[${index}].${args.error}` };
    analyses.push({ ...analysis, ...(analysis.args === undefined ? {} : { args: args.args }) });
  }
  return { ok: true, analyses };
}

/** Creates the requested Experiments that are missing; terminates running ones not requested. */
export async function syncExperiments(
  rollout: RolloutObject,
  requests: readonly ExperimentRequest[],
  experiments: readonly ExperimentObject[],
  stableTemplate: () => Promise<V1PodTemplateSpec | undefined>,
  hashes: { stable?: string; latest: string },
  writer: ExperimentWriter,
): Promise<string[]> {
  const namespace = rollout.metadata.namespace;
  const byId = new Set(experiments.map((exp) => exp.metadata.labels?.[analysisLabels.id] ?? ''));
  const problems: string[] = [];
  for (const request of requests) {
    if (byId.has(request.id)) continue;
    const built = experimentForStep(rollout, request, await stableTemplate(), hashes);
    if (!built.ok) problems.push(built.error);
    else await writer.createExperiment(namespace, built.body);
  }
  const requested = new Set(requests.map((r) => r.id));
  for (const exp of experiments) {
    const id = exp.metadata.labels?.[analysisLabels.id] ?? '';
    if (requested.has(id) || isFinishedPhase(exp.status?.phase) || exp.spec.terminate === true) continue;
    await writer.terminateExperiment(namespace, exp.metadata.name);
  }
  return problems;
}
