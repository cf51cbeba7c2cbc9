/**
 * `bellwether convert`: Argo Rollouts and Flagger objects in, Bellwether objects out, with a note
 * for everything not carried as it was. Each written object is validated with the API's schema
 * and semantics (a failure is an `invalid` note). Pure: text in, text and notes out.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { semanticErrors } from '../api/semantics.ts';
import { describeObject, validateResource } from '../api/validate.ts';
import { ARGO_API_VERSION, convertArgoObject } from './argo.ts';
import { FLAGGER_API_VERSION, convertFlaggerCanary } from './flagger.ts';
import type { Conversion, ConvertNote } from './report.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One source object to Bellwether objects (other objects, e.g. Services, pass through unchanged). */
export function convertObject(source: Record<string, unknown>): Conversion {
  if (source.apiVersion === ARGO_API_VERSION) return convertArgoObject(source);
  if (typeof source.apiVersion === 'string' && source.apiVersion.startsWith('flagger.app/')) {
    if (source.kind === 'Canary') {
      const converted = convertFlaggerCanary(source);
      if (source.apiVersion !== FLAGGER_API_VERSION)
        converted.notes.push({
          kind: 'mapped',
          object: describeObject(source),
          path: 'apiVersion',
          message: `read as ${FLAGGER_API_VERSION}`,
        });
      return { objects: converted.objects, notes: [...converted.notes, ...validated(converted.objects)] };
    }
    return {
      objects: [],
      notes: [
        {
          kind: 'dropped',
          object: describeObject(source),
          path: 'kind',
          message: `Flagger ${String(source.kind)} objects are not converted`,
        },
      ],
    };
  }
  return { objects: [source], notes: [] };
}

/** Schema and semantic problems of objects this converter built. */
function validated(objects: readonly Record<string, unknown>[]): ConvertNote[] {
  const notes: ConvertNote[] = [];
  for (const obj of objects) {
    const result = validateResource(obj);
    const errors = result.ok ? semanticErrors(result.value) : result.errors;
    for (const error of errors)
      notes.push({ kind: 'invalid', object: describeObject(obj), path: error.path, message: error.detail });
  }
  return notes;
}

/** A YAML stream (one or more documents) to a YAML stream of the converted objects. */
export function convertYaml(text: string): { yaml: string; notes: ConvertNote[] } {
  const notes: ConvertNote[] = [];
  const out: Record<string, unknown>[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      notes.push({ kind: 'invalid', object: '', path: '', message: `YAML: ${doc.errors[0]?.message ?? ''}` });
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const items =
      isRecord(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (!isRecord(item)) {
        notes.push({ kind: 'invalid', object: '', path: '', message: 'a document is not an object' });
        continue;
      }
      const converted = convertObject(item);
      out.push(...converted.objects);
      notes.push(...converted.notes);
    }
  }
  return { yaml: out.map((obj) => stringify(obj, { lineWidth: 0 })).join('---\n'), notes };
}
