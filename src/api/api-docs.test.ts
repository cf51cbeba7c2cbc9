import { readFileSync } from 'node:fs';
import { resolveConfig } from 'prettier';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  API_DOCS_PATH,
  code,
  constraints,
  formatApiDocs,
  objectLevels,
  prose,
  renderApiDocs,
  typeName,
  validationRules,
} from './api-docs.ts';
import { buildCrds, type CustomResourceDefinition } from './crds.ts';
import type { CrdSchema } from './to-crd.ts';

const crds = buildCrds();
const schemaOf = (crd: CustomResourceDefinition): CrdSchema => {
  const version = crd.spec.versions[0];
  if (version === undefined) throw new Error('no version');
  return version.schema.openAPIV3Schema;
};
const rollout = crds.find((crd) => crd.spec.names.kind === 'Rollout');
if (rollout === undefined) throw new Error('no Rollout CRD');

/** The document as `npm run docs:api` writes it. */
async function generated(): Promise<string> {
  return formatApiDocs(renderApiDocs(crds), await resolveConfig(API_DOCS_PATH));
}

/** Whether a node has fields below it (directly, or in its list items or map values). */
function hasFields(node: CrdSchema): boolean {
  return (
    node.properties !== undefined ||
    (node.items !== undefined && hasFields(node.items)) ||
    (node.additionalProperties !== undefined && hasFields(node.additionalProperties))
  );
}

/** Paths of the leaf fields: fields with no fields below them (`[]` items, `{}` map values). */
function leafPaths(node: CrdSchema, path = ''): string[] {
  if (!hasFields(node)) return [path];
  const join = (key: string): string => (path === '' ? key : `${path}.${key}`);
  return [
    ...Object.entries(node.properties ?? {}).flatMap(([key, child]) => leafPaths(child, join(key))),
    ...(node.items !== undefined && hasFields(node.items) ? leafPaths(node.items, `${path}[]`) : []),
    ...(node.additionalProperties !== undefined && hasFields(node.additionalProperties)
      ? leafPaths(node.additionalProperties, `${path}{}`)
      : []),
  ];
}

/** The cells of the table row whose first cell is the field `path`, if the doc has one. */
function rowOf(doc: string, path: string): string[] | undefined {
  const start = `| ${code(path)} `;
  const line = doc.split('\n').find((candidate) => candidate.startsWith(start));
  return line
    ?.slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

describe('docs/api.md', () => {
  // prettier's Markdown printer takes seconds on this file: format once.
  let doc = '';
  beforeAll(async () => {
    doc = await generated();
  }, 60_000);

  it('is current (run `npm run docs:api` after changing src/api)', () => {
    const actual = readFileSync(API_DOCS_PATH, 'utf8');
    expect(actual === doc, 'docs/api.md is stale: run `npm run docs:api` and commit it').toBe(true);
  });

  it('is generated deterministically', () => {
    expect(renderApiDocs(buildCrds())).toBe(renderApiDocs(crds));
  });

  it('has a row with a type for every leaf field of the Rollout CRD', () => {
    const leaves = leafPaths(schemaOf(rollout));
    expect(leaves.length).toBeGreaterThan(150);
    expect(leaves).toContain('spec.strategy.canary.steps[].setWeight');
    expect(leaves).toContain('spec.strategy.canary.steps[].setMirrorRoute.match[].headers{}.exact');
    const missing = leaves.filter((path) => {
      const row = rowOf(doc, path);
      return row === undefined || row[1] === undefined || row[1] === '';
    });
    expect(missing, 'Rollout fields without a row in docs/api.md').toEqual([]);
  });

  it('lists every CEL rule with its message, and every printer column', () => {
    for (const crd of crds) {
      for (const rule of validationRules(schemaOf(crd))) {
        expect(doc).toContain(code(rule.rule));
        expect(doc).toContain(prose(rule.message));
      }
      for (const column of crd.spec.versions[0]?.additionalPrinterColumns ?? []) {
        expect(doc).toContain(code(column.jsonPath));
      }
      expect(doc).toContain(`## ${crd.spec.names.kind}\n`);
      expect(doc).toContain(code(`kubectl get ${crd.spec.names.shortNames[0] ?? ''}`));
    }
  });

  it('documents the Rollout fields the brief names, with type, default and bounds', () => {
    expect(rowOf(doc, 'spec.strategy.canary.steps[].setWeight')).toEqual([
      code('spec.strategy.canary.steps[].setWeight'),
      'integer (int32)',
      '',
      '',
      'minimum 0; maximum 100',
      expect.stringContaining('percentage of traffic') as string,
    ]);
    expect(rowOf(doc, 'spec.revisionHistoryLimit')?.slice(1, 5)).toEqual([
      'integer (int32)',
      '',
      '`10`',
      'minimum 0',
    ]);
    expect(rowOf(doc, 'spec.strategy.rolling.maxSurge')?.[1]).toBe('int-or-string');
    // optional with workloadRef (a CEL rule requires it otherwise)
    expect(rowOf(doc, 'spec.selector')?.[2]).toBe('');
    expect(doc).toContain('reported on `spec.selector`');
    expect(doc).toContain('Field names and meanings follow Argo Rollouts');
  });
});

describe('schema rendering', () => {
  it('names types as a manifest author reads them', () => {
    expect(typeName({ 'x-kubernetes-int-or-string': true })).toBe('int-or-string');
    expect(typeName({ type: 'array', items: { type: 'string' } })).toBe('[]string');
    expect(typeName({ type: 'array', items: { type: 'object', properties: {} } })).toBe('[]object');
    expect(typeName({ type: 'object', additionalProperties: { type: 'string' } })).toBe('map[string]string');
    expect(typeName({ type: 'string', format: 'date-time' })).toBe('string (date-time)');
  });

  it('lists bounds, escaping pipes for table cells', () => {
    expect(
      constraints({ type: 'string', minLength: 1, maxLength: 64, pattern: '^(a|b)$', enum: ['a', 'b'] }),
    ).toEqual(['enum `"a"`, `"b"`', 'minLength 1', 'maxLength 64', 'pattern `^(a\\|b)$`']);
    expect(constraints({ type: 'integer', minimum: 0, maximum: 1, exclusiveMaximum: true })).toEqual([
      'minimum 0',
      'exclusiveMaximum 1',
    ]);
  });

  it('escapes Markdown in prose but keeps code spans', () => {
    expect(prose('a | b <token> ".*" `x | y`')).toBe('a \\| b \\<token> ".\\*" `x \\| y`');
    expect(code('a`b')).toBe('``a`b``');
  });

  it('has one level per object with properties, items and map values included', () => {
    const paths = objectLevels(schemaOf(rollout)).map((level) => level.path);
    expect(paths.slice(0, 3)).toEqual(['', 'spec', 'spec.selector']);
    expect(paths).toContain('spec.strategy.canary.steps[]');
    expect(paths).toContain('spec.strategy.canary.steps[].setMirrorRoute.match[].headers{}');
    expect(new Set(paths).size).toBe(paths.length);
  });
});
