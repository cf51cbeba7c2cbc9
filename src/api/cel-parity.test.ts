/* eslint-disable @typescript-eslint/no-unsafe-member-access -- tests edit manifests as plain JSON */
/**
 * The CEL rules in the CRDs and their TypeScript twins (`holds`, run by `validateResource`) must
 * agree. This evaluates the CRD's CEL with a CEL interpreter the way the API server does
 * (defaults applied, integers as int, only declared fields) and compares the failures with the
 * rule errors zod reports, on the fixtures, the invalid cases, and generated variations.
 */
import { parse } from '@marcbachmann/cel-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCrds } from './crds.ts';
import { FIXTURE_FILES, INVALID_CASES, fixture, type Manifest } from './testdata/fixtures.ts';
import type { CrdSchema } from './to-crd.ts';
import { formatPath, validateResource } from './validate.ts';

const SCHEMAS = new Map(
  buildCrds().map((crd) => [crd.spec.names.kind, crd.spec.versions[0]?.schema.openAPIV3Schema ?? {}]),
);

const compiled = new Map<string, ReturnType<typeof parse>>();
function compile(rule: string): ReturnType<typeof parse> {
  let program = compiled.get(rule);
  if (program === undefined) {
    program = parse(rule);
    compiled.set(rule, program);
  }
  return program;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object as CEL sees it after pruning and defaulting: declared fields only, ints as bigint. */
function celValue(schema: CrdSchema, value: unknown): unknown {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && schema.properties === undefined)
    return value;
  if (
    typeof value === 'number' &&
    (schema.type === 'integer' || schema['x-kubernetes-int-or-string'] === true)
  ) {
    return BigInt(value);
  }
  if (Array.isArray(value))
    return (value as unknown[]).map((item) => (schema.items ? celValue(schema.items, item) : item));
  if (!isRecord(value)) return value;
  const result: Record<string, unknown> = {};
  if (schema.properties !== undefined) {
    for (const [key, property] of Object.entries(schema.properties)) {
      const child = value[key] ?? property.default;
      if (child !== undefined) result[key] = celValue(property, child);
    }
  }
  if (schema.additionalProperties !== undefined) {
    for (const [key, child] of Object.entries(value))
      result[key] = celValue(schema.additionalProperties, child);
  }
  return result;
}

/** `path: message` for every CEL rule that fails, like the API server reports them. */
function celFailures(
  schema: CrdSchema,
  value: unknown,
  path: (string | number)[] = [],
  out: string[] = [],
): string[] {
  if (value === undefined) return out;
  for (const { rule, message, fieldPath } of schema['x-kubernetes-validations'] ?? []) {
    const holds: unknown = compile(rule)({ self: value });
    if (holds !== true) {
      const where = [...path, ...(fieldPath ?? '').split('.').filter((part) => part !== '')];
      out.push(`${formatPath(where)}: ${message}`);
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    value.forEach((item, index) => celFailures(items, item, [...path, index], out));
  } else if (isRecord(value)) {
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      celFailures(property, value[key], [...path, key], out);
    }
    if (schema.additionalProperties !== undefined) {
      for (const [key, child] of Object.entries(value))
        celFailures(schema.additionalProperties, child, [...path, key], out);
    }
  }
  return out;
}

const RULE_MESSAGES = new Set(
  [...SCHEMAS.values()].flatMap(function collect(schema: CrdSchema): string[] {
    return [
      ...(schema['x-kubernetes-validations'] ?? []).map((rule) => rule.message),
      ...Object.values(schema.properties ?? {}).flatMap(collect),
      ...(schema.items ? collect(schema.items) : []),
      ...(schema.additionalProperties ? collect(schema.additionalProperties) : []),
    ];
  }),
);

/** CEL failures and zod rule errors for one manifest, or undefined if zod found other errors. */
function compare(manifest: Manifest): { cel: string[]; zod: string[] } | undefined {
  const schema = SCHEMAS.get(String(manifest.kind));
  if (schema === undefined) throw new Error(`no schema for ${String(manifest.kind)}`);
  const result = validateResource(manifest);
  const errors = result.ok ? [] : result.errors;
  // zod skips refinements on values that already failed the shape; compare only clean shapes.
  if (errors.some((error) => !RULE_MESSAGES.has(error.detail))) return undefined;
  return {
    cel: celFailures(schema, celValue(schema, manifest)).sort(),
    zod: errors.map((error) => `${error.path}: ${error.detail}`).sort(),
  };
}

describe('CEL rules and validateResource agree', () => {
  it.each(FIXTURE_FILES)('on %s (no failures)', (file) => {
    expect(compare(fixture(file))).toEqual({ cel: [], zod: [] });
  });

  const ruleCases = INVALID_CASES.filter((testCase) => {
    const manifest = fixture(testCase.file);
    testCase.mutate(manifest);
    return compare(manifest) !== undefined;
  });

  it('covers the rule cases among the invalid fixtures', () => {
    expect(ruleCases.length).toBeGreaterThanOrEqual(18);
  });

  it.each(ruleCases.map((testCase) => [testCase.name, testCase] as const))('on "%s"', (_name, testCase) => {
    const manifest = fixture(testCase.file);
    testCase.mutate(manifest);
    const outcome = compare(manifest);
    expect(outcome?.cel).toEqual(outcome?.zod);
    expect(outcome?.cel.some((failure) => failure.startsWith(`${testCase.path}: `))).toBe(true);
  });
});

describe('CEL rules and validateResource agree on generated variations', () => {
  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const service = fc.constantFrom('svc-a', 'svc-b');
  const small = fc.integer({ min: 0, max: 100 });
  const stepActions = fc.record(
    {
      setWeight: small,
      pause: fc.constantFrom({}, { duration: 30 }, { duration: '1m' }),
      analysis: fc.constant({ templates: [{ templateName: 't' }] }),
      setCanaryScale: fc.record(
        { weight: small, replicas: small, matchTrafficWeight: fc.boolean() },
        { requiredKeys: [] },
      ),
      setHeaderRoute: fc.constant({ name: 'r' }),
      setMirrorRoute: fc.constant({ name: 'r', percentage: 50 }),
      experiment: fc.constant({ templates: [{ name: 'x', specRef: 'canary' }] }),
    },
    { requiredKeys: [] },
  );
  const strip = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;

  it('for canary steps, services, strategies and spec rules', () => {
    fc.assert(
      fc.property(
        fc.array(stepActions, { maxLength: 4 }),
        maybe(service),
        maybe(service),
        fc.boolean(),
        fc.boolean(),
        maybe(fc.integer({ min: 0, max: 900 })),
        maybe(fc.integer({ min: 1, max: 900 })),
        (steps, canaryService, stableService, extraStrategy, workloadRef, minReady, deadline) => {
          const manifest = fixture('rollout-canary.yaml');
          const canary = manifest.spec.strategy.canary as Manifest;
          canary.steps = steps;
          Object.assign(canary, { canaryService, stableService });
          if (canaryService === undefined) delete canary.canaryService;
          if (stableService === undefined) delete canary.stableService;
          if (extraStrategy) manifest.spec.strategy.rolling = {};
          if (workloadRef)
            manifest.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' };
          delete manifest.spec.minReadySeconds;
          delete manifest.spec.progressDeadlineSeconds;
          Object.assign(
            manifest.spec,
            strip({ minReadySeconds: minReady, progressDeadlineSeconds: deadline }),
          );
          const outcome = compare(manifest);
          if (outcome !== undefined) expect(outcome.cel).toEqual(outcome.zod);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for A/B splits, stickiness and variants', () => {
    fc.assert(
      fc.property(
        small,
        small,
        fc.boolean(),
        fc.boolean(),
        service,
        service,
        (a, b, cookie, header, serviceA, serviceB) => {
          const manifest = fixture('rollout-abtest.yaml');
          const abTest = manifest.spec.strategy.abTest as Manifest;
          abTest.split = { a, b };
          abTest.stickiness = strip({
            cookie: cookie ? { name: 'c' } : undefined,
            header: header ? { name: 'h' } : undefined,
          });
          abTest.variants.a.service = serviceA;
          abTest.variants.b.service = serviceB;
          const outcome = compare(manifest);
          expect(outcome).toBeDefined();
          expect(outcome?.cel).toEqual(outcome?.zod);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('for metric providers, argument sources and unique names', () => {
    const provider = fc.record(
      {
        prometheus: fc.constant({ address: 'http://p:9090', query: 'up' }),
        web: fc.constant({ url: 'http://w/x' }),
        job: fc.constant({ spec: { template: {} } }),
      },
      { requiredKeys: [] },
    );
    const valueFrom = fc.record(
      {
        secretKeyRef: fc.constant({ name: 's', key: 'k' }),
        fieldRef: fc.constant({ fieldPath: 'metadata.name' }),
      },
      { requiredKeys: [] },
    );
    const name = fc.constantFrom('m1', 'm2', 'm3');
    fc.assert(
      fc.property(
        fc.array(fc.record({ name, provider }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ name, value: maybe(fc.constant('v')), valueFrom: maybe(valueFrom) }), {
          maxLength: 4,
        }),
        (metrics, args) => {
          const manifest = fixture('analysisrun.yaml');
          manifest.spec.metrics = metrics;
          manifest.spec.args = args.map(strip);
          delete manifest.status;
          const outcome = compare(manifest);
          expect(outcome).toBeDefined();
          expect(outcome?.cel).toEqual(outcome?.zod);
        },
      ),
      { numRuns: 300 },
    );
  });
});
