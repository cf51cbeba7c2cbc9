import { describe, expect, it } from 'vitest';
import { celBoundViolations, structuralViolations } from './structural.ts';
import type { CrdSchema } from './to-crd.ts';

/** Wraps a node as a property of a root object. */
const rooted = (node: unknown): CrdSchema => ({ type: 'object', properties: { x: node } }) as CrdSchema;
const problems = (node: unknown) => structuralViolations(rooted(node)).map((v) => v.problem);

describe('structuralViolations', () => {
  it('accepts a structural schema', () => {
    expect(
      problems({
        type: 'object',
        properties: {
          a: { type: 'string' },
          n: { 'x-kubernetes-int-or-string': true },
          any: { 'x-kubernetes-preserve-unknown-fields': true },
          list: { type: 'array', items: { type: 'integer' } },
          map: { type: 'object', additionalProperties: { type: 'string' } },
        },
      }),
    ).toEqual([]);
  });

  it('accepts the int-or-string anyOf pattern Kubernetes allows', () => {
    expect(
      problems({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }),
    ).toEqual(['type inside allOf/anyOf/oneOf/not', 'type inside allOf/anyOf/oneOf/not']);
  });

  it.each([
    [{ $ref: '#/definitions/A' }, '$ref is not allowed'],
    [{ type: 'object', definitions: {} }, 'definitions is not allowed'],
    [
      { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
      'additionalProperties next to properties',
    ],
    [{ type: 'object', additionalProperties: false }, 'additionalProperties: false'],
    [{ type: 'null' }, 'type null is not allowed'],
    [{ type: ['string', 'null'] }, 'type must be a single string'],
    [{ type: 'string', anyOf: [{ type: 'string' }] }, 'type inside allOf/anyOf/oneOf/not'],
    [
      { type: 'object', oneOf: [{ properties: { a: { type: 'string' } } }] },
      'properties/items inside allOf/anyOf/oneOf/not',
    ],
    [{ description: 'no type' }, 'missing type'],
    [{ type: 'array', items: { description: 'untyped item' } }, 'missing type'],
    [{ type: 'array', items: { type: 'string' }, uniqueItems: true }, 'uniqueItems: true is not allowed'],
    [{ type: 'string', 'x-kubernetes-int-or-string': true }, 'an int-or-string node must not set type'],
  ])('rejects %j', (node, problem) => {
    expect(problems(node)).toContain(problem);
  });

  it('requires root metadata to be exactly {type: object}', () => {
    const schema = {
      type: 'object',
      properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
    } as CrdSchema;
    expect(structuralViolations(schema).map((v) => v.problem)).toContain(
      'root metadata must be exactly {type: object}',
    );
  });
});

describe('celBoundViolations', () => {
  const rule = [{ rule: 'has(self.a)', message: 'm' }];

  it('flags arrays and maps that reach a rule without bounds', () => {
    const schema = rooted({
      type: 'array',
      items: {
        type: 'object',
        properties: { a: { type: 'string', maxLength: 5 } },
        'x-kubernetes-validations': rule,
      },
    });
    expect(celBoundViolations(schema).map((v) => v.problem)).toEqual([
      'array reached by CEL rules has no maxItems',
    ]);
    const map = rooted({
      type: 'object',
      additionalProperties: { type: 'object', properties: {}, 'x-kubernetes-validations': rule },
    });
    expect(celBoundViolations(map).map((v) => v.problem)).toEqual([
      'map reached by CEL rules has no maxProperties',
    ]);
  });

  it('flags strings a rule compares without maxLength', () => {
    const schema = rooted({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string', maxLength: 3 } },
      'x-kubernetes-validations': [{ rule: 'self.a != self.b', message: 'm' }],
    });
    expect(celBoundViolations(schema).map((v) => v.problem)).toEqual([
      'rule reads string self.a without maxLength',
    ]);
  });

  it('does not count has() as reading a string', () => {
    const schema = rooted({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      'x-kubernetes-validations': [{ rule: 'has(self.a) != has(self.b)', message: 'm' }],
    });
    expect(celBoundViolations(schema)).toEqual([]);
  });

  it('accepts bounded lists', () => {
    const schema = rooted({
      type: 'array',
      maxItems: 10,
      items: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } },
      'x-kubernetes-validations': [
        { rule: 'self.all(x, self.exists_one(y, y.name == x.name))', message: 'm' },
      ],
    });
    expect(celBoundViolations(schema)).toEqual([]);
  });
});
