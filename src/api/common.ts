/**
 * Shared building blocks of the bellwether.dev/v1alpha1 schemas: Kubernetes object metadata,
 * label selectors, int-or-string, pod templates, durations, timestamps, conditions, and the
 * helper that attaches one rule both as a CEL `x-kubernetes-validations` entry (for the API
 * server) and as a zod refinement (for `validateResource`), so the two never disagree.
 *
 * Conventions used by every kind:
 * - spec objects are strict (`z.strictObject`): an unknown field is an error, as it is for
 *   `kubectl apply` with strict field validation; status objects strip unknown fields so an
 *   older controller can read a status written by a newer one;
 * - every array that a CEL rule can reach carries `maxItems` and every string a rule compares
 *   carries `maxLength`, which keeps the API server's CEL cost estimate within budget.
 */
import { z } from 'zod';

export const API_GROUP = 'bellwether.dev';
export const API_VERSION_NAME = 'v1alpha1';
export const API_VERSION = `${API_GROUP}/${API_VERSION_NAME}` as const;

/** JSON Schema extension keys that `to-crd.ts` carries into the CRD unchanged. */
export const PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';
export const INT_OR_STRING = 'x-kubernetes-int-or-string';
export const VALIDATIONS = 'x-kubernetes-validations';

// ---------------------------------------------------------------------------------------------
// Limits (bounds for CEL cost estimation; generous for real manifests)
// ---------------------------------------------------------------------------------------------

export const LIMITS = {
  /** DNS-1123 subdomain (most object names). */
  name: 253,
  /** DNS-1035 label (Service names). */
  serviceName: 63,
  /** Free-form short strings that rules compare (metric names, route names, arg names). */
  shortString: 253,
  steps: 100,
  templates: 20,
  args: 50,
  metrics: 50,
  routes: 50,
  matches: 20,
  headers: 20,
  conditions: 20,
} as const;

// ---------------------------------------------------------------------------------------------
// CEL rules with a TypeScript twin
// ---------------------------------------------------------------------------------------------

/** The `reason` values the API server accepts on an `x-kubernetes-validations` rule. */
export type CelReason =
  'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

/**
 * One validation rule, written twice: in CEL for the API server and in TypeScript for
 * `validateResource`. Keep both sides equivalent; the tests exercise them on the same fixtures.
 */
export interface CelRule<T> {
  /** CEL over `self`, the object the rule is attached to. */
  rule: string;
  /** Shown by the API server and by `validateResource`. */
  message: string;
  /** The field to blame, relative to `self`, in the API server's form: `.previewService`. */
  fieldPath?: string;
  reason?: CelReason;
  /** The same rule in TypeScript. Runs only on values that already match the schema's shape. */
  holds: (self: T) => boolean;
}

/** The shape a rule takes inside `x-kubernetes-validations`. */
export interface CrdValidationRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: CelReason;
}

/** Converts `.a.b` (a rule's fieldPath) into a zod issue path. */
function fieldPathToPath(fieldPath: string | undefined): string[] {
  if (fieldPath === undefined) return [];
  return fieldPath.split('.').filter((segment) => segment !== '');
}

/**
 * Attaches CEL rules to a schema: as `x-kubernetes-validations` metadata (emitted into the CRD)
 * and as a zod refinement (checked by `validateResource`). Rules accumulate across calls.
 */
export function withCel<S extends z.ZodType>(schema: S, rules: readonly CelRule<z.output<S>>[]): S {
  const previous = (schema.meta()?.[VALIDATIONS] ?? []) as CrdValidationRule[];
  const refined = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (!rule.holds(value)) {
        ctx.addIssue({ code: 'custom', message: rule.message, path: fieldPathToPath(rule.fieldPath) });
      }
    }
  });
  const crdRules: CrdValidationRule[] = rules.map(({ rule, message, fieldPath, reason }) => ({
    rule,
    message,
    ...(fieldPath === undefined ? {} : { fieldPath }),
    ...(reason === undefined ? {} : { reason }),
  }));
  return refined.meta({ [VALIDATIONS]: [...previous, ...crdRules] });
}

/** How many of `fields` are set (not undefined) on `value`. */
export function countSet(value: object, fields: readonly string[]): number {
  const record = value as Record<string, unknown>;
  return fields.filter((field) => record[field] !== undefined).length;
}

function celCount(fields: readonly string[]): string {
  return fields.map((field) => `(has(self.${field}) ? 1 : 0)`).join(' + ');
}

/** Rule: exactly one of the (optional) fields is set. */
export function exactlyOneOf<T extends object>(
  fields: readonly (keyof T & string)[],
  what?: string,
): CelRule<T> {
  return {
    rule: `${celCount(fields)} == 1`,
    message: `exactly one of ${fields.join(', ')} must be set${what === undefined ? '' : ` (${what})`}`,
    holds: (self) => countSet(self, fields) === 1,
  };
}

/** Rule: at most one of the (optional) fields is set. */
export function atMostOneOf<T extends object>(fields: readonly (keyof T & string)[]): CelRule<T> {
  return {
    rule: `${celCount(fields)} <= 1`,
    message: `at most one of ${fields.join(', ')} may be set`,
    holds: (self) => countSet(self, fields) <= 1,
  };
}

/** Rule: at least one of the (optional) fields is set. */
export function atLeastOneOf<T extends object>(fields: readonly (keyof T & string)[]): CelRule<T> {
  return {
    rule: fields.map((field) => `has(self.${field})`).join(' || '),
    message: `at least one of ${fields.join(', ')} must be set`,
    holds: (self) => countSet(self, fields) >= 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** A Kubernetes object name (DNS-1123 subdomain length bound; the API server checks the rest). */
export const objectName = () => z.string().min(1).max(LIMITS.name);

/** A Service name (DNS-1035 label). */
export const serviceName = () =>
  z
    .string()
    .min(1)
    .max(LIMITS.serviceName)
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1035 label (lower case letters, digits, -)');

/** A bounded non-empty string that CEL rules may compare. */
export const shortString = () => z.string().min(1).max(LIMITS.shortString);

/** A non-negative int32 (replica counts, seconds). */
export const nonNegativeInt = () => z.int32().min(0);

/** A percentage, 0..100. */
export const percent = () => z.int32().min(0).max(100);

/**
 * int-or-string (Kubernetes `IntOrString`): an integer or a string such as `"25%"`.
 * Emitted as `x-kubernetes-int-or-string: true` with no `type`.
 */
export const intOrString = () =>
  z.union([z.int32(), z.string().max(LIMITS.shortString)]).meta({ [INT_OR_STRING]: true });
export type IntOrString = number | string;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp (`metav1.Time`), e.g. `2026-01-02T15:04:05Z`. */
export const timestamp = () =>
  z
    .string()
    .refine((value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)), {
      error: 'must be an RFC 3339 timestamp such as 2026-01-02T15:04:05Z',
    })
    .meta({ format: 'date-time' });

/** Go duration syntax (`time.ParseDuration`): `30s`, `5m`, `1h30m`, `250ms`, `0`. */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$';

/** A duration string in Go syntax, e.g. `30s`, `5m`, `1h30m`. */
export const durationString = () =>
  z.string().max(64).regex(new RegExp(DURATION_PATTERN), 'must be a duration such as 30s, 5m or 1h30m');

/**
 * A duration string in an analysis template, where an argument placeholder (`{{args.interval}}`)
 * may stand in for the value until the run is created.
 */
export const templatedDurationString = () =>
  z
    .string()
    .max(253)
    .regex(
      new RegExp(`${DURATION_PATTERN}|^\\{\\{.+\\}\\}$`),
      'must be a duration such as 30s, 5m or 1h30m, or an argument placeholder {{args.name}}',
    );

/** Label or annotation map. */
export const stringMap = () => z.record(z.string(), z.string());

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

const ownerReference = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/**
 * Object metadata (`metav1.ObjectMeta`), loose: the API server owns it and validates it; the CRD
 * schema says only `type: object`.
 */
export const ObjectMeta = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  // `kubectl create --dry-run -o yaml` writes creationTimestamp: null.
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(ownerReference).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const LabelSelectorRequirement = z.strictObject({
  key: z.string().min(1).max(317).describe('The label key the selector applies to.'),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('In, NotIn, Exists or DoesNotExist.'),
  values: z
    .array(z.string())
    .optional()
    .describe('Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.'),
});
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;

/** `metav1.LabelSelector`. */
export const LabelSelector = z
  .strictObject({
    matchLabels: stringMap().optional().describe('Labels a pod must carry (ANDed with matchExpressions).'),
    matchExpressions: z.array(LabelSelectorRequirement).optional().describe('Set-based requirements, ANDed.'),
  })
  .describe('A label selector (metav1.LabelSelector).');
export type LabelSelector = z.infer<typeof LabelSelector>;

/** Labels and annotations only (metadata the controller applies to objects it generates). */
export const PodMetadata = z
  .strictObject({
    labels: stringMap().optional(),
    annotations: stringMap().optional(),
  })
  .describe('Labels and annotations to apply.');
export type PodMetadata = z.infer<typeof PodMetadata>;

/**
 * A pod template (`core/v1 PodTemplateSpec`). Unknown fields are preserved: the API server
 * validates the pod when the controller creates the ReplicaSet, so the CRD does not repeat the
 * (very large) pod schema. Labels and annotations are typed because the controller reads them.
 */
export const PodTemplate = z
  .looseObject({
    metadata: z
      .looseObject({
        labels: stringMap().optional(),
        annotations: stringMap().optional(),
      })
      .optional()
      .describe('Pod labels and annotations; the labels must match spec.selector.'),
    spec: z
      .looseObject({})
      .optional()
      .meta({ [PRESERVE_UNKNOWN]: true })
      .describe('The pod spec (core/v1 PodSpec), validated by the API server through the ReplicaSet.'),
  })
  .meta({ [PRESERVE_UNKNOWN]: true });
export type PodTemplate = z.infer<typeof PodTemplate>;

/** A status condition (`Progressing`, `Available`, `Paused`, `Healthy`, `Completed`, `InvalidSpec`...). */
export const Condition = z.object({
  type: z.string().describe('Progressing, Available, Paused, Healthy, Completed or InvalidSpec.'),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().describe('CamelCase reason for the last transition.'),
  message: z.string().describe('Human-readable details.'),
  lastUpdateTime: timestamp().describe('Last time the condition was written.'),
  lastTransitionTime: timestamp().describe('Last time the status changed.'),
});
export type Condition = z.infer<typeof Condition>;

/** A reference to a key of a Secret in the object's namespace. */
export const SecretKeyRef = z
  .strictObject({
    name: objectName().describe('Secret name.'),
    key: z.string().min(1).max(LIMITS.name).describe('Key within the Secret.'),
  })
  .describe('A key of a Secret in the same namespace.');
export type SecretKeyRef = z.infer<typeof SecretKeyRef>;

/** A field of the owning object, e.g. `metadata.labels['app']`. */
export const FieldRef = z
  .strictObject({
    fieldPath: z
      .string()
      .min(1)
      .max(LIMITS.shortString)
      .describe("Path of a field of the owning object, e.g. metadata.name or metadata.labels['app']."),
  })
  .describe('Reads a value from a field of the owning object.');
export type FieldRef = z.infer<typeof FieldRef>;

// ---------------------------------------------------------------------------------------------
// Lists and maps with bounds
// ---------------------------------------------------------------------------------------------

/** A list bounded by `maxItems` (needed wherever a CEL rule can reach into the items). */
export const listOf = <I extends z.ZodType>(item: I, maxItems: number) => z.array(item).max(maxItems);

/** A bounded list whose items' `key` must be unique (CEL `exists_one`, cost O(maxItems²)). */
export function uniqueListOf<I extends z.ZodType<object>>(
  item: I,
  key: keyof z.output<I> & string,
  maxItems: number,
  what: string,
) {
  return withCel(listOf(item, maxItems), [
    {
      rule: `self.all(x, self.exists_one(y, y.${key} == x.${key}))`,
      // No `reason: FieldValueDuplicate`: the API server would then print "Duplicate value" and drop the message.
      message: `${what} must be unique`,
      holds: (self) =>
        new Set(self.map((entry) => (entry as Record<string, unknown>)[key])).size === self.length,
    },
  ]);
}

/** A string-keyed map bounded by `maxProperties` (needed where a CEL rule reaches the values). */
export function boundedRecord<V extends z.ZodType>(value: V, maxProperties: number) {
  return z
    .record(z.string().max(LIMITS.shortString), value)
    .refine((map) => Object.keys(map).length <= maxProperties, {
      error: `must have at most ${maxProperties} entries`,
    })
    .meta({ maxProperties });
}
