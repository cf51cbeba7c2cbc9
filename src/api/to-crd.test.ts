import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { INT_OR_STRING, PRESERVE_UNKNOWN, exactlyOneOf, intOrString, withCel } from './common.ts';
import { structuralViolations } from './structural.ts';
import { CrdSchemaError, toCrdSchema, toStructuralSchema, zodToCrdSchema } from './to-crd.ts';

describe('zodToCrdSchema', () => {
  it('turns int-or-string into the extension alone, keeping the description', () => {
    const schema = zodToCrdSchema(z.strictObject({ surge: intOrString().optional().describe('how many') }));
    expect(schema.properties?.surge).toEqual({ description: 'how many', [INT_OR_STRING]: true });
  });

  it('recognises an integer|string union without the metadata as int-or-string', () => {
    const schema = zodToCrdSchema(z.object({ v: z.union([z.number().int(), z.string()]) }));
    expect(schema.properties?.v).toEqual({ [INT_OR_STRING]: true });
  });

  it('drops additionalProperties: false from strict objects', () => {
    const schema = zodToCrdSchema(z.strictObject({ a: z.string() }));
    expect(schema).toEqual({ type: 'object', required: ['a'], properties: { a: { type: 'string' } } });
  });

  it('writes an empty object as {type: object}, without the properties: {} the API server drops', () => {
    expect(zodToCrdSchema(z.strictObject({}))).toEqual({ type: 'object' });
  });

  it('turns a loose object into properties plus preserve-unknown-fields', () => {
    const schema = zodToCrdSchema(z.looseObject({ a: z.string().optional() }));
    expect(schema).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      [PRESERVE_UNKNOWN]: true,
    });
  });

  it('turns a record of anything and z.unknown() into preserve-unknown-fields', () => {
    const schema = zodToCrdSchema(z.object({ map: z.record(z.string(), z.unknown()), any: z.unknown() }));
    expect(schema.properties?.map).toEqual({ type: 'object', [PRESERVE_UNKNOWN]: true });
    expect(schema.properties?.any).toEqual({ [PRESERVE_UNKNOWN]: true });
  });

  it('keeps typed maps', () => {
    const schema = zodToCrdSchema(z.object({ labels: z.record(z.string(), z.string()) }));
    expect(schema.properties?.labels).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  it('replaces zod integer bounds by a format and keeps real bounds', () => {
    const schema = zodToCrdSchema(
      z.object({ big: z.number().int(), small: z.int32().min(0), pct: z.int32().min(0).max(100) }),
    );
    expect(schema.properties?.big).toEqual({ type: 'integer', format: 'int64' });
    expect(schema.properties?.small).toEqual({ type: 'integer', format: 'int32', minimum: 0 });
    expect(schema.properties?.pct).toEqual({ type: 'integer', format: 'int32', minimum: 0, maximum: 100 });
  });

  it('carries defaults, enums, descriptions and CEL rules', () => {
    const schema = zodToCrdSchema(
      withCel(
        z.strictObject({
          mode: z.enum(['a', 'b']).default('a').describe('the mode'),
          x: z.string().optional(),
          y: z.string().optional(),
        }),
        [exactlyOneOf(['x', 'y'])],
      ),
    );
    expect(schema.properties?.mode).toEqual({
      description: 'the mode',
      type: 'string',
      enum: ['a', 'b'],
      default: 'a',
    });
    expect(schema['x-kubernetes-validations']).toEqual([
      {
        rule: '(has(self.x) ? 1 : 0) + (has(self.y) ? 1 : 0) == 1',
        message: 'exactly one of x, y must be set',
      },
    ]);
  });

  it('flattens an "exactly one of" union of objects into one object with a CEL rule', () => {
    const schema = zodToCrdSchema(
      z.object({
        source: z.union([
          z.strictObject({ git: z.string() }),
          z.strictObject({ oci: z.string(), tag: z.string() }),
        ]),
      }),
    );
    expect(schema.properties?.source).toEqual({
      type: 'object',
      properties: { git: { type: 'string' }, oci: { type: 'string' }, tag: { type: 'string' } },
      'x-kubernetes-validations': [
        {
          rule: '((has(self.git)) ? 1 : 0) + ((has(self.oci) && has(self.tag)) ? 1 : 0) == 1',
          message: 'exactly one of git, oci+tag must be set',
        },
      ],
    });
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('merges a union of literals into one enum', () => {
    const schema = zodToCrdSchema(z.object({ v: z.union([z.literal('a'), z.literal('b')]) }));
    expect(schema.properties?.v).toEqual({ type: 'string', enum: ['a', 'b'] });
  });

  it('merges intersections (allOf)', () => {
    const schema = zodToCrdSchema(z.intersection(z.object({ a: z.string() }), z.object({ b: z.number() })));
    expect(schema).toEqual({
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'string' }, b: { type: 'number' } },
    });
  });

  it('inlines schemas registered with an id instead of emitting $ref', () => {
    const shared = z.object({ name: z.string() }).meta({ id: 'Shared' });
    const schema = zodToCrdSchema(z.object({ a: shared, b: shared }));
    expect(schema.properties?.a).toEqual(schema.properties?.b);
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(structuralViolations(schema)).toEqual([]);
  });

  it('rejects recursive schemas', () => {
    interface Tree {
      children?: Tree[];
    }
    const tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(tree).optional() }));
    expect(() => zodToCrdSchema(z.object({ root: tree }))).toThrow(CrdSchemaError);
  });

  it('rejects unions it cannot express', () => {
    expect(() => zodToCrdSchema(z.object({ v: z.union([z.string(), z.boolean()]) }))).toThrow(/union/);
  });
});

describe('toStructuralSchema on hand-written JSON Schema', () => {
  it('turns type lists with null into nullable', () => {
    expect(toStructuralSchema({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true });
  });

  it('turns const into enum and drops unknown keywords and formats', () => {
    expect(
      toStructuralSchema({
        type: 'string',
        const: 'x',
        examples: ['x'],
        readOnly: true,
        format: 'time',
        $schema: 's',
      }),
    ).toEqual({ type: 'string', enum: ['x'] });
  });

  it('resolves $defs references', () => {
    expect(
      toStructuralSchema({
        type: 'object',
        properties: { a: { $ref: '#/$defs/A' } },
        $defs: { A: { type: 'string', description: 'an A' } },
      }),
    ).toEqual({ type: 'object', properties: { a: { type: 'string', description: 'an A' } } });
  });

  it('refuses uniqueItems: true', () => {
    expect(() => toStructuralSchema({ type: 'array', items: { type: 'string' }, uniqueItems: true })).toThrow(
      CrdSchemaError,
    );
  });
});

describe('toCrdSchema (resource root)', () => {
  it('reduces metadata to {type: object} and apiVersion/kind to strings', () => {
    const resource = z.strictObject({
      apiVersion: z.literal('bellwether.dev/v1alpha1'),
      kind: z.literal('Thing'),
      metadata: z.looseObject({ name: z.string().optional() }),
      spec: z.strictObject({ a: z.string() }),
    });
    const schema = toCrdSchema(resource);
    expect(schema.required).toEqual(['spec']);
    expect(schema.properties?.metadata).toEqual({ type: 'object' });
    expect(schema.properties?.apiVersion?.type).toBe('string');
    expect(schema.properties?.apiVersion?.enum).toBeUndefined();
    expect(Object.keys(schema.properties ?? {})).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(structuralViolations(schema)).toEqual([]);
  });
});
