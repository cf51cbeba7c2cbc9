import type { AnalysisRun, AnalysisTemplateSpec, Argument, Metric } from '../../api/analysis.ts';
import type { AnalysisRunArgument } from '../../api/rollout.ts';
import type { AnalysisRunRequest } from '../../../strategies/types.ts';
import { mergeArgs } from '../../../analysis/args.ts';
import { flattenTemplates } from '../../../analysis/template-composition.ts';
import { resolveMetricLimits } from '../../../analysis/resolve-limits.ts';
import { analysisBlockOf } from './analysis-block.ts';
import { parseJsonPath, readPath } from '../../../analysis/json-path.ts';
import { rolloutOwnerReference, type RolloutObject } from '../rollout-object.ts';
import { podTemplateHashLabel } from '../../kube/names.ts';
import { API_VERSION } from '../../api/common.ts';
import { validateKind } from '../../api/validate.ts';

/** Labels that tie an AnalysisRun to the Rollout request it answers. */
export const analysisLabels = {
  rollout: 'bellwether.dev/rollout',
  id: 'bellwether.dev/analysis-id',
  kind: 'bellwether.dev/analysis-kind',
} as const;

export interface TemplateLookup {
  /** An AnalysisTemplate in the Rollout's namespace, or a ClusterAnalysisTemplate. */
  (name: string, clusterScope: boolean): AnalysisTemplateSpec | undefined;
}

export type RunOutcome = { ok: true; run: AnalysisRun } | { ok: false; error: string };

/**
 * The AnalysisRun for one strategy request: the templates' metrics, args, dryRun and
 * measurementRetention concatenated, with the Rollout's arguments applied. Rollout-side
 * `valueFrom` (podTemplateHashValue, fieldRef) is resolved here into literal values, because
 * the run outlives the moment it describes. Errors name the field at fault. Pure.
 */
export function analysisRunFromTemplates(
  rollout: RolloutObject,
  request: AnalysisRunRequest,
  template: TemplateLookup,
  hashes: { stable?: string; latest: string },
): RunOutcome {
  const invalid = invalidTemplate(request, template);
  if (invalid) return invalid;
  const callerArgs = resolveRolloutArgs(rollout, (request.args ?? []) as AnalysisRunArgument[], hashes);
  if (!callerArgs.ok) return callerArgs;
  const merged = runSpecFromTemplates(request.templates, template, callerArgs.args);
  if (!merged.ok) return merged;
  const { specs, metrics, args } = merged;
  // The Rollout may mark metrics dry-run, set their retention and label its runs.
  const asked = analysisBlockOf(rollout, request);
  const extra = asked?.analysisRunMetadata;
  const dryRun = [...specs.flatMap((s) => s.dryRun ?? []), ...(asked?.dryRun ?? [])];
  const measurementRetention = [
    ...specs.flatMap((s) => s.measurementRetention ?? []),
    ...(asked?.measurementRetention ?? []),
  ];
  const name = `${rollout.metadata.name}-${request.id}`.slice(0, 253);
  return {
    ok: true,
    run: {
      apiVersion: 'bellwether.dev/v1alpha1',
      kind: 'AnalysisRun',
      metadata: {
        name,
        namespace: rollout.metadata.namespace,
        // analysisRunMetadata first: the labels that tie the run to its request must not be overridden.
        labels: {
          ...extra?.labels,
          [analysisLabels.rollout]: rollout.metadata.name,
          [analysisLabels.id]: request.id,
          [analysisLabels.kind]: request.kind,
          [podTemplateHashLabel]: hashes.latest,
        },
        ...(extra?.annotations ? { annotations: { ...extra.annotations } } : {}),
        ownerReferences: [rolloutOwnerReference(rollout)],
      },
      spec: {
        metrics,
        ...(args.length > 0 ? { args } : {}),
        ...(dryRun.length > 0 ? { dryRun } : {}),
        ...(measurementRetention.length > 0 ? { measurementRetention } : {}),
      },
    },
  };
}

/**
 * The first referenced template that is missing or that the API server would not accept (a
 * cached one written before a CRD update): a problem to report, not a spec to read.
 */
function invalidTemplate(
  request: AnalysisRunRequest,
  template: TemplateLookup,
): { ok: false; error: string } | undefined {
  for (const ref of request.templates) {
    const spec = template(ref.templateName, ref.clusterScope === true);
    const kind = ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    if (!spec) return { ok: false as const, error: `${kind} "${ref.templateName}" not found` };
    // A cached template the API server would not accept (e.g. written before a CRD update) is a
    // problem to report, not a spec to read.
    const checked = validateKind(kind, {
      apiVersion: API_VERSION,
      kind,
      metadata: { name: ref.templateName },
      spec,
    });
    if (!checked.ok) {
      const [first] = checked.errors;
      return {
        ok: false as const,
        error: `${kind} "${ref.templateName}" is invalid: ${first?.path ?? ''}: ${first?.detail ?? ''}`,
      };
    }
  }
  return undefined;
}

/**
 * What a run takes from its templates, for a Rollout's runs and an Experiment's alike: the
 * templates (their `templates` expanded, as Argo merges them), their metrics (at least one, each
 * name once) with int-or-string limits resolved from the args, and the templates' args merged
 * with the caller's. Errors name the field at fault. Pure.
 */
export function runSpecFromTemplates(
  refs: readonly { templateName: string; clusterScope?: boolean | undefined }[],
  template: TemplateLookup,
  callerArgs: readonly Argument[],
):
  | { ok: true; specs: AnalysisTemplateSpec[]; metrics: Metric[]; args: Argument[] }
  | { ok: false; error: string } {
  const flattened = flattenTemplates(refs, template);
  if (!flattened.ok) return flattened;
  const specs = flattened.specs;
  const templateMetrics = specs.flatMap((s) => s.metrics ?? []);
  if (templateMetrics.length === 0) return { ok: false, error: 'the templates define no metrics' };
  const duplicate = templateMetrics.find((m, i) => templateMetrics.findIndex((o) => o.name === m.name) !== i);
  if (duplicate)
    return { ok: false, error: `metric "${duplicate.name}" is defined by more than one template` };
  const args = mergeArgs(uniqueByName(specs.flatMap((s) => s.args ?? [])), [...callerArgs]);
  if (!args.ok) return args;
  const limits = resolveMetricLimits(templateMetrics, args.value);
  if (!limits.ok) return limits;
  return { ok: true, specs, metrics: limits.value, args: args.value };
}

function uniqueByName(args: Argument[]): Argument[] {
  const seen = new Map<string, Argument>();
  for (const arg of args) if (!seen.has(arg.name)) seen.set(arg.name, arg);
  return [...seen.values()];
}

/** Rollout-side `valueFrom` (podTemplateHashValue, fieldRef) as literal values; errors name the arg. */
export function resolveRolloutArgs(
  rollout: RolloutObject,
  args: AnalysisRunArgument[],
  hashes: { stable?: string; latest: string },
): { ok: true; args: Argument[] } | { ok: false; error: string } {
  const resolved: Argument[] = [];
  for (const arg of args) {
    if (arg.value !== undefined) {
      resolved.push({ name: arg.name, value: arg.value });
      continue;
    }
    const from = arg.valueFrom;
    if (from?.podTemplateHashValue !== undefined) {
      const hash = from.podTemplateHashValue === 'Stable' ? (hashes.stable ?? hashes.latest) : hashes.latest;
      resolved.push({ name: arg.name, value: hash });
    } else if (from?.fieldRef !== undefined) {
      const path = parseJsonPath(from.fieldRef.fieldPath);
      if (!path.ok) return { ok: false, error: `args[${arg.name}].valueFrom.fieldRef: ${path.error}` };
      const found = readPath(rollout, path.segments);
      if (!found.found) {
        return {
          ok: false,
          error: `args[${arg.name}].valueFrom.fieldRef ${from.fieldRef.fieldPath}: ${found.error}`,
        };
      }
      resolved.push({
        name: arg.name,
        value: typeof found.value === 'string' ? found.value : JSON.stringify(found.value),
      });
    }
  }
  return { ok: true, args: resolved };
}
