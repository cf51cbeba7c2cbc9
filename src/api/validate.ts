/**
 * Validates a manifest against the bellwether.dev/v1alpha1 schemas: the same structure, bounds
 * and CEL rules the API server enforces through the CRDs, without an API server. Pure.
 *
 * Errors carry the field path in the API server's form (`spec.strategy.canary.steps[2].setWeight`)
 * and a message that names the object and the field:
 * `Rollout shop/checkout: spec.strategy.canary.steps[2].setWeight: must be at most 100`.
 */
import type { z } from 'zod';
import { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate } from './analysis.ts';
import { Experiment } from './experiment.ts';
import { API_VERSION } from './common.ts';
import { Rollout } from './rollout.ts';
import { ClusterRolloutGroup, RolloutGroup } from './rollout-group.ts';

export interface ValidationError {
  /** Field path, e.g. `spec.strategy.canary.steps[2].setWeight` (empty for the whole object). */
  path: string;
  /** Names the object and the field: `Rollout shop/checkout: spec.replicas: must be at least 0`. */
  message: string;
  /** The problem alone, without object and path: `must be at least 0`. */
  detail: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

export type BellwetherResource =
  | Rollout
  | AnalysisTemplate
  | ClusterAnalysisTemplate
  | AnalysisRun
  | Experiment
  | RolloutGroup
  | ClusterRolloutGroup;
export type BellwetherKind = BellwetherResource['kind'];

/** The zod schema of every kind, by `kind`. */
export const SCHEMAS: {
  readonly [K in BellwetherKind]: z.ZodType<Extract<BellwetherResource, { kind: K }>>;
} = {
  Rollout,
  AnalysisTemplate,
  ClusterAnalysisTemplate,
  AnalysisRun,
  Experiment,
  RolloutGroup,
  ClusterRolloutGroup,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKind(kind: unknown): kind is BellwetherKind {
  return typeof kind === 'string' && Object.hasOwn(SCHEMAS, kind);
}

/** `Rollout shop/checkout`, `ClusterAnalysisTemplate success-rate`, `Rollout <unnamed>`. */
export function describeObject(obj: unknown): string {
  const record = isRecord(obj) ? obj : {};
  const kind = typeof record.kind === 'string' ? record.kind : 'object';
  const metadata = isRecord(record.metadata) ? record.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '<unnamed>';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return `${kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['spec', 'steps', 2, 'setWeight']` -> `spec.steps[2].setWeight`; odd keys as `[app.kubernetes.io/name]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) text += text === '' ? key : `.${key}`;
      else text += `[${key}]`;
    }
  }
  return text;
}

/** Builds one error for `obj`. */
export function validationError(obj: unknown, path: string, detail: string): ValidationError {
  const where = path === '' ? '' : `${path}: `;
  return { path, detail, message: `${describeObject(obj)}: ${where}${detail}` };
}

type Issue = z.core.$ZodIssue;

function sizeWord(origin: string): string {
  if (origin === 'array' || origin === 'set') return ' items';
  if (origin === 'string') return ' characters';
  if (origin === 'object' || origin === 'record' || origin === 'map') return ' entries';
  return '';
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A short message for one zod issue (zod's defaults are generic). */
function issueDetail(issue: Issue, input: unknown): string {
  const received = valueAt(input, issue.path);
  const typeLike =
    issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union';
  if (typeLike && received === undefined) return 'required field is missing';
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected} (got ${describeType(received)})`;
    }
    case 'too_big': {
      const bound = Number(issue.maximum);
      const origin = String(issue.origin);
      return issue.inclusive === false
        ? `must be less than ${bound}${sizeWord(origin)}`
        : `must be at most ${bound}${sizeWord(origin)}`;
    }
    case 'too_small': {
      const bound = Number(issue.minimum);
      const origin = String(issue.origin);
      if (origin === 'string' && bound === 1) return 'must not be empty';
      if (origin === 'array' && bound === 1) return 'must have at least one item';
      return issue.inclusive === false
        ? `must be greater than ${bound}${sizeWord(origin)}`
        : `must be at least ${bound}${sizeWord(origin)}`;
    }
    case 'invalid_value':
      return `must be one of: ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_union':
      return unionDetail(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

function unionDetail(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    for (const inner of branch) {
      if (inner.code === 'invalid_type' && inner.path.length === 0) {
        expected.add(inner.expected === 'int' ? 'integer' : inner.expected);
      }
    }
  }
  if (expected.has('number') && expected.has('string') && expected.size === 2) {
    return 'must be an integer or a string such as "25%"';
  }
  if (expected.size > 0) return `must be one of the types: ${[...expected].join(', ')}`;
  return issue.message;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

/** Turns zod issues into validation errors for `obj`. */
export function issuesToErrors(obj: unknown, issues: readonly Issue[]): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push(validationError(obj, formatPath([...issue.path, key]), 'unknown field'));
      }
      continue;
    }
    // An int-or-string union that failed inside a branch (e.g. a too-long string) reports the
    // branch's issue when only one branch matched the type.
    errors.push(validationError(obj, formatPath(issue.path), issueDetail(issue, obj)));
  }
  return errors;
}

/** Validates `obj` with the schema of `kind`. */
export function validateKind<K extends BellwetherKind>(
  kind: K,
  obj: unknown,
): ValidationResult<Extract<BellwetherResource, { kind: K }>> {
  const result = SCHEMAS[kind].safeParse(obj);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: issuesToErrors(obj, result.error.issues) };
}

/**
 * Validates a Bellwether manifest (any kind), dispatching on `apiVersion` and `kind`. On success
 * `value` is the parsed object with the CRD defaults applied. Pure.
 */
export function validateResource(obj: unknown): ValidationResult<BellwetherResource> {
  if (!isRecord(obj)) {
    return { ok: false, errors: [validationError(obj, '', `must be an object (got ${describeType(obj)})`)] };
  }
  const { apiVersion, kind } = obj;
  const errors: ValidationError[] = [];
  if (apiVersion !== API_VERSION) {
    const hint =
      typeof apiVersion === 'string' && apiVersion.startsWith('argoproj.io/')
        ? ` (an Argo Rollouts manifest: change apiVersion to ${API_VERSION})`
        : '';
    errors.push(validationError(obj, 'apiVersion', `must be ${API_VERSION}${hint}`));
  }
  if (!isKind(kind)) {
    errors.push(validationError(obj, 'kind', `must be one of: ${Object.keys(SCHEMAS).join(', ')}`));
  }
  if (errors.length > 0 || !isKind(kind)) return { ok: false, errors };
  return validateKind(kind, obj);
}

/** Validates a Rollout manifest. */
export function validateRollout(obj: unknown): ValidationResult<Rollout> {
  const result = validateResource(obj);
  if (!result.ok) return result;
  if (result.value.kind !== 'Rollout') {
    return { ok: false, errors: [validationError(obj, 'kind', 'must be Rollout')] };
  }
  return { ok: true, value: result.value };
}
