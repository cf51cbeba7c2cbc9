import fc from 'fast-check';
import { buildCrds } from '../../src/api/crds.ts';
import type { CrdSchema } from '../../src/api/to-crd.ts';

/**
 * fast-check arbitraries for Bellwether manifests, generated from the CRD schemas the API server
 * enforces (built from the zod schemas in src/api, the single source), in three flavours:
 *
 * - valid-shaped: every field drawn from its schema (types, enums, bounds, required keys);
 *   cross-field rules (exactly one strategy, step kinds) are left to chance, so many of these
 *   are still rejected, by a rule that must name its field;
 * - near-valid: a valid-shaped object with one field removed, retyped or pushed past a bound;
 * - hostile: one field replaced by a huge or non-finite number, deep nesting, unicode, a
 *   megabyte string, or a value of the wrong type.
 */
const schemas = new Map(
  buildCrds().map((crd) => [crd.spec.names.kind, crd.spec.versions[0]?.schema.openAPIV3Schema]),
);

export type Kind = 'Rollout' | 'AnalysisTemplate';

const podTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'web:1' }] },
};
const words = ['web', 'web-stable', 'web-canary', 'success-rate', 'app', '', 'a.b', 'x'.repeat(70)];
const stringArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...words,
      '10s',
      '1m',
      '25%',
      '0',
      'result[0] > 0.9',
      'http://prometheus:9090',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
);

/** Fields drawn as a whole rather than from their schema: pod templates, enums, int-or-string. */
function special(schema: CrdSchema, path: string): fc.Arbitrary<unknown> | undefined {
  if (path === 'spec.template' || path.endsWith('.provider.job.spec')) return fc.constant(podTemplate);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema['x-kubernetes-int-or-string'])
    return fc.oneof(fc.integer({ min: -2, max: 120 }), fc.constantFrom('25%', '1', 'x'));
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties)
    return fc.constant({ any: 'value' });
  return undefined;
}

function fromSchema(schema: CrdSchema | undefined, depth: number, path: string): fc.Arbitrary<unknown> {
  if (!schema) return fc.constant({});
  const whole = special(schema, path);
  if (whole) return whole;
  switch (schema.type) {
    case 'object': {
      if (depth > 7) return fc.constant({});
      if (schema.properties) {
        const props: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [key, sub] of Object.entries(schema.properties))
          props[key] = fromSchema(sub, depth + 1, path === '' ? key : `${path}.${key}`);
        return fc.record(props, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
      }
      if (schema.additionalProperties)
        return fc.dictionary(
          fc.constantFrom('app', 'tier', 'x'),
          fromSchema(schema.additionalProperties, depth + 1, path),
          { maxKeys: 2 },
        );
      return fc.constant({});
    }
    case 'array':
      return fc.array(fromSchema(schema.items, depth + 1, `${path}[]`), {
        minLength: Math.min(schema.minItems ?? 0, 3),
        maxLength: depth > 5 ? 1 : 4,
      });
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -3, -1e6),
        max: Math.min(schema.maximum ?? 120, 1e6),
      });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (schema.format === 'date-time') return fc.constantFrom('2026-01-02T15:04:05Z', 'yesterday');
      return stringArb;
    default:
      return fc.oneof(stringArb, fc.integer(), fc.boolean());
  }
}

function manifest(kind: Kind): fc.Arbitrary<Record<string, unknown>> {
  const schema = schemas.get(kind);
  const spec = fromSchema(schema?.properties?.spec, 1, 'spec');
  // one strategy (the schema's "exactly one" rule) in most valid-shaped Rollouts
  return fc
    .record({ spec, pick: fc.nat() })
    .map(({ spec: drawn, pick }) => {
      const s = drawn as { strategy?: Record<string, unknown> };
      const keys = Object.keys(s.strategy ?? {});
      const keep = keys[pick % Math.max(1, keys.length)];
      if (s.strategy && keep && pick % 5 !== 0) s.strategy = { [keep]: s.strategy[keep] };
      if (pick % 7 !== 0) delete (s as { workloadRef?: unknown }).workloadRef; // template, not workloadRef
      return s;
    })
    .map((s) => ({
      apiVersion: 'bellwether.dev/v1alpha1',
      kind,
      metadata: { name: 'web', namespace: 'shop' },
      spec:
        kind === 'Rollout'
          ? { selector: { matchLabels: { app: 'web' } }, ...(s as object), template: podTemplate }
          : s,
    }));
}

/** Every path of an object to a value (objects and arrays included), for mutations. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: (string | number)[], replace: (old: unknown) => unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const next = replace(node[last]);
  if (next === REMOVE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else Reflect.deleteProperty(node, last);
  } else node[last] = next;
  return copy;
}
const REMOVE = Symbol('remove');

function deep(levels: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

export type Flavour = 'valid' | 'near-valid' | 'hostile';

const nearValid: fc.Arbitrary<(old: unknown) => unknown> = fc.constantFrom(
  () => REMOVE,
  (old: unknown) => (typeof old === 'number' ? old + 1_000_000 : old),
  (old: unknown) => (typeof old === 'number' ? -old - 1 : old),
  (old: unknown) => (typeof old === 'string' ? `${old}!` : old),
  (old: unknown) => (typeof old === 'number' ? String(old) : typeof old === 'string' ? 7 : old),
  () => null,
);

const hostile: fc.Arbitrary<(old: unknown) => unknown> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 53), 0.1, Infinity, NaN)
      .map((n) => () => n),
  },
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(
        '\u202e\u0000\ud83d\ude80',
        '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
        'é'.repeat(300),
        '${jndi:x}',
        '{{ .x }}',
        '\n---\n',
      )
      .map((s) => () => s),
  },
  {
    weight: 6,
    arbitrary: fc
      .constantFrom([], {}, [[[]]], true, 'true', { $ref: '#' }, [{ a: 1 }])
      .map((v) => () => structuredClone(v)),
  },
  { weight: 2, arbitrary: fc.integer({ min: 50, max: 1000 }).map((n) => () => deep(n)) },
  { weight: 1, arbitrary: fc.constant(() => 'm'.repeat(1 << 20)) },
);

/** A manifest of `kind` in the given flavour. */
export function specArbitrary(kind: Kind, flavour: Flavour): fc.Arbitrary<Record<string, unknown>> {
  if (flavour === 'valid') return manifest(kind);
  const mutation = flavour === 'near-valid' ? nearValid : hostile;
  return fc.tuple(manifest(kind), mutation, fc.nat()).map(([obj, mutate, pick]) => {
    const all = paths(obj).filter((p) => p[0] === 'spec');
    const path = all[pick % all.length];
    return (path ? setAt(obj, path, mutate) : obj) as Record<string, unknown>;
  });
}
