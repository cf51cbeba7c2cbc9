/**
 * AnalysisTemplate composition (`spec.templates`), as Argo Rollouts resolves it: a template that
 * references other templates contributes their metrics, args, dryRun and measurementRetention
 * (recursively, depth first, each template once) next to its own. A reference cycle is an error
 * naming the template and the field (`AnalysisTemplate "a": spec.templates[0]: …`), as is a
 * reference to a template that does not exist. Duplicate metric names are left to the caller,
 * which reports them once for the whole run. Pure.
 */
import type { AnalysisTemplateReference, AnalysisTemplateSpec } from '../src/api/analysis.ts';

export type TemplateSource = (name: string, clusterScope: boolean) => AnalysisTemplateSpec | undefined;

export type FlattenOutcome = { ok: true; specs: AnalysisTemplateSpec[] } | { ok: false; error: string };

const kindOf = (ref: AnalysisTemplateReference) =>
  ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
const keyOf = (ref: AnalysisTemplateReference) => `${kindOf(ref)}/${ref.templateName}`;
const label = (ref: AnalysisTemplateReference) => `${kindOf(ref)} "${ref.templateName}"`;

/**
 * The specs a list of references stands for: each referenced template (its `templates` expanded
 * first), without `templates`. A template reached twice by different paths is included once.
 */
export function flattenTemplates(
  refs: readonly AnalysisTemplateReference[],
  source: TemplateSource,
): FlattenOutcome {
  const specs: AnalysisTemplateSpec[] = [];
  const done = new Set<string>();
  const visit = (
    ref: AnalysisTemplateReference,
    path: readonly AnalysisTemplateReference[],
  ): string | undefined => {
    const key = keyOf(ref);
    const cycleAt = path.findIndex((p) => keyOf(p) === key);
    if (cycleAt >= 0) {
      const chain = [...path.slice(cycleAt), ref].map((p) => p.templateName).join(' -> ');
      return `reference cycle ${chain}`;
    }
    if (done.has(key)) return undefined;
    const spec = source(ref.templateName, ref.clusterScope === true);
    if (!spec) return `${label(ref)} not found`;
    const nested = spec.templates ?? [];
    for (const [i, child] of nested.entries()) {
      const error = visit(child, [...path, ref]);
      if (error !== undefined)
        return error.includes(': spec.templates[') ? error : `${label(ref)}: spec.templates[${i}]: ${error}`;
    }
    done.add(key);
    const { templates: _templates, ...own } = spec;
    specs.push(own);
    return undefined;
  };
  for (const ref of refs) {
    const error = visit(ref, []);
    if (error !== undefined) return { ok: false, error };
  }
  return { ok: true, specs };
}

/** A template that lists itself (directly) in spec.templates: checked without a cluster (lint). */
export function selfReferences(
  name: string,
  clusterScoped: boolean,
  refs: readonly AnalysisTemplateReference[],
): number[] {
  return refs.flatMap((ref, i) =>
    ref.templateName === name && (ref.clusterScope === true) === clusterScoped ? [i] : [],
  );
}
