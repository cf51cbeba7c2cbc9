/**
 * zod schema -> CRD `openAPIV3Schema`.
 *
 * `z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' })` gives an OpenAPI 3.0 schema;
 * Kubernetes accepts only *structural* schemas, so a post-processing pass rewrites it:
 *
 * - `$ref` into `definitions` / `$defs` is inlined (a recursive schema is an error);
 * - `allOf` of objects is merged into one object;
 * - int-or-string (`x-kubernetes-int-or-string: true`, or an anyOf of an integer and a string)
 *   becomes the extension alone, with no `type` and no branches;
 * - a union of object branches ("exactly one of") becomes one object with every property and a
 *   CEL rule that exactly one branch is present;
 * - `additionalProperties: false` is dropped; `additionalProperties` next to `properties` is
 *   dropped, and where it allowed anything (`z.looseObject`) the node gets
 *   `x-kubernetes-preserve-unknown-fields: true`; so does a schema that accepts any value;
 * - `type: null` / type arrays become `nullable`; `const` becomes `enum`;
 * - zod's integer bounds (safe-integer and int32 ranges) become `format: int64` / `int32`;
 * - keys Kubernetes does not know (`$schema`, `examples`, `readOnly`...) and formats it does not
 *   support are dropped; keys are written in a fixed order so output is deterministic.
 *
 * At the root of a resource, `apiVersion` and `kind` become plain strings and `metadata` is
 * `{ type: object }` (the API server validates metadata itself).
 *
 * Pure: no I/O.
 */
import { z } from 'zod';
import { INT_OR_STRING, PRESERVE_UNKNOWN, VALIDATIONS, type CrdValidationRule } from './common.ts';

/** A CRD schema node (the subset of apiextensions/v1 JSONSchemaProps that Bellwether emits). */
export interface CrdSchema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  title?: string;
  default?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  example?: unknown;
  properties?: Record<string, CrdSchema>;
  required?: string[];
  items?: CrdSchema;
  additionalProperties?: CrdSchema;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: CrdValidationRule[];
}

/** A JSON Schema node as zod emits it (loosely typed on purpose). */
type Json = Record<string, unknown>;

/** Output key order: what a reader looks for first comes first. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'title',
  'enum',
  'default',
  'nullable',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'example',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
] as const;

/** Formats the API server understands (k8s.io/kube-openapi/pkg/validation/strfmt). */
const SUPPORTED_FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
]);

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Thrown when a schema cannot be expressed as a Kubernetes structural schema. */
export class CrdSchemaError extends Error {
  constructor(path: string, problem: string) {
    super(`${path === '' ? '<root>' : path}: ${problem}`);
    this.name = 'CrdSchemaError';
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptySchema(value: unknown): boolean {
  return value === true || (isObject(value) && Object.keys(value).length === 0);
}

interface Context {
  definitions: Json;
  /** Names of definitions being inlined, to detect recursion. */
  resolving: string[];
}

function resolveRef(ref: string, ctx: Context, path: string): { name: string; schema: Json } {
  const match = /^#\/(?:definitions|\$defs|components\/schemas)\/(.+)$/.exec(ref);
  const name = match?.[1];
  const schema = name === undefined ? undefined : ctx.definitions[name];
  if (name === undefined || !isObject(schema)) throw new CrdSchemaError(path, `cannot resolve $ref ${ref}`);
  if (ctx.resolving.includes(name)) {
    throw new CrdSchemaError(path, `recursive schema (${ref}); structural schemas cannot be recursive`);
  }
  return { name, schema };
}

/** Merges `allOf` branches (objects) into one node. */
function mergeAllOf(node: Json, ctx: Context, path: string): Json {
  const { allOf, ...rest } = node;
  if (!Array.isArray(allOf)) return node;
  let merged: Json = rest;
  for (const branch of allOf) {
    if (!isObject(branch)) throw new CrdSchemaError(path, 'allOf branch is not a schema');
    merged = mergeInto(merged, derefRaw(branch, ctx, path), path);
  }
  return merged;
}

function mergeInto(target: Json, source: Json, path: string): Json {
  const result: Json = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (key === 'properties' && isObject(value)) {
      result.properties = { ...(isObject(result.properties) ? result.properties : {}), ...value };
    } else if (key === 'required' && Array.isArray(value)) {
      const existing = Array.isArray(result.required) ? (result.required as string[]) : [];
      result.required = [...new Set([...existing, ...(value as string[])])];
    } else if (key === VALIDATIONS && Array.isArray(value)) {
      const existing = Array.isArray(result[VALIDATIONS]) ? (result[VALIDATIONS] as unknown[]) : [];
      result[VALIDATIONS] = [...existing, ...(value as unknown[])];
    } else if (key === 'type' && result.type !== undefined && result.type !== value) {
      throw new CrdSchemaError(
        path,
        `allOf combines type ${JSON.stringify(result.type)} with ${JSON.stringify(value)}`,
      );
    } else if (!(key in result)) {
      result[key] = value;
    }
  }
  return result;
}

const NUMERIC_TYPES = new Set(['integer', 'number']);

/** An anyOf/oneOf of exactly an integer (or number) branch and a string branch. */
function isIntOrStringUnion(branches: unknown[]): boolean {
  if (branches.length !== 2) return false;
  const types = branches.map((branch) => (isObject(branch) ? branch.type : undefined));
  return (
    types.includes('string') && types.some((type) => typeof type === 'string' && NUMERIC_TYPES.has(type))
  );
}

/** Keys that only make sense for one `type`; dropped when a node becomes int-or-string. */
const TYPED_KEYS = [
  'type',
  'format',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'nullable',
  'anyOf',
  'oneOf',
];

function toIntOrString(node: Json): Json {
  const result = Object.fromEntries(Object.entries(node).filter(([key]) => !TYPED_KEYS.includes(key)));
  result[INT_OR_STRING] = true;
  return result;
}

/**
 * A union of object branches -> one object with all properties and a CEL rule that exactly one
 * branch is present. A branch is recognised by the required properties no other branch requires.
 */
function flattenObjectUnion(node: Json, branches: Json[], ctx: Context, path: string): Json {
  const normalized = branches.map((branch, index) => normalize(branch, ctx, `${path}.anyOf[${index}]`));
  const properties: Record<string, CrdSchema> = {};
  for (const branch of normalized) {
    if (branch.type !== 'object')
      throw new CrdSchemaError(path, 'cannot flatten a union of object and non-object');
    if (branch[VALIDATIONS] !== undefined) {
      throw new CrdSchemaError(path, 'union branches cannot carry their own x-kubernetes-validations');
    }
    for (const [key, value] of Object.entries(branch.properties ?? {})) {
      const existing = properties[key];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
        throw new CrdSchemaError(
          `${path}.${key}`,
          'union branches declare the property with different schemas',
        );
      }
      properties[key] = value;
    }
  }
  const requiredSets = normalized.map((branch) => branch.required ?? []);
  const requiredByAll = requiredSets.reduce((common, set) => common.filter((key) => set.includes(key)));
  const conditions = requiredSets.map((set, index) => {
    const distinguishing = set.filter((key) => !requiredByAll.includes(key));
    if (distinguishing.length === 0) {
      throw new CrdSchemaError(path, `union branch ${index} has no required property that tells it apart`);
    }
    return distinguishing.map((key) => `has(self.${key})`).join(' && ');
  });
  const names = requiredSets.map((set) => set.filter((key) => !requiredByAll.includes(key)).join('+'));
  const rule: CrdValidationRule = {
    rule: `${conditions.map((condition) => `((${condition}) ? 1 : 0)`).join(' + ')} == 1`,
    message: `exactly one of ${names.join(', ')} must be set`,
  };
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
  const ownRules = Array.isArray(rest[VALIDATIONS]) ? (rest[VALIDATIONS] as CrdValidationRule[]) : [];
  return {
    ...rest,
    type: 'object',
    properties,
    ...(requiredByAll.length > 0 ? { required: requiredByAll } : {}),
    [VALIDATIONS]: [...ownRules, rule],
  };
}

/** A union of scalar branches of one type (e.g. literals) -> one node with the merged enum. */
function flattenScalarUnion(node: Json, branches: Json[], ctx: Context, path: string): Json | undefined {
  const normalized = branches.map((branch, index) => normalize(branch, ctx, `${path}.anyOf[${index}]`));
  const types = new Set(normalized.map((branch) => branch.type));
  const [type] = [...types];
  if (types.size !== 1 || type === undefined || type === 'object' || type === 'array') return undefined;
  if (!normalized.every((branch) => Array.isArray(branch.enum))) return undefined;
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
  return { ...rest, type, enum: normalized.flatMap((branch) => branch.enum ?? []) };
}

function normalizeUnion(node: Json, ctx: Context, path: string): Json {
  const branches = (node.anyOf ?? node.oneOf) as unknown[];
  if (node[INT_OR_STRING] === true || isIntOrStringUnion(branches)) return toIntOrString(node);
  if (!branches.every(isObject)) throw new CrdSchemaError(path, 'union branch is not a schema');
  // nullable unions: [X, {type: null}] or [X, {nullable: true, enum: [null]}]
  const nonNull = branches.filter(
    (branch) =>
      branch.type !== 'null' &&
      !(branch.nullable === true && Array.isArray(branch.enum) && branch.enum.every((v) => v === null)),
  );
  if (nonNull.length === 1 && nonNull[0] !== undefined) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
    return { ...mergeInto(rest, nonNull[0], path), nullable: true };
  }
  const resolved = nonNull.map((branch) => derefRaw(branch, ctx, path));
  const scalar = flattenScalarUnion(node, resolved, ctx, path);
  if (scalar !== undefined) return scalar;
  if (resolved.every((branch) => branch.type === 'object' || isObject(branch.properties))) {
    return flattenObjectUnion(node, resolved, ctx, path);
  }
  throw new CrdSchemaError(path, 'this union cannot be expressed in a structural schema');
}

/** One level of `$ref` resolution, without normalizing (to look at a union or allOf branch). */
function derefRaw(node: Json, ctx: Context, path: string): Json {
  if (typeof node.$ref !== 'string') return node;
  const { $ref, ...siblings } = node;
  return { ...resolveRef($ref, ctx, path).schema, ...siblings };
}

function normalizeType(node: Json, path: string): Json {
  const result: Json = { ...node };
  if (Array.isArray(result.type)) {
    const types = (result.type as unknown[]).filter((type) => type !== 'null');
    if (types.length !== 1)
      throw new CrdSchemaError(path, `type ${JSON.stringify(result.type)} has no structural form`);
    if (types.length !== (result.type as unknown[]).length) result.nullable = true;
    result.type = types[0];
  }
  if (result.type === 'null') throw new CrdSchemaError(path, 'type null has no structural form');
  if ('const' in result) {
    result.enum = [result.const];
    delete result.const;
  }
  return result;
}

/**
 * zod's implied integer bounds (safe-integer range, int32 range) carry no information beyond the
 * format, which `zodToCrdSchema` records from the zod check; drop them.
 */
function normalizeIntegerBounds(node: Json): void {
  if (node.type !== 'integer') return;
  const safe = node.minimum === Number.MIN_SAFE_INTEGER || node.maximum === Number.MAX_SAFE_INTEGER;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  // z.number().int() leaves no format on the schema, only the safe-integer bounds.
  if (safe && node.format === undefined) node.format = 'int64';
  if (node.format === 'int32') {
    if (node.minimum === INT32_MIN) delete node.minimum;
    if (node.maximum === INT32_MAX) delete node.maximum;
  }
}

/** Orders keys and drops the ones Kubernetes does not know. */
function finish(node: Json): CrdSchema {
  const result: Json = {};
  for (const key of KEY_ORDER) {
    if (node[key] !== undefined) result[key] = node[key];
  }
  return result;
}

function normalize(input: Json, ctx: Context, path: string): CrdSchema {
  if (typeof input.$ref === 'string') {
    // Inline the definition; it stays on the stack while its whole subtree is normalized.
    const { $ref, ...siblings } = input;
    const { name, schema } = resolveRef($ref, ctx, path);
    ctx.resolving.push(name);
    try {
      return normalize({ ...schema, ...siblings }, ctx, path);
    } finally {
      ctx.resolving.pop();
    }
  }
  let node = Array.isArray(input.allOf) ? mergeAllOf(input, ctx, path) : input;
  if (Array.isArray(node.anyOf) || Array.isArray(node.oneOf)) node = normalizeUnion(node, ctx, path);
  if (node.not !== undefined) throw new CrdSchemaError(path, '`not` is not supported');
  if (node.uniqueItems === true)
    throw new CrdSchemaError(path, 'uniqueItems: true is forbidden in CRD schemas');
  if (node[INT_OR_STRING] === true) {
    node = toIntOrString(node);
    return finish({ ...node, ...recurseChildren(node, ctx, path) });
  }
  node = normalizeType(node, path);
  normalizeIntegerBounds(node);
  if (typeof node.format === 'string' && !SUPPORTED_FORMATS.has(node.format)) delete node.format;

  if (isObject(node.properties) && node.type === undefined) node.type = 'object';
  if (node.additionalProperties === false) delete node.additionalProperties;
  if (node.additionalProperties !== undefined) {
    const open = isEmptySchema(node.additionalProperties);
    if (isObject(node.properties) || open) {
      delete node.additionalProperties;
      if (open) node[PRESERVE_UNKNOWN] = true;
    }
    if (node.type === undefined) node.type = 'object';
  }
  if (node.type === undefined && node[PRESERVE_UNKNOWN] !== true && node[INT_OR_STRING] !== true) {
    // A schema that accepts any value (z.unknown()).
    node[PRESERVE_UNKNOWN] = true;
  }
  if (node[PRESERVE_UNKNOWN] !== true) node[PRESERVE_UNKNOWN] = undefined;
  const children = recurseChildren(node, ctx, path);
  // `properties: {}` says nothing (z.object({}), z.looseObject({})), and the API server drops it
  // from what it stores: a server-side apply of the file would then conflict on the field.
  if (isObject(children.properties) && Object.keys(children.properties).length === 0) {
    children.properties = undefined;
    node.properties = undefined;
  }
  return finish({ ...node, ...children });
}

function recurseChildren(node: Json, ctx: Context, path: string): Json {
  const children: Json = {};
  if (isObject(node.properties)) {
    const properties: Record<string, CrdSchema> = {};
    for (const [key, value] of Object.entries(node.properties)) {
      if (!isObject(value)) throw new CrdSchemaError(`${path}.${key}`, 'property schema is not an object');
      properties[key] = normalize(value, ctx, `${path}.${key}`);
    }
    children.properties = properties;
  }
  if (node.items !== undefined) {
    if (!isObject(node.items)) throw new CrdSchemaError(path, 'tuple items are not supported');
    children.items = normalize(node.items, ctx, `${path}[]`);
  }
  if (isObject(node.additionalProperties)) {
    children.additionalProperties = normalize(node.additionalProperties, ctx, `${path}{}`);
  }
  if (Array.isArray(node.required) && isObject(children.properties)) {
    const declared = Object.keys(children.properties);
    children.required = (node.required as string[]).filter((key) => declared.includes(key));
    if ((children.required as string[]).length === 0) delete children.required;
  }
  return children;
}

/** Makes a JSON Schema (OpenAPI 3.0 flavour, as zod emits it) structural. Pure. */
export function toStructuralSchema(jsonSchema: Json): CrdSchema {
  const definitions: Json = {
    ...(isObject(jsonSchema.definitions) ? jsonSchema.definitions : {}),
    ...(isObject(jsonSchema.$defs) ? jsonSchema.$defs : {}),
  };
  const ctx: Context = { definitions, resolving: [] };
  return normalize(jsonSchema, ctx, '');
}

interface FormatDef {
  format?: unknown;
  checks?: { _zod: { def: { format?: unknown } } }[];
}

/** `int32` / `safeint` from a zod number schema (`z.int32()` or a `.int()` check), if any. */
function integerFormat(schema: z.core.$ZodType): unknown {
  const def = schema._zod.def as FormatDef;
  return (
    def.format ?? def.checks?.map((check) => check._zod.def.format).find((format) => format !== undefined)
  );
}

/** A zod schema as a structural CRD schema node. */
export function zodToCrdSchema(schema: z.ZodType): CrdSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      // Keep the integer width zod knows (z.int32() / z.int()) as an OpenAPI format.
      if (jsonSchema.type !== 'integer' || jsonSchema.format !== undefined) return;
      const format = integerFormat(zodSchema);
      if (format === 'int32') jsonSchema.format = 'int32';
      else if (format === 'safeint') jsonSchema.format = 'int64';
    },
  });
  return toStructuralSchema(json);
}

/**
 * The `openAPIV3Schema` of a resource kind: the structural form of its zod schema, with
 * `apiVersion` and `kind` as plain strings and `metadata` as `{ type: object }`.
 */
export function toCrdSchema(resource: z.ZodType): CrdSchema {
  const schema = zodToCrdSchema(resource);
  const properties = { ...(schema.properties ?? {}) };
  properties.apiVersion = {
    description: 'APIVersion defines the versioned schema of this representation of an object.',
    type: 'string',
  };
  properties.kind = {
    description: 'Kind is a string value representing the REST resource this object represents.',
    type: 'string',
  };
  properties.metadata = { type: 'object' };
  const required = (schema.required ?? []).filter((key) => !['apiVersion', 'kind', 'metadata'].includes(key));
  const { required: _required, properties: _properties, ...rest } = schema;
  const ordered: Record<string, CrdSchema> = {};
  for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(properties)]) {
    const value = properties[key];
    if (value !== undefined && !(key in ordered)) ordered[key] = value;
  }
  return finish({
    ...rest,
    type: 'object',
    ...(required.length > 0 ? { required } : {}),
    properties: ordered,
  });
}
