/**
 * Checks a CRD `openAPIV3Schema` for what the API server would reject, without an API server:
 * the structural-schema rules, and the bounds that keep the CEL cost estimate within budget.
 * A unit test runs it on every generated CRD; the end-to-end tests apply them for real. Pure.
 */
import type { CrdSchema } from './to-crd.ts';

export interface SchemaViolation {
  /** Where, e.g. `.properties.spec.properties.strategy`. */
  path: string;
  problem: string;
}

type Node = Record<string, unknown>;

const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
/** Keys structural schemas forbid inside allOf/anyOf/oneOf/not (besides the int-or-string pattern). */
const FORBIDDEN_IN_JUNCTORS = ['type', 'description', 'default', 'additionalProperties', 'nullable'];
const FORBIDDEN_ANYWHERE = [
  '$ref',
  'definitions',
  '$defs',
  '$schema',
  'patternProperties',
  'dependencies',
  'additionalItems',
];

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasTypeOrEscape(node: Node): boolean {
  return (
    typeof node.type === 'string' ||
    node['x-kubernetes-int-or-string'] === true ||
    node['x-kubernetes-preserve-unknown-fields'] === true
  );
}

/**
 * Structural-schema violations anywhere in `schema`: `$ref`/`definitions`, `additionalProperties`
 * next to `properties` (or false), `type: null` or type lists, typed or described branches in
 * allOf/anyOf/oneOf/not, properties/items inside junctors, missing `type` where the node is not
 * int-or-string or preserve-unknown, `uniqueItems`, `type` on int-or-string, and root `metadata`
 * other than `{type: object}`. Pure.
 */
export function structuralViolations(schema: CrdSchema): SchemaViolation[] {
  const violations: SchemaViolation[] = [];
  const add = (path: string, problem: string) => violations.push({ path: path === '' ? '.' : path, problem });
  visitStructural(schema as Node, '', { needsType: true, inJunctor: false }, add);
  const root = schema as Node;
  const metadata = isNode(root.properties) ? root.properties.metadata : undefined;
  if (isNode(metadata) && (metadata.type !== 'object' || Object.keys(metadata).length !== 1)) {
    add('.properties.metadata', 'root metadata must be exactly {type: object}');
  }
  return violations;
}

type Report = (path: string, problem: string) => void;

/** Rules about one node, without looking at its children. */
function checkNode(
  node: Node,
  path: string,
  where: { needsType: boolean; inJunctor: boolean },
  add: Report,
): void {
  for (const key of FORBIDDEN_ANYWHERE) if (key in node) add(path, `${key} is not allowed`);
  if (Array.isArray(node.type)) add(path, 'type must be a single string');
  if (node.type === 'null') add(path, 'type null is not allowed');
  if (node.uniqueItems === true) add(path, 'uniqueItems: true is not allowed');
  if (node['x-kubernetes-preserve-unknown-fields'] === false)
    add(path, 'x-kubernetes-preserve-unknown-fields: false');
  if (node['x-kubernetes-int-or-string'] === true && node.type !== undefined) {
    add(path, 'an int-or-string node must not set type');
  }
  if ('properties' in node && 'additionalProperties' in node)
    add(path, 'additionalProperties next to properties');
  if (typeof node.additionalProperties === 'boolean')
    add(path, `additionalProperties: ${String(node.additionalProperties)}`);
  if (where.needsType && !where.inJunctor && !hasTypeOrEscape(node)) add(path, 'missing type');
  if (where.inJunctor) {
    for (const key of FORBIDDEN_IN_JUNCTORS)
      if (key in node) add(path, `${key} inside allOf/anyOf/oneOf/not`);
    if ('properties' in node || 'items' in node) add(path, 'properties/items inside allOf/anyOf/oneOf/not');
  }
}

function visitStructural(
  node: Node,
  path: string,
  where: { needsType: boolean; inJunctor: boolean },
  add: Report,
): void {
  checkNode(node, path, where, add);
  const inJunctor = where.inJunctor;
  for (const junctor of JUNCTORS) {
    const branches = node[junctor];
    if (branches === undefined) continue;
    const list: unknown[] = Array.isArray(branches) ? branches : [branches];
    list.forEach((branch, index) => {
      if (isNode(branch))
        visitStructural(branch, `${path}.${junctor}[${index}]`, { needsType: false, inJunctor: true }, add);
    });
  }
  if (isNode(node.properties)) {
    for (const [key, child] of Object.entries(node.properties)) {
      if (isNode(child))
        visitStructural(child, `${path}.properties.${key}`, { needsType: true, inJunctor }, add);
      else add(`${path}.properties.${key}`, 'property is not a schema');
    }
  }
  if (isNode(node.items)) visitStructural(node.items, `${path}.items`, { needsType: true, inJunctor }, add);
  else if (node.items !== undefined) add(path, 'items must be one schema');
  if (isNode(node.additionalProperties)) {
    visitStructural(
      node.additionalProperties,
      `${path}.additionalProperties`,
      { needsType: true, inJunctor },
      add,
    );
  }
}

function containsRules(node: Node): boolean {
  if (Array.isArray(node['x-kubernetes-validations'])) return true;
  const children: unknown[] = [
    ...(isNode(node.properties) ? Object.values(node.properties) : []),
    node.items,
    node.additionalProperties,
  ];
  return children.some((child) => isNode(child) && containsRules(child));
}

const HAS_CALL = /\bhas\([^()]*\)/g;
const SELF_FIELD = /\bself\.([A-Za-z_][A-Za-z0-9_]*)/g;
const ITEM_FIELD = /\b[xy]\.([A-Za-z_][A-Za-z0-9_]*)/g;

function unboundedString(node: unknown): boolean {
  return isNode(node) && node.type === 'string' && node.maxLength === undefined && node.enum === undefined;
}

/**
 * Bounds the CEL cost estimator needs: every array or map that contains a rule (on itself or
 * below) has `maxItems` / `maxProperties`, and every string a rule reads (`self.field`, or
 * `x.field` over list items) has `maxLength` or an `enum`. Pure.
 */
export function celBoundViolations(schema: CrdSchema): SchemaViolation[] {
  const violations: SchemaViolation[] = [];
  const visit = (node: Node, path: string): void => {
    if (node.type === 'array' && node.maxItems === undefined && containsRules(node)) {
      violations.push({ path, problem: 'array reached by CEL rules has no maxItems' });
    }
    if (
      isNode(node.additionalProperties) &&
      node.maxProperties === undefined &&
      containsRules(node.additionalProperties)
    ) {
      violations.push({ path, problem: 'map reached by CEL rules has no maxProperties' });
    }
    const rules = node['x-kubernetes-validations'];
    if (Array.isArray(rules)) {
      const properties = isNode(node.properties) ? node.properties : {};
      const itemProperties = isNode(node.items) && isNode(node.items.properties) ? node.items.properties : {};
      for (const entry of rules) {
        // has(self.x) costs the same whatever the size of x; only real reads need bounds.
        const rule = (isNode(entry) && typeof entry.rule === 'string' ? entry.rule : '').replace(
          HAS_CALL,
          '',
        );
        for (const [, field] of rule.matchAll(SELF_FIELD)) {
          if (field !== undefined && unboundedString(properties[field])) {
            violations.push({ path, problem: `rule reads string self.${field} without maxLength` });
          }
        }
        for (const [, field] of rule.matchAll(ITEM_FIELD)) {
          if (field !== undefined && unboundedString(itemProperties[field])) {
            violations.push({ path, problem: `rule reads string item field ${field} without maxLength` });
          }
        }
      }
    }
    if (isNode(node.properties)) {
      for (const [key, child] of Object.entries(node.properties))
        if (isNode(child)) visit(child, `${path}.properties.${key}`);
    }
    if (isNode(node.items)) visit(node.items, `${path}.items`);
    if (isNode(node.additionalProperties)) visit(node.additionalProperties, `${path}.additionalProperties`);
  };
  visit(schema as Node, '');
  return violations;
}
