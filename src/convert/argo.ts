/**
 * Argo Rollouts objects (argoproj.io/v1alpha1) to Bellwether ones: the same field names under
 * bellwether.dev/v1alpha1, so the conversion is the apiVersion, Argo `expr` conditions written as
 * the CEL they translate to, and every field the Bellwether schema does not know left out and
 * reported with its path. The result is validated with the API's schema and semantics. Pure.
 */
import { compileCondition } from '../../analysis/conditions.ts';
import { API_VERSION } from '../api/common.ts';
import { semanticErrors } from '../api/semantics.ts';
import { describeObject, SCHEMAS, validateResource } from '../api/validate.ts';
import { deleteAtPath } from './field-path.ts';
import type { Conversion, ConvertNote } from './report.ts';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** Set by the API server, not part of a manifest: left out without a note. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One Argo object to Bellwether; `status` and server-set metadata are not carried. */
export function convertArgoObject(source: Record<string, unknown>): Conversion {
  const object = describeObject(source);
  const notes: ConvertNote[] = [];
  const out = structuredClone(source);
  out.apiVersion = API_VERSION;
  delete out.status;
  if (isRecord(out.metadata)) for (const key of SERVER_METADATA) Reflect.deleteProperty(out.metadata, key);
  if (typeof out.kind !== 'string' || !Object.hasOwn(SCHEMAS, out.kind)) {
    notes.push({
      kind: 'dropped',
      object,
      path: 'kind',
      message: `${String(out.kind)} is not a Bellwether kind yet (kinds: ${Object.keys(SCHEMAS).join(', ')}); object not written`,
    });
    return { objects: [], notes };
  }
  notes.push(...translateConditions(out, object));
  // Unknown fields are reported all at once; leaving them out can only reveal errors elsewhere.
  for (let round = 0; round < 10; round++) {
    const result = validateResource(out);
    if (result.ok) {
      for (const error of semanticErrors(result.value))
        notes.push({ kind: 'invalid', object, path: error.path, message: error.detail });
      return { objects: [out], notes };
    }
    const unknown = result.errors.filter((e) => e.detail === 'unknown field');
    if (unknown.length === 0) {
      for (const error of result.errors)
        notes.push({ kind: 'invalid', object, path: error.path, message: error.detail });
      return { objects: [out], notes };
    }
    for (const error of unknown.sort((a, b) => b.path.localeCompare(a.path))) {
      if (deleteAtPath(out, error.path))
        notes.push({ kind: 'dropped', object, path: error.path, message: 'not supported by Bellwether' });
    }
  }
  notes.push({ kind: 'invalid', object, path: '', message: 'could not be made valid' });
  return { objects: [out], notes };
}

/** successCondition / failureCondition in Argo expr, rewritten as the CEL they translate to. */
function translateConditions(out: Record<string, unknown>, object: string): ConvertNote[] {
  const spec = out.spec;
  if (!isRecord(spec) || !Array.isArray(spec.metrics)) return [];
  const notes: ConvertNote[] = [];
  spec.metrics.forEach((metric: unknown, index) => {
    if (!isRecord(metric)) return;
    for (const field of ['successCondition', 'failureCondition'] as const) {
      const expression = metric[field];
      if (typeof expression !== 'string' || expression.includes('{{')) continue;
      const compiled = compileCondition(expression);
      if (!compiled.ok || compiled.condition.translatedFrom === undefined) continue;
      metric[field] = compiled.condition.expression;
      notes.push({
        kind: 'translated',
        object,
        path: `spec.metrics[${index}].${field}`,
        message: `Argo expr '${expression}' written as CEL '${compiled.condition.expression}'`,
      });
    }
  });
  return notes;
}
